"""Criteria frameworks (bộ tiêu chí): a tree of criteria of any depth, bands and versions.

A framework is issued by a province (or a district, for its communes) by decision, for
some unit kinds and some years. Points live on leaves; a parent's maximum is the sum of
its children's maxima (checked by ``validation.validate_tree`` on save and import).

Tree fields ``depth``, ``is_leaf``, ``sort_key`` and ``area`` are stored (not computed on
read) so that score sheets and result tables can order and group criteria with one
query; ``Framework.rebuild_tree()`` recomputes them after any structural change.

Visibility: frameworks are public within the system (every logged-in user may read
them, a commune officer must read the rules they are scored by); only index managers of
the owner unit or one of its ancestors, and admins, may change them (``can_edit``).
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from parindex.units.visibility import NOBODY, ScopedQuerySet, has_role, scope_for

SORT_KEY_WIDTH = 4  # "0001.0002.0010": 9999 siblings are plenty for any decision's appendix


def default_excluded_sources() -> list[str]:
    """Survey criteria never go into a remediation plan (Phụ lục II of the seeds)."""
    return ["survey"]


class PublicQuerySet(ScopedQuerySet):
    """Frameworks are readable by every logged-in user (they are published legal texts).

    Still a ``ScopedQuerySet`` so that every view reads through ``visible_to`` like the
    rest of the system and a future restriction needs one change here.
    """

    scope_lookup = "owner_unit"

    def visible_to(self, user):
        if scope_for(user) is NOBODY:
            return self.none()
        return self.all()


class FrameworkQuerySet(PublicQuerySet):
    scope_lookup = "owner_unit"

    def editable_by(self, user):
        """Frameworks the user may change: index managers of the owner unit or an ancestor, admins."""
        scope = scope_for(user)
        if scope is NOBODY:
            return self.none()
        if scope.is_admin:
            return self.all()
        unit_ids = [uid for uid, role in scope.roles if role == "index_manager"]
        if not unit_ids:
            return self.none()
        from parindex.units.models import Unit

        paths = list(Unit.objects.filter(pk__in=unit_ids).values_list("path", flat=True))
        condition = Q(pk__in=[])
        for path in paths:
            condition |= Q(owner_unit__path__startswith=path)
        return self.filter(condition)

    def applicable_to(self, unit, year: int | None = None) -> list[Framework]:
        """Frameworks that score ``unit`` (in ``year``), newest first — a list, because the
        unit-kind test on the JSON list is done in Python (SQLite has no JSON "contains")."""
        queryset = self
        if year is not None:
            queryset = queryset.filter(valid_from_year__lte=year, valid_to_year__gte=year)
        return [f for f in queryset.order_by("-valid_from_year", "-pk") if unit.kind in (f.unit_kinds or [])]


class Framework(models.Model):
    class TiePolicy(models.TextChoices):
        COMPETITION = "competition", _("Competition (1, 2, 2, 4)")
        DENSE = "dense", _("Dense (1, 2, 2, 3)")

    class PublishedPoints(models.TextChoices):
        """What a published result calls "điểm" ("Xếp thứ 5/8, 82,7 điểm"). The seeds' decisions publish
        the total points (seed 001: "tổng điểm đạt 82,7 điểm"), the default; frameworks whose maximum
        is not 100, or with not-applicable criteria, may publish the index on a scale of 100 instead."""

        TOTAL = "total", _("Total points")
        INDEX = "index", _("Index on a scale of 100")

    name = models.CharField(_("name"), max_length=255)
    decision_number = models.CharField(
        _("decision number"), max_length=64, blank=True, help_text=_("Number and symbol, e.g. 1325/QĐ-UBND")
    )
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    issuing_body = models.CharField(_("issuing body"), max_length=255, blank=True)
    unit_kinds = models.JSONField(
        _("unit types"), default=list, blank=True, help_text=_("The unit types this framework scores.")
    )
    valid_from_year = models.PositiveSmallIntegerField(_("valid from year"))
    valid_to_year = models.PositiveSmallIntegerField(_("valid to year"))
    max_total = models.DecimalField(
        _("maximum total"),
        max_digits=9,
        decimal_places=4,
        default=Decimal(100),
        validators=[MinValueValidator(0)],
    )
    allow_over_max = models.BooleanField(
        _("index may exceed the maximum"),
        default=False,
        help_text=_("With bonus points the index may exceed 100."),
    )
    tie_policy = models.CharField(
        _("ranks of ties"), max_length=12, choices=TiePolicy.choices, default=TiePolicy.COMPETITION
    )
    published_points = models.CharField(
        _("published as “points”"),
        max_length=8,
        choices=PublishedPoints.choices,
        default=PublishedPoints.TOTAL,
        help_text=_(
            "The figure a published result calls “points” (“Ranked 5/8, 82.7 points”): the total points, "
            "or the index on a scale of 100. They differ when criteria are not applicable or the maximum "
            "is not 100; both are shown, labelled."
        ),
    )
    bonus_cap = models.DecimalField(_("bonus cap"), max_digits=9, decimal_places=4, default=Decimal(0))
    penalty_cap = models.DecimalField(_("penalty cap"), max_digits=9, decimal_places=4, default=Decimal(0))
    excluded_sources_for_remediation = models.JSONField(
        _("sources left out of remediation plans"), default=default_excluded_sources, blank=True
    )
    description = models.TextField(_("notes"), blank=True)
    previous = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="next_versions",
        verbose_name=_("previous version"),
    )
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)
    locked_reason = models.CharField(_("reason for locking"), max_length=255, blank=True)
    owner_unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="frameworks", verbose_name=_("issuing unit")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = FrameworkQuerySet.as_manager()

    class Meta:
        verbose_name = _("criteria framework")
        verbose_name_plural = _("criteria frameworks")
        ordering = ["-valid_from_year", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to_year__gte=models.F("valid_from_year")),
                name="framework_years_ordered",
                violation_error_message=_("The last year must not be before the first year."),
            ),
            models.CheckConstraint(
                condition=Q(max_total__gte=0) & Q(bonus_cap__gte=0) & Q(penalty_cap__gte=0),
                name="framework_amounts_not_negative",
                violation_error_message=_("The maximum total and the caps must not be negative."),
            ),
        ]

    def __str__(self) -> str:
        years = (
            f"{self.valid_from_year}–{self.valid_to_year}"
            if self.valid_to_year != self.valid_from_year
            else str(self.valid_from_year)
        )
        return f"{self.name} ({years})"

    def audit_unit(self):
        return self.owner_unit

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("frameworks:detail", args=[self.pk])

    @property
    def is_locked(self) -> bool:
        """Locked once a round uses it: scores depend on it, so score-altering edits are refused."""
        return self.locked_at is not None

    def leaves(self):
        """Leaf criteria (the ones that are scored) in tree order."""
        return self.criteria.filter(is_leaf=True).order_by("sort_key")

    def areas(self):
        return self.criteria.filter(depth=1).order_by("sort_key")

    def applies_to(self, unit, year: int | None = None) -> bool:
        """Whether this framework scores ``unit`` (by unit kind; and ``year`` if given)."""
        if unit.kind not in (self.unit_kinds or []):
            return False
        if year is not None and not (self.valid_from_year <= year <= self.valid_to_year):
            return False
        return True

    def can_edit(self, user) -> bool:
        """Index managers of the owner unit or of an ancestor, and admins."""
        return has_role(user, self.owner_unit, "index_manager", inherited=True)

    def get_unit_kinds_display(self) -> str:
        from parindex.units.models import Unit

        labels = dict(Unit.Kind.choices)
        return ", ".join(str(labels.get(kind, kind)) for kind in self.unit_kinds or [])

    def rebuild_tree(self) -> None:
        """Recompute ``depth``, ``is_leaf``, ``sort_key`` and ``area`` of every criterion.

        The tree must be acyclic (validation checks it before anything is saved). Siblings
        are ordered by ``order`` then code.
        """
        nodes = list(self.criteria.all())
        by_parent: dict[int | None, list[Criterion]] = {}
        for node in nodes:
            by_parent.setdefault(node.parent_id, []).append(node)
        changed: list[Criterion] = []

        def walk(parent_id, prefix: str, depth: int, area_id):
            siblings = sorted(by_parent.get(parent_id, []), key=lambda c: (c.order, natural_code_key(c.code)))
            for position, node in enumerate(siblings, start=1):
                key = f"{prefix}{position:0{SORT_KEY_WIDTH}d}"
                area = node.pk if depth == 1 else area_id
                leaf = node.pk not in by_parent
                new = (depth, leaf, key, area)
                if (node.depth, node.is_leaf, node.sort_key, node.area_id) != new:
                    node.depth, node.is_leaf, node.sort_key, node.area_id = new
                    changed.append(node)
                walk(node.pk, key + ".", depth + 1, area)

        walk(None, "", 1, None)
        if changed:
            Criterion.objects.bulk_update(changed, ["depth", "is_leaf", "sort_key", "area"], batch_size=500)


def natural_code_key(code: str) -> tuple:
    """Sort "1.10" after "1.9": numeric parts as numbers, other parts as text."""
    parts = []
    for part in str(code).split("."):
        parts.append((0, int(part), "") if part.isdigit() else (1, 0, part))
    return tuple(parts)


class Band(models.Model):
    """One classification band: the index % at or above ``lower_bound`` gets ``label``.

    ``inclusive`` False means strictly above ("> 50"). The lowest band normally has
    lower bound 0 ("Yếu < 50" is stored as "Yếu ≥ 0").
    """

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="bands")
    label = models.CharField(_("label"), max_length=64)
    lower_bound = models.DecimalField(_("lower bound (%)"), max_digits=9, decimal_places=4)
    inclusive = models.BooleanField(_("bound included"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("classification band")
        verbose_name_plural = _("classification bands")
        ordering = ["framework", "order", "-lower_bound"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "label"],
                name="band_label_unique",
                violation_error_message=_("Each band label may appear only once in a framework."),
            ),
        ]

    def __str__(self) -> str:
        sign = "≥" if self.inclusive else ">"
        return f"{self.label} ({sign} {self.lower_bound.normalize():f})"


class CriterionQuerySet(PublicQuerySet):
    scope_lookup = "framework__owner_unit"

    def in_tree_order(self):
        return self.order_by("sort_key")


class Criterion(models.Model):
    class Method(models.TextChoices):
        BINARY = "binary", _("Yes / No")
        LEVELS = "levels", _("Levels")
        RATIO = "ratio", _("Ratio")
        COUNT = "count", _("Count")
        DEDUCTION = "deduction", _("Deduction per violation")
        MANUAL = "manual", _("Manual points")
        SURVEY = "survey", _("Survey result")

    class Source(models.TextChoices):
        SELF = "self", _("Self-assessed")
        SURVEY = "survey", _("Survey")

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="criteria")
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    code = models.CharField(_("code"), max_length=32)
    title = models.TextField(_("content"))
    max_points = models.DecimalField(_("maximum points"), max_digits=9, decimal_places=4)
    method = models.CharField(_("scoring method"), max_length=12, choices=Method.choices, blank=True)
    params = models.JSONField(_("method parameters"), default=dict, blank=True)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices, default=Source.SELF)
    allow_not_applicable = models.BooleanField(_("may be not applicable"), default=False)
    rule_text = models.TextField(_("scoring rule"), blank=True)
    evidence_text = models.TextField(_("evidence documents"), blank=True)
    lead_text = models.CharField(_("lead"), max_length=255, blank=True)
    coordinators_text = models.CharField(_("coordinators"), max_length=500, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    depth = models.PositiveSmallIntegerField(default=1, editable=False)
    is_leaf = models.BooleanField(default=True, editable=False)
    sort_key = models.CharField(max_length=255, default="", editable=False, db_index=True)
    area = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="area_criteria", editable=False
    )

    objects = CriterionQuerySet.as_manager()

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["framework", "sort_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "code"],
                name="criterion_code_unique",
                violation_error_message=_("This code is already used in this framework."),
            ),
            models.CheckConstraint(
                condition=Q(max_points__gte=0),
                name="criterion_max_not_negative",
                violation_error_message=_("The maximum points must not be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.title[:120]}"

    def audit_unit(self):
        return self.framework.owner_unit

    @property
    def is_survey(self) -> bool:
        return self.source == self.Source.SURVEY or self.method == self.Method.SURVEY

    def describe_method(self) -> str:
        from parindex.frameworks.scoring import describe

        return describe(self.method, self.params) if self.method else ""


class CriterionMapping(models.Model):
    """``from_criterion`` (older version) corresponds to ``to_criterion`` (newer version).

    Created by code when a framework is copied; editable when a criterion was renumbered
    so year-over-year comparison by criterion still works.
    """

    from_criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="mappings_out")
    to_criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="mappings_in")

    class Meta:
        verbose_name = _("criterion mapping")
        verbose_name_plural = _("criterion mappings")
        constraints = [
            models.UniqueConstraint(
                fields=["from_criterion", "to_criterion"],
                name="criterion_mapping_unique",
                violation_error_message=_("This mapping already exists."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_criterion.code} → {self.to_criterion.code}"
