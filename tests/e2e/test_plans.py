"""Browser journey of issue 7: an officer marks a plan task done with evidence; the linked leaf
of the score sheet shows that evidence and the plan-fed leaf shows the updated completion rate.

Uses the shared harness of ``tests/e2e/conftest.py`` (``page``, ``login``).
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.conftest import click_and_wait, login
from tests.plans.conftest import PDF_BYTES, framework, plan_a1, round_a, sheet_a1, tasks_a1  # noqa: F401 — fixtures

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_officer_marks_task_done_with_evidence_and_the_score_sheet_shows_it(
    live_server, page, officer_a1, plan_a1, tasks_a1, sheet_a1, tmp_path  # noqa: F811
):
    task = tasks_a1[2]  # "Nhiệm vụ 3", in progress, linked to leaf 2.2
    login(page, live_server.url, "canbo.a1")

    page.goto(live_server.url + reverse("plans:detail", args=[plan_a1.pk]))
    expect(page.get_by_test_id("plan-rate")).to_have_text("50%")
    row = page.locator(f'[data-testid=task-row][data-task="{task.pk}"]')
    click_and_wait(page, row.get_by_test_id("mark-done"))

    page.fill("input[name=completion_date]", "2023-09-20")
    evidence_file = tmp_path / "quyet-dinh.pdf"
    evidence_file.write_bytes(PDF_BYTES)
    page.set_input_files("input[name=file]", str(evidence_file))
    page.fill("input[name=short_name]", "QD cong nhan sang kien")
    click_and_wait(page, page.get_by_test_id("confirm-done"))

    page.wait_for_url(f"**{reverse('plans:detail', args=[plan_a1.pk])}")
    expect(page.get_by_test_id("plan-rate")).to_have_text("75%")
    row = page.locator(f'[data-testid=task-row][data-task="{task.pk}"]')
    expect(row.get_by_test_id("task-progress")).to_contain_text("Hoàn thành")
    evidence_name = row.get_by_test_id("task-evidence").inner_text().strip()
    assert evidence_name.endswith("QD cong nhan sang kien.pdf")
    click_and_wait(page, row.get_by_test_id("attach-to-leaves"))
    expect(page.locator(".alert").first).to_contain_text("liên kết mới")

    page.goto(live_server.url + reverse("assessments:sheet", args=[sheet_a1.pk]))
    leaf = page.get_by_test_id("leaf-2.2")
    expect(leaf.get_by_test_id("evidence").first).to_contain_text(evidence_name)
    rate_leaf = page.get_by_test_id("leaf-1.2")
    # The plan-fed leaf shows the plan's numbers read-only (they cannot be typed over).
    expect(rate_leaf.get_by_test_id("fed-input").first).to_have_text("Số đã thực hiện: 3")
    expect(rate_leaf.get_by_test_id("fed-input").nth(1)).to_have_text("Tổng số: 4")
    expect(rate_leaf.get_by_test_id("points")).to_have_text("3,75")
