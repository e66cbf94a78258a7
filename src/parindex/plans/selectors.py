"""Reads of plans and tasks shared by views, exports, the home panel and the scoring feed.

Counts are computed in Python from one narrow query (status and two dates per task) with
``parindex.plans.completion``, so that the browser, the exports and the score sheet show
exactly the same numbers and "overdue" (which depends on today) needs no stored state.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, F, Q
from django.utils import timezone

from parindex.plans import completion
from parindex.plans.completion import Counts
from parindex.plans.models import Plan, PlanTask
from parindex.units.models import Membership, Unit
from parindex.units.visibility import has_role, scope_for

Role = Membership.Role
EDIT_ROLES = (Role.UNIT_OFFICER, Role.UNIT_HEAD, Role.INDEX_MANAGER)
DUE_SOON_DAYS = 14


# --- permissions (read in views and enforced again in actions) -----------------------------


def can_edit_plan(user, unit: Unit) -> bool:
    """Officers, the head and the index manager of the plan's own unit (and admins)."""
    return has_role(user, unit, *EDIT_ROLES)


def can_update_task(user, task: PlanTask) -> bool:
    """Plan editors, and the lead official named on the task (they report their own progress)."""
    return can_edit_plan(user, task.plan.unit) or (
        task.lead_official_id is not None and task.lead_official_id == user.pk
    )


def can_approve_plan(user, unit: Unit) -> bool:
    return has_role(user, unit, Role.UNIT_HEAD)


# --- one plan --------------------------------------------------------------------------------


def plan_for(unit: Unit, year: int) -> Plan | None:
    return Plan.objects.filter(unit=unit, year=year).first()


def counts_of_tasks(tasks, today: dt.date | None = None) -> Counts:
    today = today or timezone.localdate()
    return completion.count_progress(t.progress(today) for t in tasks)


def plan_counts(plan: Plan, today: dt.date | None = None) -> Counts:
    today = today or timezone.localdate()
    rows = plan.tasks.values_list("status", "due_date", "completion_date")
    return completion.count_progress(completion.progress(s, d, c, today) for s, d, c in rows)


def completion_counts(unit: Unit, year: int, today: dt.date | None = None) -> tuple[int, int]:
    """``(done, planned − cancelled)`` of the unit's plan for ``year`` — the feed of a ratio leaf.

    A draft plan (not yet issued) and a missing plan both give ``(0, 0)``.
    """
    plan = Plan.objects.filter(unit=unit, year=year).exclude(status=Plan.Status.DRAFT).first()
    if plan is None:
        return (0, 0)
    counts = plan_counts(plan, today)
    return (counts.done, counts.denominator)


def plan_tasks(plan: Plan):
    """The plan's tasks with everything the detail page, the exports and the docx need (fixed query count)."""
    return (
        plan.tasks.select_related("area", "lead_unit", "lead_official", "parent_task__plan__unit")
        .prefetch_related("criteria", "coordinating_units", "evidence")
        .annotate(child_count=Count("child_tasks", distinct=True))
        .order_by(F("area__sort_key").asc(nulls_last=True), "area_text", "order", "pk")
    )


@dataclass
class AreaGroup:
    key: object
    label: str
    sort: tuple
    tasks: list = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)


def group_by_area(tasks, today: dt.date | None = None) -> list[AreaGroup]:
    """Tasks grouped by area in framework order (index areas first, then free-text areas)."""
    today = today or timezone.localdate()
    groups: dict[object, AreaGroup] = {}
    for task in tasks:
        if task.area_id:
            key, sort = ("c", task.area_id), (0, task.area.sort_key)
        else:
            key, sort = ("t", task.area_text), (1, task.area_text)
        group = groups.get(key)
        if group is None:
            group = groups[key] = AreaGroup(key=key, label=task.area_label, sort=sort)
        group.tasks.append(task)
    for group in groups.values():
        group.counts = counts_of_tasks(group.tasks, today)
    return sorted(groups.values(), key=lambda g: g.sort)


def child_task_counts(tasks, today: dt.date | None = None, *, user, plan: Plan) -> dict[int, Counts]:
    """Roll-up of assigned child tasks per parent task id of ``plan`` (one query for all parents).

    Who assigned the tasks (the editors of ``plan``) follows every unit they gave them to, as
    the assign page does. Anyone else counts only the child tasks in plans they may see: a
    commune reading its district's plan sees its own progress, never its sibling communes'
    (``Plan.objects.visible_to``, issue 24).
    """
    today = today or timezone.localdate()
    parent_ids = [t.pk for t in tasks if getattr(t, "child_count", 1)]
    children = PlanTask.objects.filter(parent_task_id__in=parent_ids)
    if not can_edit_plan(user, plan.unit):
        children = children.filter(plan__in=Plan.objects.visible_to(user).values("pk"))
    rows = children.values_list("parent_task_id", "status", "due_date", "completion_date")
    buckets: dict[int, list[str]] = {}
    for parent_id, status, due, done_on in rows:
        buckets.setdefault(parent_id, []).append(completion.progress(status, due, done_on, today))
    return {pid: completion.count_progress(values) for pid, values in buckets.items()}


