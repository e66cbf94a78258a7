"""Browser journey of issue 5: the appraiser lowers two leaves and flags one; the unit explains; round 2;
the manager publishes; the unit sees its rank, class and lost-points table.

Uses the shared harness of ``tests/e2e/conftest.py`` when it provides ``page``/``login``; until then a
local fallback with the brief's Chromium flags.
"""

from __future__ import annotations

import os
import shutil

import pytest

from tests.appraisals.helpers import make_framework, make_round

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


@pytest.fixture
def results_page():
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="vi-VN")
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


def appraise(page, code, points, reason="", flag_comment=""):
    row = page.locator(f'tr[data-code="{code}"]')
    row.locator("input[name=points]").fill(points)
    if reason:
        row.locator("input[name=reason]").fill(reason)
    if flag_comment:
        row.locator("input[name=flag]").check()
        row.locator("input[name=comment]").fill(flag_comment)
    row.locator("button[type=submit]").click()
    # the row is re-rendered in place through htmx
    page.locator(f'tr[data-code="{code}"] [data-testid=row-saved]').wait_for()


def test_appraise_explain_reappraise_publish_and_unit_sees_its_result(
    live_server, results_page, tree, officer_a1, appraiser_province, province_manager
):
    fw = make_framework(tree["P"])
    rnd = make_round(fw, tree["P"], [tree["A1"], tree["A2"]], self_points={"A1": [25, 25, 25, 20],
                                                                            "A2": [25, 25, 25, 25]})
    a2 = rnd.assessments.get(unit=tree["A2"])
    from parindex.appraisals import actions

    s = actions.start_appraisal(assessment=a2, by=appraiser_province)
    actions.complete_round(sheet=s, by=appraiser_province)
    sheet_url = f"{live_server.url}/appraisals/sheet/{rnd.assessments.get(unit=tree['A1']).pk}/"
    page = results_page

    # appraisal round 1: lower two leaves, flag one
    sign_in(page, live_server.url, "thamdinh.p")
    page.goto(sheet_url)
    page.get_by_test_id("start").click()
    page.wait_for_load_state()
    appraise(page, "1.1", "20", reason="Thiếu báo cáo quý IV")
    appraise(page, "1.2", "12,5", reason="Chưa có quyết định", flag_comment="Bổ sung quyết định kiện toàn")
    assert "12,5" in page.locator('tr[data-code="1.2"]').inner_text()
    page.get_by_test_id("complete-round").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("appraisal-status").inner_text() == "Chờ giải trình"

    # the unit explains
    sign_in(page, live_server.url, "canbo.a1")
    page.goto(sheet_url)
    panel = page.get_by_test_id("explanation-panel")
    assert "Bổ sung quyết định kiện toàn" in panel.inner_text()
    panel.locator("textarea[name=text]").fill("Đã ban hành Quyết định số 12/QĐ-UBND")
    panel.get_by_role("button", name="Lưu giải trình").click()
    page.wait_for_load_state()
    page.get_by_test_id("submit-explanation").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("appraisal-status").inner_text() == "Thẩm định lần 2"

    # appraisal round 2 on the flagged leaf
    sign_in(page, live_server.url, "thamdinh.p")
    page.goto(sheet_url)
    appraise(page, "1.2", "25")
    page.get_by_test_id("complete-round").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("appraisal-status").inner_text() == "Đã thẩm định"

    # the manager computes, records the approval and publishes
    sign_in(page, live_server.url, "snv.p")
    page.goto(f"{live_server.url}/results/round/{rnd.pk}/")
    page.get_by_test_id("compute-form").locator("button").click()
    page.wait_for_load_state()
    form = page.get_by_test_id("approve-form")
    form.locator("input[name=decision_number]").fill("125/QĐ-UBND")
    form.locator("input[name=decision_date]").fill("2025-01-20")
    form.locator("button").click()
    page.wait_for_load_state()
    page.get_by_test_id("publish").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("publication-status").inner_text() == "Đã công bố"

    # the unit sees rank, class and its lost-points table
    sign_in(page, live_server.url, "canbo.a1")
    page.goto(f"{live_server.url}/results/unit/{tree['A1'].pk}/")
    assert page.get_by_test_id("sentence").inner_text() == "Xếp thứ 2/2, 90 điểm, xếp loại Xuất sắc"
    lost = page.get_by_test_id("lost").inner_text()
    assert "1.1" in lost and "2.2" in lost and "1.2" not in lost

    # the dashboards draw their charts from the project's own ECharts without script errors
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/results/")
    page.get_by_test_id("groups").locator("a").first.click()
    page.wait_for_load_state()
    for kind in ("ranking", "classes", "heatmap"):
        page.locator(f'[data-chart="{kind}"] canvas').first.wait_for()
    assert page.get_by_test_id("ranking").locator("tbody tr").count() == 2
    page.goto(f"{live_server.url}/results/unit/{tree['A1'].pk}/")
    page.locator('[data-chart="trend"] canvas').first.wait_for()
    assert errors == []
