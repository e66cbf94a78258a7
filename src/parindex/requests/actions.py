"""Workflow steps of requests. Each checks permission, changes state and audits in one transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parindex.core import audit
from parindex.requests import planner, reminders
from parindex.requests.deliverables import get_deliverable, round_model
from parindex.requests.models import Delivery, ReportSubmission, Request, RequestRecipient
from parindex.requests.selectors import ISSUER_ROLES, RECIPIENT_ROLES
from parindex.units.models import Unit
from parindex.units.visibility import has_role

SNAPSHOT_FIELDS = (
    "number",
    "issued_on",
    "subject",
    "deliverable",
    "round_id",
    "deadline",
    "status",
    "remind_days_before",
    "remind_overdue_every",
    "remind_overdue_max",
)


def validate_deadline(deadline: dt.datetime, now: dt.datetime) -> None:
    if deadline <= now:
        raise ValidationError(
            _("The deadline %(deadline)s has already passed: choose a date and time in the future.")
            % {"deadline": planner.format_deadline(deadline)},
            code="deadline_past",
        )


def validate_schedule(days_before, overdue_every: int, overdue_max: int) -> list[int]:
    days = sorted({int(d) for d in days_before}, reverse=True)
    if any(d < 0 or d > 60 for d in days):
        raise ValidationError(_("Reminder days must be between 0 and 60."), code="schedule")
    if overdue_every > 30 or overdue_max > 30:
        raise ValidationError(
            _("Overdue reminders: at most every 30 days and at most 30 times."), code="schedule"
        )
    return days


def _schedule_after_commit() -> None:
    from parindex.requests.tasks import send_reminders

    send_reminders.enqueue()


def issue_request(
    *,
    by,
    issuing_unit: Unit,
    number: str,
    subject: str,
    deadline: dt.datetime,
    recipient_units,
    deliverable: str = "report",
    body: str = "",
    issued_on: dt.date | None = None,
    round_id: int | None = None,
    days_before=None,
    overdue_every: int | None = None,
    overdue_max: int | None = None,
    now: dt.datetime | None = None,
) -> Request:
    """Issue a request to units under the issuing unit and notify their heads and officers."""
    now = now or timezone.now()
    if not has_role(by, issuing_unit, *ISSUER_ROLES):
        raise PermissionDenied
    validate_deadline(deadline, now)
    units = list({u.pk: u for u in recipient_units}.values())
    if not units:
        raise ValidationError(_("Choose at least one recipient unit."), code="no_recipients")
    outside = [u.name for u in units if u.pk == issuing_unit.pk or not u.path.startswith(issuing_unit.path)]
    if outside:
        raise ValidationError(
            _("These units are not under %(unit)s: %(names)s.")
            % {"unit": issuing_unit.name, "names": ", ".join(outside)},
            code="recipient_outside",
        )
    kind = get_deliverable(deliverable)
    if not kind.available:
        raise ValidationError(_("This kind of deliverable is not available yet."), code="deliverable")
    if kind.needs_round:
        model = round_model()
        if round_id is None or model is None or not model.objects.filter(pk=round_id).exists():
            raise ValidationError(_("Choose the assessment round this request is about."), code="round")
    days = validate_schedule(
        planner.Schedule().days_before if days_before is None else days_before,
        planner.Schedule().overdue_every if overdue_every is None else overdue_every,
        planner.Schedule().overdue_max if overdue_max is None else overdue_max,
    )
    with transaction.atomic():
        request = Request.objects.create(
            issuing_unit=issuing_unit,
            number=number.strip(),
            subject=subject.strip(),
            body=body,
            issued_on=issued_on or timezone.localdate(now),
            deliverable=deliverable,
            round_id=round_id,
            deadline=deadline,
            remind_days_before=days,
            remind_overdue_every=planner.Schedule().overdue_every if overdue_every is None else overdue_every,
            remind_overdue_max=planner.Schedule().overdue_max if overdue_max is None else overdue_max,
            created_by=by,
            created_at=now,
        )
        recipients = RequestRecipient.objects.bulk_create(
            [RequestRecipient(request=request, unit=u) for u in sorted(units, key=lambda u: u.path)]
        )
        audit.record(
            actor=by,
            action="requests.issue",
            obj=request,
            after={**audit.snapshot(request, SNAPSHOT_FIELDS), "recipients": [u.pk for u in units]},
        )
        users = reminders.reminder_users(u.pk for u in units)
        for recipient in recipients:
            recipient.request = request
            reminders.claim_step(
                recipient,
                reminders.ISSUED_STEP,
                planned_at=now,
                now=now,
                users=users.get(recipient.unit_id, []),
            )
        transaction.on_commit(_schedule_after_commit)
    return request


def update_request(
    *,
    request: Request,
    by,
    deadline: dt.datetime,
    days_before,
    overdue_every: int,
    overdue_max: int,
    now: dt.datetime | None = None,
) -> Request:
    """Change the deadline (extension) and the reminder schedule of an open request."""
    now = now or timezone.now()
    if not has_role(by, request.issuing_unit, *ISSUER_ROLES):
        raise PermissionDenied
    if request.status != Request.Status.OPEN:
        raise ValidationError(_("This request is closed."), code="closed")
    if deadline != request.deadline:
        validate_deadline(deadline, now)
    days = validate_schedule(days_before, overdue_every, overdue_max)
    with transaction.atomic():
        before = audit.snapshot(request, SNAPSHOT_FIELDS)
        request.deadline = deadline
        request.remind_days_before = days
        request.remind_overdue_every = overdue_every
        request.remind_overdue_max = overdue_max
        request.save(
            update_fields=["deadline", "remind_days_before", "remind_overdue_every", "remind_overdue_max"]
        )
        audit.record(
            actor=by,
            action="requests.update",
            obj=request,
            before=before,
            after=audit.snapshot(request, SNAPSHOT_FIELDS),
        )
    return request


def close_request(*, request: Request, by) -> Request:
    """Close a request: no more reminders, no more reports."""
    if not has_role(by, request.issuing_unit, *ISSUER_ROLES):
        raise PermissionDenied
    if request.status == Request.Status.CLOSED:
        raise ValidationError(_("This request is already closed."), code="closed")
    with transaction.atomic():
        request.status = Request.Status.CLOSED
        request.save(update_fields=["status"])
        audit.record(actor=by, action="requests.close", obj=request, after={"status": request.status})
    return request


def remind_now(*, request: Request, by, now: dt.datetime | None = None, progress=None) -> int:
    """An extra reminder, now, to every recipient that has not delivered; returns recipients reminded."""
    from parindex.requests.selectors import resolutions

    now = now or timezone.now()
    if not has_role(by, request.issuing_unit, *ISSUER_ROLES):
        raise PermissionDenied
    if request.status != Request.Status.OPEN:
        raise ValidationError(_("This request is closed."), code="closed")
    recipients = list(request.recipients.select_related("unit"))
    states = resolutions(request, recipients, now=now)
    pending = [r for r in recipients if not planner.is_done(states[r.pk][0])]
    users = reminders.reminder_users(r.unit_id for r in pending)
    key = f"manual@{now:%Y%m%d%H%M%S}"
    done = 0
    with transaction.atomic():
        audit.record(
            actor=by,
            action="requests.remind_now",
            obj=request,
            after={"recipients": [r.unit_id for r in pending]},
        )
    for index, recipient in enumerate(pending, start=1):
        recipient.request = request
        if reminders.claim_step(
            recipient, key, planned_at=now, now=now, users=users.get(recipient.unit_id, []), manual=True
        ):
            done += 1
        if progress:
            progress(index, len(pending))
    transaction.on_commit(_schedule_after_commit)
    return done


def retry_failed_emails(*, request: Request, by, now: dt.datetime | None = None) -> int:
    """Put failed e-mails of a request back in the queue for an immediate new attempt."""
    now = now or timezone.now()
    if not has_role(by, request.issuing_unit, *ISSUER_ROLES):
        raise PermissionDenied
    with transaction.atomic():
        count = Delivery.objects.filter(
            step__recipient__request=request, channel=Delivery.Channel.EMAIL, status=Delivery.Status.FAILED
        ).update(status=Delivery.Status.PENDING, attempts=0, next_attempt_at=now)
        audit.record(actor=by, action="requests.retry_emails", obj=request, after={"count": count})
        transaction.on_commit(_schedule_after_commit)
    return count


# --- Free-form reports ------------------------------------------------------------------------------

ALLOWED_TYPES = {
    "pdf": {"application/pdf"},
    "doc": {"application/msword", "application/vnd.ms-office", "application/CDFV2"},
    "xls": {"application/vnd.ms-excel", "application/vnd.ms-office", "application/CDFV2"},
    "docx": {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/zip"},
    "xlsx": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/zip"},
    "odt": {"application/vnd.oasis.opendocument.text", "application/zip"},
    "ods": {"application/vnd.oasis.opendocument.spreadsheet", "application/zip"},
    "jpg": {"image/jpeg"},
    "jpeg": {"image/jpeg"},
    "png": {"image/png"},
}


def _evidence_service():
    """``parindex.assessments.evidence.store_upload`` if the assessments app provides it."""
    try:
        module = importlib.import_module("parindex.assessments.evidence")
    except ImportError:
        return None
    return getattr(module, "store_upload", None)


def check_upload(uploaded_file) -> tuple[str, str]:
    """Our own check when the evidence service is absent: type by content, size, macros. -> (sha256, mime)."""
    import magic

    name = uploaded_file.name or ""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    limit = settings.UPLOAD_MAX_MB * 1024 * 1024
    if uploaded_file.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if uploaded_file.size > limit:
        raise ValidationError(
            _("The file is larger than %(mb)s MB.") % {"mb": settings.UPLOAD_MAX_MB}, code="size"
        )
    if ext not in ALLOWED_TYPES:
        raise ValidationError(
            _("Files of type .%(ext)s are not accepted. Accepted: %(types)s.")
            % {"ext": ext or "?", "types": ", ".join(sorted(ALLOWED_TYPES))},
            code="type",
        )
    uploaded_file.seek(0)
    head = uploaded_file.read(8192)
    mime = magic.from_buffer(head, mime=True)
    if mime not in ALLOWED_TYPES[ext]:
        raise ValidationError(
            _("The content of the file does not match its extension .%(ext)s.") % {"ext": ext}, code="type"
        )
    digest = hashlib.sha256()
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    if "application/zip" in ALLOWED_TYPES[ext]:
        # The shared content checks (core.filecheck): real inflated sizes, macros by content.
        from parindex.core import filecheck

        try:
            filecheck.inspect_archive(uploaded_file, limits=filecheck.ArchiveLimits(500 * 1024 * 1024, 200))
        except filecheck.FileRefused as refused:
            message = {
                "macro": _("Files with macros are not accepted."),
                "bomb": _("The file unpacks to an unreasonable size and was refused."),
                "damaged": _("The file is damaged."),
            }.get(refused.code, refused.message)
            raise ValidationError(message, code=refused.code)
    elif ext in ("doc", "xls"):
        from parindex.core import filecheck

        if filecheck.ole_has_macros(uploaded_file):
            raise ValidationError(_("Files with macros are not accepted."), code="macro")
    else:  # PDF and images: no web-page or script markup anywhere in the file
        from parindex.core import filecheck

        if filecheck.find_active_content(uploaded_file):
            raise ValidationError(filecheck.active_content().message, code="active_content")
    uploaded_file.seek(0)
    return digest.hexdigest(), mime


def submit_report(
    *, recipient: RequestRecipient, by, uploaded_file, note: str = "", now: dt.datetime | None = None
) -> ReportSubmission:
    """A recipient unit's head or officer sends a report file with a note. Late reports are accepted (and marked late)."""
    now = now or timezone.now()
    request = recipient.request
    if not has_role(by, recipient.unit, *RECIPIENT_ROLES):
        raise PermissionDenied
    if request.status != Request.Status.OPEN:
        raise ValidationError(_("This request is closed."), code="closed")
    if not get_deliverable(request.deliverable).accepts_reports:
        raise ValidationError(_("This request does not take reports."), code="kind")
    if uploaded_file is None:
        raise ValidationError(_("Choose a file to send."), code="no_file")
    store_upload = _evidence_service()
    with transaction.atomic():
        report = ReportSubmission(
            recipient=recipient,
            note=note,
            submitted_by=by,
            submitted_at=now,
            original_name=(uploaded_file.name or "")[:255],
        )
        if store_upload is not None:
            evidence = store_upload(
                unit=recipient.unit,
                year=request.issued_on.year,
                uploaded_file=uploaded_file,
                short_name=f"Bao cao {request.number}",
                purpose="Bao cao",
                by=by,
            )
            report.evidence_id = evidence.pk
            report.size = getattr(evidence, "size", 0) or 0
            report.sha256 = getattr(evidence, "sha256", "") or ""
            report.content_type = getattr(evidence, "content_type", "") or ""
        else:
            report.sha256, report.content_type = check_upload(uploaded_file)
            report.size = uploaded_file.size
            report.file.save(_safe_name(uploaded_file.name), uploaded_file, save=False)
        report.save()
        audit.record(
            actor=by,
            action="requests.submit_report",
            obj=report,
            unit=recipient.unit,
            after=audit.snapshot(report, ("original_name", "size", "sha256", "submitted_at", "evidence_id")),
        )
    return report


def _safe_name(name: str) -> str:
    from parindex.core.text import safe_file_stem

    stem, _dot, ext = (name or "file").rpartition(".")
    return (
        f"{safe_file_stem(stem or ext)}.{safe_file_stem(ext, max_length=10)}"
        if stem
        else safe_file_stem(name)
    )


def set_email_notifications(*, user, enabled: bool) -> None:
    with transaction.atomic():
        before = {"email_notifications": user.email_notifications}
        user.email_notifications = enabled
        user.save(update_fields=["email_notifications"])
        audit.record(
            actor=user,
            action="accounts.email_notifications",
            obj=user,
            before=before,
            after={"email_notifications": enabled},
        )
