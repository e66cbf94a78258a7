"""Reads shared by the views, exports, home panels and the reminder job."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Count, Max, Q
from django.utils import timezone

from parindex.requests import planner
from parindex.requests.deliverables import get_deliverable
from parindex.requests.models import (
    Delivery,
    Notification,
    ReminderStep,
    ReportSubmission,
    Request,
    RequestRecipient,
)
from parindex.units.models import Membership
from parindex.units.visibility import scope_for

ISSUER_ROLES = (Membership.Role.INDEX_MANAGER, Membership.Role.UNIT_HEAD)
RECIPIENT_ROLES = (Membership.Role.UNIT_HEAD, Membership.Role.UNIT_OFFICER)


def resolutions(
    request: Request, recipients, *, now: dt.datetime | None = None
) -> dict[int, tuple[str, dt.datetime | None]]:
    """recipient pk -> (TrackStatus, delivered_at), from the deliverable's resolver (constant queries)."""
    now = now or timezone.now()
    raw = get_deliverable(request.deliverable).resolve_many(request, list(recipients))
    result = {}
    for recipient in recipients:
        progress, delivered_at = raw.get(recipient.pk, (planner.Progress.NONE, None))
        result[recipient.pk] = (
            planner.track_status(progress, delivered_at, request.deadline, now),
            delivered_at,
        )
    return result


@dataclass
class TrackingRow:
    recipient: RequestRecipient
    status: str
    delivered_at: dt.datetime | None
    reminders: int
    last_reminder_at: dt.datetime | None
    email_problems: int
    last_error: str
    reports: int

    @property
    def unit(self):
        return self.recipient.unit

    @property
    def status_label(self) -> str:
        return planner.TrackStatus(self.status).label

    @property
    def badge(self) -> str:
        return planner.STATUS_BADGE[planner.TrackStatus(self.status)]


SORTS = {
    "unit": lambda r: r.unit.search_name,
    "status": lambda r: (planner.STATUS_ORDER[planner.TrackStatus(r.status)], r.unit.search_name),
    "delivered": lambda r: (r.delivered_at is None, r.delivered_at or timezone.now(), r.unit.search_name),
    "reminders": lambda r: (r.reminders, r.unit.search_name),
}


def tracking_rows(
    request: Request, *, now: dt.datetime | None = None, sort: str = "status"
) -> list[TrackingRow]:
    """One row per recipient, in 4 queries whatever the number of recipients."""
    now = now or timezone.now()
    recipients = list(request.recipients.select_related("unit"))
    for recipient in recipients:
        recipient.request = request
    states = resolutions(request, recipients, now=now)
    steps = {
        row["recipient_id"]: row
        for row in ReminderStep.objects.filter(recipient__request=request)
        .exclude(step="issued")
        .values("recipient_id")
        .annotate(n=Count("id"), last=Max("created_at"))
    }
    problems: dict[int, list] = defaultdict(list)
    for recipient_id, error in (
        Delivery.objects.filter(step__recipient__request=request, channel=Delivery.Channel.EMAIL)
        .filter(Q(status=Delivery.Status.FAILED) | (Q(status=Delivery.Status.PENDING) & ~Q(last_error="")))
        .values_list("step__recipient_id", "last_error")
    ):
        problems[recipient_id].append(error)
    reports = Counter(
        ReportSubmission.objects.filter(recipient__request=request).values_list("recipient_id", flat=True)
    )
    rows = [
        TrackingRow(
            recipient=r,
            status=states[r.pk][0],
            delivered_at=states[r.pk][1],
            reminders=steps.get(r.pk, {}).get("n", 0),
            last_reminder_at=steps.get(r.pk, {}).get("last"),
            email_problems=len(problems[r.pk]),
            last_error=problems[r.pk][-1] if problems[r.pk] else "",
            reports=reports[r.pk],
        )
        for r in recipients
    ]
    rows.sort(key=SORTS.get(sort.lstrip("-"), SORTS["status"]), reverse=sort.startswith("-"))
    return rows


def status_counts(rows: list[TrackingRow]) -> dict[str, int]:
    counts = Counter(r.status for r in rows)
    return {s.value: counts.get(s.value, 0) for s in planner.TrackStatus}


def issuing_units(user):
    """Units at which the user may issue requests (index manager or head; admins anywhere)."""
    from parindex.units.models import Unit

    scope = scope_for(user)
    if scope.is_admin:
        return Unit.objects.all()
    ids = {unit_id for unit_id, role in scope.roles if role in ISSUER_ROLES}
    return Unit.objects.filter(pk__in=ids)


def can_issue(user, unit) -> bool:
    from parindex.units.visibility import has_role

    return has_role(user, unit, *ISSUER_ROLES)


def issued_open_requests(user):
    """Open requests issued by the units where the user is an issuer (their home panel)."""
    scope = scope_for(user)
    ids = [unit_id for unit_id, role in scope.roles if role in ISSUER_ROLES]
    return (
        Request.objects.open()
        .filter(issuing_unit_id__in=ids)
        .select_related("issuing_unit")
        .annotate(n_recipients=Count("recipients"))
        .order_by("deadline")
    )


def open_received(user, *, now: dt.datetime | None = None, limit: int = 20) -> list[TrackingRow]:
    """Open requests addressed to the user's units (as head or officer) that are not delivered yet."""
    now = now or timezone.now()
    scope = scope_for(user)
    unit_ids = [unit_id for unit_id, role in scope.roles if role in RECIPIENT_ROLES]
    recipients = list(
        RequestRecipient.objects.filter(unit_id__in=unit_ids, request__status=Request.Status.OPEN)
        .select_related("unit", "request__issuing_unit")
        .order_by("request__deadline")[: limit * 2]
    )
    by_request: dict[int, list] = defaultdict(list)
    for r in recipients:
        by_request[r.request_id].append(r)
    rows = []
    for group in by_request.values():
        states = resolutions(group[0].request, group, now=now)
        for r in group:
            status, delivered_at = states[r.pk]
            if not planner.is_done(status):
                rows.append(TrackingRow(r, status, delivered_at, 0, None, 0, "", 0))
    rows.sort(key=lambda row: row.recipient.request.deadline)
    return rows[:limit]


def unread_count(user) -> int:
    return Notification.objects.for_user(user).unread().count()
