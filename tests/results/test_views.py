"""Results pages: permission matrix, published vs draft visibility, public pages, query counts, downloads."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from parindex.requests.models import UserJob
from parindex.results import actions
from parindex.results.models import UnitResult
from tests.appraisals.helpers import make_framework, make_round
from tests.results.helpers import appraise_all, publish

pytestmark = pytest.mark.django_db


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def data(tree, personas):
    fw = make_framework(tree["P"])
    published_round = make_round(
        fw,
        tree["P"],
        [tree["A1"], tree["A2"], tree["B1"]],
        year=2024,
        self_points={"A1": [25, 25, 20, 15], "A2": [25, 20, 20, 20], "B1": [25, 25, 25, 25]},
    )
    appraise_all(published_round, personas["appraiser_province"])
    pub = publish(published_round, personas["province_manager"])
    draft_round = make_round(fw, tree["P"], [tree["A1"], tree["A2"], tree["B1"]], year=2025)
    appraise_all(draft_round, personas["appraiser_province"])
    draft = actions.compute_results(round=draft_round, by=personas["province_manager"])
    return {"pub": pub, "draft": draft, "draft_round": draft_round, "fw": fw, **personas, **tree}


def group_url(pub, name="results:group"):
    key = pub.results.first().peer_key
    return reverse(name, args=[pub.pk, key])


@pytest.mark.parametrize(
    ("persona", "published", "draft"),
    [
        ("officer_a1", 200, 404),  # draft: only A1's own row would be visible → group shows just A1
        ("officer_b1", 200, 404),
        ("viewer_province", 200, 404),
        ("appraiser_province", 200, 200),
        ("province_manager", 200, 200),
        ("district_manager_a", 200, 200),
        ("admin_user", 200, 200),
    ],
)
def test_group_page_permission_matrix(data, persona, published, draft):
    c = client_for(data[persona])
    assert c.get(group_url(data["pub"])).status_code == published
    response = c.get(group_url(data["draft"]))
    if persona in ("officer_a1", "officer_b1"):
        # the unit sees its own unpublished row and nothing of the other units
        assert response.status_code == 200
        codes = {r.unit_code for r in response.context["rows"]}
        assert codes == {"A1" if persona == "officer_a1" else "B1"}
    else:
        assert response.status_code == draft


def test_district_manager_sees_only_drafts_of_its_subtree(data):
    response = client_for(data["district_manager_a"]).get(group_url(data["draft"]))
    assert {r.unit_code for r in response.context["rows"]} == {"A1", "A2"}


def test_anonymous_user_is_sent_to_login(data):
    response = Client().get(group_url(data["pub"]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_unit_page_reads_like_the_seed_sentence_and_shows_lost_points(data):
    response = client_for(data["officer_a1"]).get(reverse("results:unit", args=[data["A1"].pk]))
    assert response.status_code == 200
    text = response.content.decode()
    # 2025 draft is visible to the unit itself and is its latest result
    assert "Xếp thứ" in text and "điểm" in text
    assert 'data-testid="lost"' in text


def test_unit_page_of_another_unit_shows_only_published_results(data):
    response = client_for(data["officer_b1"]).get(reverse("results:unit", args=[data["A1"].pk]))
    assert response.status_code == 200
    years = {r.year for r in response.context["history"]}
    assert years == {2024}


def test_unit_page_of_a_unit_without_results_and_out_of_scope_is_404(data, tree):
    from parindex.units.models import Unit

    lonely = Unit.objects.create(code="Z1", name="Xã Z", kind="commune", parent=tree["DB"])
    assert client_for(data["officer_a1"]).get(reverse("results:unit", args=[lonely.pk])).status_code == 404


def test_stats_page_and_xlsx(data):
    c = client_for(data["province_manager"])
    url = reverse("results:stats", args=[data["pub"].pk, data["pub"].results.first().peer_key])
    response = c.get(url)
    assert response.status_code == 200
    assert "bị trừ" in response.content.decode().lower() or "Bị trừ" in response.content.decode()
    download = c.get(url + "?format=xlsx")
    assert download.status_code == 200 and download.content[:2] == b"PK"
    import io

    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(download.content))
    assert workbook.sheetnames == ["Điểm bị trừ", "Theo đơn vị"]
    matrix = workbook["Theo đơn vị"]
    header = [cell.value for cell in matrix[3]]
    assert header[:2] == ["Mã", "Tiêu chí"] and set(header[2:]) == {
        "Xã Yên Thượng",
        "Xã Bằng Lãng",
        "Xã Quang Thuận",
    }
    a1 = header.index("Xã Yên Thượng") + 1
    lost_by_code = {
        matrix.cell(row=r, column=1).value: matrix.cell(row=r, column=a1).value for r in range(4, 8)
    }
    assert lost_by_code == {"1.1": 0, "1.2": 0, "2.1": 5, "2.2": 10}


def test_ranking_and_heatmap_downloads(data):
    c = client_for(data["officer_b1"])
    url = group_url(data["pub"])
    for fmt in ("xlsx", "heatmap"):
        response = c.get(url + f"?format={fmt}")
        assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")


def test_review_page_only_for_index_managers(data):
    url = reverse("results:review", args=[data["draft_round"].pk])
    assert client_for(data["province_manager"]).get(url).status_code == 200
    assert client_for(data["appraiser_province"]).get(url).status_code == 403
    assert client_for(data["officer_a1"]).get(url).status_code in (403, 404)


def test_manager_publishes_through_the_review_page(data):
    c = client_for(data["province_manager"])
    url = reverse("results:review", args=[data["draft_round"].pk])
    approval = c.post(
        url, {"step": "approve", "decision_number": "15/QĐ-UBND", "decision_date": "2026-01-20"}
    )
    assert approval["Location"] == url  # the approval is immediate, not a job
    data["draft"].refresh_from_db()
    assert data["draft"].status == "approved" and not UserJob.objects.exists()
    response = c.post(url, {"step": "publish"})
    job = UserJob.objects.get()  # publication runs as a job (inline in tests); the browser follows it
    assert response["Location"] == reverse("requests:job_status", args=[job.pk])
    assert job.status == UserJob.Status.SUCCEEDED and job.result_url == url
    data["draft"].refresh_from_db()
    assert data["draft"].is_published and data["draft"].decision_number == "15/QĐ-UBND"


def test_public_pages_need_no_login_show_only_published_data_and_are_embeddable(data):
    c = Client()
    response = c.get(reverse("results:public_index"))
    assert response.status_code == 200 and "X-Frame-Options" not in response
    assert "frame-ancestors *" in response["Content-Security-Policy"]
    assert c.get(group_url(data["pub"], "results:public_group")).status_code == 200
    assert c.get(group_url(data["draft"], "results:public_group")).status_code == 404
    unit_page = c.get(reverse("results:public_unit", args=["A1"]))
    assert unit_page.status_code == 200 and {r.year for r in unit_page.context["history"]} == {2024}


def test_logged_in_pages_keep_x_frame_options(data):
    response = client_for(data["officer_a1"]).get(reverse("results:index"))
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_public_pages_can_be_switched_off(data, settings):
    settings.PARINDEX_PUBLIC_RESULTS = False
    assert Client().get(reverse("results:public_index")).status_code == 404


def _many_units(tree, personas, n):
    from parindex.units.models import Unit

    units = [
        Unit.objects.create(code=f"Q{n}-{i}", name=f"Xã {i}", kind="commune", parent=tree["DA"])
        for i in range(n)
    ]
    fw = make_framework(tree["P"], name=f"Bộ {n}")
    rnd = make_round(fw, tree["P"], units, year=2020 + n)
    appraise_all(rnd, personas["appraiser_province"])
    return publish(rnd, personas["province_manager"])


def test_group_page_query_count_does_not_grow_with_units(tree, personas, django_assert_max_num_queries):
    small, large = _many_units(tree, personas, 3), _many_units(tree, personas, 15)
    c = client_for(personas["officer_b1"])
    c.get(group_url(small))  # warm-up: session, caches
    counts = []
    for pub in (small, large):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert c.get(group_url(pub)).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(counts[0]):
        c.get(group_url(large))


def test_publishing_query_count_does_not_grow_with_units(tree, personas):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from parindex.units.models import Unit

    counts = []
    for n in (2, 3, 12):  # the first run warms caches (content types of the audit log)
        units = [
            Unit.objects.create(code=f"W{n}-{i}", name=f"Xã {i}", kind="commune", parent=tree["DA"])
            for i in range(n)
        ]
        fw = make_framework(tree["P"], name=f"Bộ W{n}")
        rnd = make_round(fw, tree["P"], units, year=2000 + n)
        appraise_all(rnd, personas["appraiser_province"])
        with CaptureQueriesContext(connection) as ctx:
            actions.compute_results(round=rnd, by=personas["province_manager"])
        counts.append(len(ctx.captured_queries))
        assert UnitResult.objects.filter(year=2000 + n).count() == n
    assert counts[1] == counts[2]


@pytest.mark.parametrize(
    ("persona", "published_stats", "draft_stats"),
    [
        ("officer_a1", 200, 200),
        ("officer_b1", 200, 200),
        ("viewer_province", 200, 404),
        ("province_manager", 200, 200),
    ],
)
def test_stats_and_index_permission_matrix(data, persona, published_stats, draft_stats):
    c = client_for(data[persona])
    assert c.get(reverse("results:index")).status_code == 200
    assert c.get(group_url(data["pub"], "results:stats")).status_code == published_stats
    response = c.get(group_url(data["draft"], "results:stats"))
    assert response.status_code == draft_stats
    if persona in ("officer_a1", "officer_b1"):
        assert len(response.context["rows"]) == 1  # only its own unpublished row


def test_index_lists_drafts_only_to_whom_they_are_visible(data):
    viewer_groups = client_for(data["viewer_province"]).get(reverse("results:index")).context["groups"]
    assert {g.year for g in viewer_groups} == {2024}
    manager_groups = client_for(data["province_manager"]).get(reverse("results:index")).context["groups"]
    assert {g.year for g in manager_groups} == {2024, 2025}


def test_review_table_downloads_as_xlsx(data):
    url = reverse("results:review", args=[data["draft_round"].pk]) + "?format=xlsx"
    response = client_for(data["province_manager"]).get(url)
    assert response.status_code == 200 and response.content[:2] == b"PK"


def test_stats_public_and_unit_pages_query_counts_do_not_grow_with_units(tree, personas):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    small, large = _many_units(tree, personas, 3), _many_units(tree, personas, 15)
    c = client_for(personas["province_manager"])
    public = Client()
    c.get(group_url(small, "results:stats"))  # warm-up
    for name, client in (("results:stats", c), ("results:public_group", public)):
        counts = []
        for pub in (small, large):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(group_url(pub, name)).status_code == 200
            counts.append(len(ctx.captured_queries))
        assert counts[0] == counts[1], name
    counts = []
    for pub in (small, large):
        unit = pub.results.order_by("unit_code").first().unit
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(reverse("results:unit", args=[unit.pk])).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_a_unit_without_result_is_listed_as_no_result_and_not_ranked(tree, personas):
    fw = make_framework(tree["P"])
    rnd = make_round(fw, tree["P"], [tree["A1"], tree["A2"]])
    rnd.assessments.filter(unit=tree["A2"]).update(status="draft")  # never submitted, never appraised
    appraise_sheet = rnd.assessments.get(unit=tree["A1"])
    from parindex.appraisals import actions as appraisal

    s = appraisal.start_appraisal(assessment=appraise_sheet, by=personas["appraiser_province"])
    appraisal.complete_round(sheet=s, by=personas["appraiser_province"])
    pub = publish(rnd, personas["province_manager"])
    page = client_for(personas["viewer_province"]).get(group_url(pub)).content.decode()
    assert "chưa có kết quả" in page and "1/1" in page
    import io
    import json

    from django.core.management import call_command

    out = io.StringIO()
    call_command("results", year=2024, unit_type="commune", format="json", stdout=out)
    rows = {r["unit_code"]: r for r in json.loads(out.getvalue())}
    assert rows["A2"] == {
        "unit_code": "A2",
        "unit_name": "Xã Bằng Lãng",
        "total": None,
        "index_percent": None,
        "class": "",
        "rank": None,
        "rank_of": 1,
    }


def test_points_lost_on_a_survey_leaf_have_their_own_column(data):
    """A survey leaf has no self-assessed points: what it loses is neither 'deducted by appraisal'
    nor 'deducted by the unit itself', and shows in the column of criteria not self-scored."""
    from decimal import Decimal

    from parindex.results.models import LeafResult
    from parindex.results.selectors import lost_points

    a1 = data["pub"].results.get(unit=data["A1"])
    leaf = a1.leaves.order_by("order").first()
    LeafResult.objects.filter(pk=leaf.pk).update(
        is_survey=True, self_points=None, final_points=leaf.max_points - Decimal("1.5")
    )
    row = next(r for r in lost_points([a1.pk]) if r.code == leaf.code)
    assert row.by_appraisal is None and row.by_self is None and row.self_points is None
    assert row.not_self_scored == Decimal("1.5") == row.total_lost
    page = client_for(data["province_manager"]).get(group_url(data["pub"], "results:stats")).content.decode()
    assert "Bị trừ ở tiêu chí đơn vị không tự chấm" in page
    cell = page.split(f'data-code="{leaf.code}"')[1].split('data-testid="not-self-scored">')[1].split("<")[0]
    assert cell == "1,5"
