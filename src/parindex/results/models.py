"""Published results: stored per unit, per area and per leaf, never recomputed on view.

A ``Publication`` is one set of results: computed from an appraised round (draft while the
index manager reviews it and the council approves it, then published), or imported from a
past year's published table. ``UnitResult`` rows carry everything a ranking page, a unit page
or an export shows — snapshots of names, maxima, class labels and ranks — so editing a
framework or renaming a unit later never changes a published ranking.

Visibility (``UnitResultQuerySet.visible_to``): published rows are visible to every logged-in
user; draft rows only to the unit itself and the appraisal side (index managers and appraisers
overseeing the unit), i.e. the ordinary data rule of ``units.visibility``. The public page uses
``published()`` only.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parindex.units.visibility import NOBODY, ScopedQuerySet, scope_for

POINTS = {"max_digits": 9, "decimal_places": 4}
# The index % = 100 × (points) / (max), points with 4 places: its denominator is at most 10⁹, so it lies
# at least 5·10⁻¹³ away from any 2-decimal rounding boundary it does not sit on; 16 places round to 2
# exactly as the exact fraction does (SQLite keeps 15 significant digits: still ≥ 12 places below 1000).
INDEX = {"max_digits": 24, "decimal_places": 16}


class PublicationQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Publication.Status.PUBLISHED)

    def visible_to(self, user):
        scope = scope_for(user)
        if scope is NOBODY:
            return self.none()
        if scope.is_admin:
            return self
        return self.filter(Q(status=Publication.Status.PUBLISHED) | scope.q("owner_unit"))


class Publication(models.Model):
    """One published (or to-be-published) results table of a year."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Under review")
        APPROVED = "approved", _("Approved by the council")
        PUBLISHED = "published", _("Published")

    class Source(models.TextChoices):
        ROUND = "round", _("Appraised round")
        IMPORT = "import", _("Imported history")

    class Grouping(models.TextChoices):
        KIND = "kind", _("Framework and unit type")
        KIND_GRADE = "kind_grade", _("Framework, unit type and unit class")
        KIND_PARENT = "kind_parent", _("Framework, unit type and parent unit")

    year = models.PositiveIntegerField(_("year"), db_index=True)
    title = models.CharField(_("title"), max_length=255)
    framework = models.ForeignKey(
        "frameworks.Framework",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="publications",
        verbose_name=_("criteria framework"),
    )
    round = models.OneToOneField(
        "assessments.Round",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="publication",
        verbose_name=_("round"),
    )
    owner_unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="publications", verbose_name=_("managing unit")
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.ROUND)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    grouping = models.CharField(
        _("peer group"), max_length=12, choices=Grouping.choices, default=Grouping.KIND
    )
    tie_policy = models.CharField(_("ranks of ties"), max_length=12, default="competition")
    # The framework's setting at computation (``Framework.PublishedPoints``): what "điểm" means in the
    # result sentence of this table — "total" points or the "index" on a scale of 100.
    published_points = models.CharField(_("published as “points”"), max_length=8, default="total")
    bands = models.JSONField(_("classification bands"), default=list, blank=True)
    areas = models.JSONField(_("areas"), default=list, blank=True)  # [{"code", "title", "max"}] snapshot
    decision_number = models.CharField(_("approval decision number"), max_length=100, blank=True)
    decision_date = models.DateField(_("approval decision date"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = PublicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("results publication")
        verbose_name_plural = _("results publications")
        ordering = ["-year", "-id"]

    def __str__(self) -> str:
        return self.title

    def audit_unit(self):
        return self.owner_unit

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class UnitResultQuerySet(ScopedQuerySet):
    scope_lookup = "unit"

    def published(self):
        return self.filter(publication__status=Publication.Status.PUBLISHED)

    def visible_to(self, user):
        scope = scope_for(user)
        if scope is NOBODY:
            return self.none()
        if scope.is_admin:
            return self
        return self.filter(Q(publication__status=Publication.Status.PUBLISHED) | scope.q(self.scope_lookup))


class UnitResult(models.Model):
    """One unit's result in one publication: totals, index %, class, rank x/N, change from last year."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="results")
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="results", verbose_name=_("unit")
    )
    year = models.PositiveIntegerField(_("year"), db_index=True)
    unit_code = models.CharField(_("unit code"), max_length=32)
    unit_name = models.CharField(_("unit"), max_length=255)
    unit_kind = models.CharField(_("unit type"), max_length=20, db_index=True)
    peer_key = models.CharField(max_length=80, db_index=True)
    peer_label = models.CharField(_("peer group"), max_length=255, blank=True)
    points = models.DecimalField(_("points"), **POINTS)  # Σ final points of applicable leaves
    max_points = models.DecimalField(_("maximum points"), **POINTS)  # Σ max of applicable leaves
    bonus = models.DecimalField(_("bonus points"), default=0, **POINTS)
    penalty = models.DecimalField(_("penalty points"), default=0, **POINTS)
    total = models.DecimalField(_("total points"), **POINTS)
    # Stored to 16 places, not 4: displayed figures are rounded once, from the exact value (issue 17).
    # A 4-place value rounded again for display can be off by 0,01 (77,32497… → 77,3250 → 77,33).
    index_percent = models.DecimalField(_("index (%)"), null=True, blank=True, **INDEX)
    class_label = models.CharField(_("class"), max_length=64, blank=True)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    rank_of = models.PositiveIntegerField(_("rank of"), default=0)
    self_total = models.DecimalField(_("self-assessed points"), null=True, blank=True, **POINTS)
    previous_year = models.PositiveIntegerField(_("previous year"), null=True, blank=True)
    previous_total = models.DecimalField(_("previous total"), null=True, blank=True, **POINTS)
    previous_rank = models.PositiveIntegerField(_("previous rank"), null=True, blank=True)
    previous_rank_of = models.PositiveIntegerField(null=True, blank=True)
    previous_index_percent = models.DecimalField(_("previous index (%)"), null=True, blank=True, **INDEX)
    previous_class_label = models.CharField(_("previous class"), max_length=64, blank=True)
    # The peer group the previous rank was taken in (its ``peer_key``): places are compared only within
    # the same group of the same size (``scoring.comparable_ranks``).
    previous_peer_key = models.CharField(max_length=80, blank=True)
    points_change = models.DecimalField(_("change in points"), null=True, blank=True, **POINTS)
    # Places moved up (+) or down (−); ``None`` without a comparable previous rank (another peer
    # group, or a group of another size: "5/20" and "4/4" are not one place apart).
    rank_change = models.IntegerField(_("change in rank"), null=True, blank=True)

    objects = UnitResultQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit result")
        verbose_name_plural = _("unit results")
        ordering = ["publication", "peer_key", "rank", "unit_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "unit"],
                name="unit_result_once_per_publication",
                violation_error_message=_("This unit already has a result in this publication."),
            )
        ]
        indexes = [models.Index(fields=["unit", "year"], name="unit_result_unit_year")]

    def __str__(self) -> str:
        return f"{self.unit_name} {self.year}"

    def audit_unit(self):
        return self.unit

    @property
    def published_figure(self) -> Decimal | None:
        """The figure published as "điểm": the total points or the index % (the publication's setting)."""
        if self.publication.published_points == "index":
            return self.index_percent
        return self.total

    @property
    def index_change(self) -> Decimal | None:
        """Index % this year − last year (exact; displayed rounded once)."""
        if self.index_percent is None or self.previous_index_percent is None:
            return None
        return self.index_percent - self.previous_index_percent

    def sentence(self, *, language: str | None = None) -> str:
        """The result sentence (``scoring.result_sentence``) in the interface language, or in
        ``language``: official documents pass "vi" whatever the reader's interface language."""
        from django.utils import formats, translation

        from parindex.results.scoring import ordered_bands, result_sentence

        language = language or translation.get_language()
        with translation.override(language):
            return result_sentence(
                position=self.rank,
                of=self.rank_of,
                total=self.total,
                max_points=self.max_points,
                published_points=self.publication.published_points,
                class_label=self.class_label or None,
                change=self.rank_change,
                previous_year=self.previous_year,
                decimal_sep=formats.get_format("DECIMAL_SEPARATOR", lang=language),
                index=self.index_percent,
                previous_index=self.previous_index_percent,
                previous_class=self.previous_class_label or None,
                previous_rank=self.previous_rank,
                previous_rank_of=self.previous_rank_of,
                class_order=[b.label for b in ordered_bands(self.publication.bands or [])],
            )


class AreaResult(models.Model):
    """Points of one area (lĩnh vực) in one unit's result."""

    result = models.ForeignKey(UnitResult, on_delete=models.CASCADE, related_name="areas")
    criterion = models.ForeignKey(
        "frameworks.Criterion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    code = models.CharField(_("code"), max_length=32)
    title = models.TextField(_("area"))
    order = models.PositiveIntegerField(default=0)
    points = models.DecimalField(_("points"), **POINTS)
    max_points = models.DecimalField(_("maximum points"), **POINTS)
    self_points = models.DecimalField(_("self-assessed points"), null=True, blank=True, **POINTS)

    class Meta:
        ordering = ["result", "order"]

    def __str__(self) -> str:
        return f"{self.code} {self.result}"


class LeafResult(models.Model):
    """One leaf of one unit's result, with self, round 1, round 2 and final points (for statistics)."""

    result = models.ForeignKey(UnitResult, on_delete=models.CASCADE, related_name="leaves")
    criterion = models.ForeignKey(
        "frameworks.Criterion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    code = models.CharField(_("code"), max_length=32)
    title = models.TextField(_("criterion"))
    area_code = models.CharField(max_length=32, blank=True)
    order = models.PositiveIntegerField(default=0)
    max_points = models.DecimalField(_("maximum points"), **POINTS)
    self_points = models.DecimalField(_("self-assessed points"), null=True, blank=True, **POINTS)
    round1_points = models.DecimalField(_("appraisal round 1"), null=True, blank=True, **POINTS)
    round2_points = models.DecimalField(_("appraisal round 2"), null=True, blank=True, **POINTS)
    final_points = models.DecimalField(_("final points"), null=True, blank=True, **POINTS)
    not_applicable = models.BooleanField(_("not applicable"), default=False)
    is_survey = models.BooleanField(default=False)

    class Meta:
        ordering = ["result", "order"]

    def __str__(self) -> str:
        return f"{self.code} {self.result}"
