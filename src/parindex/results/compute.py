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
Q_INDEX = Decimal("1e-16")  # models.INDEX: the stored index % keeps 16 places


def q4(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(Q4)


def q_index(value: Decimal | None) -> Decimal | None:
    """The index % as stored: 16 places, so that display (2 places) rounds once from the exact value."""
    return None if value is None else value.quantize(Q_INDEX)


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
    # unit -> year -> (total, rank, rank_of, index, class, peer_key)
    history: dict[int, dict[int, tuple]] = defaultdict(dict)
    for unit_id, y, *values in (
        UnitResult.objects.published()
        .filter(unit_id__in=all_ids, year__lt=year)
        .order_by("year", "publication_id")
        .values_list(
            "unit_id", "year", "total", "rank", "rank_of", "index_percent", "class_label", "peer_key"
        )
    ):
        history[unit_id][y] = tuple(values)
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
        y, (total, rank, rank_of, index, label, key) = chosen
        r.previous_year, r.previous_total, r.previous_rank, r.previous_rank_of = y, total, rank, rank_of
        r.previous_index_percent, r.previous_class_label, r.previous_peer_key = index, label or "", key or ""
        if r.index_percent is None:  # no result this year: no change to speak of
            continue
        r.points_change = r.total - total if total is not None else None
        # "tăng/giảm n bậc" only within the same peer group of the same size (issue 17).
        comparable = scoring.comparable_ranks(
            peer_key=r.peer_key, rank_of=r.rank_of, previous_peer_key=key, previous_rank_of=rank_of
        )
        r.rank_change = scoring.rank_change(rank, r.rank) if comparable else None


def _insert_target(model, columns: tuple[str, ...]):
    """(connection, quoted table, quoted column list) of a raw insert; every column of the model but
    the primary key must be given (a new field fails here rather than being left empty)."""
    from django.db import connections, router

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    if {f.attname for f in fields} != set(columns):
        raise ValueError(f"insert_rows({model.__name__}): columns do not match the model's fields")
    by_name = {f.attname: f for f in fields}
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    return connection, quote(model._meta.db_table), ", ".join(quote(by_name[name].column) for name in columns)


def insert_rows(model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert ``rows`` (tuples in ``columns`` order) without model instances.

    For the large child tables of a computation (≈100 leaf rows a unit): building a model instance per
    row and compiling Django's bulk SQL cost seconds at national size. PostgreSQL gets the rows
    through ``COPY … FROM STDIN`` (one statement; an ``executemany`` there is still one INSERT per
    row), SQLite through one prepared ``INSERT`` and ``executemany``. Values must be what the fields
    would send to the database — Decimal, str, int, bool or None, which is what ``bulk_create``
    sends for these fields on both. Every column of the model but the primary key must be given.
    """
    if not rows:
        return
    connection, table, names = _insert_target(model, columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Names come from model meta; the values travel as COPY data, never as SQL text.
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", rows)  # noqa: S608


COPY_NULL = "\\N"


def copy_text(value) -> str:
    """One value in PostgreSQL's ``COPY`` text format, as psycopg's text dumpers write it: NULL is
    ``\\N``, booleans ``t``/``f``, numbers their ``str``, text with backslash, tab, newline and
    carriage return escaped."""
    if value is None:
        return COPY_NULL
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return str(value)


def copy_lines(model, columns: tuple[str, ...], lines: list[str]) -> None:
    """PostgreSQL only: insert rows already written as ``COPY`` text lines (values through
    ``copy_text``, tab-separated, each line ending in a newline), in one ``COPY`` of one block. For
    the leaf rows of a computation, whose constant columns are formatted once per leaf instead of
    once per row (psycopg's ``write_row`` cost ~1.1 s for the 333,000 rows of the national round)."""
    if not lines:
        return
    connection, table, names = _insert_target(model, columns)
    if connection.vendor != "postgresql":
        raise ValueError("copy_lines is for PostgreSQL; use insert_rows")
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            copy.write("".join(lines))
