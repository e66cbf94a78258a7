"""Shortcomings and their remediation (seeds 000, 001, 002).

* ``RemediationPlan`` — one unit's plan for one year (``year`` = the year the work is done, the
  year after the assessed one): Phụ lục I (``MaintenanceItem``: criteria at maximum to keep) and
  Phụ lục II (``RemediationItem`` with ``source = appendix``: criteria below maximum to fix,
  survey criteria excluded). Workflow::

      draft → submitted → approved
                 └→ returned (with comments) → submitted …
      approved → reopened (editable again) → submitted …

* ``Inspection`` — a reform inspection (kiểm tra CCHC) by a higher unit; its findings are
  ``RemediationItem`` rows with ``source = inspection`` that join each inspected unit's list.

* ``RemediationItem`` — one shortcoming of a unit in a year. Two kinds, two numberings (issue 17):

  - an inspection finding is "tồn tại N" of the unit's list of the year, numbered as the list
    numbers it (seed 000): 1, 2, … in the order of the inspection conclusions, a number entered
    from the conclusion kept; its result's evidence is ``<Tên đơn vị>-KQ khac phuc ton tai <N>-<tên ngắn>``;
  - a Phụ lục II row is named by its criterion ("Tiêu chí 1.2"; ``number`` is its STT in Phụ lục
    II), its evidence ``<Tên đơn vị>-KQ khac phuc tieu chi <mã>-<tên ngắn>`` — so the unit's year
    never has two different "tồn tại 1". Never a database id.
  Stored status: not started / in progress / done / cannot be done (with a reason); *overdue* is
  derived from the deadline. A done item with evidence is verified by the level above.

* ``Target`` — a unit's target for a year (index %, class, rank) and its commitments.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from parindex.units.visibility import NOBODY, ScopedQuerySet, scope_for

POINTS = {"max_digits": 9, "decimal_places": 4}
FINDING_PURPOSE = (
    "KQ khac phuc ton tai {n}"  # seed 000; the same text as assessments.evidence.remediation_purpose
)
CRITERION_PURPOSE = "KQ khac phuc tieu chi {code}"


class RemediationPlanQuerySet(ScopedQuerySet):
    scope_lookup = "unit"


class RemediationPlan(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("remediation", "Draft")
        SUBMITTED = "submitted", pgettext_lazy("remediation", "Submitted")
        APPROVED = "approved", pgettext_lazy("remediation", "Approved")
        RETURNED = "returned", pgettext_lazy("remediation", "Returned for changes")
        REOPENED = "reopened", pgettext_lazy("remediation", "Reopened")

    EDITABLE = (Status.DRAFT, Status.RETURNED, Status.REOPENED)

    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="remediation_plans", verbose_name=_("unit")
    )
    year = models.PositiveSmallIntegerField(_("year of the plan"))
    assessed_year = models.PositiveSmallIntegerField(_("assessed year"))
    result = models.ForeignKey(
        "results.UnitResult",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published result"),
    )
    round = models.ForeignKey(
        "assessments.Round",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("round"),
    )
    framework = models.ForeignKey(
        "frameworks.Framework",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("criteria framework"),
    )
    title = models.CharField(_("title"), max_length=300, blank=True)
    number = models.CharField(
        _("number and symbol"), max_length=60, blank=True, help_text=_("e.g. 19/KH-UBND")
    )
    document_date = models.DateField(_("document date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    return_comment = models.TextField(_("comments of the approver"), blank=True)
    reopen_reason = models.TextField(_("reason for reopening"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("approved or returned at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    results_reported_at = models.DateTimeField(_("results reported at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = RemediationPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("remediation plan")
        verbose_name_plural = _("remediation plans")
        ordering = ["-year", "unit__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year"],
                name="remediation_plan_one_per_unit_and_year",
                violation_error_message=_("This unit already has a remediation plan for this year."),
            ),
            models.CheckConstraint(
                condition=Q(assessed_year__lt=models.F("year")),
                name="remediation_plan_assessed_before_year",
                violation_error_message=_("The assessed year must be before the year of the plan."),
            ),
        ]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        return self.title or _("Remediation plan %(year)s — %(unit)s") % {
            "year": self.year,
            "unit": self.unit.name,
        }

    def audit_unit(self):
        return self.unit

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE


class InspectionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Inspections the user's scope covers: by the inspecting unit or by an inspected unit."""
        scope = scope_for(user)
        if scope is NOBODY:
            return self.none()
        if scope.is_admin:
            return self
        return self.filter(
            scope.q("owner_unit")
            | Q(pk__in=Inspection.units.through.objects.filter(scope.q("unit")).values("inspection_id"))
        ).distinct()


