"""Appraisal entries, reform plans and tasks, requests with their tracking (reads)."""


import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from parindex.api.common import Id, Pages, Str, Year, responses
from parindex.api.errors import step_refused
from parindex.appraisals.models import AppraisalEntry
from parindex.plans import actions as plan_actions
from parindex.plans.models import Plan, PlanTask
from parindex.plans.selectors import plan_counts
from parindex.requests.models import Request, RequestRecipient
from parindex.requests.selectors import tracking_rows
from parindex.units.visibility import get_visible_or_404

router = Router()


# --- appraisal entries -----------------------------------------------------------------------------


class AppraisalEntryOut(Schema):
    id: int
    sheet_id: int = Field(..., description="The score sheet (assessment) id.")
    appraisal_status: str
    unit_id: int
    criterion_id: int
    code: str
    round_number: int
    max_points: Decimal
    points: Decimal | None
    not_applicable: bool
    reason: str
    explanation_requested: bool
    comment: str
    updated_at: dt.datetime

    @staticmethod
    def resolve_sheet_id(obj):
        return obj.sheet.assessment_id

    @staticmethod
    def resolve_appraisal_status(obj):
        return obj.sheet.status

    @staticmethod
    def resolve_unit_id(obj):
        return obj.sheet.assessment.unit_id

    @staticmethod
    def resolve_code(obj):
        return obj.criterion.code


class AppraisalFilter(Schema):
    sheet_id: Id | None = None
    round_id: Id | None = None
    unit_id: Id | None = None
    round_number: int | None = Field(None, ge=1, le=2)
    explanation_requested: bool | None = None


@router.get(
    "/appraisal-entries",
    response=responses(list[AppraisalEntryOut]),
    operation_id="list_appraisal_entries",
    tags=["appraisals"],
)
@paginate(Pages)
def list_appraisal_entries(request, filters: Query[AppraisalFilter]):
    entries = AppraisalEntry.objects.visible_to(request.user).select_related("sheet__assessment", "criterion")
    if filters.sheet_id:
        entries = entries.filter(sheet__assessment_id=filters.sheet_id)
    if filters.round_id:
        entries = entries.filter(sheet__assessment__round_id=filters.round_id)
    if filters.unit_id:
        entries = entries.filter(sheet__assessment__unit_id=filters.unit_id)
    if filters.round_number:
        entries = entries.filter(round_number=filters.round_number)
    if filters.explanation_requested is not None:
        entries = entries.filter(explanation_requested=filters.explanation_requested)
    return entries.order_by("sheet_id", "criterion__sort_key", "round_number", "id")


# --- plans and tasks ---------------------------------------------------------------------------------


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
        return plan_counts(obj)


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
    start_date: dt.date | None
    due_date: dt.date | None
    status: str
    progress: str
    completion_date: dt.date | None
    result_note: str
    parent_task_id: int | None

    @staticmethod
    def resolve_progress(obj):
        value = getattr(obj, "progress", None)
        if callable(value):
            value = value()
        return str(value if value is not None else obj.status)


class PlanFilter(Schema):
    year: Year | None = None
    unit_id: Id | None = None
    status: Plan.Status | None = None


class TaskFilter(Schema):
    plan_id: Id | None = None
    status: PlanTask.Status | None = None
    overdue: bool | None = None
    year: Year | None = None


@router.get("/plans", response=responses(list[PlanOut]), operation_id="list_plans", tags=["plans"])
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


@router.get("/plans/{int:plan_id}", response=responses(PlanDetailOut, 404), operation_id="get_plan", tags=["plans"])
def get_plan(request, plan_id: Id):
    return get_visible_or_404(Plan.objects.select_related("unit"), request.user, pk=plan_id)


@router.get("/tasks", response=responses(list[TaskOut]), operation_id="list_tasks", tags=["plans"])
@paginate(Pages)
def list_tasks(request, filters: Query[TaskFilter]):
    tasks = PlanTask.objects.visible_to(request.user)
    if filters.plan_id:
        tasks = tasks.filter(plan_id=filters.plan_id)
    if filters.status:
        tasks = tasks.filter(status=filters.status)
    if filters.overdue:
        tasks = tasks.overdue()
    if filters.year:
        tasks = tasks.filter(plan__year=filters.year)
    return tasks.order_by("plan_id", "order", "id")


