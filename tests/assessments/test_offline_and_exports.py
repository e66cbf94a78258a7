"""Offline scoring round trip, and the downloads (progress, summary .xlsx/.docx, to-do)."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from parindex.assessments import actions
from parindex.assessments.models import OfflineUpload
from parindex.requests.models import UserJob
from tests.assessments.factories import score_of

pytestmark = pytest.mark.django_db


def download(client, sheet):
    response = client.get(reverse("assessments:offline_download", args=[sheet.pk]))
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content))


def fill(workbook, values: dict[str, dict[str, object]]) -> bytes:
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        code = row[0].value
        for column, value in values.get(code, {}).items():
            row[header.index(column)].value = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, sheet, data):
    """Upload as the page does. The rows are checked by a job (run inline in tests): the answer is
    the preview when the check passed, else the job page (row errors) or the upload page (a file
    refused by the request)."""
    response = client.post(
        reverse("assessments:offline_upload", args=[sheet.pk]),
        {"file": SimpleUploadedFile("bang.xlsx", data)},
        follow=True,
    )
    job = UserJob.objects.filter(func_path="parindex.assessments.jobs.check_offline_sheet").first()
    if job is not None and job.status == UserJob.Status.SUCCEEDED and job.result_url:
        UserJob.objects.filter(pk=job.pk).delete()
        return client.get(job.result_url)
    return response


def apply(client, sheet):
    preview = OfflineUpload.objects.filter(assessment=sheet).first()
    return client.post(
        reverse("assessments:offline_preview", args=[sheet.pk, preview.pk]), {"apply": "1"}, follow=True
    )


@pytest.fixture
def officer(client, officer_a1):
    client.force_login(officer_a1)
    return client


def test_an_uploaded_sheet_is_previewed_then_applied(officer, sheet_a1):
    data = fill(
        download(officer, sheet_a1),
        {
            "1.1": {"Lựa chọn (mức hoặc Có/Không)": "Có"},
            "1.2": {"Lựa chọn (mức hoặc Có/Không)": "Chưa đầy đủ"},
            "1.3": {"Số hoàn thành": 3, "Tổng số": 4},
            "2.2": {"Không áp dụng": "x"},
            "2.3": {"Điểm nhập trực tiếp": 1.25, "Ghi chú": "Theo báo cáo quý IV"},
        },
    )
    preview = upload(officer, sheet_a1, data)
    html = preview.content.decode()
    assert 'data-testid="preview-table"' in html
    assert score_of(sheet_a1, "1.3").self_points is None  # nothing written yet
    applied = apply(officer, sheet_a1)
    assert "Đã cập nhật 5 tiêu chí từ tệp." in applied.content.decode()
    assert score_of(sheet_a1, "1.1").self_points == Decimal(2)
    assert score_of(sheet_a1, "1.2").self_points == Decimal("1.5")
    assert score_of(sheet_a1, "1.3").self_points == Decimal("3.75")
    assert score_of(sheet_a1, "2.2").not_applicable
    assert score_of(sheet_a1, "2.3").note == "Theo báo cáo quý IV"


def test_one_bad_row_means_nothing_is_written_and_every_error_is_listed(officer, sheet_a1):
    data = fill(
        download(officer, sheet_a1),
        {
            "1.1": {"Lựa chọn (mức hoặc Có/Không)": "Có"},
            "1.2": {"Lựa chọn (mức hoặc Có/Không)": "Tuyệt vời"},
            "1.3": {"Số hoàn thành": 1, "Tổng số": 0},
            "2.3": {"Điểm nhập trực tiếp": 7},
        },
    )
    html = upload(officer, sheet_a1, data).content.decode()
    assert 'data-testid="job-error"' in html  # the row errors are listed on the job page
    assert "không phải là một mức của tiêu chí này" in html
    assert "mẫu số" in html
    assert "Điểm phải từ 0 đến 2." in html
    assert score_of(sheet_a1, "1.1").self_points is None
    assert not OfflineUpload.objects.exists()  # nothing kept to apply


def test_a_leaf_changed_since_the_download_refuses_the_upload(officer, sheet_a1, head_a1):
    workbook = download(officer, sheet_a1)
    leaf = score_of(sheet_a1, "1.3")
    actions.save_score(
        score=leaf, by=head_a1, expected_version=1, raw_inputs={"numerator": "1", "denominator": "1"}
    )
    html = upload(
        officer, sheet_a1, fill(workbook, {"1.3": {"Số hoàn thành": 3, "Tổng số": 4}})
    ).content.decode()
    assert "đã được người khác sửa sau khi tải tệp về" in html
    assert score_of(sheet_a1, "1.3").self_points == Decimal(5)


def test_a_file_that_is_not_xlsx_is_refused(officer, sheet_a1):
    html = upload(officer, sheet_a1, b"%PDF-1.4 not a workbook").content.decode()
    assert 'data-testid="upload-errors"' in html


def test_summary_xlsx_lists_every_criterion_with_parents_summed(officer, sheet_a1, officer_a1):
    actions.save_score(
        score=score_of(sheet_a1, "1.1"), by=officer_a1, expected_version=1, raw_inputs={"value": "1"}
    )
    actions.save_score(
        score=score_of(sheet_a1, "1.3"),
        by=officer_a1,
        expected_version=1,
        raw_inputs={"numerator": "1", "denominator": "2"},
    )
    response = officer.get(reverse("assessments:summary_xlsx", args=[sheet_a1.pk]))
    assert "Bang tong hop ket qua tu danh gia" in response["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0].startswith("Bảng tổng hợp kết quả tự đánh giá năm 2023")
    by_code = {row[0]: row for row in rows[3:] if row[0]}
    assert by_code["1"][3] == 4.5
    assert by_code["2.4"][3] == "từ điều tra"


def test_summary_docx_is_an_official_report(officer, sheet_a1):
    response = officer.get(reverse("assessments:summary_docx", args=[sheet_a1.pk]))
    assert response.status_code == 200
    from docx import Document

    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "tự đánh giá, chấm điểm" in text.lower()


def test_progress_table_downloads_as_xlsx(client, district_manager_a, round_a):
    client.force_login(district_manager_a)
    response = client.get(reverse("assessments:round_progress", args=[round_a.pk]) + "?format=xlsx")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    units = [row[0] for row in rows[3:]]
    assert units == ["Xã Yên Thượng", "Xã Bằng Lãng"]


def test_assigned_officer_sees_missing_work_on_the_home_page_and_todo_list(
    client, sheet_a1, head_a1, officer_a1
):
    area = score_of(sheet_a1, "1.1").criterion.area
    actions.assign(assessment=sheet_a1, criterion=area, by=head_a1, officer=officer_a1)
    actions.save_score(
        score=score_of(sheet_a1, "1.1"), by=officer_a1, expected_version=1, raw_inputs={"value": "1"}
    )
    client.force_login(officer_a1)
    home = client.get(reverse("home")).content.decode()
    assert 'data-testid="panel-assessment-todo"' in home
    todo = client.get(reverse("assessments:todo")).content.decode()
    assert "TLKC hoặc giải trình" in todo and "chưa chấm" in todo
    xlsx = client.get(reverse("assessments:todo") + "?format=xlsx")
    codes = [
        row[2]
        for row in load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(min_row=4, values_only=True)
    ]
    assert codes == ["1.1", "1.2", "1.3"]


def test_unit_head_and_manager_panels(client, sheet_a1, head_a1, district_manager_a):
    client.force_login(head_a1)
    assert 'data-testid="panel-assessment-head"' in client.get(reverse("home")).content.decode()
    client.force_login(district_manager_a)
    html = client.get(reverse("home")).content.decode()
    assert 'data-testid="panel-assessment-manager"' in html and "đã gửi 0/2" in html


def test_assignments_table_downloads_as_xlsx(client, sheet_a1, head_a1, officer_a1):
    area = score_of(sheet_a1, "1.1").criterion.area
    actions.assign(assessment=sheet_a1, criterion=area, by=head_a1, officer=officer_a1)
    client.force_login(head_a1)
    response = client.get(reverse("assessments:assignments", args=[sheet_a1.pk]) + "?format=xlsx")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(min_row=4, values_only=True))
    assert rows == [("1", "Công tác chỉ đạo, điều hành CCHC", "Nguyễn Văn An")]


def test_summary_docx_is_signed_by_the_unit_head(client, sheet_a1, head_a1):
    client.force_login(head_a1)
    response = client.get(reverse("assessments:summary_docx", args=[sheet_a1.pk]))
    from docx import Document

    document = Document(io.BytesIO(response.content))
    texts = [p.text for p in document.paragraphs] + [
        cell.text for table in document.tables for row in table.rows for cell in row.cells
    ]
    assert any("Trần Thị Bình" in text for text in texts)
