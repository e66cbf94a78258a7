"""The offline score sheet (.xlsx): strict rows, only real changes counted, methods and drop-downs
in the file (issue 17 defect 10), and uploads bounded before any parsing, checked as a
background job with capped errors (issue 24 finding 2)."""

from __future__ import annotations

import io
import os
import zipfile
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from parindex.assessments import actions
from parindex.assessments.models import OfflineUpload, Score
from parindex.requests.models import UserJob
from tests.assessments.factories import score_of
from tests.assessments.test_offline_and_exports import apply, download, fill, upload

pytestmark = pytest.mark.django_db

CHOICE = "Lựa chọn (mức hoặc Có/Không)"
UPLOAD_JOB = "parindex.assessments.jobs.check_offline_sheet"


@pytest.fixture
def officer(client, officer_a1):
    client.force_login(officer_a1)
    return client


def rows_by_code(worksheet) -> dict[str, int]:
    return {worksheet.cell(row=r, column=1).value: r for r in range(2, worksheet.max_row + 1)}


def column_of(worksheet, header: str) -> str:
    for cell in worksheet[1]:
        if cell.value == header:
            return cell.column_letter
    raise AssertionError(f"no column {header!r}")


def validation_of(worksheet, ref: str):
    found = [dv for dv in worksheet.data_validations.dataValidation if ref in dv.sqref]
    return found[0] if found else None


def test_the_offline_sheet_shows_each_leafs_method_and_offers_drop_downs(officer, sheet_a1):
    workbook = download(officer, sheet_a1)
    sheet = workbook.worksheets[0]
    rows = rows_by_code(sheet)
    method = column_of(sheet, "Phương pháp chấm: điền vào cột")
    assert sheet[f"{method}{rows['1.1']}"].value == f"Có / Không — điền vào “{CHOICE}”"
    assert sheet[f"{method}{rows['1.3']}"].value == "Tỷ lệ — điền vào “Số hoàn thành”, “Tổng số”"
    assert "điều tra" in sheet[f"{method}{rows['2.4']}"].value

    choice = column_of(sheet, CHOICE)
    yes_no = validation_of(sheet, f"{choice}{rows['1.1']}")
    assert yes_no.type == "list" and yes_no.formula1 == '"Có,Không"'
    levels = validation_of(sheet, f"{choice}{rows['1.2']}")
    assert levels.type == "list"
    lists_name, cells = levels.formula1.split("!")
    lists = workbook[lists_name.strip("'")]
    assert lists.sheet_state == "hidden"
    first, last = (part.replace("$", "") for part in cells.split(":"))
    assert [c.value for row in lists[first:last] for c in row] == ["Đầy đủ", "Chưa đầy đủ", "Không thực hiện"]
    # No drop-down where the method reads no choice; "x" where "not applicable" is allowed.
    assert validation_of(sheet, f"{choice}{rows['1.3']}") is None
    na = column_of(sheet, "Không áp dụng")
    assert validation_of(sheet, f"{na}{rows['2.2']}").formula1 == '"x"'
    assert validation_of(sheet, f"{na}{rows['1.1']}") is None
    # Input columns the row's method does not read are greyed.
    count = column_of(sheet, "Số lượng")
    assert sheet[f"{count}{rows['1.1']}"].fill.fgColor.rgb.endswith("E7E6E6")
    assert sheet[f"{count}{rows['2.1']}"].fill.fill_type is None


def test_a_value_in_a_column_the_method_does_not_read_is_a_row_error(officer, sheet_a1):
    data = fill(
        download(officer, sheet_a1),
        {
            "1.1": {CHOICE: "Có", "Số lượng": 5},  # binary: reads only the choice
            "2.1": {"Số lượng": 2},  # fine on its own
            "2.3": {CHOICE: "Có", "Điểm nhập trực tiếp": 1},  # manual: reads only the points
            "2.4": {"Số hoàn thành": 1, "Tổng số": 2},  # survey: not self-scored
        },
    )
    html = upload(officer, sheet_a1, data).content.decode()
    assert 'data-testid="job-error"' in html
    assert "1.1 được chấm theo “Có / Không” và chỉ đọc cột “Lựa chọn (mức hoặc Có/Không)”" in html
    assert "“Số lượng” (5)" in html
    assert "2.3 được chấm theo" in html and "“Lựa chọn (mức hoặc Có/Không)” (Có)" in html
    assert "2.4 lấy từ kết quả điều tra xã hội học" in html
    assert score_of(sheet_a1, "2.1").self_points is None  # nothing written
    assert not OfflineUpload.objects.exists()


