"""Import of plan tasks from .xlsx (row errors, nothing written on error) and exports (.xlsx, .docx)."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from parindex.plans.models import PlanTask
from tests.core.xlsx_helpers import make_xlsx

pytestmark = pytest.mark.django_db

HEADER = ["STT", "Lĩnh vực", "Nội dung nhiệm vụ", "Sản phẩm", "Chủ trì", "Phối hợp", "Ngày bắt đầu",
          "Hạn hoàn thành", "Tiêu chí"]
GOOD_ROWS = [
    [1, "1", "Ban hành Kế hoạch CCHC năm 2023", "Kế hoạch", "Văn phòng UBND xã", "Các ban ngành",
     "02/01/2023", "31/01/2023", "1.1"],
    [2, "Cải cách thủ tục hành chính", "Công khai TTHC tại bộ phận một cửa", "Ảnh chụp", "Xã Yên Thượng", "",
     dt.datetime(2023, 2, 1), dt.datetime(2023, 12, 31), "2.1; 2.2"],
    [3, "Tuyên truyền CCHC", "Tuyên truyền trên đài truyền thanh", "", "", "", None, None, ""],
]


def upload(client, plan, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(reverse("plans:import", args=[plan.pk]),
                       {"file": SimpleUploadedFile("kh.xlsx", data)}, follow=False)


def test_officer_imports_tasks_with_areas_leads_and_criteria(client, officer_a1, plan_a1, tree):
    client.force_login(officer_a1)
    response = upload(client, plan_a1, make_xlsx(HEADER, GOOD_ROWS))
    assert response.status_code == 302
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
        ([1, "1", "Việc", "", "", "", "31/12/2023", "01/01/2023", ""], "Hạn hoàn thành không được trước ngày bắt đầu."),
        ([1, "1", "Việc", "", "", "", None, "ngày mai", ""], "không phải là ngày"),
        ([1, "1", "Việc", "", "", "", None, None, "9.9"], "Tiêu chí “9.9” không có trong bộ tiêu chí."),
        ([1, "1", "Việc", "", "", "", None, None, "1"], "“1” không phải tiêu chí được chấm điểm"),
        ([0, "1", "Việc", "", "", "", None, None, ""], "Số thứ tự phải từ 1 trở lên."),
    ],
)
def test_a_bad_row_is_reported_in_vietnamese_and_nothing_is_written(client, officer_a1, plan_a1, row, message):
    client.force_login(officer_a1)
    response = upload(client, plan_a1, make_xlsx(HEADER, [GOOD_ROWS[0], row]))
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert "Dòng 3" in body
    assert plan_a1.tasks.count() == 0


def test_a_file_that_is_not_xlsx_is_refused(client, officer_a1, plan_a1):
    client.force_login(officer_a1)
    response = upload(client, plan_a1, b"not a spreadsheet at all")
    assert "Đây không phải là tệp Excel .xlsx." in response.content.decode()
    assert plan_a1.tasks.count() == 0


def test_missing_content_column_is_reported(client, officer_a1, plan_a1):
    client.force_login(officer_a1)
    response = upload(client, plan_a1, make_xlsx(["STT", "Lĩnh vực"], [[1, "1"]]))
    assert "Nội dung nhiệm vụ" in response.content.decode()
    assert plan_a1.tasks.count() == 0


def test_officer_of_another_unit_cannot_import(client, officer_a2, plan_a1):
    client.force_login(officer_a2)
    assert upload(client, plan_a1, make_xlsx(HEADER, GOOD_ROWS)).status_code == 404


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


def test_exported_xlsx_can_be_imported_into_another_plan(client, officer_a1, plan_a1, tasks_a1, tree, framework):
    from parindex.plans.models import Plan

    client.force_login(officer_a1)
    exported = client.get(reverse("plans:export_xlsx", args=[plan_a1.pk])).content
    next_year = Plan.objects.create(unit=tree["A1"], year=2024, framework=framework)
    assert upload(client, next_year, exported).status_code == 302
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
