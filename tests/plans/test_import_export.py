"""Import of plan tasks from .xlsx (row errors, nothing written on error) and exports (.xlsx, .docx)."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from parindex.plans.models import PlanTask
from parindex.requests.models import UserJob
from tests.core.job_helpers import job_of, job_page
from tests.core.xlsx_helpers import make_xlsx

pytestmark = pytest.mark.django_db

HEADER = [
    "STT",
    "Lĩnh vực",
    "Nội dung nhiệm vụ",
    "Sản phẩm",
    "Chủ trì",
    "Phối hợp",
    "Ngày bắt đầu",
    "Hạn hoàn thành",
    "Tiêu chí",
]
GOOD_ROWS = [
    [
        1,
        "1",
        "Ban hành Kế hoạch CCHC năm 2023",
        "Kế hoạch",
        "Văn phòng UBND xã",
        "Các ban ngành",
        "02/01/2023",
        "31/01/2023",
        "1.1",
    ],
    [
        2,
        "Cải cách thủ tục hành chính",
        "Công khai TTHC tại bộ phận một cửa",
        "Ảnh chụp",
        "Xã Yên Thượng",
        "",
        dt.datetime(2023, 2, 1),
        dt.datetime(2023, 12, 31),
        "2.1; 2.2",
    ],
    [3, "Tuyên truyền CCHC", "Tuyên truyền trên đài truyền thanh", "", "", "", None, None, ""],
]


def upload(client, plan, data: bytes, name: str = "kh.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("plans:import", args=[plan.pk]), {"file": SimpleUploadedFile(name, data)}, follow=False
    )


def test_officer_imports_tasks_with_areas_leads_and_criteria(client, officer_a1, plan_a1, tree):
    client.force_login(officer_a1)
    job = job_of(upload(client, plan_a1, make_xlsx(HEADER, GOOD_ROWS)))
    assert job.status == UserJob.Status.SUCCEEDED, job.details
    assert job.message == "Đã nhập 3 nhiệm vụ."
    assert job.details == ["Kế hoạch hiện có 3 nhiệm vụ."]
    assert job.result_url == reverse("plans:detail", args=[plan_a1.pk])
    assert job.back_url == reverse("plans:import", args=[plan_a1.pk])
    tasks = list(plan_a1.tasks.order_by("order"))
    assert [t.order for t in tasks] == [1, 2, 3]
    assert tasks[0].area.code == "1" and tasks[0].lead_text == "Văn phòng UBND xã"
    assert list(tasks[0].criteria.values_list("code", flat=True)) == ["1.1"]
    assert tasks[1].area.code == "2" and tasks[1].lead_unit == tree["A1"]
    assert sorted(tasks[1].criteria.values_list("code", flat=True)) == ["2.1", "2.2"]
    assert tasks[1].due_date == dt.date(2023, 12, 31)
    assert tasks[2].area is None and tasks[2].area_text == "Tuyên truyền CCHC"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ([1, "1", "", "", "", "", None, None, ""], "Ô này không được để trống."),
        (
            [1, "1", "Việc", "", "", "", "31/12/2023", "01/01/2023", ""],
            "Hạn hoàn thành không được trước ngày bắt đầu.",
        ),
        ([1, "1", "Việc", "", "", "", None, "ngày mai", ""], "không phải là ngày"),
        ([1, "1", "Việc", "", "", "", None, None, "9.9"], "Tiêu chí “9.9” không có trong bộ tiêu chí."),
        ([1, "1", "Việc", "", "", "", None, None, "1"], "“1” không phải tiêu chí được chấm điểm"),
        ([0, "1", "Việc", "", "", "", None, None, ""], "Số thứ tự phải từ 1 trở lên."),
    ],
)
def test_a_bad_row_is_reported_in_vietnamese_and_nothing_is_written(
    client, officer_a1, plan_a1, row, message
):
    client.force_login(officer_a1)
    job = job_of(upload(client, plan_a1, make_xlsx(HEADER, [GOOD_ROWS[0], row])))
    assert job.status == UserJob.Status.FAILED
    assert any(line.startswith("Dòng 3") and message in line for line in job.details), job.details
    body = job_page(client, job)
    assert message in body and "Dòng 3" in body
    assert plan_a1.tasks.count() == 0


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("kh.xlsx", b"not a spreadsheet at all", "Đây không phải là tệp Excel .xlsx."),
        ("kh.xls", make_xlsx(HEADER, GOOD_ROWS), "Đây không phải là tệp Excel .xlsx."),
        ("kh.xlsx", b"PK\x03\x04" + b"0" * (1024 * 1024), "Tệp lớn hơn 1 MB."),
    ],
    ids=["not-a-zip", "wrong-extension", "too-large"],
)
def test_a_file_that_is_not_xlsx_is_refused_at_once(
    client, officer_a1, plan_a1, settings, name, content, message
):
    settings.UPLOAD_MAX_MB = 1
    client.force_login(officer_a1)
    response = upload(client, plan_a1, content, name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not UserJob.objects.exists() and plan_a1.tasks.count() == 0


def test_missing_content_column_is_reported(client, officer_a1, plan_a1):
    client.force_login(officer_a1)
    job = job_of(upload(client, plan_a1, make_xlsx(["STT", "Lĩnh vực"], [[1, "1"]])))
    assert job.status == UserJob.Status.FAILED
    assert "Nội dung nhiệm vụ" in job_page(client, job)
    assert plan_a1.tasks.count() == 0


def test_officer_of_another_unit_cannot_import(client, officer_a2, plan_a1):
    client.force_login(officer_a2)
    assert upload(client, plan_a1, make_xlsx(HEADER, GOOD_ROWS)).status_code == 404
    assert not UserJob.objects.exists()


@pytest.mark.parametrize(
    ("persona", "error"),
    [
        ("officer_a2", "Bạn không còn quyền xem hồ sơ này."),
        ("district_manager_a", "Bạn không được thay đổi kế hoạch này."),
    ],
)
def test_the_import_job_refuses_a_user_who_may_not_edit_the_plan(plan_a1, personas, persona, error):
    from parindex.core.jobs import start_user_job

    job = start_user_job(
        user=personas[persona],
        label="Nhập nhiệm vụ",
        func_path="parindex.plans.jobs.import_tasks",
        kwargs={"plan_id": plan_a1.pk},
        input_file=make_xlsx(HEADER, GOOD_ROWS),
    )
    job.refresh_from_db()
    assert job.status == UserJob.Status.FAILED and job.error == error
    assert plan_a1.tasks.count() == 0


@pytest.mark.django_db(transaction=True)
def test_the_tasks_import_waits_for_the_worker(client, officer_a1, plan_a1, worker_queue):
    client.force_login(officer_a1)
    job = job_of(upload(client, plan_a1, make_xlsx(HEADER, GOOD_ROWS)))
    assert job.status == UserJob.Status.QUEUED and plan_a1.tasks.count() == 0
    worker_queue()
    job.refresh_from_db()
    assert job.status == UserJob.Status.SUCCEEDED, (job.error, job.details)
    assert plan_a1.tasks.count() == 3


def test_command_imports_and_reports_row_errors(tmp_path, plan_a1, officer_a1):
    good = tmp_path / "good.xlsx"
    good.write_bytes(make_xlsx(HEADER, GOOD_ROWS))
    out = io.StringIO()
    call_command("import_plan_tasks", str(good), plan=plan_a1.pk, user="canbo.a1", stdout=out)
    assert "3 tasks imported" in out.getvalue()
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(make_xlsx(HEADER, [[1, "1", "Việc", "", "", "", None, None, "7.7"]]))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_plan_tasks", str(bad), plan=plan_a1.pk, user="canbo.a1", stderr=err)
    assert "7.7" in err.getvalue()
    assert plan_a1.tasks.count() == 3


def test_command_refuses_a_user_who_may_not_edit_the_plan(tmp_path, plan_a1, officer_a2):
    good = tmp_path / "good.xlsx"
    good.write_bytes(make_xlsx(HEADER, GOOD_ROWS))
    with pytest.raises(CommandError):
        call_command("import_plan_tasks", str(good), plan=plan_a1.pk, user="canbo.a2")
    assert plan_a1.tasks.count() == 0


def test_xlsx_export_has_tasks_progress_and_a_completion_sheet(client, officer_a1, plan_a1, tasks_a1):
    client.force_login(officer_a1)
    response = client.get(reverse("plans:export_xlsx", args=[plan_a1.pk]))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    tasks_sheet, rate_sheet = workbook.worksheets
    rows = list(tasks_sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 5
    assert rows[1][9] == "Hoàn thành quá hạn"
    total = list(rate_sheet.iter_rows(values_only=True))[-1]
    assert total[0] == "Tổng cộng" and total[3] == 2 and total[6] == 50


def test_exported_xlsx_can_be_imported_into_another_plan(
    client, officer_a1, plan_a1, tasks_a1, tree, framework
):
    from parindex.plans.models import Plan

    client.force_login(officer_a1)
    exported = client.get(reverse("plans:export_xlsx", args=[plan_a1.pk])).content
    next_year = Plan.objects.create(unit=tree["A1"], year=2024, framework=framework)
    assert job_of(upload(client, next_year, exported)).status == UserJob.Status.SUCCEEDED
    assert next_year.tasks.count() == 5
    assert list(next_year.tasks.get(order=1).criteria.values_list("code", flat=True)) == ["1.1"]


def test_docx_export_is_an_official_report_with_the_rate(client, officer_a1, plan_a1, tasks_a1):
    from docx import Document

    client.force_login(officer_a1)
    response = client.get(reverse("plans:export_docx", args=[plan_a1.pk]))
    assert response.status_code == 200
    document = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "BÁO CÁO" in text
    assert "Đạt tỷ lệ 50%" in text
    cells = {c.text for t in document.tables for row in t.rows for c in row.cells}
    assert "Hoàn thành quá hạn (15/07/2023)" in cells
    assert PlanTask.objects.count() == 5
