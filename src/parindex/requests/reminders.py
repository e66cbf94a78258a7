"""Sending reminders and new-request notices: in-app at once, e-mail with retries.

The periodic job ``send_due_reminders`` (every minute, see ``shell.register``) does two
things, both safe to run in several workers at once and after any crash:

1. **Plan.** For every open request and every recipient that has not delivered, ask the
   pure planner (``planner.due_steps``) which step is due. The step is claimed by
   inserting ``ReminderStep(recipient, step)`` (unique): only the worker that inserts it
   goes on. In the same transaction it writes one ``Delivery`` per user and channel
   (unique on step, user, channel), creates the in-app notifications, and leaves the
   e-mails pending. A crash before commit leaves nothing; after commit, the e-mails are
   in the table and will go out. Nothing is sent twice, nothing is lost.
2. **Deliver e-mails.** Pending e-mails whose time has come are claimed one by one with
   a conditional UPDATE (pending → sending) and sent through Django's mail backend
   (SMTP configured by environment). A failure puts the row back to pending with a
   backoff (1, 5, 15, 60, 180 minutes); after ``MAX_ATTEMPTS`` it is marked failed, the
   issuer is notified, and the tracking page shows the error and a "retry" button. A
   row stuck in "sending" (the worker died mid-send) is retried after 15 minutes — the
   only case in which a message can arrive twice, preferred over losing it.
   **Permanent errors are not retried**: the message is composed and its addresses checked
   *before* the mail backend is touched (so the file backend never leaves an empty file in
   the outbox); a header that cannot be written (a line break in a request number or
   subject saved before input checks existed: ``BadHeaderError``), an invalid address, or
   an SMTP server refusing every recipient with a 5xx code fails the row at once (one
   attempt), recorded with its error, and the issuer is told it will not be sent again.

Who receives: the recipient unit's heads and officers (active memberships, roles
``unit_head`` and ``unit_officer``); e-mail only to users with an address and e-mail
notifications switched on (``User.email_notifications``).
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections import defaultdict

from django.conf import settings
from django.core.mail import BadHeaderError, EmailMessage, get_connection
from django.core.mail.message import sanitize_address
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from parindex.requests import planner
from parindex.requests.models import Delivery, Notification, ReminderStep, Request, RequestRecipient
from parindex.units.models import Membership

logger = logging.getLogger("parindex.requests")

ISSUED_STEP = "issued"
BACKOFF_MINUTES = (1, 5, 15, 60, 180)
MAX_ATTEMPTS = len(BACKOFF_MINUTES) + 1
STALE_SENDING = dt.timedelta(minutes=15)
BATCH = 200
REMINDER_ROLES = (Membership.Role.UNIT_HEAD, Membership.Role.UNIT_OFFICER)


def reminder_users(unit_ids) -> dict[int, list]:
    """unit id -> its heads and officers (active users and memberships), in one query."""
    result: dict[int, list] = defaultdict(list)
    memberships = (
        Membership.objects.active()
        .filter(unit_id__in=list(unit_ids), role__in=REMINDER_ROLES, user__is_active=True)
        .select_related("user")
        .order_by("unit_id", "user_id")
    )
    for m in memberships:
        if all(u.pk != m.user_id for u in result[m.unit_id]):
            result[m.unit_id].append(m.user)
    return result


def _step_text(request: Request, step_key: str, now: dt.datetime) -> tuple[str, str]:
    """(title, sentence) for a notification or e-mail about ``step_key``, in the active language."""
    params = {
        "number": request.number,
        "subject": request.subject,
        "deadline": planner.format_deadline(request.deadline),
        "issuer": request.issuing_unit.name,
    }
    today = now.astimezone(planner.LOCAL_TZ).date()
    days = (request.deadline.astimezone(planner.LOCAL_TZ).date() - today).days
    if step_key == ISSUED_STEP:
        title = _("New request %(number)s: %(subject)s") % params
        sentence = _("%(issuer)s asks your unit to reply by %(deadline)s.") % params
    elif now > request.deadline:
        title = _("Overdue: %(number)s — %(subject)s") % params
        sentence = _(
            "The deadline %(deadline)s has passed %(days)s day(s) ago and your unit has not delivered yet."
        ) % {**params, "days": max(-days, 0)}
    elif days <= 0:
        title = _("Due today: %(number)s — %(subject)s") % params
        sentence = _("Today is the deadline (%(deadline)s).") % params
    else:
        title = _("Reminder: %(number)s — %(subject)s") % params
        sentence = _("%(days)s day(s) left until the deadline %(deadline)s.") % {**params, "days": days}
    return title, sentence


def recipient_url(recipient: RequestRecipient) -> str:
    return reverse("requests:recipient", args=[recipient.pk])


def claim_step(
    recipient: RequestRecipient,
    step_key: str,
    *,
    planned_at: dt.datetime,
    now: dt.datetime,
    users: list,
    manual: bool = False,
) -> ReminderStep | None:
    """Claim one step for one recipient and write its deliveries; None if it was already claimed."""
    request = recipient.request
    try:
        with transaction.atomic():
            step = ReminderStep.objects.create(
                recipient=recipient, step=step_key, planned_at=planned_at, created_at=now, manual=manual
            )
            with translation.override(settings.LANGUAGE_CODE):
                title, sentence = _step_text(request, step_key, now)
            url = recipient_url(recipient)
            deliveries = []
            notifications = []
            for user in users:
                deliveries.append(
                    Delivery(
                        step=step,
                        user=user,
                        channel=Delivery.Channel.INAPP,
                        status=Delivery.Status.SENT,
                        sent_at=now,
                    )
                )
                notifications.append(
                    Notification(
                        user=user,
                        title=title[:300],
                        body=sentence,
                        url=url,
                        created_at=now,
                        level="danger" if now > request.deadline else "warning",
                    )
                )
                if user.email and user.email_notifications:
                    deliveries.append(
                        Delivery(
                            step=step,
                            user=user,
                            channel=Delivery.Channel.EMAIL,
                            address=user.email,
                            next_attempt_at=now,
                        )
                    )
            Delivery.objects.bulk_create(deliveries)
            Notification.objects.bulk_create(notifications)
    except IntegrityError:
        return None
    return step


def plan_reminders(*, now: dt.datetime | None = None) -> int:
    """Claim the due step of every undelivered recipient of every open request; returns steps claimed."""
    from parindex.requests.selectors import resolutions

    now = now or timezone.now()
    claimed = 0
    open_requests = Request.objects.open().select_related("issuing_unit").order_by("pk")
    for request in open_requests:
        recipients = list(request.recipients.select_related("unit"))
        if not recipients:
            continue
        states = resolutions(request, recipients, now=now)
        sent: dict[int, set[str]] = defaultdict(set)
        for recipient_id, key in ReminderStep.objects.filter(recipient__request=request).values_list(
            "recipient_id", "step"
        ):
            sent[recipient_id].add(key)
        due: list[tuple[RequestRecipient, planner.Step]] = []
        for recipient in recipients:
            if planner.is_done(states[recipient.pk][0]):
                continue
            steps = planner.due_steps(
                request.deadline, request.schedule, sent[recipient.pk], now, since=request.created_at
            )
            if steps:
                recipient.request = request
                due.append((recipient, steps[0]))
        if not due:
            continue
        users = reminder_users(r.unit_id for r, _s in due)
        for recipient, step in due:
            if claim_step(
                recipient, step.key, planned_at=step.at, now=now, users=users.get(recipient.unit_id, [])
            ):
                claimed += 1
    return claimed


def _email_for(delivery: Delivery, now: dt.datetime) -> EmailMessage:
    recipient = delivery.step.recipient
    request = recipient.request
    with translation.override(settings.LANGUAGE_CODE):
        title, sentence = _step_text(request, delivery.step.step, now)
        body = render_to_string(
            "requests/email/reminder.txt",
            {
                "user": delivery.user,
                "request": request,
                "recipient": recipient,
                "sentence": sentence,
                "deadline": planner.format_deadline(request.deadline),
                "url": recipient_url(recipient),
                "site_url": getattr(settings, "PARINDEX_SITE_URL", ""),
            },
        )
    return EmailMessage(subject=title, body=body, to=[delivery.address])


def deliver_pending_emails(*, now: dt.datetime | None = None) -> tuple[int, int]:
    """Send the e-mails whose time has come; returns (sent, failed attempts)."""
    now = now or timezone.now()
    due_ids = list(
        Delivery.objects.filter(channel=Delivery.Channel.EMAIL)
        .filter(
            Q(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
            | Q(status=Delivery.Status.SENDING, claimed_at__lt=now - STALE_SENDING)
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", "status", "claimed_at")[:BATCH]
    )
    sent = failed = 0
    connection = None
    for pk, status, claimed_at in due_ids:
        # The claim matches the row as it was read (status and previous claim time), so two
        # workers reclaiming the same stuck row cannot both win.
        claimed = Delivery.objects.filter(pk=pk, status=status, claimed_at=claimed_at).update(
            status=Delivery.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
        if not claimed:
            continue  # another worker took it
        delivery = Delivery.objects.select_related(
            "user", "step__recipient__unit", "step__recipient__request__issuing_unit"
        ).get(pk=pk)
        if not (delivery.user.is_active and delivery.user.email_notifications and delivery.user.email):
            # The user switched e-mail off (or lost the address) after the reminder was queued.
            Delivery.objects.filter(pk=pk).update(status=Delivery.Status.SKIPPED)
            continue
        try:
            delivery.address = delivery.user.email
            message = _email_for(delivery, now)
            compose(message)
        except (BadHeaderError, ValueError) as exc:
            failed += 1
            _record_failure(delivery, exc, now, permanent=True)
            continue
        try:
            if connection is None:
                connection = get_connection(fail_silently=False)
            message.connection = connection
            message.send(fail_silently=False)
        except Exception as exc:  # noqa: BLE001 — SMTP raises many types; most mean "try again later"
            failed += 1
            connection = None
            _record_failure(delivery, exc, now, permanent=is_permanent(exc))
            continue
        Delivery.objects.filter(pk=pk).update(status=Delivery.Status.SENT, sent_at=now, last_error="")
        sent += 1
    return sent, failed


def compose(message: EmailMessage) -> None:
    """Build the message and check its addresses before any backend is touched.

    Raises ``BadHeaderError`` (a line break in a header: the subject is made from the
    request's number and subject) or ``ValueError`` (an address that cannot be written):
    errors no retry can cure. Done first so that the file backend never creates an empty
    outbox file for a message it then fails to write.
    """
    message.message()
    encoding = message.encoding or settings.DEFAULT_CHARSET
    for address in [message.from_email, *message.recipients()]:
        sanitize_address(address, encoding)


def is_permanent(exc: Exception) -> bool:
    """An error no retry can cure: a bad header or address, every recipient refused with 5xx."""
    if isinstance(exc, BadHeaderError | ValueError):
        return True
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return bool(exc.recipients) and all(code >= 500 for code, _msg in exc.recipients.values())
    return False


def _record_failure(delivery: Delivery, exc: Exception, now: dt.datetime, *, permanent: bool = False) -> None:
    error = f"{exc.__class__.__name__}: {exc}"[:1000]
    logger.warning(
        "e-mail %s to %s failed (attempt %s%s): %s",
        delivery.pk,
        delivery.address,
        delivery.attempts,
        ", permanent" if permanent else "",
        error,
    )
    if permanent or delivery.attempts >= MAX_ATTEMPTS:
        with transaction.atomic():
            Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.FAILED, last_error=error)
            request = delivery.step.recipient.request
            if request.created_by_id:
                with translation.override(settings.LANGUAGE_CODE):
                    title = _("E-mail reminders of %(number)s could not be sent") % {"number": request.number}
                    if permanent:
                        body = _(
                            "This e-mail cannot be sent as it is and will not be tried again (%(error)s). "
                            "Check the request's number and subject (one line each) and the recipient's "
                            "e-mail address."
                        ) % {"error": error}
                    else:
                        body = _("The mail server refused or did not answer: %(error)s") % {"error": error}
                    # One unread alert per request is enough, however many e-mails failed.
                    if not Notification.objects.filter(
                        user_id=request.created_by_id, title=title, read_at__isnull=True
                    ).exists():
                        Notification.objects.create(
                            user_id=request.created_by_id,
                            title=title[:300],
                            body=body,
                            url=reverse("requests:detail", args=[request.pk]),
                            level="danger",
                        )
    else:
        backoff = dt.timedelta(minutes=BACKOFF_MINUTES[min(delivery.attempts, len(BACKOFF_MINUTES)) - 1])
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.PENDING, last_error=error, next_attempt_at=now + backoff
        )


def send_due_reminders(*, now: dt.datetime | None = None) -> None:
    """The periodic job: plan due steps, then deliver pending e-mails."""
    now = now or timezone.now()
    plan_reminders(now=now)
    deliver_pending_emails(now=now)
