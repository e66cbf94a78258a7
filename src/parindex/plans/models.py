"""Annual reform plans (Kế hoạch CCHC năm) and their task framework (khung nhiệm vụ).

A unit has at most one plan per year. Its tasks are grouped by area of the index (a depth-1
criterion of the framework that applies to the unit, or a free-text area for tasks outside
the index), may support leaf criteria, and carry evidence through the same ``Evidence``
records as the self-assessment. A higher unit's task can be assigned to its units: each
assignment is a child task (``parent_task``) in the child unit's plan, and the parent task
shows their progress rolled up.

The stored ``status`` is what a user sets (not started, in progress, done, cancelled);
on time / late / overdue are derived from the dates (``parindex.plans.completion``).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parindex.plans import completion
from parindex.units.visibility import NOBODY, ScopedQuerySet, scope_for


def _ancestor_plans_q(user, prefix: str = "") -> Q | None:
    """Issued plans of the higher units above the user's own units.

    One documented extension of the visibility rule: a higher unit's plan is an official
    document addressed to the units under it (they implement it and receive its tasks), so
    members of a unit may read the approved or closed plans of its ancestors — never their
    drafts, never a sibling's plan.
    """
    scope = scope_for(user)
    if scope is NOBODY or scope.is_admin or not scope.own_unit_ids:
        return None
    from parindex.units.models import Unit

    ancestor_ids: set[int] = set()
    for path in Unit.objects.filter(pk__in=list(scope.own_unit_ids)).values_list("path", flat=True):
        ancestor_ids.update(int(part) for part in path.strip("/").split("/")[:-1] if part)
    if not ancestor_ids:
        return None
    return Q(**{f"{prefix}unit_id__in": sorted(ancestor_ids)}) & ~Q(**{f"{prefix}status": "draft"})


class PlanQuerySet(ScopedQuerySet):
    scope_lookup = "unit"

    def visible_to(self, user):
        scope = scope_for(user)
        if scope is NOBODY:
            return self.none()
        extra = _ancestor_plans_q(user)
        condition = scope.q(self.scope_lookup)
        return self.filter(condition | extra if extra is not None else condition)


class Plan(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")
        CLOSED = "closed", _("Closed")

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="plans", verbose_name=_("unit"))
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=300, blank=True)
    number = models.CharField(_("number and symbol"), max_length=60, blank=True, help_text=_("e.g. 19/KH-UBND"))
    document_date = models.DateField(_("document date"), null=True, blank=True)
    parent_plan = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="child_plans",
        verbose_name=_("implements plan"),
        help_text=_("The plan of the higher unit that this plan implements."),
    )
    framework = models.ForeignKey(
        "frameworks.Framework",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("criteria framework"),
        help_text=_("Its areas group the tasks; its leaves can be linked to tasks."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("reform plan")
        verbose_name_plural = _("reform plans")
        ordering = ["-year", "unit__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year"],
                name="plan_one_per_unit_and_year",
                violation_error_message=_("This unit already has a plan for this year."),
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100),
                name="plan_year_plausible",
                violation_error_message=_("The year must be between 2000 and 2100."),
            ),
        ]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        return self.title or _("Reform plan %(year)s — %(unit)s") % {"year": self.year, "unit": self.unit.name}

    def audit_unit(self):
        return self.unit

    @property
    def counts_toward_rate(self) -> bool:
        """Draft plans are not yet official: their tasks feed no score."""
        return self.status != self.Status.DRAFT


class PlanTaskQuerySet(ScopedQuerySet):
    scope_lookup = "plan__unit"

    def visible_to(self, user):
        scope = scope_for(user)
        if scope is NOBODY:
            return self.none()
        extra = _ancestor_plans_q(user, "plan__")
        condition = scope.q(self.scope_lookup)
        return self.filter(condition | extra if extra is not None else condition)

    def open(self):
        return self.exclude(status__in=[PlanTask.Status.DONE, PlanTask.Status.CANCELLED])

    def overdue(self, today: dt.date | None = None):
        today = today or timezone.localdate()
        return self.open().filter(due_date__lt=today)


class PlanTask(models.Model):
    class Status(models.TextChoices):
        """What a user sets. Overdue, on time and late are derived (see ``Progress``)."""

        NOT_STARTED = completion.NOT_STARTED, _("Not started")
        IN_PROGRESS = completion.IN_PROGRESS, _("In progress")
        DONE = completion.DONE, _("Done")
        CANCELLED = completion.CANCELLED, _("Cancelled")

    class Progress(models.TextChoices):
        """What the system shows, derived from the status and the dates."""

        NOT_STARTED = completion.NOT_STARTED, _("Not started")
        IN_PROGRESS = completion.IN_PROGRESS, _("In progress")
        DONE_ON_TIME = completion.DONE_ON_TIME, _("Done on time")
        DONE_LATE = completion.DONE_LATE, _("Done late")
        OVERDUE = completion.OVERDUE, _("Overdue")
        CANCELLED = completion.CANCELLED, _("Cancelled")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("plan"))
    order = models.PositiveIntegerField(_("no."), default=0)
    area = models.ForeignKey(
        "frameworks.Criterion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"depth": 1},
        verbose_name=_("area"),
    )
    area_text = models.CharField(
        _("other area"), max_length=200, blank=True, help_text=_("For tasks outside the index areas.")
    )
    content = models.TextField(_("task"))
    expected_output = models.TextField(_("expected output"), blank=True)
    lead_unit = models.ForeignKey(
        "units.Unit", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("lead unit")
    )
    lead_official = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="plan_tasks_led",
        verbose_name=_("lead official"),
    )
    lead_text = models.CharField(_("lead (as written)"), max_length=200, blank=True)
    coordinating_units = models.ManyToManyField(
        "units.Unit", blank=True, related_name="+", verbose_name=_("coordinating units")
    )
    coordinators_text = models.CharField(_("coordinating (as written)"), max_length=300, blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    criteria = models.ManyToManyField(
        "frameworks.Criterion", blank=True, related_name="plan_tasks", verbose_name=_("linked criteria")
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    completion_date = models.DateField(_("completion date"), null=True, blank=True)
    result_note = models.TextField(_("result"), blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    evidence = models.ManyToManyField(
        "assessments.Evidence", blank=True, related_name="plan_tasks", verbose_name=_("evidence")
    )
    parent_task = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="child_tasks",
        verbose_name=_("assigned from task"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PlanTaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("plan task")
        verbose_name_plural = _("plan tasks")
        ordering = ["plan", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="done") | Q(completion_date__isnull=False),
                name="plantask_done_has_completion_date",
                violation_error_message=_("A done task needs its completion date."),
            ),
            models.CheckConstraint(
                condition=Q(status="done") | Q(completion_date__isnull=True),
                name="plantask_completion_date_only_when_done",
                violation_error_message=_("Only a done task has a completion date."),
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(cancel_reason=""),
                name="plantask_cancel_has_reason",
                violation_error_message=_("A cancelled task needs the reason."),
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True) | Q(due_date__isnull=True) | Q(due_date__gte=models.F("start_date")),
                name="plantask_due_after_start",
                violation_error_message=_("The due date must not be before the start date."),
            ),
        ]

    def __str__(self) -> str:
        text = self.content if len(self.content) <= 80 else self.content[:79] + "…"
        return f"{self.order}. {text}" if self.order else text

    def audit_unit(self):
        return self.plan.unit

    def progress(self, today: dt.date | None = None) -> str:
        return completion.progress(self.status, self.due_date, self.completion_date, today or timezone.localdate())

    def get_progress_display(self, today: dt.date | None = None) -> str:
        return str(self.Progress(self.progress(today)).label)

    @property
    def area_label(self) -> str:
        if self.area_id:
            return f"{self.area.code}. {self.area.title}"
        return self.area_text or str(_("Other tasks"))

    @property
    def lead_label(self) -> str:
        parts = [str(x) for x in (self.lead_unit, self.lead_official) if x]
        return " — ".join(parts) or self.lead_text
