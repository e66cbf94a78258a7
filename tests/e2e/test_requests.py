"""Browser journey of issue 8: a district issues a request to its communes, a commune officer sees the
bell, opens the request and sends a report, the district sees it delivered and prepares the .xlsx
tracking table in the background (progress, then download).

Uses the shared harness of ``tests/e2e/conftest.py`` (``page``, ``switch_user``).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import click_and_wait, switch_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"


def test_district_issues_a_request_commune_reports_and_district_exports_tracking(
    live_server, page, settings, tree, district_manager_a, officer_a1, tmp_path
):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "ENQUEUE_ON_COMMIT": True}
    }
    deadline = timezone.localtime(timezone.now() + dt.timedelta(days=10))

    switch_user(page, live_server.url, "noivu.da")
    page.goto(live_server.url + "/requests/new/")
    page.fill("#id_number", "15/UBND-NV")
    page.fill("#id_subject", "Báo cáo kết quả khắc phục tồn tại năm 2023")
    page.fill("#id_deadline_date", deadline.date().isoformat())
    page.fill("#id_deadline_time", "10:00")
    page.check("input[name=recipient_kinds][value=commune]")
    page.click("text=Ban hành yêu cầu")
    # "**/requests/*/" would also match the form's own "/requests/new/": wait for a number.
    page.wait_for_url(re.compile(r"/requests/\d+/$"))
    expect(page.get_by_test_id("deadline")).to_contain_text("10h00")
    expect(page.locator("[data-testid=tracking-table] tbody tr")).to_have_count(2)
    tracking_url = page.url

    switch_user(page, live_server.url, "canbo.a1")
    page.goto(live_server.url + "/")
    expect(page.get_by_test_id("unread-count")).to_have_text("1")  # the bell loads through htmx
    expect(page.get_by_test_id("panel-requests-received")).to_contain_text("15/UBND-NV")
    page.get_by_test_id("bell").click()
    page.click("text=Yêu cầu mới 15/UBND-NV")
    page.wait_for_url("**/requests/recipient/*/")
    report = tmp_path / "Báo cáo Yên Thượng.pdf"
    report.write_bytes(PDF)
    page.set_input_files("#id_file", str(report))
    page.fill("#id_note", "Kèm báo cáo kết quả")
    page.click("[data-testid=report-form] button[type=submit]")
    page.wait_for_selector("text=Đã gửi báo cáo.")
    expect(page.get_by_test_id("status")).to_have_text("Đã nộp đúng hạn")

    switch_user(page, live_server.url, "noivu.da")
    page.goto(tracking_url + "?sort=unit")
    statuses = page.locator("[data-testid=tracking-table] [data-testid=status]")
    expect(statuses).to_have_count(2)
    assert sorted(s.strip() for s in statuses.all_inner_texts()) == ["Chưa thực hiện", "Đã nộp đúng hạn"]
    click_and_wait(page, page.get_by_test_id("export-job"))
    page.wait_for_url("**/requests/jobs/*/")
    page.wait_for_selector("[data-testid=job][data-status=succeeded]")
    with page.expect_download() as download_info:
        page.get_by_test_id("job-download").click()
    assert download_info.value.suggested_filename.endswith(".xlsx")
