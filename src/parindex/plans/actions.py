"""Workflow steps of plans and tasks. Each checks the permission, changes the state and writes
the audit row in one transaction; a refused step raises ``PermissionDenied`` (views answer 403)
and a wrong input raises ``ValidationError`` with a translated message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parindex.core.audit import record, snapshot
from parindex.plans import selectors
from parindex.plans.models import Plan, PlanTask
from parindex.units.models import Unit

PLAN_FIELDS = ("title", "number", "document_date", "parent_plan", "framework", "status")
TASK_FIELDS = (
    "order", "area", "area_text", "content", "expected_output", "lead_unit", "lead_official", "lead_text",
    "coordinators_text", "start_date", "due_date",
)
TASK_M2M = ("criteria", "coordinating_units")
TASK_AUDIT = ("order", "area_id", "area_text", "content", "expected_output", "lead_unit_id", "lead_official_id",
              "start_date", "due_date", "status", "completion_date", "result_note", "cancel_reason", "parent_task_id")


def _require(condition: bool) -> None:
    if not condition:
        raise PermissionDenied(_("You may not change this plan."))


def _require_open(plan: Plan) -> None:
    if plan.status == Plan.Status.CLOSED:
        raise ValidationError(_("This plan is closed; it can no longer be changed."))


def _check_dates(start: dt.date | None, due: dt.date | None) -> None:
    if start and due and due < start:
        raise ValidationError({"due_date": _("The due date must not be before the start date.")})


def _check_links(plan: Plan, *, area=None, criteria: Iterable = ()) -> None:
    """Areas and linked criteria must belong to the plan's framework: an area is depth 1, a link is a leaf."""
    if area is not None:
        if area.depth != 1 or (plan.framework_id and area.framework_id != plan.framework_id):
            raise ValidationError({"area": _("The area must be an area of the plan's criteria framework.")})
    for criterion in criteria:
        if not criterion.is_leaf or (plan.framework_id and criterion.framework_id != plan.framework_id):
            raise ValidationError(
                {"criteria": _("Linked criteria must be scored criteria of the plan's criteria framework.")}
            )


# --- plans -------------------------------------------------------------------------------------


def create_plan(*, unit: Unit, year: int, by, title: str = "", number: str = "", document_date=None,
                parent_plan: Plan | None = None, framework=None, status: str = Plan.Status.DRAFT) -> Plan:
    _require(selectors.can_edit_plan(by, unit))
    if status != Plan.Status.DRAFT and not selectors.can_approve_plan(by, unit):
        raise PermissionDenied(_("Only the unit head may approve a plan."))
    if parent_plan is not None and parent_plan.unit_id not in unit.ancestor_ids():
        raise ValidationError({"parent_plan": _("The parent plan must belong to a higher unit.")})
    if framework is None:
        framework = default_framework(unit, year)
    with transaction.atomic():
        if Plan.objects.filter(unit=unit, year=year).exists():
            raise ValidationError({"year": _("This unit already has a plan for this year.")})
        plan = Plan.objects.create(
            unit=unit, year=year, title=title, number=number, document_date=document_date,
            parent_plan=parent_plan, framework=framework, status=status, created_by=by,
        )
        record(actor=by, action="plans.create_plan", obj=plan, after=snapshot(plan))
    return plan


def default_framework(unit: Unit, year: int):
    """The framework that scores this unit in this year (newest first), or None."""
    from parindex.frameworks.models import Framework

    for framework in Framework.objects.filter(valid_from_year__lte=year, valid_to_year__gte=year).order_by(
        "-valid_from_year", "-pk"
    ):
        if framework.applies_to(unit, year):
            return framework
    return None


