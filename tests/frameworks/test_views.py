"""Screens: permission matrix, query-count guards, uploads, edits, downloads."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from parindex.frameworks.actions import import_framework, lock_framework
from parindex.frameworks.models import Criterion, Framework
from parindex.frameworks.validation import CriterionData
from parindex.requests.models import UserJob
from tests.core.job_helpers import job_of, job_page

from .conftest import EXAMPLES, edit_xlsx, small_data, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def framework(tree):
    return import_framework(small_data(), owner_unit=tree["P"], by=None)


@pytest.fixture
def district_framework(tree):
    return import_framework(small_data(name="Bộ tiêu chí xã của huyện"), owner_unit=tree["DA"], by=None)


def login(client, user):
    client.force_login(user)
    return client


READ_URLS = [
    ("frameworks:list", False),
    ("frameworks:detail", True),
    ("frameworks:download", "xlsx"),
    ("frameworks:download", "docx"),
    ("frameworks:download", "yaml"),
]


def read_url(name, arg, framework):
    if arg is False:
        return reverse(name)
    if arg is True:
        return reverse(name, args=[framework.pk])
    return reverse(name, args=[framework.pk, arg])


@pytest.mark.parametrize(
    "persona",
    [
        "officer_a1",
        "head_a1",
        "officer_b1",
        "district_manager_a",
        "appraiser_province",
        "province_manager",
        "viewer_province",
        "admin_user",
    ],
)
def test_everyone_logged_in_reads_and_downloads_frameworks(client, personas, persona, framework):
    login(client, personas[persona])
    for name, arg in READ_URLS:
        response = client.get(read_url(name, arg, framework))
        assert response.status_code == 200, (name, arg)


def test_anonymous_users_are_sent_to_login(client, framework):
    response = client.get(reverse("frameworks:detail", args=[framework.pk]))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_unknown_framework_is_404(client, officer_a1):
    login(client, officer_a1)
    assert client.get(reverse("frameworks:detail", args=[999])).status_code == 404


# persona -> (framework owned by the province, framework owned by district DA)
EDIT_MATRIX = {
    "officer_a1": (403, 403),
    "head_a1": (403, 403),
    "appraiser_province": (403, 403),
    "viewer_province": (403, 403),
    "district_manager_a": (403, 200),
    "province_manager": (200, 200),
    "admin_user": (200, 200),
}


@pytest.mark.parametrize("persona", sorted(EDIT_MATRIX))
def test_permission_matrix_of_the_manager_screens(client, personas, persona, framework, district_framework):
    login(client, personas[persona])
    for target, expected in zip((framework, district_framework), EDIT_MATRIX[persona], strict=True):
        leaf = target.criteria.get(code="2.1")
        for url in (
            reverse("frameworks:edit", args=[target.pk]),
            reverse("frameworks:copy", args=[target.pk]),
            reverse("frameworks:replace", args=[target.pk]),
            reverse("frameworks:criterion_edit", args=[leaf.pk]),
        ):
            assert client.get(url).status_code == expected, (persona, url)


@pytest.mark.parametrize(
    "persona,status",
    [
        ("officer_a1", 403),
        ("appraiser_province", 403),
        ("viewer_province", 403),
        ("district_manager_a", 200),
        ("province_manager", 200),
        ("admin_user", 200),
    ],
)
def test_import_page_is_for_index_managers(client, personas, persona, status, tree):
    login(client, personas[persona])
    assert client.get(reverse("frameworks:import")).status_code == status


def test_edit_links_show_only_for_editors(client, officer_a1, province_manager, framework):
    url = reverse("frameworks:detail", args=[framework.pk])
    assert 'data-testid="edit-link"' not in login(client, officer_a1).get(url).content.decode()
    assert 'data-testid="edit-link"' in login(client, province_manager).get(url).content.decode()


def test_detail_shows_the_tree_with_maxima_methods_and_rules(client, officer_a1, framework):
    html = login(client, officer_a1).get(reverse("frameworks:detail", args=[framework.pk])).content.decode()
    assert "<details" in html and "Lĩnh vực một" in html
    assert "Tỷ lệ theo mức: ≥ 100% → 100% điểm tối đa; ≥ 80% → 50% điểm tối đa; còn lại 0" in html
    assert "Có: 0,5 điểm" in html and "2,5" in html
    assert "Điều tra xã hội học" in html


def _grow(framework_data, n):
    """The small framework with ``n`` extra leaves under a new area (total raised accordingly)."""
    from decimal import Decimal

    framework_data.criteria.append(CriterionData("3", "Lĩnh vực ba", Decimal(n)))
    for i in range(1, n + 1):
        framework_data.criteria.append(CriterionData(f"3.{i}", f"Tiêu chí {i}", Decimal(1), method="binary"))
    framework_data.max_total += n
    return framework_data


def test_detail_query_count_does_not_grow_with_the_number_of_criteria(
    client, tree, officer_a1, django_assert_max_num_queries
):
    small = import_framework(small_data(), owner_unit=tree["P"], by=None)
    large = import_framework(_grow(small_data(name="Lớn"), 60), owner_unit=tree["P"], by=None)
    login(client, officer_a1)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small_queries:
        assert client.get(reverse("frameworks:detail", args=[small.pk])).status_code == 200
    with django_assert_max_num_queries(len(small_queries)):
        response = client.get(reverse("frameworks:detail", args=[large.pk]))
    assert response.status_code == 200 and "Tiêu chí 60" in response.content.decode()


def test_list_query_count_does_not_grow_with_the_number_of_frameworks(
    client, tree, officer_a1, django_assert_max_num_queries
):
    import_framework(small_data(), owner_unit=tree["P"], by=None)
    login(client, officer_a1)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("frameworks:list"))
    for i in range(5):
        import_framework(small_data(name=f"Bộ {i}"), owner_unit=tree["DA"], by=None)
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse("frameworks:list"))
    assert response.content.decode().count("frameworks/") >= 6


def test_list_downloads_as_xlsx(client, officer_a1, framework):
    from openpyxl import load_workbook

    response = login(client, officer_a1).get(reverse("frameworks:list") + "?format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A4"].value == "Bộ tiêu chí thử"


def test_downloaded_xlsx_imports_back_and_docx_is_a_word_file(client, officer_a1, framework):
    from docx import Document

    login(client, officer_a1)
    xlsx = client.get(reverse("frameworks:download", args=[framework.pk, "xlsx"]))
    assert "Bo tieu chi thu.xlsx" in xlsx["Content-Disposition"]
    from parindex.frameworks.transfer import read_file

    assert [c.code for c in read_file(xlsx.content, "x.xlsx").criteria][:3] == ["1", "1.1", "1.1.1"]
    docx = client.get(reverse("frameworks:download", args=[framework.pk, "docx"]))
    text = "\n".join(
        cell.text
        for table in Document(io.BytesIO(docx.content)).tables
        for row in table.rows
        for cell in row.cells
    )
    assert "Ban hành kế hoạch" in text
    assert client.get(reverse("frameworks:download", args=[framework.pk, "pdf"])).status_code == 404


def test_fallback_docx_renders_the_criteria_table(framework):
    from docx import Document

    from parindex.frameworks.docx import render_docx

    document = Document(io.BytesIO(render_docx(framework)))
    assert document.styles["Normal"].font.name == "Times New Roman"
    assert document.tables[0].rows[1].cells[1].text == "Lĩnh vực một"


def test_manager_imports_a_framework_through_the_upload_page(client, province_manager, tree):
    login(client, province_manager)
    upload = SimpleUploadedFile("commune.yaml", (EXAMPLES / "commune.yaml").read_bytes())
    job = job_of(client.post(reverse("frameworks:import"), {"file": upload, "owner_unit": tree["P"].pk}))
    framework = Framework.objects.get()
    assert job.status == UserJob.Status.SUCCEEDED, job.details
    assert job.result_url == framework.get_absolute_url() and job.back_url == reverse("frameworks:import")
    assert framework.name in job.message and "tổng điểm tối đa 100." in job.details[0]
    assert framework.owner_unit == tree["P"] and framework.areas().count() == 8
    assert 'data-testid="job-open"' in job_page(client, job)


def test_upload_with_errors_lists_them_in_vietnamese_and_writes_nothing(client, province_manager, tree):
    login(client, province_manager)
    content = edit_xlsx(xlsx_bytes(small_data()), "Tiêu chí", {"D4": "1,5đ", "F7": None})
    upload = SimpleUploadedFile("bo.xlsx", content)
    job = job_of(client.post(reverse("frameworks:import"), {"file": upload, "owner_unit": tree["P"].pk}))
    assert job.status == UserJob.Status.FAILED
    assert "Dòng 4, Điểm tối đa: “1,5đ” không phải là số." in job.details
    assert "Dòng 4, Điểm tối đa: “1,5đ” không phải là số." in job_page(client, job)
    assert Framework.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bo.txt", b"name: x", "Loại tệp không được hỗ trợ; hãy dùng .xlsx hoặc .yaml."),
        ("bo.xlsx", b"name: x", "Đây không phải là tệp Excel .xlsx."),
        ("bo.yaml", b"x" * (10 * 1024 * 1024 + 1), "Tệp quá lớn."),
    ],
    ids=["wrong-extension", "xlsx-that-is-not-a-zip", "too-large"],
)
def test_a_wrong_file_is_refused_at_once_without_a_job(
    client, province_manager, tree, name, content, message
):
    login(client, province_manager)
    upload = SimpleUploadedFile(name, content)
    response = client.post(reverse("frameworks:import"), {"file": upload, "owner_unit": tree["P"].pk})
    assert response.status_code == 400 and message in response.content.decode()
    assert not UserJob.objects.exists() and Framework.objects.count() == 0


def test_district_manager_cannot_import_for_the_province(client, district_manager_a, tree):
    login(client, district_manager_a)
    upload = SimpleUploadedFile("commune.yaml", (EXAMPLES / "commune.yaml").read_bytes())
    response = client.post(reverse("frameworks:import"), {"file": upload, "owner_unit": tree["P"].pk})
    assert response.status_code == 400 and Framework.objects.count() == 0
    assert not UserJob.objects.exists()


def test_a_user_who_manages_no_unit_cannot_post_an_import(client, officer_a1, tree):
    login(client, officer_a1)
    upload = SimpleUploadedFile("commune.yaml", (EXAMPLES / "commune.yaml").read_bytes())
    response = client.post(reverse("frameworks:import"), {"file": upload, "owner_unit": tree["A1"].pk})
    assert response.status_code == 403
    assert not UserJob.objects.exists() and Framework.objects.count() == 0


def test_the_import_job_refuses_a_unit_the_user_does_not_manage(district_manager_a, tree):
    from parindex.core.jobs import start_user_job

    job = start_user_job(
        user=district_manager_a,
        label="Nhập bộ tiêu chí",
        func_path="parindex.frameworks.jobs.import_framework",
        kwargs={"owner_unit_id": tree["P"].pk, "filename": "commune.yaml"},
        input_file=(EXAMPLES / "commune.yaml").read_bytes(),
    )
    job.refresh_from_db()
    assert job.status == UserJob.Status.FAILED
    assert job.error == "Chỉ cán bộ quản lý chỉ số mới được nhập bộ tiêu chí."
    assert Framework.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_the_framework_import_waits_for_the_worker(client, province_manager, tree, worker_queue):
    login(client, province_manager)
    upload = SimpleUploadedFile("commune.xlsx", (EXAMPLES / "commune.xlsx").read_bytes())
    job = job_of(client.post(reverse("frameworks:import"), {"file": upload, "owner_unit": tree["P"].pk}))
    assert job.status == UserJob.Status.QUEUED and Framework.objects.count() == 0
    assert 'data-status="queued"' in job_page(client, job)
    worker_queue()
    job.refresh_from_db()
    assert job.status == UserJob.Status.SUCCEEDED, (job.error, job.details)
    assert job.result_url == Framework.objects.get().get_absolute_url()


def test_manager_copies_a_framework_into_a_new_version(client, province_manager, framework):
    login(client, province_manager)
    response = client.post(
        reverse("frameworks:copy", args=[framework.pk]),
        {
            "name": "Bộ tiêu chí 2026–2030",
            "valid_from_year": 2026,
            "valid_to_year": 2030,
            "decision_number": "",
            "decision_date": "",
        },
    )
    copy = Framework.objects.get(previous=framework)
    assert response.status_code == 302 and copy.name == "Bộ tiêu chí 2026–2030"
    html = client.get(copy.get_absolute_url()).content.decode()
    assert framework.name in html


def test_manager_edits_a_criterion_until_the_framework_is_locked(client, province_manager, framework):
    login(client, province_manager)
    leaf = framework.criteria.get(code="1.3")
    url = reverse("frameworks:criterion_edit", args=[leaf.pk])
    form = {
        "title": "Sáng kiến mới",
        "max_points": "1",
        "method": "count",
        "params_text": "mỗi=0,25",
        "source": "self",
        "rule_text": "Mỗi sáng kiến 0,25 điểm",
        "evidence_text": "",
        "lead_text": "",
        "coordinators_text": "",
    }
    assert client.post(url, form).status_code == 302
    leaf.refresh_from_db()
    assert leaf.title == "Sáng kiến mới" and leaf.params == {"per_item": "0.25"}

    bad = client.post(url, {**form, "params_text": "mỗi=abc"})
    assert bad.status_code == 400 and "“abc” không phải là số." in bad.content.decode()

    lock_framework(framework, by=None, reason="Đợt 2024")
    page = client.get(url).content.decode()
    assert 'data-testid="locked-note"' in page
    # Disabled fields keep their stored values whatever is posted; texts still change.
    assert (
        client.post(
            url, {**form, "params_text": "mỗi=0,5", "max_points": "3", "title": "Đã sửa chữ"}
        ).status_code
        == 302
    )
    leaf.refresh_from_db()
    assert leaf.params == {"per_item": "0.25"} and leaf.max_points == 1 and leaf.title == "Đã sửa chữ"


def test_sum_breaking_edit_is_refused_with_the_reason(client, province_manager, framework):
    login(client, province_manager)
    leaf = framework.criteria.get(code="2.1")
    url = reverse("frameworks:criterion_edit", args=[leaf.pk])
    response = client.post(
        url,
        {
            "title": leaf.title,
            "max_points": "3",
            "method": "manual",
            "params_text": "bước=0,25",
            "source": "self",
        },
    )
    assert response.status_code == 400
    assert (
        "Tiêu chí 2: điểm tối đa là 4 nhưng các tiêu chí thành phần cộng lại được 5"
        in response.content.decode()
    )
    assert Criterion.objects.get(pk=leaf.pk).max_points == 2


def test_replace_from_file_is_refused_once_locked(client, province_manager, framework):
    login(client, province_manager)
    url = reverse("frameworks:replace", args=[framework.pk])
    data = small_data()
    data.criteria[-1].title = "Hài lòng (sửa)"
    job = job_of(client.post(url, {"file": SimpleUploadedFile("b.xlsx", xlsx_bytes(data))}))
    assert job.status == UserJob.Status.SUCCEEDED and job.result_url == framework.get_absolute_url()
    assert job.back_url == url
    assert framework.criteria.get(code="2.2").title == "Hài lòng (sửa)"
    lock_framework(framework, by=None, reason="x")
    response = client.post(url, {"file": SimpleUploadedFile("b.xlsx", xlsx_bytes(small_data()))})
    assert response.status_code == 400 and "đã bị khóa" in response.content.decode()
    assert UserJob.objects.count() == 1
    assert framework.criteria.get(code="2.2").title == "Hài lòng (sửa)"


def test_a_replace_job_that_finds_the_framework_locked_fails_and_changes_nothing(province_manager, framework):
    from parindex.core.jobs import start_user_job

    lock_framework(framework, by=None, reason="Đợt 2024")
    job = start_user_job(
        user=province_manager,
        label="Thay từ tệp",
        func_path="parindex.frameworks.jobs.replace_framework",
        kwargs={"framework_id": framework.pk, "filename": "b.xlsx"},
        input_file=xlsx_bytes(small_data(name="Đổi tên")),
    )
    job.refresh_from_db()
    assert job.status == UserJob.Status.FAILED and "đã bị khóa" in job.error
    framework.refresh_from_db()
    assert framework.name == "Bộ tiêu chí thử"


def test_a_replace_job_refuses_a_user_who_may_not_edit(district_manager_a, framework):
    from parindex.core.jobs import start_user_job

    job = start_user_job(
        user=district_manager_a,
        label="Thay từ tệp",
        func_path="parindex.frameworks.jobs.replace_framework",
        kwargs={"framework_id": framework.pk, "filename": "b.xlsx"},
        input_file=xlsx_bytes(small_data(name="Đổi tên")),
    )
    job.refresh_from_db()
    assert job.status == UserJob.Status.FAILED
    assert job.error == "Chỉ cán bộ quản lý chỉ số của đơn vị ban hành mới được thay đổi bộ tiêu chí này."
    framework.refresh_from_db()
    assert framework.name == "Bộ tiêu chí thử"


def test_mapping_is_edited_on_the_criterion_page(client, province_manager, framework):
    from parindex.frameworks.actions import copy_framework

    copy = copy_framework(framework, by=None, name="Mới")
    login(client, province_manager)
    target = copy.criteria.get(code="2.2")
    response = client.post(
        reverse("frameworks:criterion_mapping", args=[target.pk]), {"from_codes": "2.1, 2.2"}
    )
    assert response.status_code == 302
    assert sorted(target.mappings_in.values_list("from_criterion__code", flat=True)) == ["2.1", "2.2"]


def test_nav_has_the_frameworks_entry(client, officer_a1):
    html = login(client, officer_a1).get(reverse("home")).content.decode()
    assert 'data-nav="frameworks"' in html and "Bộ tiêu chí" in html


def test_shipped_example_is_downloadable(client, officer_a1):
    response = login(client, officer_a1).get(reverse("frameworks:example", args=["commune"]))
    assert response.status_code == 200
    assert client.get(reverse("frameworks:example", args=["other"])).status_code == 404


def test_manager_edits_the_header_and_locked_score_fields_stay(client, province_manager, framework):
    login(client, province_manager)
    url = reverse("frameworks:edit", args=[framework.pk])
    form = {
        "name": "Bộ tiêu chí thử (sửa)",
        "decision_number": "15/QĐ-UBND",
        "decision_date": "2024-01-15",
        "issuing_body": "UBND tỉnh",
        "unit_kinds": ["commune", "ward"],
        "valid_from_year": 2024,
        "valid_to_year": 2026,
        "max_total": "10",
        "tie_policy": "dense",
        "bonus_cap": "2",
        "penalty_cap": "1",
        "description": "",
    }
    assert client.post(url, form).status_code == 302
    framework.refresh_from_db()
    assert (
        framework.unit_kinds == ["commune", "ward"]
        and framework.tie_policy == "dense"
        and framework.bonus_cap == 2
    )
    bad = client.post(url, {**form, "max_total": "12"})
    assert (
        bad.status_code == 400
        and "Các lĩnh vực cộng lại được 10 nhưng tổng điểm tối đa của bộ tiêu chí là 12"
        in bad.content.decode()
    )
    lock_framework(framework, by=None, reason="x")
    assert client.post(url, {**form, "tie_policy": "competition", "name": "Tên khác"}).status_code == 302
    framework.refresh_from_db()
    assert framework.tie_policy == "dense" and framework.name == "Tên khác"


def test_home_panel_lists_drafts_for_their_managers_only(client, province_manager, officer_a1, framework):
    assert "panel-framework-drafts" in login(client, province_manager).get(reverse("home")).content.decode()
    assert "panel-framework-drafts" not in login(client, officer_a1).get(reverse("home")).content.decode()
    lock_framework(framework, by=None, reason="x")
    assert (
        "panel-framework-drafts" not in login(client, province_manager).get(reverse("home")).content.decode()
    )
