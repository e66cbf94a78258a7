"""Browser journey of issue 17 (defect 1): during an open round a plan task is marked done, the
score sheet shows the new plan-fed value before submission, and the total the head confirms is
the total stored after submitting.

Uses the shared harness of ``tests/e2e/conftest.py`` (``page``, ``login``, ``switch_user``).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse
from playwright.sync_api import expect

from parindex.assessments import actions
from parindex.assessments.models import Assessment
from parindex.core.text import format_decimal
from tests.e2e.conftest import click_and_wait, login, switch_user
from tests.plans.conftest import framework, plan_a1, round_a, score_of, sheet_a1, tasks_a1  # noqa: F401 — fixtures

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_task_marked_done_shows_on_the_sheet_and_the_confirmed_total_is_the_stored_total(
    live_server,
    page,
    officer_a1,
    head_a1,
    plan_a1,  # noqa: F811
    tasks_a1,  # noqa: F811
    sheet_a1,  # noqa: F811
):
    # The unit already scored 1.1 (2 points) and 2.1 (1,5); the plan has 2 of 4 tasks done.
    for code, inputs in (("1.1", {"value": "1"}), ("2.1", {"value": "1,5"})):
        score = score_of(sheet_a1, code)
        actions.save_score(
            score=score,
            by=officer_a1,
            expected_version=score.version,
            raw_inputs=inputs,
            missing_evidence_explanation="Bản giấy lưu tại văn phòng",
        )
    sheet_url = live_server.url + reverse("assessments:sheet", args=[sheet_a1.pk])
    login(page, live_server.url, "canbo.a1")

    page.goto(sheet_url)
    leaf = page.get_by_test_id("leaf-1.2")
    expect(leaf.get_by_test_id("fed-source")).to_contain_text("Tự động từ Kế hoạch CCHC")
    expect(leaf.get_by_test_id("points")).to_have_text("2,5")  # 5 × 2/4
    expect(page.get_by_test_id("sheet-total")).to_have_text("6")

    # The source link leads to the plan, where the officer marks task 3 done.
    click_and_wait(page, leaf.get_by_test_id("fed-source"))
    page.wait_for_url(f"**{reverse('plans:detail', args=[plan_a1.pk])}")
    row = page.locator(f'[data-testid=task-row][data-task="{tasks_a1[2].pk}"]')
    click_and_wait(page, row.get_by_test_id("mark-done"))
    page.fill("input[name=completion_date]", "2023-09-20")
    click_and_wait(page, page.get_by_test_id("confirm-done"))
    expect(page.get_by_test_id("plan-rate")).to_have_text("75%")

    # Before submission the sheet already shows the plan's new numbers, and its total follows.
    page.goto(sheet_url)
    leaf = page.get_by_test_id("leaf-1.2")
    expect(leaf.get_by_test_id("fed-input").first).to_have_text("Số đã thực hiện: 3")
    expect(leaf.get_by_test_id("fed-input").nth(1)).to_have_text("Tổng số: 4")
    expect(leaf.get_by_test_id("points")).to_have_text("3,75")
    expect(page.get_by_test_id("sheet-total")).to_have_text("7,25")
    # The officer explains the missing evidence of the fed leaf (saved in place; the plan's numbers stay).
    leaf.locator("textarea[name=explanation]").fill("Kết quả theo báo cáo thực hiện kế hoạch")
    leaf.get_by_role("button", name="Lưu").click()
    leaf = page.get_by_test_id("leaf-1.2")
    expect(leaf.get_by_test_id("leaf-ok")).to_contain_text("Đã lưu.")
    expect(leaf.get_by_test_id("points")).to_have_text("3,75")

    # The head confirms a total, submits, and exactly that total is stored.
    switch_user(page, live_server.url, "chutich.a1")
    page.goto(live_server.url + reverse("assessments:submit", args=[sheet_a1.pk]))
    confirmed = page.get_by_test_id("confirm-total").inner_text().strip()
    assert confirmed == "7,25"
    click_and_wait(page, page.get_by_test_id("confirm-submit"))
    page.wait_for_url(f"**{reverse('assessments:sheet', args=[sheet_a1.pk])}")
    expect(page.get_by_test_id("sheet-total")).to_have_text(confirmed)

    sheet_a1.refresh_from_db()
    assert sheet_a1.status == Assessment.Status.SUBMITTED
    stored = sheet_a1.scores.aggregate(total=Sum("self_points"))["total"]
    assert stored == Decimal("7.25")
    assert format_decimal(stored) == confirmed
