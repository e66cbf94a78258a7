"""Issue 17, defect 12: the plan's task export (.xlsx) imports back with the same task definitions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from parindex.plans import spreadsheets
from parindex.plans.models import Plan, PlanTask
from tests.plans.conftest import add_task, crit

pytestmark = pytest.mark.django_db

D = dt.date


def _definition(task: PlanTask) -> tuple:
    """What a task *is* (its progress belongs to the year it was done in)."""
    return (
        task.order,
        task.area_id,
        task.area_text,
        task.content,
        task.expected_output,
        task.lead_unit_id,
        task.lead_official_id,
        task.lead_text,
        sorted(u.pk for u in task.coordinating_units.all()),
        task.coordinators_text,
        task.start_date,
        task.due_date,
        sorted(c.code for c in task.criteria.all()),
    )


def test_the_task_export_imports_back_into_next_years_plan_with_the_same_tasks(
    client, officer_a1, plan_a1, framework, tree
):
    add_task(
        plan_a1,
        1,
        area=crit(framework, "1"),
        criteria=[crit(framework, "1.1"), crit(framework, "1.2")],
        expected_output="Kế hoạch được ban hành",
        lead_text="Văn phòng UBND xã",
        coordinators_text="Công chức Tư pháp - Hộ tịch",
        start_date=D(2023, 1, 2),
        due=D(2023, 1, 31),
    )
    add_task(
        plan_a1,
        2,
        area=crit(framework, "2"),
        criteria=[crit(framework, "2.2")],
        due=D(2023, 9, 30),
        status=PlanTask.Status.DONE,
        done_on=D(2023, 9, 1),
    )
    add_task(plan_a1, 3, area_text="Tuyên truyền CCHC", lead_text="Đoàn Thanh niên")
    client.force_login(officer_a1)
    exported = client.get(reverse("plans:export_xlsx", args=[plan_a1.pk])).content

    next_year = Plan.objects.create(unit=tree["A1"], year=2024, framework=framework)
    spreadsheets.import_tasks(next_year, source=exported, by=officer_a1)
    before = [_definition(t) for t in plan_a1.tasks.order_by("order")]
    after = [_definition(t) for t in next_year.tasks.order_by("order")]
    assert after == before
