"""Appraisal (thẩm định) of submitted score sheets, explanation (giải trình), bonus/penalty, survey scores.

The assessments app owns the sheet (``Assessment``) and its self scores; this app keeps its own
workflow state on ``AppraisalSheet`` (one-to-one with the sheet) instead of adding states to
``Assessment.Status``:

    (no AppraisalSheet)  → round1 → [explanation → round2] → appraised

Once an ``AppraisalSheet`` exists the unit can no longer withdraw its submission
(``appraisal_started(assessment)`` is what the assessments app asks).

``AppraisalEntry`` holds one appraised value of one leaf in round 1 or round 2. Final points of a
leaf = the last appraisal that exists (``results.scoring.final_points``); when round 1 is completed,
every leaf the appraiser did not touch gets an entry equal to the self score (the appraiser
accepted it), so published results never read self scores directly.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parindex.units.visibility import ScopedQuerySet

POINTS = {"max_digits": 9, "decimal_places": 4}


class AppraiserAssignmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        from parindex.units.visibility import NOBODY, scope_for

        scope = scope_for(user)
        if scope is NOBODY:
            return self.none()
        return self.filter(scope.q("round__owner_unit") | Q(appraiser=user))


class AppraiserAssignment(models.Model):
    """An appraiser given a unit (all areas), an area across every unit of the round, or one area of one unit."""

    round = models.ForeignKey(
        "assessments.Round", on_delete=models.CASCADE, related_name="appraiser_assignments", verbose_name=_("round")
    )
    appraiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="appraisal_assignments",
        verbose_name=_("appraiser"),
    )
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("unit"),
        help_text=_("Empty: every unit of the round."),
    )
    area = models.ForeignKey(
        "frameworks.Criterion", on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("area"), help_text=_("Empty: every area."),
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assigned_at = models.DateTimeField(default=timezone.now)

    objects = AppraiserAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("appraiser assignment")
        verbose_name_plural = _("appraiser assignments")
        ordering = ["round", "appraiser", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit__isnull=False) | Q(area__isnull=False),
                name="appraiser_assignment_unit_or_area",
                violation_error_message=_("Choose a unit, an area, or both."),
            ),
            models.UniqueConstraint(
                fields=["round", "appraiser", "unit", "area"], name="appraiser_assignment_unique",
                violation_error_message=_("This appraiser already has this assignment."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.appraiser} — {self.unit or '*'} — {self.area.code if self.area_id else '*'}"

    def audit_unit(self):
        return self.unit or self.round.owner_unit


class AppraisalSheetQuerySet(ScopedQuerySet):
    scope_lookup = "assessment__unit"


class AppraisalSheet(models.Model):
    """The appraisal workflow of one score sheet."""

    class Status(models.TextChoices):
        ROUND1 = "round1", _("Appraisal round 1")
        EXPLANATION = "explanation", _("Waiting for explanation")
        ROUND2 = "round2", _("Appraisal round 2")
        APPRAISED = "appraised", _("Appraised")

    assessment = models.OneToOneField(
        "assessments.Assessment", on_delete=models.CASCADE, related_name="appraisal", verbose_name=_("score sheet")
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ROUND1)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    round1_completed_at = models.DateTimeField(_("round 1 completed at"), null=True, blank=True)
    explanation_submitted_at = models.DateTimeField(_("explanation submitted at"), null=True, blank=True)
    explanation_submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    completed_at = models.DateTimeField(_("appraised at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = AppraisalSheetQuerySet.as_manager()

    class Meta:
        verbose_name = _("appraisal")
        verbose_name_plural = _("appraisals")
        ordering = ["assessment__round", "assessment__unit__path"]

    def __str__(self) -> str:
        return str(self.assessment)

    def audit_unit(self):
        return self.assessment.unit

    @property
    def current_round(self) -> int | None:
        return {self.Status.ROUND1: 1, self.Status.ROUND2: 2}.get(self.status)


class AppraisalEntryQuerySet(ScopedQuerySet):
    scope_lookup = "sheet__assessment__unit"


class AppraisalEntry(models.Model):
    """One appraised value of one leaf in round 1 or 2, with the reason where it differs from the self score."""

    sheet = models.ForeignKey(AppraisalSheet, on_delete=models.CASCADE, related_name="entries")
    criterion = models.ForeignKey("frameworks.Criterion", on_delete=models.PROTECT, related_name="+")
    round_number = models.PositiveSmallIntegerField(_("appraisal round"), choices=[(1, "1"), (2, "2")])
    max_points = models.DecimalField(_("maximum points"), **POINTS)
    points = models.DecimalField(_("appraised points"), null=True, blank=True, **POINTS)
    not_applicable = models.BooleanField(_("not applicable"), default=False)
    reason = models.TextField(_("reason"), blank=True)
    explanation_requested = models.BooleanField(_("explanation requested"), default=False)
    comment = models.TextField(_("comment to the unit"), blank=True)
    implicit = models.BooleanField(default=False, help_text="Created when the round was completed (self score accepted).")
    appraiser = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    objects = AppraisalEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("appraised score")
        verbose_name_plural = _("appraised scores")
        ordering = ["sheet", "criterion__sort_key", "round_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["sheet", "criterion", "round_number"], name="appraisal_entry_once_per_round",
                violation_error_message=_("This criterion is already appraised in this round."),
            ),
            models.CheckConstraint(
                condition=Q(points__isnull=True) | (Q(points__gte=0) & Q(points__lte=F("max_points"))),
                name="appraisal_entry_points_within_max",
                violation_error_message=_("Points must be between 0 and the maximum of the criterion."),
            ),
            models.CheckConstraint(
                condition=Q(not_applicable=True) | Q(points__isnull=False),
                name="appraisal_entry_points_or_not_applicable",
                violation_error_message=_("Enter the appraised points or mark the criterion not applicable."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion.code} ({self.round_number}) — {self.sheet}"

    def audit_unit(self):
        return self.sheet.assessment.unit


class ExplanationQuerySet(ScopedQuerySet):
    scope_lookup = "entry__sheet__assessment__unit"


class Explanation(models.Model):
    """The unit's answer (giải trình) to one flagged leaf, with extra evidence."""

    entry = models.OneToOneField(AppraisalEntry, on_delete=models.CASCADE, related_name="explanation")
    text = models.TextField(_("explanation"))
    evidence = models.ManyToManyField("assessments.Evidence", blank=True, related_name="+", verbose_name=_("evidence"))
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    answered_at = models.DateTimeField(default=timezone.now)

    objects = ExplanationQuerySet.as_manager()

    class Meta:
        verbose_name = _("explanation")
        verbose_name_plural = _("explanations")

    def __str__(self) -> str:
        return f"{self.entry}"

    def audit_unit(self):
        return self.entry.sheet.assessment.unit


