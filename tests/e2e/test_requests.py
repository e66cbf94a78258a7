"""Browser journey of issue 8: a district issues a request to its communes, a commune officer sees the
bell, opens the request and sends a report, the district sees it delivered and prepares the .xlsx
tracking table in the background (progress, then download).

Uses the shared harness of ``tests/e2e/conftest.py`` if it appears; until then a local fallback
with the brief's Chromium flags.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil

import pytest
from django.utils import timezone

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"


@pytest.fixture
def requests_page():
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="vi-VN", accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        context.close()
        browser.close()


def sign_in(page, base_url: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(base_url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("input[name=password]", "mat-khau-thu-nghiem")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def test_district_issues_a_request_commune_reports_and_district_exports_tracking(
    live_server, requests_page, settings, tree, district_manager_a, officer_a1, tmp_path
):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "ENQUEUE_ON_COMMIT": True}
    }
    page = requests_page
    deadline = timezone.localtime(timezone.now() + dt.timedelta(days=10))

    sign_in(page, live_server.url, "noivu.da")
    page.goto(live_server.url + "/requests/new/")
    page.fill("#id_number", "15/UBND-NV")
    page.fill("#id_subject", "Báo cáo kết quả khắc phục tồn tại năm 2023")
    page.fill("#id_deadline_date", deadline.date().isoformat())
    page.fill("#id_deadline_time", "10:00")
    page.check("input[name=recipient_kinds][value=commune]")
    page.click("text=Ban hành yêu cầu")
    page.wait_for_url("**/requests/*/")
    assert "10h00" in page.get_by_test_id("deadline").inner_text()
    assert page.locator("[data-testid=tracking-table] tbody tr").count() == 2
    tracking_url = page.url

    sign_in(page, live_server.url, "canbo.a1")
    page.goto(live_server.url + "/")
    assert page.get_by_test_id("unread-count").inner_text().strip() == "1"
    assert "15/UBND-NV" in page.get_by_test_id("panel-requests-received").inner_text()
    page.get_by_test_id("bell").click()
    page.click("text=Yêu cầu mới 15/UBND-NV")
    page.wait_for_url("**/requests/recipient/*/")
    report = tmp_path / "Báo cáo Yên Thượng.pdf"
    report.write_bytes(PDF)
    page.set_input_files("#id_file", str(report))
    page.fill("#id_note", "Kèm báo cáo kết quả")
    page.click("[data-testid=report-form] button[type=submit]")
    page.wait_for_selector("text=Đã gửi báo cáo.")
    assert page.get_by_test_id("status").inner_text().strip() == "Đã nộp đúng hạn"

    sign_in(page, live_server.url, "noivu.da")
    page.goto(tracking_url + "?sort=unit")
    statuses = page.locator("[data-testid=tracking-table] [data-testid=status]").all_inner_texts()
    assert sorted(s.strip() for s in statuses) == ["Chưa thực hiện", "Đã nộp đúng hạn"]
    page.get_by_test_id("export-job").click()
    page.wait_for_url("**/requests/jobs/*/")
    page.wait_for_selector("[data-testid=job][data-status=succeeded]")
    with page.expect_download() as download_info:
        page.get_by_test_id("job-download").click()
    assert download_info.value.suggested_filename.endswith(".xlsx")