class Inspection(models.Model):
    """A reform inspection (kiểm tra CCHC) of some units by a higher unit."""

    owner_unit = models.ForeignKey(
        "units.Unit",
        on_delete=models.PROTECT,
        related_name="inspections_made",
        verbose_name=_("inspecting unit"),
    )
    decision_number = models.CharField(_("decision number"), max_length=60, help_text=_("e.g. 25/QĐ-UBND"))
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    inspected_on = models.DateField(_("date of the inspection"))
    title = models.CharField(_("title"), max_length=300, blank=True)
    conclusion = models.CharField(
        _("conclusion notice"),
        max_length=300,
        blank=True,
        help_text=_("e.g. Thông báo kết luận kiểm tra số 12/TB-UBND"),
    )
    units = models.ManyToManyField(
        "units.Unit", related_name="inspections", verbose_name=_("inspected units")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = InspectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("reform inspection")
        verbose_name_plural = _("reform inspections")
        ordering = ["-inspected_on", "-id"]

    def __str__(self) -> str:
        return self.title or _("Inspection %(number)s") % {"number": self.decision_number}

    def audit_unit(self):
        return self.owner_unit


class MaintenanceItemQuerySet(ScopedQuerySet):
    scope_lookup = "plan__unit"


class MaintenanceItem(models.Model):
    """Phụ lục I: a criterion at maximum to keep there."""

    plan = models.ForeignKey(RemediationPlan, on_delete=models.CASCADE, related_name="maintenance_items")
    criterion = models.ForeignKey(
        "frameworks.Criterion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    order = models.PositiveIntegerField(default=0)
    code = models.CharField(_("code"), max_length=32)
    title = models.TextField(_("criterion"))
    area_title = models.CharField(_("area"), max_length=300, blank=True)
    max_points = models.DecimalField(_("maximum points"), **POINTS)
    points = models.DecimalField(_("points achieved"), null=True, blank=True, **POINTS)
    measures = models.TextField(_("measures to keep it"), blank=True)
    lead_text = models.CharField(_("lead"), max_length=255, blank=True)
    coordinators_text = models.CharField(_("coordinators"), max_length=500, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)

    objects = MaintenanceItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("criterion to maintain")
        verbose_name_plural = _("criteria to maintain")
        ordering = ["plan", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "criterion"],
                condition=Q(criterion__isnull=False),
                name="maintenance_item_once_per_criterion",
                violation_error_message=_("This criterion is already in Phụ lục I."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.plan}"

    def audit_unit(self):
        return self.plan.unit


class RemediationItemQuerySet(ScopedQuerySet):
    scope_lookup = "unit"

    def open(self):
        return self.filter(status__in=RemediationItem.OPEN)

    def overdue(self, today: dt.date | None = None):
        return self.open().filter(deadline__lt=today or timezone.localdate())


class RemediationItem(models.Model):
    """One shortcoming (tồn tại N) of a unit: from Phụ lục II or from an inspection."""

    class Source(models.TextChoices):
        APPENDIX = "appendix", _("Phụ lục II (criterion below maximum)")
        INSPECTION = "inspection", _("Inspection finding")

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", pgettext_lazy("remediation", "Not started")
        IN_PROGRESS = "in_progress", pgettext_lazy("remediation", "In progress")
        DONE = "done", pgettext_lazy("remediation", "Done")
        CANNOT = "cannot", pgettext_lazy("remediation", "Cannot be done")

    OPEN = (Status.NOT_STARTED, Status.IN_PROGRESS)

    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="remediation_items", verbose_name=_("unit")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveIntegerField(_("shortcoming no."))
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    plan = models.ForeignKey(
        RemediationPlan, on_delete=models.CASCADE, null=True, blank=True, related_name="remediation_items"
    )
    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, null=True, blank=True, related_name="findings"
    )
    finding_number = models.PositiveIntegerField(
        _("number in the inspection conclusion"), null=True, blank=True
    )
    criterion = models.ForeignKey(
        "frameworks.Criterion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("criterion"),
    )
    code = models.CharField(_("code"), max_length=32, blank=True)
    title = models.TextField(_("criterion or content"))
    area_title = models.CharField(_("area"), max_length=300, blank=True)
    max_points = models.DecimalField(_("maximum points"), null=True, blank=True, **POINTS)
    points = models.DecimalField(_("points achieved"), null=True, blank=True, **POINTS)
    lost_by_appraisal = models.DecimalField(
        _("points deducted by the appraisal"), null=True, blank=True, **POINTS
    )
    lost_by_self = models.DecimalField(
        _("points deducted by the unit itself"), null=True, blank=True, **POINTS
    )
    shortcoming = models.TextField(_("shortcoming"), blank=True)
    cause = models.TextField(_("cause"), blank=True)
    solution = models.TextField(_("solution"), blank=True)
    lead_unit = models.ForeignKey(
        "units.Unit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lead unit"),
    )
    lead_official = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="remediation_items",
        verbose_name=_("lead official"),
    )
    lead_text = models.CharField(_("lead"), max_length=255, blank=True)
    coordinators_text = models.CharField(_("coordinators"), max_length=500, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    expected_result = models.TextField(_("expected result and evidence"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    cannot_reason = models.TextField(_("why it cannot be done"), blank=True)
    result_text = models.TextField(_("result"), blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    evidence = models.ManyToManyField(
        "assessments.Evidence", blank=True, related_name="remediation_items", verbose_name=_("evidence")
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verification_note = models.TextField(_("verification note"), blank=True)
    order = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = RemediationItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("shortcoming to remedy")
        verbose_name_plural = _("shortcomings to remedy")
        ordering = ["unit", "year", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "source", "number"],
                name="remediation_item_number_unique_per_source",
                violation_error_message=_("This shortcoming number is already used for this unit and year."),
            ),
            models.UniqueConstraint(
                fields=["plan", "criterion"],
                condition=Q(plan__isnull=False, criterion__isnull=False),
                name="remediation_item_once_per_criterion",
                violation_error_message=_("This criterion is already in Phụ lục II."),
            ),
            models.CheckConstraint(
                condition=~Q(status="cannot") | ~Q(cannot_reason=""),
                name="remediation_item_cannot_has_reason",
                violation_error_message=_("Give the reason why the shortcoming cannot be remedied."),
            ),
            models.CheckConstraint(
                condition=(Q(source="appendix") & Q(plan__isnull=False))
                | (Q(source="inspection") & Q(inspection__isnull=False)),
                name="remediation_item_source_consistent",
                violation_error_message=_(
                    "A Phụ lục II item belongs to a plan; a finding belongs to an inspection."
                ),
            ),
            models.CheckConstraint(
                condition=Q(verified_at__isnull=True) | Q(status="done"),
                name="remediation_item_verified_when_done",
                violation_error_message=_("Only a remedied shortcoming can be verified."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} — {self.unit}"

    def audit_unit(self):
        return self.unit

    @property
    def is_finding(self) -> bool:
        return self.source == self.Source.INSPECTION

    @property
    def label(self) -> str:
        """ "Tồn tại 1" for an inspection finding; "Tiêu chí 1.2" for a Phụ lục II row."""
        if self.is_finding or not self.code:
            return _("Shortcoming %(number)s") % {"number": self.number}
        return _("Criterion %(code)s") % {"code": self.code}

    @property
    def evidence_purpose(self) -> str:
        """The purpose part of the result's evidence name: "KQ khac phuc ton tai 1" (a finding, seed
        000) or "KQ khac phuc tieu chi 1.2" (a Phụ lục II row)."""
        if self.is_finding or not self.code:
            return FINDING_PURPOSE.format(n=self.number)
        return CRITERION_PURPOSE.format(code=self.code)

    def is_overdue(self, today: dt.date | None = None) -> bool:
        return (
            self.status in self.OPEN
            and self.deadline is not None
            and self.deadline < (today or timezone.localdate())
        )

    @property
    def display_status(self) -> str:
        """The stored status, or "overdue" for an open item past its deadline (derived, never stored)."""
        return "overdue" if self.is_overdue() else self.status

    @property
    def display_status_label(self) -> str:
        return pgettext_lazy("remediation", "Overdue") if self.is_overdue() else self.get_status_display()

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def lost_points(self):
        if self.max_points is None or self.points is None:
            return None
        return self.max_points - self.points

    @property
    def lead_label(self) -> str:
        parts = [
            p
            for p in (
                self.lead_unit.name if self.lead_unit_id else "",
                self.lead_official.get_full_name() if self.lead_official_id else "",
                self.lead_text,
            )
            if p
        ]
        return ", ".join(parts)


class ProgressNoteQuerySet(ScopedQuerySet):
    scope_lookup = "item__unit"


class ProgressNote(models.Model):
    item = models.ForeignKey(RemediationItem, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField(_("progress note"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ProgressNoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("progress note")
        verbose_name_plural = _("progress notes")
        ordering = ["item", "created_at", "id"]

    def __str__(self) -> str:
        return self.text[:80]

    def audit_unit(self):
        return self.item.unit


class TargetQuerySet(ScopedQuerySet):
    scope_lookup = "unit"


class Target(models.Model):
    """What a unit aims for in a year, and its commitments (seed 004: to the steering committee's head)."""

    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="index_targets", verbose_name=_("unit")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    index_percent = models.DecimalField(_("target index (%)"), null=True, blank=True, **POINTS)
    class_label = models.CharField(_("target class"), max_length=64, blank=True)
    rank = models.PositiveIntegerField(_("target rank"), null=True, blank=True)
    commitments = models.TextField(_("commitments"), blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    set_at = models.DateTimeField(default=timezone.now)

    objects = TargetQuerySet.as_manager()

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["unit", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year"],
                name="target_one_per_unit_and_year",
                violation_error_message=_("This unit already has a target for this year."),
            ),
            models.CheckConstraint(
                condition=Q(index_percent__isnull=True)
                | (Q(index_percent__gte=0) & Q(index_percent__lte=100)),
                name="target_index_percent_range",
                violation_error_message=_("The target index is a percentage between 0 and 100."),
            ),
            models.CheckConstraint(
                condition=Q(rank__isnull=True) | Q(rank__gte=1),
                name="target_rank_positive",
                violation_error_message=_("The target rank is 1 or more."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.year}"

    def audit_unit(self):
        return self.unit