# --- over units -----------------------------------------------------------------------------


def counts_by_unit(
    units, year: int, today: dt.date | None = None, *, include_drafts: bool = True
) -> dict[int, Counts]:
    """Counts of each unit's plan for ``year`` in one query: {unit_id: Counts}."""
    today = today or timezone.localdate()
    tasks = PlanTask.objects.filter(plan__unit__in=units, plan__year=year)
    if not include_drafts:
        tasks = tasks.exclude(plan__status=Plan.Status.DRAFT)
    buckets: dict[int, list[str]] = {}
    for unit_id, status, due, done_on in tasks.values_list(
        "plan__unit_id", "status", "due_date", "completion_date"
    ):
        buckets.setdefault(unit_id, []).append(completion.progress(status, due, done_on, today))
    return {uid: completion.count_progress(values) for uid, values in buckets.items()}


def child_plans(plan: Plan, user):
    """The plans implementing ``plan`` that ``user`` may see: a commune reading its district's
    plan sees its own, never a sibling unit's (issue 24)."""
    return plan.child_plans.visible_to(user).select_related("unit").order_by("unit__path")


def counts_by_plan(plans, today: dt.date | None = None) -> dict[int, Counts]:
    """Counts of each plan in one query: {plan_id: Counts}."""
    today = today or timezone.localdate()
    buckets: dict[int, list[str]] = {}
    rows = PlanTask.objects.filter(plan__in=list(plans)).values_list(
        "plan_id", "status", "due_date", "completion_date"
    )
    for plan_id, status, due, done_on in rows:
        buckets.setdefault(plan_id, []).append(completion.progress(status, due, done_on, today))
    return {pid: completion.count_progress(values) for pid, values in buckets.items()}


@dataclass
class UnitRow:
    unit: Unit
    plan: Plan | None
    counts: Counts


def rollup_rows(user, year: int, *, root: Unit | None = None, today: dt.date | None = None) -> list[UnitRow]:
    """One row per unit whose plan data the user may see (optionally under ``root``), with counts."""
    units = Unit.objects.data_visible_to(user).select_related("parent")
    if root is not None:
        units = units.filter(path__startswith=root.path)
    units = list(units.order_by("path"))
    plans = {p.unit_id: p for p in Plan.objects.filter(unit__in=units, year=year)}
    counts = counts_by_unit(units, year, today)
    return [UnitRow(unit=u, plan=plans.get(u.pk), counts=counts.get(u.pk, Counts())) for u in units]


def oversees_units(user) -> bool:
    scope = scope_for(user)
    return scope.is_admin or bool(scope.oversight_paths)


# --- my tasks --------------------------------------------------------------------------------


@dataclass
class MyTasks:
    overdue: list
    due_soon: list
    missing_evidence: list

    def __bool__(self) -> bool:
        return bool(self.overdue or self.due_soon or self.missing_evidence)


def my_tasks(user, today: dt.date | None = None, limit: int = 10) -> MyTasks:
    """Tasks the user answers for: those naming them as lead official, and — in plans of units
    where they are officer or head — those with no lead official.

    Due soon = open and due within 14 days; overdue = open and past due; missing evidence =
    done without any evidence attached.
    """
    today = today or timezone.localdate()
    scope = scope_for(user)
    unit_ids = [uid for uid, role in scope.roles if role in (Role.UNIT_OFFICER, Role.UNIT_HEAD)]
    mine = PlanTask.objects.filter(
        Q(lead_official=user) | Q(lead_official__isnull=True, plan__unit_id__in=unit_ids)
    ).exclude(plan__status=Plan.Status.CLOSED)
    base = mine.select_related("plan__unit").order_by("due_date", "pk")
    overdue = list(base.overdue(today)[:limit])
    due_soon = list(
        base.open().filter(due_date__gte=today, due_date__lte=today + dt.timedelta(days=DUE_SOON_DAYS))[
            :limit
        ]
    )
    missing = list(
        base.filter(status=PlanTask.Status.DONE)
        .annotate(n_evidence=Count("evidence"))
        .filter(n_evidence=0)
        .order_by("-completion_date", "pk")[:limit]
    )
    return MyTasks(overdue=overdue, due_soon=due_soon, missing_evidence=missing)
