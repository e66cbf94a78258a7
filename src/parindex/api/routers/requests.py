"""Requests (văn bản yêu cầu) to units under the issuing unit: reads with their tracking,
issuing, changing the deadline and reminder schedule, closing, and a recipient's free-form
report. Writes go through ``parindex.requests.actions`` (permission, state, audit, the
notifications and reminders of the recipients)."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from parindex.api.common import (
    Date,
    DateTime,
    Filled,
    Id,
    Input,
    Line,
    Pages,
    Str,
    Year,
    api_choices,
    responses,
)
from parindex.api.errors import Conflict
from parindex.requests import actions
from parindex.requests.models import ReportSubmission, Request, RequestRecipient
from parindex.requests.selectors import ISSUER_ROLES, tracking_rows
from parindex.units.models import Unit
from parindex.units.visibility import get_visible_or_404, has_role

router = Router(tags=["requests"])

RequestStatus = api_choices("RequestStatus", Request.Status)


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
    remind_days_before: list[int]
    remind_overdue_every: int
    remind_overdue_max: int

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
    status: RequestStatus | None = None
    issuing_unit_id: Id | None = None
    year: Year | None = None


@router.get("/requests", response=responses(list[RequestOut]), operation_id="list_requests")
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


@router.get("/requests/{int:request_id}", response=responses(RequestOut, 404), operation_id="get_request")
def get_request(request, request_id: Id):
    return _request(request, request_id)


@router.get(
    "/requests/{int:request_id}/tracking",
    response=responses(list[TrackingRowOut], 404),
    operation_id="request_tracking",
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


# --- writing -----------------------------------------------------------------------------------------


class ScheduleIn(Input):
    remind_days_before: list[int] | None = Field(
        None,
        max_length=61,
        description="Days before the deadline to remind (0–60; 0 = on the day). Default 7, 3, 1, 0.",
    )
    remind_overdue_every: int | None = Field(
        None, ge=0, le=30, description="When overdue, remind every N days (0: never)."
    )
    remind_overdue_max: int | None = Field(
        None, ge=0, le=30, description="At most this many overdue reminders."
    )


class RequestIn(ScheduleIn):
    issuing_unit_id: Id = Field(..., description="A unit where you are the index manager or the head.")
    number: Filled(60) = Field(..., description="Number and symbol, e.g. 43/UBND.")
    subject: Filled(300)
    body: Str(20000) = ""
    issued_on: Date | None = Field(None, description="Default: today.")
    deliverable: Line(40) = Field(
        "report", description="What recipients deliver: report (a file), self_assessment, …"
    )
    round_id: Id | None = Field(None, description="The assessment round, for deliverables about a round.")
    deadline: DateTime = Field(..., description="In the future; without an offset it is local time (UTC+7).")
    recipient_unit_ids: list[Id] = Field(default_factory=list, max_length=5000)
    recipient_kinds: list[Unit.Kind] = Field(
        default_factory=list,
        max_length=20,
        description="Also every active unit of these kinds under the issuing unit.",
    )


class RequestChangeIn(ScheduleIn):
    """The deadline (an extension) and the reminder schedule; fields not sent keep their value."""

    deadline: DateTime | None = None


def _recipient_units(issuer: Unit, ids: list[int], kinds: list[str]) -> list[Unit]:
    units = {u.pk: u for u in Unit.objects.filter(pk__in=set(ids))}
    unknown = sorted(set(ids) - set(units))
    if unknown:
        raise ValidationError(
            _("These unit ids do not exist: %(ids)s.") % {"ids": ", ".join(str(i) for i in unknown)}
        )
    if kinds:
        for unit in Unit.objects.subtree_of(issuer).exclude(pk=issuer.pk).filter(kind__in=kinds).active_on():
            units[unit.pk] = unit
    return list(units.values())


@router.post("/requests", response=responses(RequestOut, 403, 404, status=201), operation_id="issue_request")
def issue_request(request, payload: RequestIn):
    """Issue a request to units under the issuing unit, with a deadline (index managers and heads of
    the issuing unit). The recipients' heads and officers are notified and reminded on schedule."""
    issuer = get_visible_or_404(Unit.objects.all(), request.user, pk=payload.issuing_unit_id)
    if not has_role(request.user, issuer, *ISSUER_ROLES):
        raise PermissionDenied
    created = actions.issue_request(
        by=request.user,
        issuing_unit=issuer,
        number=payload.number,
        subject=payload.subject,
        body=payload.body,
        issued_on=payload.issued_on,
        deliverable=payload.deliverable,
        round_id=payload.round_id,
        deadline=payload.deadline,
        recipient_units=_recipient_units(issuer, payload.recipient_unit_ids, payload.recipient_kinds),
        days_before=payload.remind_days_before,
        overdue_every=payload.remind_overdue_every,
        overdue_max=payload.remind_overdue_max,
    )
    return Status(201, _request(request, created.pk))


