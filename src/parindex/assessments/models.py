"""Self-assessment: rounds, score sheets, scores, evidence and assignments.

A ``Round`` (đợt tự đánh giá) is opened by an index manager over a set of units; each
unit gets one ``Assessment`` (score sheet) with one ``Score`` row per scored leaf of the
framework. Evidence (tài liệu kiểm chứng) belongs to a unit and a year and may support
several leaves through ``EvidenceLink``. ``Assignment`` gives a leaf or a whole area of a
sheet to an officer of the unit or to a lead department (another unit).

Visibility: sheets, scores and evidence follow the one rule in ``units.visibility`` with
one documented extension — officers of a lead department assigned on a sheet also see
that sheet (and its evidence), because they score and attach evidence on it.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from parindex.units.visibility import NOBODY, ScopedQuerySet, scope_for

POINTS = {"max_digits": 9, "decimal_places": 4}


def _lead_unit_q(user, assessment_lookup: str) -> Q | None:
    """Rows reachable because one of the user's units leads part of the sheet."""
    scope = scope_for(user)
    if scope is NOBODY or scope.is_admin or not scope.own_unit_ids:
        return None
    sheet_ids = Assignment.objects.filter(lead_unit_id__in=list(scope.own_unit_ids)).values("assessment_id")
    return Q(**{f"{assessment_lookup}__in": sheet_ids})


class RoundQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Rounds the user manages (owner unit in scope) or has a visible sheet in."""
        scope = scope_for(user)
        if scope is NOBODY:
            return self.none()
        if scope.is_admin:
            return self
        sheets = Assessment.objects.visible_to(user).values("round_id")
        return self.filter(scope.q("owner_unit") | Q(pk__in=sheets))


class Round(models.Model):
    """An assessment round (đợt tự đánh giá), e.g. "Tự chấm điểm lần 1 năm 2023"."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("round status", "Self-assessment open")
        APPRAISAL = "appraisal", pgettext_lazy("round status", "Appraisal")
        EXPLANATION = "explanation", pgettext_lazy("round status", "Explanation")
        CLOSED = "closed", pgettext_lazy("round status", "Closed")

    name = models.CharField(_("name"), max_length=255)
    year = models.PositiveIntegerField(_("year"))
    framework = models.ForeignKey(
        "frameworks.Framework",
        on_delete=models.PROTECT,
        related_name="rounds",
        verbose_name=_("criteria framework"),
    )
    owner_unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="owned_rounds", verbose_name=_("managing unit")
    )
    units = models.ManyToManyField(
        "units.Unit", through="Assessment", related_name="assessment_rounds", verbose_name=_("units")
    )
    data_cutoff = models.DateField(_("data cut-off date"), null=True, blank=True)
    self_deadline = models.DateTimeField(_("self-assessment deadline"))
    explanation_deadline = models.DateTimeField(_("explanation deadline"), null=True, blank=True)
    appraisal_deadline = models.DateTimeField(_("appraisal deadline"), null=True, blank=True)
    previous = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="next_rounds",
        verbose_name=_("previous round"),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    # Province template for generated evidence file names; fields {unit}, {code}, {short}.
    evidence_name_template = models.CharField(
        _("evidence file name template"),
        max_length=120,
        default="{unit}-{code}-{short}",
        help_text=_("Fields: {unit} unit name, {code} criterion code or purpose, {short} short name."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = RoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("assessment round")
        verbose_name_plural = _("assessment rounds")
        ordering = ["-year", "-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    def audit_unit(self):
        return self.owner_unit


class AssessmentQuerySet(ScopedQuerySet):
    scope_lookup = "unit"

    def visible_to(self, user):
        base = super().visible_to(user)
        extra = _lead_unit_q(user, "pk")
        if extra is None:
            return base
        return self.filter(scope_for(user).q(self.scope_lookup) | extra)


class Assessment(models.Model):
    """One unit's score sheet in one round (bảng tự đánh giá, chấm điểm)."""

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("score sheet status", "Draft")
        SUBMITTED = "submitted", pgettext_lazy("score sheet status", "Submitted")
        LOCKED = "locked", pgettext_lazy("score sheet status", "Locked (deadline passed)")

    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("round")
    )
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="assessments", verbose_name=_("unit")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    # A manager who reopens a locked sheet gives it its own deadline.
    deadline_override = models.DateTimeField(_("extended deadline"), null=True, blank=True)
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("score sheet")
        verbose_name_plural = _("score sheets")
        ordering = ["round", "unit__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "unit"],
                name="assessment_one_per_unit_and_round",
                violation_error_message=_("This unit already has a score sheet in this round."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} — {self.round}"

    def audit_unit(self):
        return self.unit

    @property
    def deadline(self):
        return self.deadline_override or self.round.self_deadline

    def is_past_deadline(self, now=None) -> bool:
        return (now or timezone.now()) > self.deadline

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT and self.round.status == Round.Status.OPEN

    @property
    def is_late(self) -> bool:
        return bool(self.submitted_at and self.submitted_at > self.deadline)


class ScoreQuerySet(ScopedQuerySet):
    scope_lookup = "assessment__unit"

    def visible_to(self, user):
        base = super().visible_to(user)
        extra = _lead_unit_q(user, "assessment_id")
        if extra is None:
            return base
        return self.filter(scope_for(user).q(self.scope_lookup) | extra)


class Score(models.Model):
    """The self-assessed score of one leaf on one sheet.

    ``max_points`` is copied from the criterion when the round opens (the framework is
    locked from then on), so the 0..max rule can be a database constraint.
    """

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="scores", verbose_name=_("score sheet")
    )
    criterion = models.ForeignKey(
        "frameworks.Criterion", on_delete=models.PROTECT, related_name="scores", verbose_name=_("criterion")
    )
    max_points = models.DecimalField(_("maximum points"), **POINTS)
    inputs = models.JSONField(_("inputs"), default=dict, blank=True)
    self_points = models.DecimalField(_("self-assessed points"), null=True, blank=True, **POINTS)
    not_applicable = models.BooleanField(_("not applicable"), default=False)
    note = models.TextField(_("note"), blank=True)
    missing_evidence_explanation = models.TextField(_("explanation of missing evidence"), blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    objects = ScoreQuerySet.as_manager()

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["assessment", "criterion__sort_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "criterion"],
                name="score_one_per_leaf_and_sheet",
                violation_error_message=_("This criterion is already on this score sheet."),
            ),
            models.CheckConstraint(
                condition=Q(self_points__isnull=True)
                | (Q(self_points__gte=0) & Q(self_points__lte=F("max_points"))),
                name="score_points_within_max",
                violation_error_message=_("Points must be between 0 and the maximum of the criterion."),
            ),
            models.CheckConstraint(
                condition=Q(not_applicable=False) | Q(self_points__isnull=True),
                name="score_not_applicable_has_no_points",
                violation_error_message=_("A criterion marked not applicable has no points."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion.code} — {self.assessment}"

    def audit_unit(self):
        return self.assessment.unit

    @property
    def is_scored(self) -> bool:
        return self.not_applicable or self.self_points is not None


class EvidenceQuerySet(ScopedQuerySet):
    scope_lookup = "unit"

    def visible_to(self, user):
        base = super().visible_to(user)
        extra = _lead_unit_q(user, "links__score__assessment_id")
        if extra is None:
            return base
        return self.filter(
            Q(pk__in=base.values("pk")) | Q(pk__in=Evidence.objects.filter(extra).values("pk"))
        )


class Evidence(models.Model):
    """A document that proves a score (tài liệu kiểm chứng): an uploaded file, or a reference.

    Files are stored under a generated key (``evidence/<unit>/<year>/<uuid>``), never under
    the name the user's computer gave them; ``generated_name`` is what downloads are called.
    """

    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="evidence", verbose_name=_("unit")
    )
    year = models.PositiveIntegerField(_("year"))
    file = models.FileField(_("file"), max_length=255, blank=True)
    generated_name = models.CharField(_("file name"), max_length=255, blank=True)
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    short_name = models.CharField(_("short name"), max_length=120)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    content_type = models.CharField(max_length=120, blank=True)
    doc_number = models.CharField(_("number and symbol"), max_length=100, blank=True)
    doc_date = models.DateField(_("document date"), null=True, blank=True)
    issuer = models.CharField(_("issuing body"), max_length=255, blank=True)
    url = models.URLField(_("link"), max_length=500, blank=True)
    page_ref = models.CharField(_("page or section"), max_length=255, blank=True)
    purpose = models.CharField(
        _("purpose"), max_length=120, blank=True, help_text=_("criterion code or purpose")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["unit", "-year", "generated_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "generated_name"],
                condition=~Q(generated_name=""),
                name="evidence_unique_name_per_unit_year",
                violation_error_message=_("A file with this name already exists for this unit and year."),
            ),
        ]

    def __str__(self) -> str:
        return self.generated_name or self.short_name

    def audit_unit(self):
        return self.unit

    @property
    def has_file(self) -> bool:
        return bool(self.file)

    @property
    def display_name(self) -> str:
        if self.generated_name:
            return self.generated_name
        parts = [self.short_name, self.doc_number]
        return " — ".join(p for p in parts if p)


class EvidenceLink(models.Model):
    """One evidence supporting one leaf on one sheet (an evidence may support several)."""

    score = models.ForeignKey(Score, on_delete=models.CASCADE, related_name="evidence_links")
    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="links")
    page_ref = models.CharField(_("page or section"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("evidence link")
        verbose_name_plural = _("evidence links")
        ordering = ["score", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["score", "evidence"],
                name="evidence_link_once_per_score",
                violation_error_message=_("This evidence is already attached to this criterion."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.evidence} → {self.score}"

    def audit_unit(self):
        return self.evidence.unit


class Assignment(models.Model):
    """A leaf or a whole area of a sheet given to an officer of the unit or to a lead department.

    Exactly one of ``officer`` and ``lead_unit`` is set. Officers of a lead unit may score
    and attach evidence on the sheet for the assigned leaves only.
    """

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("score sheet")
    )
    criterion = models.ForeignKey(
        "frameworks.Criterion",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("criterion or area"),
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="assessment_assignments",
        verbose_name=_("officer"),
    )
    lead_unit = models.ForeignKey(
        "units.Unit",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="lead_assignments",
        verbose_name=_("lead department"),
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["assessment", "criterion__sort_key", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(officer__isnull=False) & Q(lead_unit__isnull=True))
                | (Q(officer__isnull=True) & Q(lead_unit__isnull=False)),
                name="assignment_officer_xor_lead_unit",
                violation_error_message=_("Assign either an officer or a lead department, not both."),
            ),
            models.UniqueConstraint(
                fields=["assessment", "criterion", "officer"],
                condition=Q(officer__isnull=False),
                name="assignment_unique_officer",
                violation_error_message=_("This officer is already assigned to this criterion."),
            ),
            models.UniqueConstraint(
                fields=["assessment", "criterion", "lead_unit"],
                condition=Q(lead_unit__isnull=False),
                name="assignment_unique_lead_unit",
                violation_error_message=_("This department is already assigned to this criterion."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion.code} → {self.officer or self.lead_unit}"

    def audit_unit(self):
        return self.assessment.unit

    @property
    def assignee_name(self) -> str:
        return str(self.officer) if self.officer_id else str(self.lead_unit)


class OfflineUpload(models.Model):
    """An uploaded offline score sheet that the worker checked: the changes it would make, kept
    for the uploader's preview until they are applied (``actions.apply_offline_changes``).

    Only the user who uploaded it sees it, through the sheet's visibility rule.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="offline_uploads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    file_name = models.CharField(max_length=255, blank=True)
    changes = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("offline sheet upload")
        verbose_name_plural = _("offline sheet uploads")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.assessment} — {self.file_name}"