def test_the_preview_and_the_confirmation_count_only_leaves_that_change(officer, sheet_a1, officer_a1):
    # Values typed on the page as "1,50" and "3,0" come back from Excel as 1.5 and 3: not a change.
    for code, inputs in (("2.3", {"value": "1,50"}), ("1.3", {"numerator": "3,0", "denominator": "4"})):
        leaf = score_of(sheet_a1, code)
        actions.save_score(score=leaf, by=officer_a1, expected_version=leaf.version, raw_inputs=inputs)
    versions = {
        s.criterion.code: s.version
        for s in Score.objects.filter(assessment=sheet_a1).select_related("criterion")
    }
    data = fill(download(officer, sheet_a1), {"1.1": {CHOICE: "Có"}, "2.1": {"Số lượng": 2}})
    html = upload(officer, sheet_a1, data).content.decode()
    assert 'data-testid="change-count">2<' in html
    assert html.count("<tr><td>") == 2
    applied = apply(officer, sheet_a1).content.decode()
    assert "Đã cập nhật 2 tiêu chí từ tệp." in applied
    after = {
        s.criterion.code: s.version
        for s in Score.objects.filter(assessment=sheet_a1).select_related("criterion")
    }
    assert {code for code in after if after[code] != versions[code]} == {"1.1", "2.1"}
    assert score_of(sheet_a1, "2.3").self_points == Decimal("1.5")


def test_an_upload_is_applied_once(officer, sheet_a1):
    upload(officer, sheet_a1, fill(download(officer, sheet_a1), {"1.1": {CHOICE: "Có"}}))
    assert "Đã cập nhật 1 tiêu chí từ tệp." in apply(officer, sheet_a1).content.decode()
    again = apply(officer, sheet_a1).content.decode()
    assert "Các thay đổi này đã được áp dụng." in again


def test_another_user_cannot_open_someone_elses_checked_upload(officer, sheet_a1, client, head_a1):
    upload(officer, sheet_a1, fill(download(officer, sheet_a1), {"1.1": {CHOICE: "Có"}}))
    pending = OfflineUpload.objects.get()
    client.force_login(head_a1)
    url = reverse("assessments:offline_preview", args=[sheet_a1.pk, pending.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"apply": "1"}).status_code == 404
    assert score_of(sheet_a1, "1.1").self_points is None


# --- large and hostile files (issue 24 finding 2) ------------------------------------------------------


def raw_xlsx(rows: int, *, note=lambda i: "", declared: int | None = None, compact: bool = False) -> bytes:
    """A minimal .xlsx written directly (openpyxl would take minutes for 200,000 rows): a header
    and ``rows`` rows of unknown codes; ``declared`` is the row count its ``<dimension>`` claims."""
    header = ["Mã tiêu chí", "Phiên bản (không sửa)", "Ghi chú"]

    def cell(ref, text):
        return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'

    def lines():
        yield '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        yield f'<dimension ref="A1:C{(declared if declared is not None else rows) + 1}"/><sheetData>'
        yield '<row r="1">' + "".join(cell(f"{c}1", h) for c, h in zip("ABC", header, strict=True)) + "</row>"
        for i in range(2, rows + 2):
            if compact:
                yield f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>X</t></is></c></row>'
                continue
            yield f'<row r="{i}">{cell(f"A{i}", f"X{i}")}<c r="B{i}"><v>1</v></c>{cell(f"C{i}", note(i))}</row>'
        yield "</sheetData></worksheet>"

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        archive.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="Bang cham diem" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>",
        )
        archive.writestr("xl/worksheets/sheet1.xml", "".join(lines()))
    return buffer.getvalue()


