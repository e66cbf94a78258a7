"""Browser journey of issue 4: a commune officer fills part of the score sheet with evidence and
downloads the evidence ZIP (prepared in the background, issue 8), the unit head submits it, the
district manager sees it as submitted; an officer of another commune gets 404 on its pages and
evidence URLs.

Uses the shared harness of ``tests/e2e/conftest.py`` (``page``, ``login``).
"""

from __future__ import annotations

import zipfile

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from parindex.assessments.models import Assessment, Evidence
from tests.assessments.conftest import framework, round_a, sheet_a1  # noqa: F401 — fixtures
from tests.assessments.factories import PDF_BYTES
from tests.e2e.conftest import click_and_wait, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def logout(page):
    page.context.clear_cookies()


def test_officer_scores_with_evidence_head_submits_manager_sees_it_outsider_gets_404(
    live_server,
    page,
    officer_a1,
    head_a1,
    district_manager_a,
    officer_a2,
    sheet_a1,  # noqa: F811 — fixture imported above
    round_a,  # noqa: F811
    tmp_path,
):
    sheet_url = live_server.url + reverse("assessments:sheet", args=[sheet_a1.pk])

    # 1. The commune officer scores two leaves and attaches a file to one of them.
    login(page, live_server.url, "canbo.a1")
    page.goto(sheet_url)
    expect(page.get_by_test_id("leaf-2.4").get_by_test_id("from-survey")).to_be_visible()
    leaf = page.get_by_test_id("leaf-1.1")
    leaf.locator("select[name=in_value]").select_option("1")
    expect(page.get_by_test_id("leaf-1.1").get_by_test_id("points")).to_have_text("2")
    expect(page.get_by_test_id("sheet-total")).to_have_text("2")

    ratio = page.get_by_test_id("leaf-1.3")
    ratio.locator("input[name=in_numerator]").fill("3")
    ratio.locator("input[name=in_denominator]").fill("4")
    ratio.locator("input[name=in_denominator]").press("Tab")
    expect(page.get_by_test_id("leaf-1.3").get_by_test_id("points")).to_have_text("3,75")
    expect(page.get_by_test_id("sheet-total")).to_have_text("5,75")

    evidence_file = tmp_path / "ke-hoach.pdf"
    evidence_file.write_bytes(PDF_BYTES)
    leaf = page.get_by_test_id("leaf-1.1")
    leaf.get_by_test_id("add-evidence").locator("summary").click()
    leaf.locator("input[name=file]").set_input_files(str(evidence_file))
    leaf.locator("input[name=short_name]").first.fill("Kế hoạch CCHC năm")
    leaf.get_by_test_id("upload-evidence").click()
    expect(page.get_by_test_id("leaf-1.1").get_by_test_id("evidence-link")).to_have_text(
        "Xa Yen Thuong-1.1-Ke hoach CCHC nam.pdf"
    )
    # Leaf 1.3 is scored above zero without evidence: explain it so the head can submit.
    ratio = page.get_by_test_id("leaf-1.3")
    ratio.locator("textarea[name=explanation]").fill("Báo cáo đang trình ký")
    ratio.locator("button[type=submit]", has_text="Lưu").click()
    expect(page.get_by_test_id("leaf-1.3").get_by_test_id("leaf-ok")).to_be_visible()
    evidence = Evidence.objects.get()

    # The ZIP of all evidence is prepared on the worker: job page, then the download.
    page.locator("button.dropdown-toggle", has_text="Tải xuống").click()
    click_and_wait(page, page.get_by_test_id("evidence-zip"))
    page.wait_for_url("**/requests/jobs/*/")
    page.wait_for_selector("[data-testid=job][data-status=succeeded]")
    with page.expect_download() as download_info:
        page.get_by_test_id("job-download").click()
    download = download_info.value
    assert download.suggested_filename == "Xa Yen Thuong-TLKC-Tu cham diem lan 1 nam 2023.zip"
    archive = zipfile.ZipFile(download.path())
    assert archive.read("1.1/Xa Yen Thuong-1.1-Ke hoach CCHC nam.pdf") == PDF_BYTES
    assert "Muc luc tai lieu kiem chung.xlsx" in archive.namelist()
    expect(page.get_by_test_id("job-back")).to_have_attribute(
        "href", reverse("assessments:sheet", args=[sheet_a1.pk])
    )

    # 2. The unit head checks the confirmation page and submits.
    logout(page)
    login(page, live_server.url, "chutich.a1")
    page.goto(sheet_url)
    page.get_by_test_id("submit-sheet").click()
    expect(page.get_by_test_id("confirm-total")).to_have_text("5,75")
    page.get_by_test_id("confirm-submit").click()
    expect(page.get_by_test_id("sheet-status").first).to_have_attribute("data-status", "submitted")
    assert Assessment.objects.get(pk=sheet_a1.pk).status == Assessment.Status.SUBMITTED

    # 3. The district manager sees it as submitted in the round's progress table.
    logout(page)
    login(page, live_server.url, "noivu.da")
    page.goto(live_server.url + reverse("assessments:round_progress", args=[round_a.pk]))
    row = page.locator("[data-testid=progress-table] tr[data-unit=A1]")
    expect(row.get_by_test_id("sheet-status")).to_have_attribute("data-status", "submitted")

    # 4. An officer of the neighbouring commune gets 404 on the sheet, the file and the ZIP.
    logout(page)
    login(page, live_server.url, "canbo.a2")
    for url in (
        reverse("assessments:sheet", args=[sheet_a1.pk]),
        reverse("assessments:evidence_download", args=[evidence.pk]),
        reverse("assessments:evidence_zip", args=[sheet_a1.pk]),
        reverse("assessments:submit", args=[sheet_a1.pk]),
    ):
        response = page.request.get(live_server.url + url)
        assert response.status == 404, url
