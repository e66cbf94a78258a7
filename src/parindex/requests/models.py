"""Requests with deadlines (văn bản đôn đốc), their recipients, reminders and notifications.

Also home of the background-job bookkeeping used by ``parindex.core.jobs`` (periodic-job
claims, worker heartbeats, user-started jobs with progress). Those tables live here and
not in ``core`` because core's migrations belong to the foundation; the models carry no
request-specific logic and can move to core in one migration later.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parindex.units.visibility import NOBODY, ScopedQuerySet, scope_for

DEFAULT_DAYS_BEFORE = [7, 3, 1, 0]
DEFAULT_OVERDUE_EVERY = 2
DEFAULT_OVERDUE_MAX = 10


def default_days_before() -> list[int]:
    return list(DEFAULT_DAYS_BEFORE)


class RequestQuerySet(ScopedQuerySet):
    """Requests visible to a user: issued by a unit whose data they see, or addressed to one."""

    scope_lookup = "issuing_unit"

    def visible_to(self, user):
        scope = scope_for(user)
        if scope is NOBODY:
            return self.none()
        if scope.is_admin:
            return self.all()
        received = RequestRecipient.objects.filter(scope.q("unit")).values("request_id")
        return self.filter(scope.q("issuing_unit") | Q(pk__in=received))

    def issued_visible_to(self, user):
        """Requests whose issuer side (tracking of every recipient) the user may see."""
        return ScopedQuerySet.visible_to(self, user)

    def open(self):
        return self.filter(status=Request.Status.OPEN)


class Request(models.Model):
    """A letter from a higher unit asking lower units to deliver something by a deadline."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    issuing_unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="issued_requests", verbose_name=_("issuing unit")
    )
    number = models.CharField(_("number and symbol"), max_length=60, help_text=_("e.g. 43/UBND"))
    issued_on = models.DateField(_("date of issue"), default=timezone.localdate)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("content"), blank=True)
    deliverable = models.CharField(_("what recipients must deliver"), max_length=40)
    # The assessment round a self-assessment request is about. A plain id, not a foreign
    # key: the assessments app is built in parallel and this app must not depend on its
    # migrations; the resolver looks the round up lazily.
    round_id = models.PositiveBigIntegerField(_("assessment round"), null=True, blank=True)
    deadline = models.DateTimeField(_("deadline"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    remind_days_before = models.JSONField(
        _("remind days before the deadline"), default=default_days_before, blank=True
    )
    remind_overdue_every = models.PositiveSmallIntegerField(
        _("remind every N days when overdue"),
        default=DEFAULT_OVERDUE_EVERY,
        help_text=_("0 = no reminders after the deadline"),
    )
    remind_overdue_max = models.PositiveSmallIntegerField(
        _("at most this many overdue reminders"), default=DEFAULT_OVERDUE_MAX
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = RequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "deadline"], name="request_status_deadline_idx")]

    def __str__(self) -> str:
        return f"{self.number} — {self.subject}"

    def audit_unit(self):
        return self.issuing_unit

    @property
    def schedule(self):
        from parindex.requests.planner import Schedule

        return Schedule(
            days_before=tuple(self.remind_days_before or ()),
            overdue_every=self.remind_overdue_every,
            overdue_max=self.remind_overdue_max,
        )


class RecipientQuerySet(ScopedQuerySet):
    scope_lookup = "unit"

    def visible_to(self, user):
        """A recipient row is seen by its own unit and by whoever sees the issuer side."""
        scope = scope_for(user)
        if scope is NOBODY:
            return self.none()
        return self.filter(scope.q("unit") | scope.q("request__issuing_unit"))


