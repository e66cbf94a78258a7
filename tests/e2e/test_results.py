"""Browser journey of issue 5: the appraiser lowers two leaves and flags one; the unit explains; round 2;
the manager computes and publishes (both background jobs: the browser follows the job page back to
the review page); the unit sees its rank, class and lost-points table.

Uses the shared harness of ``tests/e2e/conftest.py`` (``page``, ``switch_user``, ``click_and_wait``).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.appraisals.helpers import make_framework, make_round
from tests.e2e.conftest import click_and_wait, switch_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


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
    live_server, page, tree, officer_a1, appraiser_province, province_manager
):
    fw = make_framework(tree["P"])
    rnd = make_round(
        fw, tree["P"], [tree["A1"], tree["A2"]], self_points={"A1": [25, 25, 25, 20], "A2": [25, 25, 25, 25]}
    )
    a2 = rnd.assessments.get(unit=tree["A2"])
    from parindex.appraisals import actions

    s = actions.start_appraisal(assessment=a2, by=appraiser_province)
    actions.complete_round(sheet=s, by=appraiser_province)
    sheet_url = f"{live_server.url}/appraisals/sheet/{rnd.assessments.get(unit=tree['A1']).pk}/"

    # appraisal round 1: lower two leaves, flag one
    switch_user(page, live_server.url, "thamdinh.p")
    page.goto(sheet_url)
    click_and_wait(page, page.get_by_test_id("start"))
    appraise(page, "1.1", "20", reason="Thiếu báo cáo quý IV")
    appraise(page, "1.2", "12,5", reason="Chưa có quyết định", flag_comment="Bổ sung quyết định kiện toàn")
    expect(page.locator('tr[data-code="1.2"]')).to_contain_text("12,5")
    click_and_wait(page, page.get_by_test_id("complete-round"))
    expect(page.get_by_test_id("appraisal-status")).to_have_text("Chờ giải trình")

    # the unit explains
    switch_user(page, live_server.url, "canbo.a1")
    page.goto(sheet_url)
    panel = page.get_by_test_id("explanation-panel")
    expect(panel).to_contain_text("Bổ sung quyết định kiện toàn")
    panel.locator("textarea[name=text]").fill("Đã ban hành Quyết định số 12/QĐ-UBND")
    click_and_wait(page, panel.get_by_role("button", name="Lưu giải trình"))
    click_and_wait(page, page.get_by_test_id("submit-explanation"))
    expect(page.get_by_test_id("appraisal-status")).to_have_text("Thẩm định lần 2")

    # appraisal round 2 on the flagged leaf
    switch_user(page, live_server.url, "thamdinh.p")
    page.goto(sheet_url)
    appraise(page, "1.2", "25")
    click_and_wait(page, page.get_by_test_id("complete-round"))
    expect(page.get_by_test_id("appraisal-status")).to_have_text("Đã thẩm định")

    # the manager computes, records the approval and publishes
    switch_user(page, live_server.url, "snv.p")
    page.goto(f"{live_server.url}/results/round/{rnd.pk}/")
    review_url = f"{live_server.url}/results/round/{rnd.pk}/"
    # computing runs as a background job: the job page shows its progress, then leads back
    click_and_wait(page, page.get_by_test_id("compute-form").locator("button"))
    job = page.locator("[data-testid=job][data-status=succeeded]")
    expect(job).to_contain_text("Đã tính bảng kết quả.")
    click_and_wait(page, job.get_by_test_id("job-open"))
    assert page.url == review_url
    expect(page.get_by_test_id("publication-status")).to_have_text("Đang rà soát")
    form = page.get_by_test_id("approve-form")
    form.locator("input[name=decision_number]").fill("125/QĐ-UBND")
    form.locator("input[name=decision_date]").fill("2025-01-20")
    click_and_wait(page, form.locator("button"))
    click_and_wait(page, page.get_by_test_id("publish"))
    job = page.locator("[data-testid=job][data-status=succeeded]")
    expect(job).to_contain_text("Đã công bố kết quả.")
    click_and_wait(page, job.get_by_test_id("job-open"))
    expect(page.get_by_test_id("publication-status")).to_have_text("Đã công bố")

    # the unit sees rank, class and its lost-points table
    switch_user(page, live_server.url, "canbo.a1")
    page.goto(f"{live_server.url}/results/unit/{tree['A1'].pk}/")
    expect(page.get_by_test_id("sentence")).to_have_text("Xếp thứ 2/2, 90 điểm, xếp loại Xuất sắc")
    lost = page.get_by_test_id("lost").inner_text()
    assert "1.1" in lost and "2.2" in lost and "1.2" not in lost

    # the dashboards draw their charts from the project's own ECharts without script errors
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/results/")
    click_and_wait(page, page.get_by_test_id("groups").locator("a").first)
    for kind in ("ranking", "classes", "heatmap"):
        page.locator(f'[data-chart="{kind}"] canvas').first.wait_for()
    expect(page.get_by_test_id("ranking").locator("tbody tr")).to_have_count(2)
    page.goto(f"{live_server.url}/results/unit/{tree['A1'].pk}/")
    page.locator('[data-chart="trend"] canvas').first.wait_for()
    assert errors == []