class AdjustmentQuerySet(ScopedQuerySet):
    scope_lookup = "sheet__assessment__unit"


class Adjustment(models.Model):
    """Bonus (điểm thưởng) or penalty (điểm phạt) points of one unit in one round; capped in the total."""

    class Kind(models.TextChoices):
        BONUS = "bonus", _("Bonus")
        PENALTY = "penalty", _("Penalty")

    sheet = models.ForeignKey(AppraisalSheet, on_delete=models.CASCADE, related_name="adjustments")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    points = models.DecimalField(_("points"), **POINTS)
    reason = models.TextField(_("reason"))
    evidence = models.ForeignKey(
        "assessments.Evidence", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("evidence"),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = AdjustmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("bonus or penalty")
        verbose_name_plural = _("bonus and penalty points")
        ordering = ["sheet", "kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(points__gt=0), name="adjustment_points_positive",
                violation_error_message=_("Bonus and penalty points must be greater than 0."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.points} — {self.sheet}"

    def audit_unit(self):
        return self.sheet.assessment.unit


class SurveyScoreQuerySet(ScopedQuerySet):
    scope_lookup = "unit"


class SurveyScore(models.Model):
    """A survey result (SIPAS / ĐTXHH) of one unit on one survey leaf: points = max × score %."""

    round = models.ForeignKey("assessments.Round", on_delete=models.CASCADE, related_name="survey_scores")
    unit = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="survey_scores")
    criterion = models.ForeignKey("frameworks.Criterion", on_delete=models.PROTECT, related_name="+")
    percent = models.DecimalField(_("score (%)"), **POINTS)
    points = models.DecimalField(_("points"), **POINTS)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    imported_at = models.DateTimeField(default=timezone.now)

    objects = SurveyScoreQuerySet.as_manager()

    class Meta:
        verbose_name = _("survey score")
        verbose_name_plural = _("survey scores")
        ordering = ["round", "unit__path", "criterion__sort_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "unit", "criterion"], name="survey_score_once_per_leaf",
                violation_error_message=_("This unit already has a survey score for this criterion."),
            ),
            models.CheckConstraint(
                condition=Q(percent__gte=0) & Q(percent__lte=100), name="survey_score_percent_range",
                violation_error_message=_("A survey score is a percentage between 0 and 100."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.criterion.code} {self.percent}%"

    def audit_unit(self):
        return self.unit


def appraisal_started(assessment) -> bool:
    """Whether appraisal of this sheet has started (the unit may no longer withdraw its submission)."""
    return AppraisalSheet.objects.filter(assessment_id=assessment.pk).exists()
