"""PDF through LibreOffice headless: optional, so these tests skip when it is not installed."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from parindex.documents import pdf, samples

needs_soffice = pytest.mark.skipif(
    not pdf.pdf_available(), reason="LibreOffice (soffice) is not installed: PDF output is optional"
)


def test_missing_libreoffice_is_reported_clearly(monkeypatch):
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    assert not pdf.pdf_available()
    with pytest.raises(pdf.PdfUnavailable) as exc:
        pdf.to_pdf(b"PK")
    assert "LibreOffice" in str(exc.value) and "PATH" in str(exc.value)


@needs_soffice
def test_a_letter_converts_to_a_one_page_pdf_with_its_vietnamese_text():
    content = pdf.to_pdf(samples.render_sample("reminder_letter"))
    assert content.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
        ).stdout.decode()
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
        assert "Thạch Châu, ngày 01 tháng 11 năm 2023" in text
        assert text.count("\f") <= 1  # one page


@needs_soffice
def test_page_numbers_start_on_page_two_and_the_appendix_is_landscape():
    if not shutil.which("pdfinfo") or not shutil.which("pdftotext"):
        pytest.skip("poppler-utils (pdfinfo, pdftotext) is not installed")
    content = pdf.to_pdf(samples.render_sample("remediation_plan"))
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "9", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()
    sizes = [
        line.split(":", 1)[1].strip()
        for line in info.splitlines()
        if line.startswith("Page") and "size" in line
    ]
    assert sizes[0].startswith("595") and sizes[-1].startswith("841")  # A4 portrait, then landscape
    pages = (
        subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True)
        .stdout.decode()
        .split("\f")
    )
    assert pages[0].strip().splitlines()[0].strip() != "1"
    assert pages[1].strip().splitlines()[0].strip() == "2"


@needs_soffice
@pytest.mark.django_db
def test_index_manager_downloads_the_builtin_document_as_pdf(client, district_manager_a):
    client.force_login(district_manager_a)
    response = client.get("/documents/built-in/results_decision_annex/?format=pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


@pytest.mark.django_db
def test_pdf_download_without_libreoffice_explains_why(client, district_manager_a, monkeypatch):
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    client.force_login(district_manager_a)
    response = client.get("/documents/built-in/framework/?format=pdf", follow=True)
    assert "Xuất PDF cần LibreOffice" in response.content.decode()
    assert "Chưa xuất được PDF: máy chủ chưa cài đặt LibreOffice." in response.content.decode()