def update_plan(plan: Plan, *, by, **changes) -> Plan:
    _require(selectors.can_edit_plan(by, plan.unit))
    unknown = set(changes) - set(PLAN_FIELDS)
    if unknown:
        raise TypeError(f"unknown plan fields: {sorted(unknown)}")
    new_status = changes.get("status", plan.status)
    if new_status != plan.status and not selectors.can_approve_plan(by, plan.unit):
        raise PermissionDenied(_("Only the unit head may approve or close a plan."))
    if plan.status == Plan.Status.CLOSED and new_status == Plan.Status.CLOSED:
        _require_open(plan)
    parent = changes.get("parent_plan", plan.parent_plan)
    if parent is not None and parent.unit_id not in plan.unit.ancestor_ids():
        raise ValidationError({"parent_plan": _("The parent plan must belong to a higher unit.")})
    with transaction.atomic():
        before = snapshot(plan)
        for name, value in changes.items():
            setattr(plan, name, value)
        plan.save()
        record(actor=by, action="plans.update_plan", obj=plan, before=before, after=snapshot(plan))
        if before["status"] != plan.status:
            refresh_score_sheets(plan, by=by)  # approving a plan makes it feed the score
    return plan


# --- tasks -------------------------------------------------------------------------------------


def add_task(plan: Plan, *, by, content: str, criteria: Iterable = (), coordinating_units: Iterable = (),
             refresh_sheets: bool = True, **fields) -> PlanTask:
    """A new task (numbered after the last one unless ``order`` is given). A new task changes the
    denominator, so the plan-fed leaves of the unit's open sheet are refreshed (the import does it
    once at the end: ``refresh_sheets=False``)."""
    _require(selectors.can_edit_plan(by, plan.unit))
    _require_open(plan)
    unknown = set(fields) - set(TASK_FIELDS)
    if unknown:
        raise TypeError(f"unknown task fields: {sorted(unknown)}")
    if not (content or "").strip():
        raise ValidationError({"content": _("Describe the task.")})
    criteria = list(criteria)
    _check_dates(fields.get("start_date"), fields.get("due_date"))
    _check_links(plan, area=fields.get("area"), criteria=criteria)
    with transaction.atomic():
        if not fields.get("order"):
            fields["order"] = (plan.tasks.order_by("-order").values_list("order", flat=True).first() or 0) + 1
        task = PlanTask.objects.create(plan=plan, content=content.strip(), **fields)
        task.criteria.set(criteria)
        task.coordinating_units.set(list(coordinating_units))
        record(actor=by, action="plans.add_task", obj=task, after=_task_snapshot(task))
        if refresh_sheets:
            refresh_score_sheets(plan, by=by)
    return task


def _task_snapshot(task: PlanTask) -> dict:
    data = snapshot(task, TASK_AUDIT)
    if task.pk:
        data["criteria"] = sorted(task.criteria.values_list("code", flat=True))
        data["evidence"] = sorted(task.evidence.values_list("pk", flat=True))
    return data


def update_task(task: PlanTask, *, by, criteria: Iterable | None = None, coordinating_units: Iterable | None = None,
                status: str | None = None, **changes) -> PlanTask:
    """Edit the content, dates and links; ``status`` may move between not started and in progress
    (and back from done: reopening clears the completion date). Done and cancelled have their own steps."""
    plan = task.plan
    _require(selectors.can_update_task(by, task))
    _require_open(plan)
    unknown = set(changes) - set(TASK_FIELDS)
    if unknown:
        raise TypeError(f"unknown task fields: {sorted(unknown)}")
    if changes and not selectors.can_edit_plan(by, plan.unit):
        # The lead official reports progress; only plan editors change what the task is.
        raise PermissionDenied(_("You may not change this plan."))
    if status is not None and status not in (PlanTask.Status.NOT_STARTED, PlanTask.Status.IN_PROGRESS):
        raise ValidationError({"status": _("Use “Mark done” or “Cancel task” for this status.")})
    if "content" in changes and not (changes["content"] or "").strip():
        raise ValidationError({"content": _("Describe the task.")})
    _check_dates(changes.get("start_date", task.start_date), changes.get("due_date", task.due_date))
    _check_links(plan, area=changes.get("area"), criteria=list(criteria or []))
    with transaction.atomic():
        before = _task_snapshot(task)
        for name, value in changes.items():
            setattr(task, name, value)
        if status is not None:
            task.status = status
            task.completion_date = None
            task.cancel_reason = ""
        task.save()
        if criteria is not None:
            task.criteria.set(list(criteria))
        if coordinating_units is not None:
            task.coordinating_units.set(list(coordinating_units))
        record(actor=by, action="plans.update_task", obj=task, before=before, after=_task_snapshot(task))
        if status is not None and before["status"] == PlanTask.Status.DONE:
            refresh_score_sheets(plan, by=by)
    return task


