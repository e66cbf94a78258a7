"""Annual reform plans (Kế hoạch CCHC) and their tasks: reads, creating and editing a plan,
adding and editing tasks, progress, done and cancelled.

Writes go through ``parindex.plans.actions`` (permission, state, audit, refresh of the plan-fed
leaves of the unit's open score sheet); the references of a task (area, criteria, lead unit,
lead official, coordinating units) are checked by the plan page's own ``TaskForm``.
"""

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from parindex.api.common import (
    Date,
    DateText,
    FilledText,
    Id,
    Input,
    Line,
    Pages,
    Str,
    Year,
    api_choices,
    responses,
)
from parindex.api.errors import Conflict, step_refused
from parindex.plans import actions as plan_actions
from parindex.plans import selectors
from parindex.plans.forms import TaskForm
from parindex.plans.models import Plan, PlanTask
from parindex.units.models import Unit
from parindex.units.visibility import get_visible_or_404

router = Router(tags=["plans"])

TaskStatus = api_choices("TaskStatus", PlanTask.Status)
PlanStatus = api_choices("PlanStatus", Plan.Status)

TASKS = PlanTask.objects.select_related("plan__unit").prefetch_related("criteria", "coordinating_units")


class PlanOut(Schema):
    id: int
    unit_id: int
    unit_name: str
    year: int
    title: str
    number: str
    document_date: dt.date | None
    status: str
    framework_id: int | None
    parent_plan_id: int | None

    @staticmethod
    def resolve_unit_name(obj):
        return obj.unit.name

    @staticmethod
    def resolve_title(obj):
        return str(obj.display_title)


class CountsOut(Schema):
    """Task counts of the plan; ``rate`` = done / (planned − cancelled) in percent (what scoring uses)."""

    planned: int
    cancelled: int
    done_on_time: int
    done_late: int
    overdue: int
    in_progress: int
    not_started: int
    done: int
    rate: Decimal | None
    on_time_rate: Decimal | None


class PlanDetailOut(PlanOut):
    counts: CountsOut

    @staticmethod
    def resolve_counts(obj):
        return selectors.plan_counts(obj)


class TaskOut(Schema):
    id: int
    plan_id: int
    order: int
    area_id: int | None
    area_text: str
    content: str
    expected_output: str
    lead_unit_id: int | None
    lead_official_id: int | None
    lead_text: str
    coordinators_text: str
    coordinating_unit_ids: list[int]
    criteria_ids: list[int]
    start_date: dt.date | None
    due_date: dt.date | None
    status: str
    progress: str
    completion_date: dt.date | None
    result_note: str
    cancel_reason: str
    parent_task_id: int | None

    @staticmethod
    def resolve_progress(obj):
        value = getattr(obj, "progress", None)
        if callable(value):
            value = value()
        return str(value if value is not None else obj.status)

    @staticmethod
    def resolve_coordinating_unit_ids(obj):
        return sorted(unit.pk for unit in obj.coordinating_units.all())

    @staticmethod
    def resolve_criteria_ids(obj):
        return sorted(criterion.pk for criterion in obj.criteria.all())


class PlanFilter(Schema):
    year: Year | None = None
    unit_id: Id | None = None
    status: PlanStatus | None = None


class TaskFilter(Schema):
    plan_id: Id | None = None
    status: TaskStatus | None = None
    overdue: bool | None = None
    year: Year | None = None


def _plan(request, plan_id: int) -> Plan:
    return get_visible_or_404(Plan.objects.select_related("unit"), request.user, pk=plan_id)


def _task(request, task_id: int) -> PlanTask:
    return get_visible_or_404(TASKS, request.user, pk=task_id)


@router.get("/plans", response=responses(list[PlanOut]), operation_id="list_plans")
@paginate(Pages)
def list_plans(request, filters: Query[PlanFilter]):
    plans = Plan.objects.visible_to(request.user).select_related("unit")
    if filters.year:
        plans = plans.filter(year=filters.year)
    if filters.unit_id:
        plans = plans.filter(unit_id=filters.unit_id)
    if filters.status:
        plans = plans.filter(status=filters.status)
    return plans.order_by("-year", "unit__path", "id")


@router.get("/plans/{int:plan_id}", response=responses(PlanDetailOut, 404), operation_id="get_plan")
def get_plan(request, plan_id: Id):
    return _plan(request, plan_id)


@router.get("/tasks", response=responses(list[TaskOut]), operation_id="list_tasks")
@paginate(Pages)
def list_tasks(request, filters: Query[TaskFilter]):
    tasks = PlanTask.objects.visible_to(request.user).prefetch_related("criteria", "coordinating_units")
    if filters.plan_id:
        tasks = tasks.filter(plan_id=filters.plan_id)
    if filters.status:
        tasks = tasks.filter(status=filters.status)
    if filters.overdue:
        tasks = tasks.overdue()
    if filters.year:
        tasks = tasks.filter(plan__year=filters.year)
    return tasks.order_by("plan_id", "order", "id")