@router.patch(
    "/requests/{int:request_id}", response=responses(RequestOut, 403, 404, 409), operation_id="update_request"
)
def update_request(request, request_id: Id, payload: RequestChangeIn):
    """Extend the deadline and/or change the reminder schedule of an open request (the issuing
    side). 409 for a closed request."""
    item = _request(request, request_id)
    sent = payload.dict(exclude_unset=True)

    def value(name, current):
        return current if sent.get(name) is None else sent[name]

    actions.update_request(
        request=item,
        by=request.user,
        deadline=value("deadline", item.deadline),
        days_before=value("remind_days_before", item.remind_days_before),
        overdue_every=value("remind_overdue_every", item.remind_overdue_every),
        overdue_max=value("remind_overdue_max", item.remind_overdue_max),
    )
    return _request(request, request_id)


@router.post(
    "/requests/{int:request_id}/close",
    response=responses(RequestOut, 403, 404, 409),
    operation_id="close_request",
)
def close_request(request, request_id: Id):
    """Close a request: no more reminders, no more reports (the issuing side). 409 if it is
    already closed."""
    item = _request(request, request_id)
    if not has_role(request.user, item.issuing_unit, *ISSUER_ROLES):
        raise PermissionDenied
    if item.status != Request.Status.OPEN:
        raise Conflict(ValidationError(_("This request is already closed."), code="closed"))
    actions.close_request(request=item, by=request.user)
    return _request(request, request_id)


class ReportOut(Schema):
    id: int
    recipient_id: int
    unit_id: int
    note: str
    original_name: str
    size: int
    sha256: str
    content_type: str
    submitted_at: dt.datetime
    late: bool

    @staticmethod
    def resolve_unit_id(obj):
        return obj.recipient.unit_id

    @staticmethod
    def resolve_late(obj):
        return obj.submitted_at > obj.recipient.request.deadline


class ReportIn(Schema):
    note: Str(5000) = ""


@router.post(
    "/requests/{int:request_id}/recipients/{int:recipient_id}/reports",
    response=responses(ReportOut, 403, 404, 409, status=201),
    operation_id="submit_report",
)
def submit_report(request, request_id: Id, recipient_id: Id, data: Form[ReportIn], file: File[UploadedFile]):
    """A recipient unit's head or officer sends its report (multipart: `file`, `note`). The file
    is checked by content. Reports after the deadline are accepted and marked late. 409 when the
    request is closed or does not take reports (its deliverable is something else)."""
    recipient = get_visible_or_404(
        RequestRecipient.objects.select_related("unit", "request__issuing_unit").filter(
            request_id=request_id
        ),
        request.user,
        pk=recipient_id,
    )
    try:
        report = actions.submit_report(
            recipient=recipient, by=request.user, uploaded_file=file, note=data.note
        )
    except ValidationError as exc:
        if {getattr(e, "code", None) for e in exc.error_list} & {"closed", "kind"}:
            raise Conflict(exc)
        raise
    return Status(201, ReportSubmission.objects.select_related("recipient__request").get(pk=report.pk))
