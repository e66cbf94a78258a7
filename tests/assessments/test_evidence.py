"""Evidence files: type by content, limits, macros, zip bombs, generated names, storage, downloads."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from parindex.assessments import actions
from parindex.assessments.evidence import (
    check_upload,
    evidence_filename,
    remediation_purpose,
    store_upload,
)
from tests.assessments.factories import PDF_BYTES, PNG_BYTES, score_of

pytestmark = pytest.mark.django_db

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def upload(name, data):
    return SimpleUploadedFile(name, data)


def docx_bytes() -> bytes:
    from docx import Document

    buffer = io.BytesIO()
    document = Document()
    document.add_paragraph("Báo cáo kết quả CCHC năm 2023")
    document.save(buffer)
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


def zip_of(entries: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def odt_bytes(mimetype="application/vnd.oasis.opendocument.text", extra=None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", "<office:document-content/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "content_type", "ext"),
    [
        ("bao-cao.pdf", PDF_BYTES, "application/pdf", "pdf"),
        ("anh.PNG", PNG_BYTES, "image/png", "png"),
        (
            "scan.jpg",
            b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 100,
            "image/jpeg",
            "jpg",
        ),
        ("van-ban.docx", None, DOCX, "docx"),
        ("bang.xlsx", None, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
        ("van-ban.odt", None, "application/vnd.oasis.opendocument.text", "odt"),
        ("bang.ods", None, "application/vnd.oasis.opendocument.spreadsheet", "ods"),
    ],
)
def test_accepted_types_are_recognised_by_content(name, data, content_type, ext):
    if data is None:
        data = {"docx": docx_bytes, "xlsx": xlsx_bytes}.get(ext, lambda: odt_bytes(content_type))()
    checked = check_upload(upload(name, data))
    assert (checked.content_type, checked.extension) == (content_type, ext)


def test_a_pdf_named_docx_is_stored_as_pdf(sheet_a1, officer_a1):
    evidence = actions.upload_evidence(
        score=score_of(sheet_a1, "1.1"),
        by=officer_a1,
        uploaded_file=upload("thu.docx", PDF_BYTES),
        short_name="Kế hoạch",
    )
    assert evidence.generated_name.endswith(".pdf")
    assert evidence.content_type == "application/pdf"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("setup.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200),  # renamed .exe
        ("script.pdf", b"#!/bin/sh\nrm -rf /\n"),
        ("elf.png", b"\x7fELF\x02\x01\x01" + b"\x00" * 200),
        ("page.pdf", b"<html><script>alert(1)</script></html>"),
        ("archive.docx", None),  # a plain zip
    ],
)
def test_other_types_and_renamed_executables_are_refused(name, data):
    if data is None:
        data = zip_of({"readme.txt": b"hello"})
    with pytest.raises(ValidationError) as exc:
        check_upload(upload(name, data))
    assert (
        exc.value.messages[0].startswith("Loại tệp này không được chấp nhận")
        or "bị hỏng" in exc.value.messages[0]
    )


def test_macro_enabled_office_files_are_refused():
    docm = zip_of(
        {
            "[Content_Types].xml": b'<Types><Override ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/>'
            b"</Types>",
            "word/document.xml": b"<w:document/>",
            "word/vbaProject.bin": b"\x00" * 100,
        }
    )
    with pytest.raises(ValidationError) as exc:
        check_upload(upload("bao-cao.docx", docm))
    assert exc.value.messages == ["Không chấp nhận tệp Office có macro. Hãy lưu tệp ở dạng không có macro."]
    ole_with_vba = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 200
        + "_VBA_PROJECT".encode("utf-16-le")
        + b"\x00" * 100
    )
    with pytest.raises(ValidationError, match="macro"):
        check_upload(upload("bang.xls", ole_with_vba))
    with pytest.raises(ValidationError, match="macro"):
        check_upload(upload("van-ban.odt", odt_bytes(extra={"Basic/Standard/Module1.xml": "<script/>"})))


def test_a_zip_bomb_is_refused():
    bomb = zip_of({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"0" * (20 * 1024 * 1024)})
    assert len(bomb) < 100_000
    with pytest.raises(ValidationError) as exc:
        check_upload(upload("bom.docx", bomb))
    assert "dung lượng bất thường" in exc.value.messages[0]


def test_a_file_above_the_configured_limit_is_refused(settings):
    settings.UPLOAD_MAX_MB = 1
    with pytest.raises(ValidationError) as exc:
        check_upload(upload("lon.pdf", PDF_BYTES + b"0" * (1024 * 1024)))
    assert exc.value.messages[0].startswith("Tệp quá lớn (1,0 MB); giới hạn là 1 MB.")


def test_the_users_file_name_never_reaches_storage(sheet_a1, officer_a1, settings):
    evidence = store_upload(
        unit=sheet_a1.unit,
        year=2023,
        uploaded_file=upload("../../../etc/passwd.pdf", PDF_BYTES),
        short_name="../../Báo cáo/..",
        purpose="1.1",
        by=officer_a1,
    )
    assert evidence.file.name.startswith(f"evidence/{sheet_a1.unit_id}/2023/")
    assert ".." not in evidence.file.name and "passwd" not in evidence.file.name
    assert evidence.original_name == "passwd.pdf"
    assert "/" not in evidence.generated_name and ".." not in evidence.generated_name
    import hashlib

    assert evidence.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    assert (settings.MEDIA_ROOT / evidence.file.name).exists()


def test_generated_names_follow_the_template_and_are_unique_within_unit_and_year(sheet_a1, officer_a1, tree):
    leaf = score_of(sheet_a1, "1.2")
    names = [
        actions.upload_evidence(
            score=leaf, by=officer_a1, uploaded_file=upload("x.pdf", PDF_BYTES), short_name="Báo cáo quý 1"
        ).generated_name
        for _ in range(3)
    ]
    assert names == [
        "Xa Yen Thuong-1.2-Bao cao quy 1.pdf",
        "Xa Yen Thuong-1.2-Bao cao quy 1-2.pdf",
        "Xa Yen Thuong-1.2-Bao cao quy 1-3.pdf",
    ]


def test_the_remediation_name_of_seed_000_comes_from_the_same_mechanism(tree):
    from parindex.units.models import Unit

    unit = Unit(name="Xã Thạch Châu")
    assert evidence_filename(unit, remediation_purpose(1), "sáng kiến kinh nghiệm", "pdf") == (
        "Xa Thach Chau-KQ khac phuc ton tai 1-sang kien kinh nghiem.pdf"
    )


def test_download_goes_through_the_check_with_a_safe_header(client, sheet_a1, officer_a1, officer_a2):
    evidence = actions.upload_evidence(
        score=score_of(sheet_a1, "1.1"),
        by=officer_a1,
        uploaded_file=upload("kh.pdf", PDF_BYTES),
        short_name='Kế hoạch "CCHC"; 2023',
    )
    url = reverse("assessments:evidence_download", args=[evidence.pk])
    client.force_login(officer_a1)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    header = response["Content-Disposition"]
    assert header.startswith('attachment; filename="Xa Yen Thuong-1.1-Ke hoach CCHC 2023.pdf"')
    assert "filename*=UTF-8''" in header
    assert response["X-Content-Type-Options"] == "nosniff"
    client.force_login(officer_a2)
    assert client.get(url).status_code == 404


def test_the_zip_holds_files_by_criterion_code_and_a_contents_list(client, sheet_a1, officer_a1):
    first, second = score_of(sheet_a1, "1.1"), score_of(sheet_a1, "2.1")
    evidence = actions.upload_evidence(
        score=first, by=officer_a1, uploaded_file=upload("a.pdf", PDF_BYTES), short_name="Kế hoạch"
    )
    actions.attach_evidence(score=second, evidence=evidence, by=officer_a1)
    actions.add_reference(score=second, by=officer_a1, short_name="Quyết định", doc_number="12/QĐ-UBND")
    client.force_login(officer_a1)
    response = client.get(reverse("assessments:evidence_zip", args=[sheet_a1.pk]))
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = sorted(archive.namelist())
    assert names == [
        "1.1/Xa Yen Thuong-1.1-Ke hoach.pdf",
        "2.1/Xa Yen Thuong-1.1-Ke hoach.pdf",
        "Muc luc tai lieu kiem chung.xlsx",
    ]
    from openpyxl import load_workbook

    contents = load_workbook(io.BytesIO(archive.read("Muc luc tai lieu kiem chung.xlsx"))).active
    values = [str(cell) for row in contents.iter_rows(values_only=True) for cell in row if cell]
    assert "12/QĐ-UBND" in values


def test_old_binary_word_and_excel_files_are_told_apart_and_other_ole_files_refused():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    assert check_upload(upload("a.bin", ole + "WordDocument".encode("utf-16-le"))).extension == "doc"
    assert check_upload(upload("b.bin", ole + "Workbook".encode("utf-16-le"))).extension == "xls"
    with pytest.raises(ValidationError, match="Loại tệp này không được chấp nhận"):
        check_upload(upload("setup.doc", ole + "SummaryInformation".encode("utf-16-le")))