class RequestRecipient(models.Model):
    """One unit a request is addressed to (a line of "Kính gửi")."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="recipients")
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="received_requests", verbose_name=_("unit")
    )

    objects = RecipientQuerySet.as_manager()

    class Meta:
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        ordering = ["unit__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "unit"],
                name="request_recipient_unique",
                violation_error_message=_("This unit is already a recipient of this request."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.request.number} → {self.unit}"

    def audit_unit(self):
        return self.unit


def report_upload_to(instance, filename: str) -> str:
    return (
        f"requests/{instance.recipient.request_id}/{instance.recipient.unit_id}/{uuid.uuid4().hex}-{filename}"
    )


class ReportSubmissionQuerySet(RecipientQuerySet):
    def visible_to(self, user):
        scope = scope_for(user)
        if scope is NOBODY:
            return self.none()
        return self.filter(scope.q("recipient__unit") | scope.q("recipient__request__issuing_unit"))


class ReportSubmission(models.Model):
    """A free-form report (file + note) a recipient unit sends back. The first one dates the delivery."""

    recipient = models.ForeignKey(RequestRecipient, on_delete=models.CASCADE, related_name="reports")
    note = models.TextField(_("note"), blank=True)
    file = models.FileField(_("file"), upload_to=report_upload_to, max_length=300, blank=True)
    # Set when the file was stored through the assessments app's evidence service.
    evidence_id = models.PositiveBigIntegerField(null=True, blank=True)
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)

    objects = ReportSubmissionQuerySet.as_manager()

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["submitted_at", "id"]

    def __str__(self) -> str:
        return self.original_name or str(self.pk)

    def audit_unit(self):
        return self.recipient.unit


class ReminderStep(models.Model):
    """The claim that one reminder step was handled for one recipient (never twice)."""

    recipient = models.ForeignKey(RequestRecipient, on_delete=models.CASCADE, related_name="reminder_steps")
    step = models.CharField(_("step"), max_length=30)
    planned_at = models.DateTimeField(_("planned at"))
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    manual = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "step"], name="reminder_step_once"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} {self.step}"


class Delivery(models.Model):
    """One reminder (or new-request notice) to one user on one channel; e-mails are retried with backoff."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        INAPP = "inapp", _("In the application")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Not sent (e-mail switched off)")

    step = models.ForeignKey(ReminderStep, on_delete=models.CASCADE, related_name="deliveries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    address = models.EmailField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["step", "user", "channel"], name="delivery_once_per_step_user_channel"
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx")]

    def __str__(self) -> str:
        return f"{self.step} {self.user_id} {self.channel} {self.status}"


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user) if getattr(user, "is_authenticated", False) else self.none()

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """An in-app message to one user (the bell)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("content"), blank=True)
    url = models.CharField(max_length=500, blank=True)
    level = models.CharField(max_length=10, default="info")  # info | success | warning | danger
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return self.title


# --- Background-job bookkeeping (used by parindex.core.jobs) ---------------------------------


class JobRun(models.Model):
    """One period of one periodic job, claimed by exactly one scheduler (unique constraint)."""

    name = models.CharField(max_length=100)
    period_start = models.DateTimeField()
    claimed_by = models.CharField(max_length=100, blank=True)
    claimed_at = models.DateTimeField(default=timezone.now)
    task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "period_start"], name="jobrun_once_per_period")
        ]
        ordering = ["-period_start"]

    def __str__(self) -> str:
        return f"{self.name} @ {self.period_start:%Y-%m-%d %H:%M}"


class WorkerHeartbeat(models.Model):
    """The last sign of life of one worker process (read by the health endpoint)."""

    worker_id = models.CharField(max_length=100, unique=True)
    hostname = models.CharField(max_length=200, blank=True)
    pid = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.worker_id} {self.last_seen:%H:%M:%S}"


class UserJob(models.Model):
    """A long operation a user started from the UI; the page polls it for a progress bar."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for the worker")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Finished")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    label = models.CharField(max_length=300)
    func_path = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=500, blank=True)
    error = models.TextField(blank=True)
    result_file = models.FileField(max_length=300, blank=True)
    result_name = models.CharField(max_length=255, blank=True)
    result_url = models.CharField(max_length=500, blank=True)
    # The result file holds secrets (one-time passwords): deleted at its first download.
    result_once = models.BooleanField(default=False)
    # Lines shown under the message: an import's row errors, or a summary of what was done.
    details = models.JSONField(default=list, blank=True)
    # Machine-readable result for API clients (``JobOutcome.extra``), e.g. {"framework_id": 12}.
    result = models.JSONField(default=dict, blank=True)
    # The uploaded file an import job reads; deleted when the job ends.
    input_file = models.FileField(max_length=300, blank=True)
    # Where "Back" on the job page leads (the page the operation was started from).
    back_url = models.CharField(max_length=500, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.label

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.total:
            return 0
        return min(100, int(100 * self.done / self.total))

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)
