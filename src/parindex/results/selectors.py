"""Reads of results shared by views, exports, the command and the API. Query counts do not grow with units."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, DecimalField, F, Min, Q, Sum, Value
from django.db.models.functions import Coalesce

from parindex.results.models import AreaResult, LeafResult, Publication, UnitResult

ZERO = Decimal(0)


def ranking_rows(
    *, year: int, unit_kind: str, framework_id: int | None = None, user=None, published_only=True
):
    """Published results of a year and unit type, by peer group then rank (unranked last)."""
    qs = UnitResult.objects.filter(year=year, unit_kind=unit_kind)
    qs = qs.published() if published_only else qs.visible_to(user)
    if framework_id:
        qs = qs.filter(publication__framework_id=framework_id)
    rows = list(qs.order_by("peer_key", "unit_name"))
    rows.sort(key=lambda r: (r.peer_key, r.rank is None, r.rank or 0, r.unit_name))
    return rows


@dataclass(frozen=True)
class PeerGroup:
    publication_id: int
    peer_key: str
    label: str
    year: int
    title: str
    units: int
    published: bool


def peer_groups(queryset) -> list[PeerGroup]:
    """Distinct (publication, peer group) pairs of a UnitResult queryset, newest first. One query."""

    rows = (
        queryset.values(
            "publication_id", "peer_key", "peer_label", "year", "publication__title", "publication__status"
        )
        .annotate(n=Count("id"))
        .order_by("-year", "publication_id", "peer_key")
    )
    return [
        PeerGroup(
            r["publication_id"],
            r["peer_key"],
            r["peer_label"],
            r["year"],
            r["publication__title"],
            r["n"],
            r["publication__status"] == Publication.Status.PUBLISHED,
        )
        for r in rows
    ]


GROUP_SORTS = ("rank", "name")


def group_queryset(queryset, publication_id: int, peer_key: str, *, sort: str = "rank"):
    """A peer group's rows in a stable order (pages cut it): by rank, units without a result last, then
    by name; or by name. The primary key breaks the remaining ties."""
    rows = queryset.filter(publication_id=publication_id, peer_key=peer_key)
    if sort == "name":
        return rows.order_by("unit_name", "pk")
    return rows.order_by(F("rank").asc(nulls_last=True), "unit_name", "pk")


def group_results(queryset, publication_id: int, peer_key: str) -> list[UnitResult]:
    """Every row of a peer group, by rank (exports, statistics)."""
    return list(group_queryset(queryset, publication_id, peer_key))


def review_queryset(publication):
    """The rows of a publication by peer group, then rank (the review page and its export)."""
    return publication.results.order_by("peer_key", F("rank").asc(nulls_last=True), "unit_name", "pk")


def review_rows(publication) -> list[UnitResult]:
    return list(review_queryset(publication))


def _half_up(value: Decimal) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def heatmap(results: list[UnitResult]) -> dict:
    """Units × areas, % of max per cell (one query for the areas of every unit)."""
    areas_by_result = defaultdict(dict)
    area_titles: dict[str, str] = {}
    order: dict[str, int] = {}
    for a in AreaResult.objects.filter(result_id__in=[r.pk for r in results]).order_by("order"):
        pct = (a.points * 100 / a.max_points) if a.max_points else None
        areas_by_result[a.result_id][a.code] = pct
        area_titles.setdefault(a.code, a.title)
        order.setdefault(a.code, a.order)
    codes = sorted(area_titles, key=lambda c: order[c])
    return {
        "areas": [{"code": c, "title": area_titles[c]} for c in codes],
        "units": [r.unit_name for r in results],
        "cells": [
            # Half-up like every number the tables show (Python's round() is half-to-even).
            [
                i,
                j,
                None if areas_by_result[r.pk].get(c) is None else float(_half_up(areas_by_result[r.pk][c])),
            ]
            for j, r in enumerate(results)
            for i, c in enumerate(codes)
        ],
        "rows": [(r, [areas_by_result[r.pk].get(c) for c in codes]) for r in results],
    }


def class_distribution(results: list[UnitResult]) -> list[tuple[str, int]]:
    counts = Counter(r.class_label or "—" for r in results if r.index_percent is not None)
    return sorted(counts.items(), key=lambda kv: -kv[1])


def class_counts(queryset) -> list[tuple[str, int]]:
    """``class_distribution`` of a whole queryset of results, counted by the database (one query)."""

    counts: Counter = Counter()
    for label, n in (
        queryset.filter(index_percent__isnull=False)
        .order_by()
        .values_list("class_label")
        .annotate(n=Count("id"))
    ):
        counts[label or "—"] += n
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def unit_history(unit, *, user=None) -> list[UnitResult]:
    """Published results of a unit and of the units it succeeded (merges), oldest first. Fixed queries."""
    from parindex.results.compute import lineage_map

    ids = lineage_map([unit.pk])[unit.pk]
    qs = UnitResult.objects.filter(unit_id__in=ids)
    qs = qs.published() if user is None else qs.visible_to(user)
    return list(qs.select_related("publication").order_by("year", "unit_id"))


# --- lost points ("biểu thống kê các tiêu chí bị trừ điểm, tự trừ điểm") ------------------------


@dataclass
class LostRow:
    """One leaf's lost points over some units. The three deduction columns add up to ``total_lost``.

    ``None`` is "does not apply" (shown "—"): a survey leaf has no self points and nothing deducted by
    the unit or the appraisal; a self-scored leaf has nothing in the survey column.
    """

    code: str
    title: str
    max_points: Decimal
    units: int = 0
    self_points: Decimal | None = ZERO  # Σ self (an unscored self-scored leaf counts 0)
    final_points: Decimal = ZERO
    by_appraisal: Decimal | None = ZERO  # Σ (self − final), self-scored leaves ("bị trừ")
    by_self: Decimal | None = ZERO  # Σ (max − self), self-scored leaves ("tự trừ")
    # Σ (max − final) on leaves the unit does not score itself (survey leaves): neither the
    # appraisal nor the unit deducted these, so they are in neither column above.
    not_self_scored: Decimal | None = None
    total_lost: Decimal = ZERO  # Σ (max − final)
    units_losing: int = 0  # units with final < max
    is_survey: bool = False


POINTS_PLACES = Decimal("0.0001")  # LeafResult's decimal places


def _points(value) -> Decimal:
    """An aggregate as the stored points (4 places): exact on PostgreSQL; on SQLite (sums of floats)
    the float noise below the fourth place is rounded away. Nothing summed, or 0, is ``ZERO`` as in
    the per-leaf loop (which added only non-zero amounts to ``ZERO``), so values print the same."""
    if value is None:
        return ZERO
    value = Decimal(value).quantize(POINTS_PLACES, rounding=ROUND_HALF_UP)
    return value if value else ZERO


def lost_points(result_ids) -> list[LostRow]:
    """Per leaf over the given results (one unit, or a peer group): points lost by appraisal, by the
    unit itself and on survey leaves.

    The rule (issue 17): on a self-scored leaf, *tự trừ* = max − self and *bị trừ* = self − final, an
    unscored leaf counting self = 0 (the unit gave those points away itself); a survey leaf is never
    self-scored: its max − final goes to the survey column alone and its self, tự trừ and bị trừ are
    ``None`` ("—"). So bị trừ + tự trừ + survey column = max − final on every leaf.

    Aggregated by the database in one query (a national peer group has 250,000 leaf rows). SUM skips
    the rows without final points (a draft under review) for the columns that need them. Grouped by
    leaf code alone: the rows of one code share title, maximum and order (one publication's snapshot),
    read with MIN. Grouping on the code only lets PostgreSQL hash ~100 groups instead of sorting every
    row by four columns (170 ms against 300 ms on a national group). Ordered by the leaf's order.
    """
    survey = Q(is_survey=True)
    self_scored = Q(is_survey=False)
    self_or_zero = Coalesce(
        F("self_points"), Value(ZERO), output_field=DecimalField(max_digits=9, decimal_places=4)
    )
    losing = Q(final_points__isnull=False) & ~Q(final_points=F("max_points"))
    rows = (
        LeafResult.objects.filter(result_id__in=list(result_ids), not_applicable=False)
        .values("code")
        .annotate(
            leaf_title=Min("title"),
            leaf_max=Min("max_points"),
            leaf_order=Min("order"),
            n=Count("id"),
            n_survey=Count("id", filter=survey),
            n_losing=Count("id", filter=losing),
            s_self=Sum(self_or_zero, filter=self_scored),
            s_final=Sum("final_points"),
            s_appraisal=Sum(self_or_zero - F("final_points"), filter=self_scored),
            s_by_self=Sum(F("max_points") - self_or_zero, filter=self_scored),
            s_total=Sum(F("max_points") - F("final_points")),
            s_not_self=Sum(F("max_points") - F("final_points"), filter=survey),
        )
        .order_by("leaf_order", "code")
    )
    out = []
    for r in rows:
        has_self_scored, has_survey = r["n_survey"] < r["n"], r["n_survey"] > 0
        out.append(
            LostRow(
                code=r["code"],
                title=r["leaf_title"],
                max_points=Decimal(r["leaf_max"]).quantize(POINTS_PLACES),
                units=r["n"],
                self_points=_points(r["s_self"]) if has_self_scored else None,
                final_points=_points(r["s_final"]),
                by_appraisal=_points(r["s_appraisal"]) if has_self_scored else None,
                by_self=_points(r["s_by_self"]) if has_self_scored else None,
                not_self_scored=_points(r["s_not_self"]) if has_survey else None,
                total_lost=_points(r["s_total"]),
                units_losing=r["n_losing"],
                is_survey=has_survey and not has_self_scored,
            )
        )
    return out


def most_lost(rows: list[LostRow], limit: int = 10) -> list[LostRow]:
    return sorted([r for r in rows if r.total_lost > 0], key=lambda r: (-r.total_lost, r.code))[:limit]


def gaps(results: list[UnitResult]) -> list[tuple[UnitResult, Decimal, Decimal | None]]:
    """Per unit: (result, appraised points of the self-scored criteria, self total − those points).

    The self total covers the criteria the unit scores itself; survey criteria are never self-scored, so
    their points are left out of the appraised side too (else a unit the appraisal agreed with entirely
    would show a "gap" of minus its survey points). The gap is the unit's Σ bị trừ. One query.
    """
    survey = dict(
        LeafResult.objects.filter(result_id__in=[r.pk for r in results], is_survey=True, not_applicable=False)
        .order_by()
        .values("result_id")
        .annotate(s=Sum("final_points"))
        .values_list("result_id", "s")
    )
    out = []
    for r in results:
        appraised = r.points - _points(survey.get(r.pk))
        out.append((r, appraised, (r.self_total - appraised) if r.self_total is not None else None))
    return out


def visible_years(user) -> list[int]:
    qs = UnitResult.objects.visible_to(user) if user else UnitResult.objects.published()
    return sorted(set(qs.values_list("year", flat=True)), reverse=True)


def draft_filter():
    return ~Q(publication__status=Publication.Status.PUBLISHED)


def lost_matrix(results: list[UnitResult]) -> list[tuple[str, str, list]]:
    """Criteria × units: points lost (max − final) per unit; ``None`` where not applicable. One query."""
    index = {r.pk: i for i, r in enumerate(results)}
    rows: dict[str, tuple[str, str, list]] = {}
    for result_id, code, title, max_points, final_points, not_applicable in (
        LeafResult.objects.filter(result_id__in=list(index))
        .order_by("order")
        .values_list("result_id", "code", "title", "max_points", "final_points", "not_applicable")
    ):
        row = rows.get(code)
        if row is None:
            row = rows[code] = (code, title, [None] * len(results))
        if not not_applicable and final_points is not None:
            row[2][index[result_id]] = max_points - final_points
    return list(rows.values())
