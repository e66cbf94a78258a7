"""Administrative units (a time-versioned tree), their merges/splits, and memberships with roles."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from parindex.core.text import search_key
from parindex.units.visibility import ScopedQuerySet, scope_for


class UnitQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Units whose names and tree the user may see (own units and overseen/viewed subtrees)."""
        scope = scope_for(user)
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(scope.q("", paths=scope.unit_paths))

    def data_visible_to(self, user):
        """Units whose unpublished data (scores, evidence, plans) the user may see."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(scope_for(user).q(""))

    def active_on(self, day: dt.date | None = None):
        day = day or timezone.localdate()
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )

    def search(self, text: str):
        key = search_key(text)
        return self.filter(Q(search_name__contains=key) | Q(code__iexact=text.strip())) if key else self

    def subtree_of(self, unit: Unit):
        return self.filter(path__startswith=unit.path)


class Unit(models.Model):
    """A province, department, district, district office, commune, ward or special zone.

    The tree is time-versioned by units, not by edges: a unit keeps its parent for its
    whole life; a reorganisation (the 2025 abolition of districts, commune mergers) ends
    old units (``valid_to``) and creates new ones linked by a ``UnitChange``. So a 2023
    result of an old commune stays attached to the old commune and is reachable from its
    successor through ``lineage()``.
    """

    class Kind(models.TextChoices):
        PROVINCE = "province", _("Province")
        DEPARTMENT = "department", _("Department")
        DISTRICT = "district", _("District")
        DISTRICT_OFFICE = "district_office", _("District office")
        COMMUNE = "commune", _("Commune")
        WARD = "ward", _("Ward")
        SPECIAL_ZONE = "special_zone", _("Special zone")

    class Grade(models.TextChoices):
        SPECIAL = "special", _("Special class")
        I = "1", _("Class I")  # noqa: E741
        II = "2", _("Class II")
        III = "3", _("Class III")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=120, blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, db_index=True)
    grade = models.CharField(pgettext_lazy("grade of an administrative unit", "class"), max_length=10, choices=Grade.choices, blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent unit"),
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    # Materialised path of ids ("/1/12/140/"): subtree queries are one indexed prefix match.
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    search_name = models.CharField(max_length=255, db_index=True, editable=False, default="")

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=F("valid_from")),
                name="unit_valid_dates_ordered",
                violation_error_message=_("The end date must not be before the start date."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_short_name(self) -> str:
        return self.short_name or self.name

    def audit_unit(self):
        return self

    def clean(self):
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The end date must not be before the start date.")})
        if self.parent_id and self.pk:
            if self.parent_id == self.pk or (self.parent.path or "").startswith(self.path or "//"):
                raise ValidationError(
                    {"parent": _("A unit cannot be placed under itself or its own descendant.")}
                )

    def save(self, *args, **kwargs):
        self.search_name = search_key(f"{self.name} {self.short_name}")
        with transaction.atomic():
            if self.pk and self.parent_id:
                # Refuse a cycle even when clean() was not called (imports, shell, admin actions).
                own_path = Unit.objects.filter(pk=self.pk).values_list("path", flat=True).first()
                parent_path = Unit.objects.filter(pk=self.parent_id).values_list("path", flat=True).first()
                if self.parent_id == self.pk or (
                    own_path and parent_path and parent_path.startswith(own_path)
                ):
                    raise ValidationError(
                        {"parent": _("A unit cannot be placed under itself or its own descendant.")}
                    )
            super().save(*args, **kwargs)
            self._refresh_path()

    def _refresh_path(self) -> None:
        parent_path = (
            Unit.objects.filter(pk=self.parent_id).values_list("path", flat=True).first()
            if self.parent_id
            else "/"
        )
        new_path = f"{parent_path}{self.pk}/"
        old_path = Unit.objects.filter(pk=self.pk).values_list("path", flat=True).get()
        if new_path == old_path:
            self.path = new_path
            return
        depth = new_path.count("/") - 2
        Unit.objects.filter(pk=self.pk).update(path=new_path, depth=depth)
        if old_path:
            # Move the descendants with their subtree.
            Unit.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                path=Concat(models.Value(new_path), Substr("path", len(old_path) + 1)),
                depth=F("depth") + (depth - (old_path.count("/") - 2)),
            )
        self.path, self.depth = new_path, depth

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/")[:-1] if part]

    def ancestors(self):
        ids = self.ancestor_ids()
        return sorted(Unit.objects.filter(pk__in=ids), key=lambda u: u.depth)

    def is_active_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or self.valid_to >= day
        )

    def lineage(self) -> list[Unit]:
        """This unit and every unit it succeeded, transitively (for year-over-year views)."""
        seen: dict[int, Unit] = {self.pk: self}
        frontier = [self.pk]
        while frontier:
            preds = (
                Unit.objects.filter(successor_changes__successors__in=frontier)
                .exclude(pk__in=seen)
                .distinct()
            )
            frontier = []
            for unit in preds:
                seen[unit.pk] = unit
                frontier.append(unit.pk)
        return list(seen.values())


class UnitChange(models.Model):
    """A merge, split, rename or abolition: predecessors -> successors on a date, by a decision."""

    class Kind(models.TextChoices):
        MERGE = "merge", _("Merge")
        SPLIT = "split", _("Split")
        RENAME = "rename", _("Rename")
        ABOLISH = "abolish", _("Abolition")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    effective_on = models.DateField(_("effective on"))
    decision = models.CharField(_("decision"), max_length=255, blank=True)
    predecessors = models.ManyToManyField(
        Unit, related_name="successor_changes", verbose_name=_("predecessors")
    )
    successors = models.ManyToManyField(
        Unit, related_name="predecessor_changes", blank=True, verbose_name=_("successors")
    )

    class Meta:
        verbose_name = _("unit change")
        verbose_name_plural = _("unit changes")
        ordering = ["-effective_on"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.effective_on:%d/%m/%Y}"


class MembershipQuerySet(ScopedQuerySet):
    scope_lookup = "unit"

    def active(self, day: dt.date | None = None):
        day = day or timezone.localdate()
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day)).filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=day)
        )


class Membership(models.Model):
    """A user's role at a unit. One user may hold several (e.g. officer of a commune and appraiser)."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("System administrator")
        INDEX_MANAGER = "index_manager", _("Index manager")
        APPRAISER = "appraiser", _("Appraiser")
        UNIT_HEAD = "unit_head", _("Unit head")
        UNIT_OFFICER = "unit_officer", _("Unit officer")
        VIEWER = "viewer", _("Viewer")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("unit")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    title = models.CharField(
        _("position"), max_length=120, blank=True, help_text=_("e.g. Vice-Chairman, Civil servant")
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["unit__path", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "unit", "role"],
                name="membership_unique_role",
                violation_error_message=_("This user already has this role at this unit."),
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=F("valid_from")),
                name="membership_valid_dates_ordered",
                violation_error_message=_("The end date must not be before the start date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.unit}"