@router.get("/tasks/{int:task_id}", response=responses(TaskOut, 404), operation_id="get_task")
def get_task(request, task_id: Id):
    return _task(request, task_id)


# --- writing plans ---------------------------------------------------------------------------------


class PlanIn(Input):
    unit_id: Id
    year: int = Field(..., ge=2000, le=2100)
    title: Line(300) = ""
    number: Line(60) = Field("", description="Number and symbol, e.g. 19/KH-UBND.")
    document_date: Date | None = None
    parent_plan_id: Id | None = Field(
        None, description="The plan of a higher unit that this plan implements."
    )
    status: PlanStatus = Field(Plan.Status.DRAFT, description="approved or closed: the unit head only.")


class PlanChangeIn(Input):
    """Only the fields sent are changed."""

    title: Line(300) | None = None
    number: Line(60) | None = None
    document_date: Date | None = None
    parent_plan_id: Id | None = None
    status: PlanStatus | None = None


def _parent_plan(request, parent_plan_id):
    if parent_plan_id is None:
        return None
    parent = Plan.objects.visible_to(request.user).filter(pk=parent_plan_id).first()
    if parent is None:
        raise ValidationError({"parent_plan": _("The parent plan does not exist or is not visible to you.")})
    return parent


@router.post(
    "/plans", response=responses(PlanDetailOut, 403, 404, 409, status=201), operation_id="create_plan"
)
def create_plan(request, payload: PlanIn):
    """A new plan of a unit for a year (officers, the head and the index manager of the unit; an
    approved plan only by the head). The criteria framework that scores the unit that year is
    linked automatically. 409 when the unit already has a plan for the year."""
    unit = get_visible_or_404(Unit.objects.all(), request.user, pk=payload.unit_id)
    parent = _parent_plan(request, payload.parent_plan_id)
    try:
        plan = plan_actions.create_plan(
            unit=unit,
            year=payload.year,
            by=request.user,
            title=payload.title,
            number=payload.number,
            document_date=payload.document_date,
            parent_plan=parent,
            status=payload.status,
        )
    except ValidationError as exc:
        if (
            "year" in getattr(exc, "error_dict", {})
            and Plan.objects.filter(unit=unit, year=payload.year).exists()
        ):
            raise Conflict(exc)  # the unit already has its plan of the year
        raise
    return Status(201, _plan(request, plan.pk))


@router.patch(
    "/plans/{int:plan_id}", response=responses(PlanDetailOut, 403, 404, 409), operation_id="update_plan"
)
def update_plan(request, plan_id: Id, payload: PlanChangeIn):
    """Change a plan's title, number, date, parent plan or status (approving and closing: the unit
    head only; approving makes the plan feed the score). 409 for a closed plan."""
    plan = _plan(request, plan_id)
    sent = payload.dict(exclude_unset=True)
    if not sent:
        # An empty change (JSON merge patch ``{}``) is valid and changes nothing — for those
        # who may change the plan (issue 24: it was refused 422 although schema-valid).
        if not selectors.can_edit_plan(request.user, plan.unit):
            raise PermissionDenied
        return _plan(request, plan_id)
    changes = {k: v for k, v in sent.items() if k != "parent_plan_id" and v is not None}
    if "parent_plan_id" in sent:
        changes["parent_plan"] = _parent_plan(request, sent["parent_plan_id"])
    if "document_date" in sent:
        changes["document_date"] = sent["document_date"]
    try:
        plan_actions.update_plan(plan, by=request.user, **changes)
    except ValidationError as exc:
        raise step_refused(exc)
    return _plan(request, plan_id)


# --- writing tasks ---------------------------------------------------------------------------------


class TaskFields(Input):
    order: int | None = Field(
        None, ge=1, le=1_000_000, description="Position in the plan; empty: after the last task."
    )
    area_id: Id | None = Field(None, description="An area (depth-1 criterion) of the plan's framework.")
    area_text: Line(200) | None = Field(None, description="A free-text area, for tasks outside the index.")
    content: Str(5000) | None = None
    expected_output: Str(5000) | None = None
    lead_unit_id: Id | None = None
    lead_official_id: Id | None = Field(
        None, description="A user of the plan's unit; they may report progress."
    )
    lead_text: Line(200) | None = None
    coordinating_unit_ids: list[Id] | None = Field(None, max_length=500)
    coordinators_text: Line(300) | None = None
    start_date: Date | None = None
    due_date: Date | None = None
    criteria_ids: list[Id] | None = Field(None, max_length=500, description="Leaves of the plan's framework.")


class TaskIn(TaskFields):
    content: FilledText(5000)


class TaskChangeIn(TaskFields):
    """Only the fields sent are changed. ``status`` moves a task between not started and in
    progress (or reopens a done task); done and cancelled have their own endpoints."""

    status: Literal["not_started", "in_progress"] | None = None


FORM_NAMES = {
    "area_id": "area",
    "lead_unit_id": "lead_unit",
    "lead_official_id": "lead_official",
    "coordinating_unit_ids": "coordinating_units",
    "criteria_ids": "criteria",
}
M2M = ("criteria", "coordinating_units")


