"""Turning appraised data into stored result rows (shared by publication and history import).

No per-unit queries: callers pass everything in; ``attach_previous`` reads the previous
results of all units in two queries (plus two for the merge links).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.utils.translation import gettext as _

from parindex.results import scoring
from parindex.results.models import Publication, UnitResult

Q4 = Decimal("0.0001")


def q4(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(Q4)


def peer_key(grouping: str, framework_id: int | None, unit) -> str:
    key = f"{framework_id or 0}:{unit.kind}"
    if grouping == Publication.Grouping.KIND_GRADE:
        key += f":g{unit.grade or '-'}"
    elif grouping == Publication.Grouping.KIND_PARENT:
        key += f":p{unit.parent_id or 0}"
    return key


def peer_label(grouping: str, unit, parents: dict[int, str]) -> str:
    label = str(unit.get_kind_display())
    if grouping == Publication.Grouping.KIND_GRADE:
        label += " — " + (unit.get_grade_display() if unit.grade else _("no class"))
    elif grouping == Publication.Grouping.KIND_PARENT:
        label += " — " + parents.get(unit.parent_id, "")
    return label


def assign_ranks(results: list[UnitResult], unrounded: dict[int, Decimal | None], policy: str) -> None:
    """Rank ``results`` (UnitResult objects, not saved) within their peer_key from unrounded index values."""
    groups: dict[str, list[UnitResult]] = defaultdict(list)
    for r in results:
        groups[r.peer_key].append(r)
    for members in groups.values():
        values = {r.unit_id: unrounded.get(r.unit_id) for r in members}
        ranks = scoring.rank(values, policy=policy)
        n = scoring.rank_of(values)
        for r in members:
            r.rank, r.rank_of = ranks[r.unit_id], n


def lineage_map(unit_ids) -> dict[int, list[int]]:
    """unit id → [its own id, then every unit it succeeded, transitively] (2 queries)."""
    from parindex.units.models import UnitChange

    preds = UnitChange.predecessors.through.objects.values_list("unitchange_id", "unit_id")
    succs = UnitChange.successors.through.objects.values_list("unitchange_id", "unit_id")
    by_change: dict[int, list[int]] = defaultdict(list)
    for change_id, unit_id in preds:
        by_change[change_id].append(unit_id)
    predecessors: dict[int, set[int]] = defaultdict(set)
    for change_id, unit_id in succs:
        predecessors[unit_id].update(by_change.get(change_id, ()))
    result = {}
    for unit_id in unit_ids:
        seen, frontier = [unit_id], [unit_id]
        while frontier:
            nxt = []
            for uid in frontier:
                for p in predecessors.get(uid, ()):
                    if p not in seen:
                        seen.append(p)
                        nxt.append(p)
            frontier = nxt
        result[unit_id] = seen
    return result


def attach_previous(results: list[UnitResult], year: int) -> None:
    """Fill previous_* and the changes from the latest earlier published result of each unit.

    The unit's own result is preferred; a merged unit without one takes its predecessor's
    result only when exactly one predecessor has a result in that year (several merged
    communes have no single previous rank; their history is shown per predecessor).
    """
    lineages = lineage_map([r.unit_id for r in results])
    all_ids = {uid for ids in lineages.values() for uid in ids}
    history: dict[int, dict[int, tuple]] = defaultdict(dict)  # unit -> year -> (total, rank, rank_of)
    for unit_id, y, total, rank, rank_of in (
        UnitResult.objects.published().filter(unit_id__in=all_ids, year__lt=year)
        .order_by("year", "publication_id").values_list("unit_id", "year", "total", "rank", "rank_of")
    ):
        history[unit_id][y] = (total, rank, rank_of)
    for r in results:
        own = history.get(r.unit_id, {})
        chosen = None
        if own:
            y = max(own)
            chosen = (y, own[y])
        else:
            years = [max(history[p]) for p in lineages[r.unit_id][1:] if history.get(p)]
            if years:
                y = max(years)
                holders = [p for p in lineages[r.unit_id][1:] if y in history.get(p, {})]
                if len(holders) == 1:
                    chosen = (y, history[holders[0]][y])
        if chosen is None:
            continue
        y, (total, rank, rank_of) = chosen
        r.previous_year, r.previous_total, r.previous_rank, r.previous_rank_of = y, total, rank, rank_of
        if r.index_percent is None:  # no result this year: no change to speak of
            continue
        r.points_change = r.total - total if total is not None else None
        r.rank_change = scoring.rank_change(rank, r.rank)