def cancel_task(task: PlanTask, *, by, reason: str) -> PlanTask:
    _require(selectors.can_edit_plan(by, task.plan.unit))
    _require_open(task.plan)
    if not (reason or "").strip():
        raise ValidationError({"cancel_reason": _("A cancelled task needs the reason.")})
    with transaction.atomic():
        before = _task_snapshot(task)
        task.status = PlanTask.Status.CANCELLED
        task.cancel_reason = reason.strip()
        task.completion_date = None
        task.save()
        record(actor=by, action="plans.cancel_task", obj=task, before=before, after=_task_snapshot(task))
        refresh_score_sheets(task.plan, by=by)
    return task


def mark_task_done(task: PlanTask, *, by, completion_date: dt.date, result_note: str = "",
                   evidence: Iterable = (), uploads: Iterable = ()) -> PlanTask:
    """Done on ``completion_date`` (not in the future), with existing evidence and/or new uploads.

    ``uploads`` are ``(uploaded_file, short_name)`` pairs stored through the self-assessment's
    evidence service, so the same checks and generated names apply. Plan-fed ratio leaves of the
    unit's open score sheet are refreshed in the same transaction.
    """
    plan = task.plan
    _require(selectors.can_update_task(by, task))
    _require_open(plan)
    if completion_date is None:
        raise ValidationError({"completion_date": _("A done task needs its completion date.")})
    if completion_date > timezone.localdate():
        raise ValidationError({"completion_date": _("The completion date cannot be in the future.")})
    if task.status == PlanTask.Status.CANCELLED:
        raise ValidationError(_("A cancelled task cannot be marked done."))
    evidence = list(evidence)
    for item in evidence:
        if item.unit_id != plan.unit_id:
            raise ValidationError({"evidence": _("Evidence must belong to the plan's unit.")})
    with transaction.atomic():
        before = _task_snapshot(task)
        stored = [_store_upload(plan, task, uploaded, short, by) for uploaded, short in uploads]
        task.status = PlanTask.Status.DONE
        task.completion_date = completion_date
        task.cancel_reason = ""
        if result_note:
            task.result_note = result_note
        task.save()
        if evidence or stored:
            task.evidence.add(*evidence, *stored)
        record(actor=by, action="plans.mark_task_done", obj=task, before=before, after=_task_snapshot(task))
        refresh_score_sheets(plan, by=by)
    return task


def add_task_evidence(task: PlanTask, *, by, evidence: Iterable = (), uploads: Iterable = ()) -> list:
    """Attach more evidence to a task (existing records of the unit and/or new uploads)."""
    plan = task.plan
    _require(selectors.can_update_task(by, task))
    evidence = list(evidence)
    for item in evidence:
        if item.unit_id != plan.unit_id:
            raise ValidationError({"evidence": _("Evidence must belong to the plan's unit.")})
    with transaction.atomic():
        stored = [_store_upload(plan, task, uploaded, short, by) for uploaded, short in uploads]
        added = evidence + stored
        task.evidence.add(*added)
        record(actor=by, action="plans.add_task_evidence", obj=task, after={"evidence": [e.pk for e in added]})
    return added


def _store_upload(plan: Plan, task: PlanTask, uploaded_file, short_name: str, by):
    from parindex.assessments.evidence import store_upload

    # File names follow the seeds' convention and stay Vietnamese whatever the UI language.
    purpose = f"KH CCHC {plan.year} nhiem vu {task.order}"
    return store_upload(unit=plan.unit, year=plan.year, uploaded_file=uploaded_file, short_name=short_name,
                        purpose=purpose, by=by)


def refresh_score_sheets(plan: Plan, *, by) -> None:
    """Re-feed the plan-fed leaves of the unit's open draft sheets of the plan's year."""
    from parindex.plans.integration import open_assessments, prefill_plan_leaves

    for assessment in open_assessments(plan.unit, plan.year):
        prefill_plan_leaves(assessment, by=by)


