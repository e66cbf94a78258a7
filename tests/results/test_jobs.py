"""Computing, publishing and large exports of results run as user jobs on the worker (issue 8)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from parindex.core import jobs as core_jobs
from parindex.requests.models import Notification, UserJob
from parindex.results import actions, exports, views
from parindex.results import jobs as results_jobs
from parindex.results.models import LeafResult, Publication, UnitResult
from parindex.units.models import Membership
from tests.appraisals.helpers import make_framework, make_round
from tests.results.helpers import appraise_all, publish


def vietnamese(msgid: str) -> str:
    with translation.override("vi"):
        text = gettext(msgid)
    assert text != msgid, f"untranslated: {msgid}"
    return text


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


def post_for_messages(client, url, data) -> tuple[str, list[str]]:
    """POST, follow the redirect; (where it led, the messages the page showed)."""
    response = client.post(url, data, follow=True)
    return response.redirect_chain[-1][0], [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def appraised(tree, personas):
    fw = make_framework(tree["P"])
    rnd = make_round(
        fw,
        tree["P"],
        [tree["A1"], tree["A2"], tree["B1"]],
        year=2025,
        self_points={"A1": [25, 25, 20, 15], "A2": [25, 20, 20, 10], "B1": [25, 25, 25, 25]},
    )
    appraise_all(rnd, personas["appraiser_province"])
    return {"round": rnd, "url": reverse("results:review", args=[rnd.pk]), **personas}


def approve(client, url):
    return client.post(
        url, {"step": "approve", "decision_number": "15/QĐ-UBND", "decision_date": "2026-01-20"}
    )


@pytest.mark.django_db
def test_compute_and_publish_through_the_review_page_run_as_jobs(appraised):
    manager = appraised["province_manager"]
    c = client_for(manager)
    url = appraised["url"]

    response = c.post(url, {"step": "compute", "grouping": "kind"})
    job = UserJob.objects.get(func_path=results_jobs.COMPUTE)
    assert response.status_code == 302 and response["Location"] == reverse(
        "requests:job_status", args=[job.pk]
    )
    assert job.status == UserJob.Status.SUCCEEDED and job.user == manager
    assert job.kwargs == {"round_id": appraised["round"].pk, "grouping": "kind"}
    assert job.result_url == url and job.back_url == url and job.percent == 100
    assert job.message == vietnamese("The results table was computed.")
    publication = Publication.objects.get(round=appraised["round"])
    assert publication.status == Publication.Status.DRAFT and publication.results.count() == 3
    assert LeafResult.objects.filter(result__publication=publication).count() == 3 * 4
    assert {r.unit_code: (r.rank, r.total) for r in publication.results.all()} == {
        "B1": (1, 100),
        "A1": (2, 85),
        "A2": (3, 75),
    }
    note = Notification.objects.get(user=manager)
    assert note.level == "success" and note.url == reverse("requests:job_status", args=[job.pk])

    # the job page leads back to the review page, which shows the table
    page = c.get(reverse("requests:job_status", args=[job.pk])).content.decode()
    assert 'data-testid="job-open"' in page and f'href="{url}"' in page
    review = c.get(url)
    assert {r.unit_code for r in review.context["rows"]} == {"A1", "A2", "B1"} and review.context[
        "job"
    ] is None

    approve(c, url)  # synchronous
    publication.refresh_from_db()
    assert publication.status == Publication.Status.APPROVED
    assert not UserJob.objects.filter(func_path=results_jobs.PUBLISH).exists()

    response = c.post(url, {"step": "publish"})
    job = UserJob.objects.get(func_path=results_jobs.PUBLISH)
    assert response["Location"] == reverse("requests:job_status", args=[job.pk])
    assert job.status == UserJob.Status.SUCCEEDED and job.result_url == url
    assert job.message == vietnamese("The results were published.")
    publication.refresh_from_db()
    assert publication.is_published and publication.published_by == manager
    appraised["round"].refresh_from_db()
    assert appraised["round"].status == "closed"


@pytest.mark.django_db
def test_out_of_order_steps_get_an_immediate_message_and_no_job(appraised):
    c = client_for(appraised["province_manager"])
    url = appraised["url"]
    # publish before anything was computed
    assert post_for_messages(c, url, {"step": "publish"}) == (
        url,
        [vietnamese("Record the council's approval before publishing.")],
    )
    # publish a draft that was not approved
    c.post(url, {"step": "compute", "grouping": "kind"})
    assert post_for_messages(c, url, {"step": "publish"}) == (
        url,
        [vietnamese("Record the council's approval before publishing.")],
    )
    assert not UserJob.objects.filter(func_path=results_jobs.PUBLISH).exists()
    # recompute a published table
    approve(c, url)
    c.post(url, {"step": "publish"})
    c.get(url)  # shows (and consumes) the approval's message
    jobs_before = UserJob.objects.count()
    assert post_for_messages(c, url, {"step": "compute", "grouping": "kind"}) == (
        url,
        [vietnamese("These results are approved or published and can no longer be recomputed.")],
    )
    assert post_for_messages(c, url, {"step": "publish"}) == (
        url,
        [vietnamese("These results are already published.")],
    )
    assert UserJob.objects.count() == jobs_before


@pytest.mark.django_db
def test_a_second_compute_while_one_is_queued_is_refused_and_the_page_shows_its_progress(appraised, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # nobody runs it
    manager = appraised["province_manager"]
    c = client_for(manager)
    url = appraised["url"]
    c.post(url, {"step": "compute", "grouping": "kind"})
    job = UserJob.objects.get()
    assert job.status == UserJob.Status.QUEUED

    page = c.get(url)
    html = page.content.decode()
    assert page.context["job"] == job
    assert f'id="job-{job.pk}"' in html and 'hx-trigger="every 1s"' in html  # the progress bar polls
    assert 'data-testid="round-job"' in html
    assert '<button class="btn btn-outline-primary" type="submit" disabled>' in html  # compute is disabled

    assert post_for_messages(c, url, {"step": "compute", "grouping": "kind_parent"}) == (
        url,
        [
            vietnamese(
                "The results of this round are already being computed or published. Wait until that finishes."
            )
        ],
    )
    # another manager of the round sees that it runs, without the other user's progress poll
    from tests.conftest import make_user

    other = make_user(
        "snv.p2", "Lý Văn Khoa", [(appraised["round"].owner_unit, Membership.Role.INDEX_MANAGER)]
    )
    other_page = client_for(other).get(url).content.decode()
    assert "Đặng Văn Hùng" in other_page and 'hx-trigger="every 1s"' not in other_page
    assert client_for(other).post(url, {"step": "compute", "grouping": "kind"})["Location"] == url
    assert UserJob.objects.count() == 1

    # a finished (or failed) job no longer blocks
    UserJob.objects.filter(pk=job.pk).update(status=UserJob.Status.FAILED)
    assert c.get(url).context["job"] is None
    c.post(url, {"step": "compute", "grouping": "kind"})
    assert UserJob.objects.count() == 2


@pytest.mark.django_db
def test_another_units_manager_cannot_start_the_job_and_the_job_refuses_users_without_the_role(appraised):
    url = appraised["url"]
    for persona in ("district_manager_a", "appraiser_province", "officer_a1"):
        response = client_for(appraised[persona]).post(url, {"step": "compute", "grouping": "kind"})
        assert response.status_code in (403, 404), persona
    assert not UserJob.objects.exists()

    # kwargs are not trusted: the job checks the role again with its own user
    job = core_jobs.start_user_job(
        user=appraised["district_manager_a"],
        label="x",
        func_path=results_jobs.COMPUTE,
        kwargs={"round_id": appraised["round"].pk, "grouping": "kind"},
    )
    job.refresh_from_db()
    assert job.status == UserJob.Status.FAILED and job.error == vietnamese("You may not do this.")
    outsider = core_jobs.start_user_job(
        user=appraised["officer_b1"],
        label="x",
        func_path=results_jobs.COMPUTE,
        kwargs={"round_id": appraised["round"].pk, "grouping": "kind"},
    )
    outsider.refresh_from_db()
    assert outsider.status == UserJob.Status.FAILED
    assert not Publication.objects.exists()

    # a manager who lost the role between queueing and running is refused too
    pub = actions.compute_results(round=appraised["round"], by=appraised["province_manager"])
    actions.approve_results(
        publication=pub,
        by=appraised["province_manager"],
        decision_number="1",
        decision_date=dt.date(2026, 1, 1),
    )
    Membership.objects.filter(user=appraised["province_manager"]).delete()
    job = core_jobs.start_user_job(
        user=appraised["province_manager"],
        label="x",
        func_path=results_jobs.PUBLISH,
        kwargs={"round_id": appraised["round"].pk, "publication_id": pub.pk},
    )
    job.refresh_from_db()
    pub.refresh_from_db()
    assert job.status == UserJob.Status.FAILED and pub.status == Publication.Status.APPROVED


@pytest.mark.django_db
def test_a_publish_job_on_a_table_that_is_not_approved_fails_with_the_reason(appraised):
    manager = appraised["province_manager"]
    pub = actions.compute_results(round=appraised["round"], by=manager)
    job = core_jobs.start_user_job(
        user=manager,
        label="x",
        func_path=results_jobs.PUBLISH,
        kwargs={"round_id": appraised["round"].pk, "publication_id": pub.pk},
    )
    job.refresh_from_db()
    assert job.status == UserJob.Status.FAILED
    assert job.error == vietnamese("Record the council's approval before publishing.")
    assert Notification.objects.get(user=manager).level == "danger"


@pytest.mark.django_db(transaction=True)
def test_compute_waits_in_the_database_queue_until_the_worker_runs_it(appraised, worker_queue):
    c = client_for(appraised["province_manager"])
    url = appraised["url"]
    response = c.post(url, {"step": "compute", "grouping": "kind"})
    job = UserJob.objects.get()
    assert response["Location"] == reverse("requests:job_status", args=[job.pk])
    assert job.status == UserJob.Status.QUEUED and not Publication.objects.exists()
    assert c.get(url).context["job"] == job
    c.post(url, {"step": "compute", "grouping": "kind"})
    assert UserJob.objects.count() == 1  # refused while queued

    worker_queue()
    job.refresh_from_db()
    assert job.status == UserJob.Status.SUCCEEDED and job.result_url == url
    assert job.total == 3 and job.done == 3
    assert UnitResult.objects.filter(publication__round=appraised["round"]).count() == 3
    assert c.get(url).context["job"] is None

    approve(c, url)
    c.post(url, {"step": "publish"})
    publish_job = UserJob.objects.get(func_path=results_jobs.PUBLISH)
    assert publish_job.status == UserJob.Status.QUEUED
    worker_queue()
    publish_job.refresh_from_db()
    assert publish_job.status == UserJob.Status.SUCCEEDED
    assert Publication.objects.get(round=appraised["round"]).is_published


def _rows(content: bytes, sheet=None) -> list[list]:
    workbook = load_workbook(io.BytesIO(content))
    worksheet = workbook[sheet] if sheet else workbook.active
    return [[cell.value for cell in row] for row in worksheet.iter_rows(min_row=4)]


@pytest.mark.django_db
def test_large_tables_are_prepared_in_the_background(appraised, monkeypatch):
    monkeypatch.setattr(exports, "EXPORT_DIRECT_MAX_ROWS", 2)
    manager = appraised["province_manager"]
    pub = publish(appraised["round"], manager)
    key = pub.results.first().peer_key
    c = client_for(manager)

    group_url = reverse("results:group", args=[pub.pk, key])
    page = c.get(group_url).content.decode()
    assert 'data-testid="prepare-ranking"' in page and 'data-testid="download-ranking"' not in page
    response = c.post(reverse("results:group_export", args=[pub.pk, key, "ranking"]))
    job = UserJob.objects.get()
    assert response["Location"] == reverse("requests:job_status", args=[job.pk])
    assert job.status == UserJob.Status.SUCCEEDED and job.back_url == group_url
    rows = _rows(job.result_file.read())
    assert [(r[0], r[1], r[2], r[4]) for r in rows] == [(1, 3, "B1", 100), (2, 3, "A1", 85), (3, 3, "A2", 75)]
    # the direct link still gives the same table
    assert _rows(c.get(group_url + "?format=xlsx").content) == rows
    download = c.get(reverse("requests:job_download", args=[job.pk]))
    assert download.status_code == 200

    c.post(reverse("results:group_export", args=[pub.pk, key, "heatmap"]))
    heat = UserJob.objects.filter(label__startswith=vietnamese("Areas (.xlsx)")).get()
    assert [r[0] for r in _rows(heat.result_file.read())] == [
        "Xã Quang Thuận",
        "Xã Yên Thượng",
        "Xã Bằng Lãng",
    ]

    stats_page = c.get(reverse("results:stats", args=[pub.pk, key])).content.decode()
    assert 'data-testid="prepare-stats"' in stats_page
    c.post(reverse("results:group_export", args=[pub.pk, key, "stats"]))
    stats = UserJob.objects.filter(label__startswith=vietnamese("Statistics (.xlsx)")).get()
    assert stats.status == UserJob.Status.SUCCEEDED
    by_unit = load_workbook(io.BytesIO(stats.result_file.read()))["Theo đơn vị"]
    assert {cell.value for cell in by_unit[3]} >= {"Xã Yên Thượng", "Xã Bằng Lãng", "Xã Quang Thuận"}

    # the review page's table, for its index managers only
    review = c.get(appraised["url"]).content.decode()
    assert 'data-testid="prepare-xlsx"' in review
    c.post(appraised["url"], {"step": "export"})
    table = UserJob.objects.filter(kwargs__kind="review").get()
    assert table.status == UserJob.Status.SUCCEEDED
    assert sorted(r[2] for r in _rows(table.result_file.read())) == ["A1", "A2", "B1"]
    outsider = core_jobs.start_user_job(
        user=appraised["appraiser_province"],
        label="x",
        func_path=results_jobs.EXPORT,
        kwargs={"kind": "review", "publication_id": pub.pk, "round_id": appraised["round"].pk},
    )
    outsider.refresh_from_db()
    assert outsider.status == UserJob.Status.FAILED and not outsider.result_file


@pytest.mark.django_db
def test_export_jobs_show_only_what_the_user_sees(appraised, monkeypatch):
    manager = appraised["province_manager"]
    draft = actions.compute_results(round=appraised["round"], by=manager)
    key = draft.results.first().peer_key
    # a unit officer sees only its own unpublished row: the export job has only that row
    officer = appraised["officer_a1"]
    response = client_for(officer).post(reverse("results:group_export", args=[draft.pk, key, "ranking"]))
    job = UserJob.objects.get(user=officer)
    assert response.status_code == 302 and job.status == UserJob.Status.SUCCEEDED
    assert [r[2] for r in _rows(job.result_file.read())] == ["A1"]
    # a viewer sees no draft at all
    assert (
        client_for(appraised["viewer_province"])
        .post(reverse("results:group_export", args=[draft.pk, key, "ranking"]))
        .status_code
        == 404
    )
    assert (
        client_for(manager).post(reverse("results:group_export", args=[draft.pk, key, "other"])).status_code
        == 404
    )
    assert (
        client_for(manager).get(reverse("results:group_export", args=[draft.pk, key, "ranking"])).status_code
        == 405
    )


def _group_of(tree, personas, n):
    from parindex.units.models import Unit

    units = [
        Unit.objects.create(code=f"G{n}-{i:02d}", name=f"Xã {n}-{i:02d}", kind="commune", parent=tree["DA"])
        for i in range(n)
    ]
    fw = make_framework(tree["P"], name=f"Bộ G{n}")
    rnd = make_round(fw, tree["P"], units, year=2000 + n)
    appraise_all(rnd, personas["appraiser_province"])
    return publish(rnd, personas["province_manager"])


@pytest.mark.django_db
def test_the_group_page_is_paginated_with_its_heat_map_and_a_constant_query_count(
    tree, personas, monkeypatch
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr(views, "GROUP_PAGE_SIZE", 5)
    small, large = _group_of(tree, personas, 4), _group_of(tree, personas, 12)
    c = client_for(personas["viewer_province"])
    key = large.results.first().peer_key
    url = reverse("results:group", args=[large.pk, key])
    everyone = [
        r.unit_code for r in UnitResult.objects.filter(publication=large).order_by("rank", "unit_name")
    ]
    assert len(everyone) == 12

    pages = []
    for number in (1, 2, 3):
        response = c.get(url, {"page": number})
        assert response.status_code == 200
        pages.append([r.unit_code for r in response.context["rows"]])
        heat_units = response.context["chart"]["heat"]["units"]
        assert heat_units == [r.unit_name for r in response.context["rows"]]
        assert response.context["units_total"] == 12
        # the class distribution counts the whole group, not the page
        assert sum(n for _label, n in response.context["distribution"]) == 12
    assert pages[0] + pages[1] + pages[2] == everyone and [len(p) for p in pages] == [5, 5, 2]
    html = c.get(url, {"page": 2}).content.decode()
    assert 'data-testid="group-pages"' in html and "?page=3" in html and "?page=1" in html

    by_name = c.get(url, {"sort": "name", "page": 2})
    assert [r.unit_code for r in by_name.context["rows"]] == sorted(everyone)[5:10]
    assert "sort=name" in by_name.content.decode()  # the pages keep the sort

    # the export still has every unit
    assert len(_rows(c.get(url + "?format=xlsx").content)) == 12

    # public page: paginated the same way
    public = Client().get(reverse("results:public_group", args=[large.pk, key]), {"page": 3})
    assert [r.unit_code for r in public.context["rows"]] == pages[2]

    counts = []
    c.get(url)  # warm-up
    for pub, page in ((small, 1), (large, 1), (large, 2)):
        group_url = reverse("results:group", args=[pub.pk, pub.results.first().peer_key])
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(group_url, {"page": page}).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] == counts[2]


@pytest.mark.django_db
def test_compute_reports_progress_per_chunk_of_units(tree, personas, monkeypatch):
    monkeypatch.setattr(actions, "CHUNK_UNITS", 5)
    from parindex.appraisals import actions as appraisal
    from parindex.units.models import Unit

    units = [
        Unit.objects.create(code=f"C{i}", name=f"Xã C{i}", kind="commune", parent=tree["DB"])
        for i in range(12)
    ]
    fw = make_framework(tree["P"], name="Bộ C")
    rnd = make_round(fw, tree["P"], units)
    rnd.assessments.filter(unit=units[0]).update(status="draft")  # never submitted: a row without result
    for sheet in rnd.assessments.exclude(unit=units[0]):
        started = appraisal.start_appraisal(assessment=sheet, by=personas["appraiser_province"])
        appraisal.complete_round(sheet=started, by=personas["appraiser_province"])
    calls = []
    pub = actions.compute_results(
        round=rnd,
        by=personas["province_manager"],
        progress=lambda done, total=None, message="": calls.append((done, total)),
    )
    assert calls == [(0, 12), (5, 12), (10, 12), (12, 12)]
    assert pub.results.count() == 12 and pub.results.filter(index_percent__isnull=True).count() == 1
    assert LeafResult.objects.filter(result__publication=pub).count() == 11 * 4
    # recomputing replaces every row
    pub = actions.compute_results(round=rnd, by=personas["province_manager"], grouping="kind_parent")
    assert pub.results.count() == 12 and LeafResult.objects.filter(result__publication=pub).count() == 11 * 4