@router.get("/tasks/{int:task_id}", response=responses(TaskOut, 404), operation_id="get_task", tags=["plans"])
def get_task(request, task_id: Id):
    return get_visible_or_404(PlanTask.objects.all(), request.user, pk=task_id)


class TaskDoneIn(Schema):
    completion_date: dt.date
    result_note: Str(5000) = ""


class TaskCancelIn(Schema):
    reason: Str(5000)


def _task(request, task_id: int) -> PlanTask:
    return get_visible_or_404(PlanTask.objects.select_related("plan__unit"), request.user, pk=task_id)


@router.post(
    "/tasks/{int:task_id}/done", response=responses(TaskOut, 403, 404, 409), operation_id="mark_task_done",
    tags=["plans"],
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
    "/tasks/{int:task_id}/cancel", response=responses(TaskOut, 403, 404, 409), operation_id="cancel_task",
    tags=["plans"],
)
def cancel_task(request, task_id: Id, payload: TaskCancelIn):
    task = _task(request, task_id)
    try:
        plan_actions.cancel_task(task, by=request.user, reason=payload.reason)
    except ValidationError as exc:
        raise step_refused(exc)
    return _task(request, task_id)


# --- requests and tracking -----------------------------------------------------------------------------


class RequestOut(Schema):
    id: int
    issuing_unit_id: int
    issuing_unit_name: str
    number: str
    issued_on: dt.date
    subject: str
    body: str
    deliverable: str
    round_id: int | None
    deadline: dt.datetime
    status: str

    @staticmethod
    def resolve_issuing_unit_name(obj):
        return obj.issuing_unit.name


class TrackingRowOut(Schema):
    recipient_id: int
    unit_id: int
    unit_name: str
    status: str
    delivered_at: dt.datetime | None
    reminders: int
    last_reminder_at: dt.datetime | None
    reports: int


class RequestFilter(Schema):
    status: Request.Status | None = None
    issuing_unit_id: Id | None = None
    year: Year | None = None


@router.get("/requests", response=responses(list[RequestOut]), operation_id="list_requests", tags=["requests"])
@paginate(Pages)
def list_requests(request, filters: Query[RequestFilter]):
    """Requests issued by or addressed to the caller's units."""
    requests_ = Request.objects.visible_to(request.user).select_related("issuing_unit")
    if filters.status:
        requests_ = requests_.filter(status=filters.status)
    if filters.issuing_unit_id:
        requests_ = requests_.filter(issuing_unit_id=filters.issuing_unit_id)
    if filters.year:
        requests_ = requests_.filter(issued_on__year=filters.year)
    return requests_.order_by("-created_at", "-id")


def _request(request, request_id: int) -> Request:
    return get_visible_or_404(Request.objects.select_related("issuing_unit"), request.user, pk=request_id)


@router.get(
    "/requests/{int:request_id}", response=responses(RequestOut, 404), operation_id="get_request", tags=["requests"]
)
def get_request(request, request_id: Id):
    return _request(request, request_id)


@router.get(
    "/requests/{int:request_id}/tracking",
    response=responses(list[TrackingRowOut], 404),
    operation_id="request_tracking",
    tags=["requests"],
)
@paginate(Pages)
def request_tracking(request, request_id: Id):
    """One row per recipient unit: delivered or not, on time, reminders sent. The issuing side sees
    every recipient; a recipient unit sees only its own row."""
    req = _request(request, request_id)
    rows = tracking_rows(req)
    if not Request.objects.issued_visible_to(request.user).filter(pk=req.pk).exists():
        mine = set(
            RequestRecipient.objects.visible_to(request.user).filter(request=req).values_list("pk", flat=True)
        )
        rows = [row for row in rows if row.recipient.pk in mine]
    if not rows and not req.recipients.exists():
        return []
    return [
        {
            "recipient_id": row.recipient.pk,
            "unit_id": row.recipient.unit_id,
            "unit_name": row.unit.name,
            "status": row.status,
            "delivered_at": row.delivered_at,
            "reminders": row.reminders,
            "last_reminder_at": row.last_reminder_at,
            "reports": row.reports,
        }
        for row in rows
    ]