def attach_evidence_to_leaves(task: PlanTask, *, by) -> int:
    """Attach every evidence of the task to each linked leaf on the unit's open score sheet(s)
    of the plan's year, in one step. Returns the number of new links (existing ones are kept)."""
    from parindex.assessments.models import EvidenceLink, Score
    from parindex.plans.integration import open_assessments

    plan = task.plan
    _require(selectors.can_update_task(by, task))
    evidence = list(task.evidence.all())
    if not evidence:
        raise ValidationError(_("This task has no evidence to attach."))
    criteria_ids = list(task.criteria.values_list("pk", flat=True))
    if not criteria_ids:
        raise ValidationError(_("This task is not linked to any criterion."))
    sheets = list(open_assessments(plan.unit, plan.year))
    if not sheets:
        raise ValidationError(_("The unit has no open score sheet for %(year)s.") % {"year": plan.year})
    created = 0
    with transaction.atomic():
        # Survey leaves are filled from survey results and take no evidence from the unit.
        scores = list(
            Score.objects.select_for_update()
            .filter(assessment__in=sheets, criterion_id__in=criteria_ids)
            .exclude(criterion__source="survey")
            .exclude(criterion__method="survey")
        )
        existing = set(
            EvidenceLink.objects.filter(score__in=scores, evidence__in=evidence).values_list("score_id", "evidence_id")
        )
        new_links = [
            EvidenceLink(score=score, evidence=item, created_by=by)
            for score in scores
            for item in evidence
            if (score.pk, item.pk) not in existing
        ]
        EvidenceLink.objects.bulk_create(new_links)
        created = len(new_links)
        record(
            actor=by, action="plans.attach_evidence_to_leaves", obj=task,
            after={"scores": [s.pk for s in scores], "evidence": [e.pk for e in evidence], "created": created},
        )
    return created


# --- cascade -----------------------------------------------------------------------------------


def assign_task_to_units(task: PlanTask, *, units: Iterable[Unit], by, due_date: dt.date | None = None) -> list[PlanTask]:
    """Give a higher unit's task to some of its units: one child task in each unit's plan for the
    same year (a draft plan implementing this plan is created where a unit has none). A unit that
    already has this task assigned is skipped. Returns the new child tasks."""
    plan = task.plan
    _require(selectors.can_edit_plan(by, plan.unit))
    _require_open(plan)
    units = list(units)
    if not units:
        raise ValidationError({"units": _("Choose at least one unit.")})
    for unit in units:
        if not unit.path.startswith(plan.unit.path) or unit.pk == plan.unit_id:
            raise ValidationError({"units": _("Tasks can only be assigned to units under %(unit)s.") % {"unit": plan.unit}})
    due = due_date or task.due_date
    children: list[PlanTask] = []
    with transaction.atomic():
        already = set(task.child_tasks.values_list("plan__unit_id", flat=True))
        for unit in units:
            if unit.pk in already:
                continue
            child_plan = Plan.objects.filter(unit=unit, year=plan.year).first()
            if child_plan is None:
                child_plan = Plan.objects.create(
                    unit=unit, year=plan.year, parent_plan=plan, framework=default_framework(unit, plan.year),
                    created_by=by,
                )
                record(actor=by, action="plans.create_plan", obj=child_plan, after=snapshot(child_plan),
                       note="created by assignment")
            if child_plan.status == Plan.Status.CLOSED:
                raise ValidationError(_("The plan of %(unit)s is closed.") % {"unit": unit})
            order = (child_plan.tasks.order_by("-order").values_list("order", flat=True).first() or 0) + 1
            same_framework = child_plan.framework_id and child_plan.framework_id == plan.framework_id
            child = PlanTask.objects.create(
                plan=child_plan, order=order, parent_task=task,
                area=task.area if same_framework else None,
                area_text="" if same_framework else (task.area_label if task.area_id else task.area_text),
                content=task.content, expected_output=task.expected_output, lead_unit=unit,
                start_date=task.start_date, due_date=due,
            )
            if same_framework:
                child.criteria.set(list(task.criteria.all()))
            record(actor=by, action="plans.assign_task", obj=child, unit=unit, after=_task_snapshot(child),
                   note=f"from task {task.pk}")
            refresh_score_sheets(child_plan, by=by)
            children.append(child)
    return children