@pytest.fixture
def no_parsing(monkeypatch):
    """Fail if anything opens the workbook or reads its rows (the request must not)."""

    def refuse(*args, **kwargs):
        raise AssertionError("the request parsed the workbook")

    import openpyxl

    from parindex.assessments import offline

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)
    monkeypatch.setattr(offline, "read_table", refuse)


def post_file(client, sheet, data):
    return client.post(
        reverse("assessments:offline_upload", args=[sheet.pk]),
        {"file": SimpleUploadedFile("bang.xlsx", data)},
    )


def test_a_2_6_mb_sheet_of_199998_bad_rows_is_refused_by_its_size_before_any_row_is_read(
    officer, sheet_a1, no_parsing
):
    data = raw_xlsx(199_998, note=lambda i: os.urandom(6).hex())
    assert len(data) > 2 * 1024 * 1024
    response = post_file(officer, sheet_a1, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="upload-errors"' in html
    assert "một bảng chấm điểm ngoại tuyến chỉ được tối đa 2 MB" in html
    assert len(response.content) < 100_000  # one message, not a page per row
    assert not UserJob.objects.exists() and not OfflineUpload.objects.exists()
    assert not Score.objects.filter(assessment=sheet_a1, version__gt=1).exists()


def test_a_sheet_declaring_199998_rows_is_refused_by_its_row_count_before_any_row_is_read(
    officer, sheet_a1, no_parsing
):
    data = raw_xlsx(199_998, compact=True)
    assert len(data) < 2 * 1024 * 1024  # small: compresses well
    html = post_file(officer, sheet_a1, data).content.decode()
    assert "Tệp có 199.998 dòng; bảng chấm điểm này có 7 tiêu chí, nên chỉ nhận tối đa 1.007 dòng." in html
    assert not UserJob.objects.exists()


def test_a_file_that_lies_about_its_rows_is_stopped_by_the_worker(officer, sheet_a1):
    html = upload(officer, sheet_a1, raw_xlsx(1_500, declared=5)).content.decode()
    assert 'data-testid="job-error"' in html
    assert "Tệp có hơn 1.007 dòng; bảng chấm điểm này có 7 tiêu chí." in html
    html = upload(officer, sheet_a1, raw_xlsx(20, declared=5)).content.decode()
    assert "Tệp khai báo 6 dòng nhưng có 21 dòng" in html
    assert not OfflineUpload.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_many_bad_rows_are_checked_by_the_worker_with_the_first_100_errors_and_the_count(
    client, officer_a1, sheet_a1, worker_queue, monkeypatch
):
    client.force_login(officer_a1)
    data = raw_xlsx(500)
    with monkeypatch.context() as patch:  # the request queues the job without reading a row
        import openpyxl

        from parindex.assessments import offline

        def refuse(*args, **kwargs):
            raise AssertionError("the request parsed the workbook")

        patch.setattr(openpyxl, "load_workbook", refuse)
        patch.setattr(offline, "read_table", refuse)
        response = post_file(client, sheet_a1, data)
    job = UserJob.objects.get(func_path=UPLOAD_JOB)
    assert response.status_code == 302 and response["Location"] == reverse(
        "requests:job_status", args=[job.pk]
    )
    assert job.status == UserJob.Status.QUEUED
    worker_queue()
    job.refresh_from_db()
    assert job.status == UserJob.Status.FAILED
    assert job.error == "Tệp có lỗi; chưa nhập dữ liệu nào."
    assert len(job.details) == 101
    assert (
        job.details[0]
        == "Tệp: Có 500 lỗi; liệt kê 100 lỗi đầu tiên. Sửa các lỗi này và kiểm tra các dòng còn lại trước khi tải lên lại."
    )
    assert job.details[1] == "Dòng 2: Bảng điểm không có tiêu chí “X2”."
    html = client.get(reverse("requests:job_status", args=[job.pk])).content.decode()
    assert html.count("<li>") <= 110
    assert not OfflineUpload.objects.exists()
    assert not Score.objects.filter(assessment=sheet_a1, version__gt=1).exists()


def test_the_workbook_opens_with_openpyxl_after_a_round_trip(officer, sheet_a1):
    workbook = download(officer, sheet_a1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    reopened = load_workbook(io.BytesIO(buffer.getvalue()))
    assert reopened.worksheets[0].data_validations.dataValidation