def _form_data(task: PlanTask | None, sent: dict) -> dict:
    """The task page's form data: the task's current values overlaid with the fields sent."""
    data: dict = {}
    if task is not None:
        for name in TaskForm.Meta.fields:
            if name in M2M:
                data[name] = [obj.pk for obj in getattr(task, name).all()]
            else:
                value = getattr(task, f"{name}_id" if name in FORM_NAMES.values() else name)
                data[name] = "" if value is None else value
    for key, value in sent.items():
        name = FORM_NAMES.get(key, key)
        if name == "status":
            continue
        data[name] = ([] if name in M2M else "") if value is None else value
    return data


def _checked(plan: Plan, user, task: PlanTask | None, sent: dict) -> dict:
    """Validate through TaskForm (422 with its messages); the cleaned values of the fields sent."""
    # The form cleans into its instance (a ModelForm sets the cleaned values on it): give it a
    # copy, so that fields the caller leaves out or sends as null ("order": null keeps the
    # number) never reach the task that is saved (an "order": null was a 500, issue 24).
    instance = PlanTask.objects.get(pk=task.pk) if task is not None else None
    form = TaskForm(_form_data(task, sent), instance=instance, plan=plan, user=user)
    if "status" in form.fields:
        form.fields["status"].required = False
    if not form.is_valid():
        raise ValidationError({name: errors for name, errors in form.errors.items()})
    names = {FORM_NAMES.get(key, key) for key in sent} - {"status"}
    return {name: form.cleaned_data[name] for name in names if name in form.cleaned_data}


@router.post(
    "/plans/{int:plan_id}/tasks",
    response=responses(TaskOut, 403, 404, 409, status=201),
    operation_id="add_task",
)
def add_task(request, plan_id: Id, payload: TaskIn):
    """A new task of the plan (plan editors). 409 for a closed plan."""
    plan = _plan(request, plan_id)
    if not selectors.can_edit_plan(request.user, plan.unit):
        raise PermissionDenied
    cleaned = _checked(plan, request.user, None, payload.dict(exclude_unset=True))
    criteria = cleaned.pop("criteria", [])
    coordinating = cleaned.pop("coordinating_units", [])
    if cleaned.get("order") is None:
        cleaned.pop("order", None)
    try:
        task = plan_actions.add_task(
            plan, by=request.user, criteria=criteria, coordinating_units=coordinating, **cleaned
        )
    except ValidationError as exc:
        raise step_refused(exc)
    return Status(201, _task(request, task.pk))


@router.patch("/tasks/{int:task_id}", response=responses(TaskOut, 403, 404, 409), operation_id="update_task")
def update_task(request, task_id: Id, payload: TaskChangeIn):
    """Edit a task (plan editors) or report its progress with `status` (plan editors and the
    task's lead official, who may change nothing else). 409 for a closed plan."""
    task = _task(request, task_id)
    sent = payload.dict(exclude_unset=True)
    if not selectors.can_update_task(request.user, task) or (
        set(sent) - {"status"} and not selectors.can_edit_plan(request.user, task.plan.unit)
    ):
        raise PermissionDenied  # the lead official only reports progress
    if not sent:
        # An empty change (JSON merge patch ``{}``) is valid and changes nothing (issue 24: it
        # was refused 422 although schema-valid).
        return _task(request, task_id)
    kwargs = _checked(task.plan, request.user, task, sent) if set(sent) - {"status"} else {}
    if kwargs.get("order", 0) is None:
        kwargs.pop("order")
    if sent.get("status"):
        kwargs["status"] = sent["status"]
    try:
        plan_actions.update_task(task, by=request.user, **kwargs)
    except ValidationError as exc:
        raise step_refused(exc)
    return _task(request, task_id)


class TaskDoneIn(Input):
    completion_date: DateText
    result_note: Str(5000) = ""


class TaskCancelIn(Input):
    reason: FilledText(5000)  # a cancelled task must say why (the schema says so too)


@router.post(
    "/tasks/{int:task_id}/done", response=responses(TaskOut, 403, 404, 409), operation_id="mark_task_done"
)
def mark_task_done(request, task_id: Id, payload: TaskDoneIn):
    """The task is done on `completion_date` (not in the future); plan-fed leaves of the unit's
    open score sheet are refreshed, as on the plan page."""
    task = _task(request, task_id)
    try:
        plan_actions.mark_task_done(
            task, by=request.user, completion_date=payload.completion_date, result_note=payload.result_note
        )
    except ValidationError as exc:
        raise step_refused(exc)
    return _task(request, task_id)


@router.post(
    "/tasks/{int:task_id}/cancel", response=responses(TaskOut, 403, 404, 409), operation_id="cancel_task"
)
def cancel_task(request, task_id: Id, payload: TaskCancelIn):
    task = _task(request, task_id)
    try:
        plan_actions.cancel_task(task, by=request.user, reason=payload.reason)
    except ValidationError as exc:
        raise step_refused(exc)
    return _task(request, task_id)
