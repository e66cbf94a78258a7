"""Reads shared by views, exports, documents and other apps. Query counts do not grow with rows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from parindex.remediation import access
from parindex.remediation.models import MaintenanceItem, RemediationItem, RemediationPlan, Target


def items_queryset():
    from parindex.assessments.models import Evidence

    return RemediationItem.objects.select_related(
        "unit", "lead_unit", "lead_official", "inspection", "verified_by", "plan", "criterion__area"
    ).prefetch_related(Prefetch("evidence", queryset=Evidence.objects.order_by("generated_name", "id")))


def framework_order(item) -> tuple:
    """Where an appendix row sits: the framework's order of areas, then of criteria (``sort_key``, the
    tree order the framework defines), then the order of generation. Never the alphabet of the area
    titles (issue 17: "area 5 second, area 2 last as VIII"). Rows whose criterion is gone fall back to
    the natural order of their code; rows without any criterion (inspection findings) come last."""
    from parindex.frameworks.models import natural_code_key

    criterion = getattr(item, "criterion", None)
    if criterion is not None and criterion.sort_key:
        area = criterion.sort_key.split(".", 1)[0]
        return (0, area, getattr(item, "area_title", ""), 0, criterion.sort_key, (), item.order)
    code = getattr(item, "code", "") or ""
    if code:
        area = natural_code_key(code.split(".", 1)[0])
        return (1, "", getattr(item, "area_title", ""), area, "", natural_code_key(code), item.order)
    return (2, "", "", (), "", (), item.order)


def plan_lists(plan: RemediationPlan) -> tuple[list[MaintenanceItem], list[RemediationItem]]:
    """Phụ lục I and II of one plan, in framework order (items added by hand sit in their area)."""
    maintain = list(plan.maintenance_items.select_related("criterion").order_by("order", "id"))
    remediate = list(items_queryset().filter(plan=plan).order_by("order", "number"))
    maintain.sort(key=framework_order)
    remediate.sort(key=framework_order)
    return maintain, remediate


def other_items(plan: RemediationPlan) -> list[RemediationItem]:
    """The unit's inspection findings of the plan's year (they join the unit's remediation list)."""
    return list(
        items_queryset().filter(unit_id=plan.unit_id, year=plan.year, plan__isnull=True).order_by("number")
    )


@dataclass
class Counts:
    total: int = 0
    done: int = 0
    verified: int = 0
    in_progress: int = 0
    cannot: int = 0
    overdue: int = 0

    @property
    def rate(self) -> Decimal | None:
        return Decimal(self.done) * 100 / self.total if self.total else None


def counts_by_unit(unit_ids, year: int) -> dict[int, Counts]:
    today = timezone.localdate()
    S = RemediationItem.Status
    rows = (
        RemediationItem.objects.filter(unit_id__in=list(unit_ids), year=year)
        .values("unit_id")
        .annotate(
            total=Count("id"),
            done=Count("id", filter=Q(status=S.DONE)),
            verified=Count("id", filter=Q(verified_at__isnull=False)),
            in_progress=Count("id", filter=Q(status=S.IN_PROGRESS)),
            cannot=Count("id", filter=Q(status=S.CANNOT)),
            overdue=Count("id", filter=Q(status__in=RemediationItem.OPEN, deadline__lt=today)),
        )
    )
    return {r.pop("unit_id"): Counts(**r) for r in rows}


@dataclass
class CompilationRow:
    unit: object
    plan: RemediationPlan | None
    counts: Counts = field(default_factory=Counts)


def compilation_rows(user, year: int, root=None) -> list[CompilationRow]:
    """Every unit under ``root`` (default: the units the user oversees) with its plan and progress."""
    from parindex.units.models import Unit

    units = Unit.objects.data_visible_to(user)
    if root is not None:
        units = units.filter(path__startswith=root.path)
    plans = {p.unit_id: p for p in RemediationPlan.objects.visible_to(user).filter(year=year, unit__in=units)}
    with_items = set(
        RemediationItem.objects.visible_to(user)
        .filter(year=year, unit__in=units)
        .values_list("unit_id", flat=True)
        .distinct()
    )
    units = list(
        units.filter(
            Q(pk__in=list(plans))
            | Q(pk__in=list(with_items))
            | Q(kind__in=["commune", "ward", "special_zone", "district"])
        ).order_by("path")
    )
    counts = counts_by_unit([u.pk for u in units], year)
    return [CompilationRow(u, plans.get(u.pk), counts.get(u.pk, Counts())) for u in units]


def general_plan_items(root, year: int, user) -> tuple[list[MaintenanceItem], list[RemediationItem]]:
    """The "Kế hoạch chung" of ``root``: its own plan (any state) and its units' approved plans, plus
    every inspection finding of the year in the subtree; in framework order (area, then criterion),
    then by unit."""
    plans = (
        RemediationPlan.objects.visible_to(user)
        .filter(year=year, unit__path__startswith=root.path)
        .filter(Q(unit=root) | Q(status=RemediationPlan.Status.APPROVED))
    )
    maintain = list(
        MaintenanceItem.objects.filter(plan__in=plans)
        .select_related("plan__unit", "criterion")
        .order_by("plan__unit__path", "order")
    )
    remediate = list(
        items_queryset()
        .filter(Q(plan__in=plans) | Q(plan__isnull=True, unit__path__startswith=root.path, year=year))
        .filter(pk__in=RemediationItem.objects.visible_to(user).values("pk"))
        .order_by("unit__path", "order", "number")
    )
    maintain.sort(key=lambda i: general_order(i, i.plan.unit))
    remediate.sort(key=lambda i: general_order(i, i.unit))
    return maintain, remediate


def general_order(item, unit) -> tuple:
    """Framework order of the area, then the unit, then the criterion inside the area."""
    key = framework_order(item)
    return (*key[:4], unit.path, *key[4:], getattr(item, "number", 0))


def lead_key(item) -> str:
    if getattr(item, "lead_unit_id", None):
        return item.lead_unit.name
    return (item.lead_text or "").strip()


# --- next year -----------------------------------------------------------------------------------


def _map_codes(source_criterion_ids: set[int], framework) -> dict[int, str]:
    """criterion id of an older version → code in ``framework``: a ``CriterionMapping`` into ``framework``
    first (renumbered criteria), else the same code if ``framework`` has it. Three queries at most."""
    from parindex.frameworks.models import Criterion, CriterionMapping

    if not source_criterion_ids:
        return {}
    result: dict[int, str] = {}
    for from_id, code in CriterionMapping.objects.filter(
        from_criterion_id__in=source_criterion_ids, to_criterion__framework=framework
    ).values_list("from_criterion_id", "to_criterion__code"):
        result[from_id] = code
    unmapped = dict(
        Criterion.objects.filter(pk__in=source_criterion_ids - set(result)).values_list("pk", "code")
    )
    if unmapped:
        present = set(
            Criterion.objects.filter(framework=framework, code__in=set(unmapped.values())).values_list(
                "code", flat=True
            )
        )
        for pk, code in unmapped.items():
            if code in present:  # same framework, or a version without a mapping for this criterion
                result[pk] = code
    return result


def last_year_for_leaves(unit, framework, year: int) -> dict[str, dict]:
    """For the score sheet of ``year``: per leaf code of ``framework``, last year's lost points and the
    remediation item with its status and evidence (to reuse).

    ``{code: {"lost_points", "lost_by_appraisal", "lost_by_self", "item", "number", "status",
    "status_label", "verified", "evidence": [Evidence]}}``. The plan of ``year`` (made from the
    results of ``year - 1``) holds the items; criteria of an older framework version are found
    through ``CriterionMapping`` (else the same code). A fixed number of queries.
    """
    from parindex.results.models import LeafResult

    found: dict[str, dict] = {}
    leaves = list(
        LeafResult.objects.filter(
            result__unit=unit,
            result__year=year - 1,
            result__publication__status="published",
            not_applicable=False,
        )
        .exclude(criterion=None)
        .values("criterion_id", "max_points", "final_points", "self_points")
    )
    items = list(items_queryset().filter(unit=unit, year=year, criterion__isnull=False).order_by("number"))
    codes = _map_codes({row["criterion_id"] for row in leaves} | {i.criterion_id for i in items}, framework)
    for row in leaves:
        code = codes.get(row["criterion_id"])
        if code is None:
            continue
        final = row["final_points"] or Decimal(0)
        lost = row["max_points"] - final
        if lost > 0:
            found[code] = {"lost_points": lost, "item": None, "evidence": []}
    for item in items:
        code = codes.get(item.criterion_id)
        if code is None:
            continue
        entry = found.setdefault(code, {"lost_points": item.lost_points, "evidence": []})
        if entry.get("item") is not None:
            continue
        entry.update(
            item=item,
            number=item.number,
            status=item.display_status,
            status_label=item.display_status_label,
            verified=item.is_verified,
            lost_by_appraisal=item.lost_by_appraisal,
            lost_by_self=item.lost_by_self,
            evidence=list(item.evidence.all()),
        )
    return found


# --- targets -------------------------------------------------------------------------------------


@dataclass
class TargetRow:
    target: Target
    achieved_index: Decimal | None = None
    achieved_class: str = ""
    achieved_rank: int | None = None
    rank_of: int | None = None
    published: bool = False

    @property
    def index_met(self) -> bool | None:
        if self.target.index_percent is None or self.achieved_index is None:
            return None
        return self.achieved_index >= self.target.index_percent

    @property
    def rank_met(self) -> bool | None:
        if self.target.rank is None or self.achieved_rank is None:
            return None
        return self.achieved_rank <= self.target.rank


def target_rows(unit, user) -> list[TargetRow]:
    """The unit's targets (newest first) beside the published result of the same year. Two queries."""
    from parindex.results.models import UnitResult

    targets = list(Target.objects.visible_to(user).filter(unit=unit).order_by("-year"))
    if not targets:
        return []
    results = {
        r.year: r
        for r in UnitResult.objects.published().filter(unit=unit, year__in=[t.year for t in targets])
    }
    rows = []
    for t in targets:
        r = results.get(t.year)
        rows.append(
            TargetRow(
                t,
                r.index_percent if r else None,
                r.class_label if r else "",
                r.rank if r else None,
                r.rank_of if r else None,
                r is not None,
            )
        )
    return rows


# --- home panels ---------------------------------------------------------------------------------


def overdue_items_for(user, limit: int = 10) -> list[RemediationItem]:
    unit_ids = list(access.editable_units(user).values_list("pk", flat=True)) if not user.is_superuser else []
    qs = RemediationItem.objects.overdue().filter(Q(unit_id__in=unit_ids) | Q(lead_official=user))
    return list(qs.select_related("unit").order_by("deadline", "number")[:limit])


def awaiting_approval_for(user, limit: int = 20) -> list[RemediationPlan]:
    managed = list(access.manager_units(user).values_list("path", flat=True))
    if not managed:
        return []
    condition = Q(pk__in=[])
    for path in managed:
        condition |= Q(unit__path__startswith=path)
    plans = RemediationPlan.objects.filter(condition, status=RemediationPlan.Status.SUBMITTED).select_related(
        "unit"
    )
    return [p for p in plans.order_by("submitted_at")[: limit * 2] if access.manages_above(user, p.unit)][
        :limit
    ]


def generatable_results(user):
    """Published results of units the user may plan for that have no plan for the next year yet."""
    from parindex.results.models import UnitResult

    units = access.editable_units(user)
    results = list(
        UnitResult.objects.published()
        .filter(unit__in=units)
        .select_related("unit", "publication")
        .order_by("-year", "unit__path")[:50]
    )
    existing = set(RemediationPlan.objects.filter(unit__in=units).values_list("unit_id", "year"))
    return [r for r in results if (r.unit_id, r.year + 1) not in existing]


def group_rows(rows, key) -> list[tuple[str, list]]:
    groups: dict[str, list] = defaultdict(list)
    for row in rows:
        groups[key(row) or "—"].append(row)
    return list(groups.items())
