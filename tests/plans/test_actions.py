"""Workflow steps of plans and tasks: permissions, rules, audit, cascade."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from parindex.core.models import AuditEntry
from parindex.plans import actions, selectors
from parindex.plans.models import Plan, PlanTask
from tests.plans.conftest import D, add_task, crit

pytestmark = pytest.mark.django_db
S = PlanTask.Status


def test_officer_creates_a_draft_plan_with_the_framework_that_scores_the_unit(officer_a1, tree, framework):
    plan = actions.create_plan(unit=tree["A1"], year=2023, by=officer_a1, number="19/KH-UBND")
    assert plan.status == Plan.Status.DRAFT
    assert plan.framework == framework
    assert AuditEntry.objects.filter(action="plans.create_plan", unit=tree["A1"]).count() == 1


def test_second_plan_for_the_same_unit_and_year_is_refused_in_vietnamese(officer_a1, tree, plan_a1):
    with pytest.raises(ValidationError) as exc:
        actions.create_plan(unit=tree["A1"], year=2023, by=officer_a1)
    assert "Đơn vị này đã có kế hoạch của năm này." in str(exc.value)


def test_officer_of_another_unit_cannot_create_a_plan_for_a1(officer_a2, tree):
    with pytest.raises(PermissionDenied):
        actions.create_plan(unit=tree["A1"], year=2023, by=officer_a2)


def test_only_the_head_approves_a_plan(officer_a1, head_a1, plan_a1):
    plan_a1.status = Plan.Status.DRAFT
    plan_a1.save()
    with pytest.raises(PermissionDenied):
        actions.update_plan(plan_a1, by=officer_a1, status=Plan.Status.APPROVED)
    actions.update_plan(plan_a1, by=head_a1, status=Plan.Status.APPROVED)
    assert Plan.objects.get(pk=plan_a1.pk).status == Plan.Status.APPROVED


def test_parent_plan_must_belong_to_a_higher_unit(officer_a1, tree, plan_a1):
    other = Plan.objects.create(unit=tree["A2"], year=2023)
    with pytest.raises(ValidationError):
        actions.update_plan(plan_a1, by=officer_a1, parent_plan=other)
    district = Plan.objects.create(unit=tree["DA"], year=2023)
    actions.update_plan(plan_a1, by=officer_a1, parent_plan=district)
    assert Plan.objects.get(pk=plan_a1.pk).parent_plan == district


def test_add_task_numbers_it_and_links_leaves(officer_a1, plan_a1, framework):
    task = actions.add_task(
        plan_a1,
        by=officer_a1,
        content="Ban hành kế hoạch",
        area=crit(framework, "1"),
        criteria=[crit(framework, "1.1")],
        due_date=D(2023, 3, 1),
    )
    assert task.order == 1
    assert list(task.criteria.values_list("code", flat=True)) == ["1.1"]
    assert AuditEntry.objects.filter(action="plans.add_task").exists()


def test_a_task_cannot_link_an_area_as_a_criterion(officer_a1, plan_a1, framework):
    with pytest.raises(ValidationError):
        actions.add_task(plan_a1, by=officer_a1, content="x", criteria=[crit(framework, "1")])


def test_due_date_before_start_date_is_refused(officer_a1, plan_a1):
    with pytest.raises(ValidationError) as exc:
        actions.add_task(
            plan_a1, by=officer_a1, content="x", start_date=D(2023, 5, 1), due_date=D(2023, 4, 1)
        )
    assert "Hạn hoàn thành không được trước ngày bắt đầu." in str(exc.value)


def test_cancel_needs_a_reason(officer_a1, tasks_a1):
    with pytest.raises(ValidationError) as exc:
        actions.cancel_task(tasks_a1[3], by=officer_a1, reason="  ")
    assert "Nhiệm vụ bị hủy phải có lý do." in str(exc.value)
    actions.cancel_task(tasks_a1[3], by=officer_a1, reason="Không còn phù hợp")
    assert PlanTask.objects.get(pk=tasks_a1[3].pk).progress() == "cancelled"


def test_database_refuses_done_without_completion_date(plan_a1):
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanTask.objects.create(plan=plan_a1, content="x", status=S.DONE)


def test_database_refuses_cancelled_without_reason(plan_a1):
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanTask.objects.create(plan=plan_a1, content="x", status=S.CANCELLED)


def test_mark_done_late_sets_progress_and_keeps_audit(officer_a1, tasks_a1):
    task = tasks_a1[2]  # due 30/09/2023
    actions.mark_task_done(task, by=officer_a1, completion_date=D(2023, 10, 5), result_note="Đã ban hành")
    task.refresh_from_db()
    assert task.progress() == "done_late"
    entry = AuditEntry.objects.get(action="plans.mark_task_done")
    assert entry.before["status"] == "in_progress" and entry.after["status"] == "done"


def test_completion_date_in_the_future_is_refused(officer_a1, tasks_a1):
    with pytest.raises(ValidationError) as exc:
        actions.mark_task_done(
            tasks_a1[3], by=officer_a1, completion_date=dt.date.today() + dt.timedelta(days=3)
        )
    assert "Ngày hoàn thành không được ở tương lai." in str(exc.value)


def test_a_cancelled_task_cannot_be_marked_done(officer_a1, tasks_a1):
    with pytest.raises(ValidationError):
        actions.mark_task_done(tasks_a1[4], by=officer_a1, completion_date=D(2023, 5, 1))


def test_lead_official_reports_progress_but_cannot_rewrite_the_task(tasks_a1, officer_a2):
    task = tasks_a1[3]
    task.lead_official = officer_a2
    task.save()
    actions.update_task(task, by=officer_a2, status=S.IN_PROGRESS)
    assert PlanTask.objects.get(pk=task.pk).status == S.IN_PROGRESS
    with pytest.raises(PermissionDenied):
        actions.update_task(task, by=officer_a2, content="Khác")
    actions.mark_task_done(task, by=officer_a2, completion_date=D(2023, 5, 1))


def test_district_manager_sees_but_cannot_change_a_commune_plan(district_manager_a, tasks_a1):
    assert PlanTask.objects.visible_to(district_manager_a).filter(pk=tasks_a1[3].pk).exists()
    with pytest.raises(PermissionDenied):
        actions.mark_task_done(tasks_a1[3], by=district_manager_a, completion_date=D(2023, 5, 1))


def test_closed_plan_cannot_change(head_a1, tasks_a1, plan_a1):
    actions.update_plan(plan_a1, by=head_a1, status=Plan.Status.CLOSED)
    with pytest.raises(ValidationError) as exc:
        actions.add_task(Plan.objects.get(pk=plan_a1.pk), by=head_a1, content="x")
    assert "Kế hoạch đã kết thúc" in str(exc.value)


def test_reopening_a_done_task_clears_its_completion_date(officer_a1, tasks_a1):
    task = tasks_a1[0]
    actions.update_task(task, by=officer_a1, status=S.IN_PROGRESS)
    task.refresh_from_db()
    assert task.status == S.IN_PROGRESS and task.completion_date is None


# --- cascade -------------------------------------------------------------------------------


@pytest.fixture
def district_officer(tree):
    from parindex.units.models import Membership
    from tests.conftest import make_user

    return make_user("canbo.da", "Đỗ Văn Khoa", [(tree["DA"], Membership.Role.UNIT_OFFICER)])


def test_district_task_assigned_to_communes_creates_child_tasks_and_rolls_up(
    district_officer, officer_a1, tree, plan_a1, framework
):
    district_plan = Plan.objects.create(
        unit=tree["DA"], year=2023, number="132/KH-UBND", framework=framework, status=Plan.Status.APPROVED
    )
    parent = add_task(
        district_plan, 1, area=crit(framework, "1"), due=D(2023, 11, 30), criteria=[crit(framework, "1.1")]
    )
    children = actions.assign_task_to_units(parent, units=[tree["A1"], tree["A2"]], by=district_officer)
    assert {c.plan.unit.code for c in children} == {"A1", "A2"}
    a2_plan = Plan.objects.get(unit=tree["A2"], year=2023)
    assert a2_plan.status == Plan.Status.DRAFT and a2_plan.parent_plan == district_plan
    a1_child = next(c for c in children if c.plan.unit == tree["A1"])
    assert a1_child.plan == plan_a1 and a1_child.area == crit(framework, "1")
    assert list(a1_child.criteria.values_list("code", flat=True)) == ["1.1"]
    # assigning again skips units that already have it
    assert actions.assign_task_to_units(parent, units=[tree["A1"]], by=district_officer) == []
    actions.mark_task_done(a1_child, by=officer_a1, completion_date=D(2023, 11, 1))
    rolled = selectors.child_task_counts(
        [parent], D(2023, 12, 15), user=district_officer, plan=district_plan
    )[parent.pk]
    assert (rolled.done, rolled.denominator, rolled.overdue) == (1, 2, 1)


def test_tasks_cannot_be_assigned_outside_the_subtree(district_officer, tree):
    district_plan = Plan.objects.create(unit=tree["DA"], year=2023)
    parent = add_task(district_plan, 1)
    with pytest.raises(ValidationError):
        actions.assign_task_to_units(parent, units=[tree["B1"]], by=district_officer)


def test_commune_officer_cannot_assign_a_district_task(officer_a1, tree):
    district_plan = Plan.objects.create(unit=tree["DA"], year=2023)
    parent = add_task(district_plan, 1)
    with pytest.raises(PermissionDenied):
        actions.assign_task_to_units(parent, units=[tree["A1"]], by=officer_a1)
