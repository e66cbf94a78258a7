"""Pure scoring math of published results: no database, plain data in, plain data out.

Everything here works on ``Decimal`` and is exhaustively tested (``tests/results/test_scoring.py``).
The rules are DESIGN.md §3; the decisions this module makes where §3 is silent:

* **Final points** of a leaf = the last appraisal that exists (round 2, else round 1); a survey
  leaf takes its survey points; the self score is *never* a final score. A leaf with no final
  points is ``None`` and counts as 0 in a total (the council approval step refuses while any
  applicable leaf is still ``None``, so this only matters for the draft table under review).
* **Not applicable** leaves leave both the numerator and the denominator.
* **Bonus and penalty** are summed, then each capped by the framework's cap (``None`` = no cap).
* **Index %** = 100 × (Σ final + bonus − penalty) / Σ max of applicable leaves, floored at 0 and
  capped at 100 unless the framework allows more. No applicable leaf → ``None`` (no result).
  Unrounded: ``Decimal`` division is correctly rounded to 28 significant digits, so two units
  with the same rational value get identical Decimals and tie.
* **Classification**: bands are matched from the highest threshold down; at the same threshold an
  exclusive band (``> x``) is stricter than an inclusive one (``≥ x``) and is tried first.
  A value below every band has no class (``None``).
* **Rank** within a peer group from the unrounded index %, ties per the framework's policy
  (competition "1, 2, 2, 4" or dense "1, 2, 2, 3"). A unit with no result (``None``) is *excluded*
  from the rank and from N: it gets rank ``None`` and is shown as "chưa có kết quả".
* **Display** rounds half-up to 2 decimals and drops trailing zeros, with a decimal comma in
  Vietnamese ("82,7 điểm", "5/8").
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from parindex.core.text import format_decimal

ZERO = Decimal(0)
HUNDRED = Decimal(100)
COMPETITION = "competition"
DENSE = "dense"
TIE_POLICIES = (COMPETITION, DENSE)


# --- Leaves ------------------------------------------------------------------------------


def final_points(
    *,
    round1: Decimal | None = None,
    round2: Decimal | None = None,
    survey: Decimal | None = None,
    is_survey: bool = False,
) -> Decimal | None:
    """The final points of one leaf: survey points for a survey leaf, else round 2, else round 1."""
    if is_survey:
        return survey
    if round2 is not None:
        return round2
    return round1


@dataclass(frozen=True)
class Leaf:
    """One leaf of one unit as the totals need it."""

    key: Hashable  # criterion id or code
    max_points: Decimal
    final: Decimal | None = None
    self_points: Decimal | None = None
    not_applicable: bool = False
    area: Hashable | None = None


def applicable(leaves: Iterable[Leaf]) -> list[Leaf]:
    return [leaf for leaf in leaves if not leaf.not_applicable]


def sum_final(leaves: Iterable[Leaf]) -> Decimal:
    """Σ final points of applicable leaves (a missing final counts as 0)."""
    return sum((leaf.final or ZERO for leaf in applicable(leaves)), ZERO)


def sum_max(leaves: Iterable[Leaf]) -> Decimal:
    """Σ max of applicable leaves: the denominator of the index."""
    return sum((leaf.max_points for leaf in applicable(leaves)), ZERO)


def missing_final(leaves: Iterable[Leaf]) -> list[Leaf]:
    """Applicable leaves that have no final points yet (publication refuses while any remain)."""
    return [leaf for leaf in applicable(leaves) if leaf.final is None]


def area_totals(leaves: Iterable[Leaf]) -> dict[Hashable, tuple[Decimal, Decimal]]:
    """Per area: (Σ final points, Σ max) over applicable leaves; areas with only N/A leaves → (0, 0)."""
    totals: dict[Hashable, tuple[Decimal, Decimal]] = {}
    for leaf in leaves:
        points, maximum = totals.get(leaf.area, (ZERO, ZERO))
        if not leaf.not_applicable:
            points += leaf.final or ZERO
            maximum += leaf.max_points
        totals[leaf.area] = (points, maximum)
    return totals


# --- Bonus, penalty, index ---------------------------------------------------------------------


def capped(amounts: Iterable[Decimal], cap: Decimal | None) -> Decimal:
    """Σ amounts (each must be ≥ 0), capped at ``cap`` (``None`` = no cap)."""
    total = ZERO
    for amount in amounts:
        if amount < 0:
            raise ValueError("bonus and penalty amounts are positive numbers")
        total += amount
    return total if cap is None else min(total, cap)


def total_points(points: Decimal, *, bonus: Decimal = ZERO, penalty: Decimal = ZERO) -> Decimal:
    """Σ final points + bonus − penalty (raw points, may in theory be negative)."""
    return points + bonus - penalty


def index_percent(
    points: Decimal,
    max_sum: Decimal,
    *,
    bonus: Decimal = ZERO,
    penalty: Decimal = ZERO,
    allow_over_max: bool = False,
) -> Decimal | None:
    """100 × (points + bonus − penalty) / max_sum, floored at 0, capped at 100 unless allowed.

    ``None`` when there is nothing applicable (max_sum is 0): such a unit has no result.
    """
    if max_sum is None or max_sum <= 0:
        return None
    value = HUNDRED * total_points(points, bonus=bonus, penalty=penalty) / max_sum
    if value < 0:
        value = ZERO
    if not allow_over_max and value > HUNDRED:
        value = HUNDRED
    return value


# --- Classification ------------------------------------------------------------------------


@dataclass(frozen=True)
class BandSpec:
    label: str
    lower_bound: Decimal | None  # None = no lower bound (catches everything left)
    inclusive: bool = True


def _band_tuple(band: Any) -> BandSpec:
    if isinstance(band, BandSpec):
        return band
    if isinstance(band, Mapping):
        return BandSpec(str(band["label"]), band.get("lower_bound"), bool(band.get("inclusive", True)))
    if isinstance(band, tuple | list):
        label, bound, *rest = band
        return BandSpec(str(label), bound, bool(rest[0]) if rest else True)
    return BandSpec(str(band.label), band.lower_bound, bool(band.inclusive))


def ordered_bands(bands: Iterable[Any]) -> list[BandSpec]:
    """Highest threshold first; at equal thresholds the exclusive (stricter) band first."""
    specs = [_band_tuple(b) for b in bands]

    def key(b: BandSpec):
        bound = b.lower_bound if b.lower_bound is not None else Decimal("-Infinity")
        return (bound, not b.inclusive)

    return sorted(specs, key=key, reverse=True)


def classify(index: Decimal | None, bands: Iterable[Any]) -> str | None:
    """The label of the first band (highest first) the index reaches; ``None`` if none or no index.

    Bands are objects with ``label``/``lower_bound``/``inclusive``, dicts, or tuples
    ``(label, lower_bound[, inclusive])``. Inclusive: index ≥ bound; exclusive: index > bound.
    """
    if index is None:
        return None
    for band in ordered_bands(bands):
        if band.lower_bound is None:
            return band.label
        if index > band.lower_bound or (band.inclusive and index == band.lower_bound):
            return band.label
    return None


# --- Rank ------------------------------------------------------------------------------------


def rank(
    values: Mapping[Hashable, Decimal | None], *, policy: str = COMPETITION
) -> dict[Hashable, int | None]:
    """Rank keys by value, highest first. Ties share a rank per ``policy``; ``None`` values get ``None``.

    competition: 100, 90, 90, 80 → 1, 2, 2, 4.  dense: → 1, 2, 2, 3.
    """
    if policy not in TIE_POLICIES:
        raise ValueError(f"unknown tie policy {policy!r}")
    scored = sorted(
        ((v, k) for k, v in values.items() if v is not None), key=lambda item: item[0], reverse=True
    )
    result: dict[Hashable, int | None] = {k: None for k, v in values.items() if v is None}
    previous: Decimal | None = None
    current = 0
    distinct = 0
    for position, (value, key) in enumerate(scored, start=1):
        if previous is None or value != previous:
            distinct += 1
            current = position if policy == COMPETITION else distinct
            previous = value
        result[key] = current
    return result


def rank_of(values: Mapping[Hashable, Decimal | None]) -> int:
    """N in "x/N": the number of units that have a result."""
    return sum(1 for v in values.values() if v is not None)


def rank_change(previous_rank: int | None, current_rank: int | None) -> int | None:
    """Positive = moved up (e.g. 7 → 5 is +2); ``None`` when either year has no rank."""
    if previous_rank is None or current_rank is None:
        return None
    return previous_rank - current_rank


# --- Lost points -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lost:
    by_appraisal: Decimal | None  # self − final ("bị trừ"); negative if the appraiser raised it
    by_self: Decimal | None  # max − self ("tự trừ")
    total: Decimal | None  # max − final
    # max − final on a leaf the unit does not score itself (survey): "bị trừ ở tiêu chí đơn vị không
    # tự chấm (điều tra XHH)"; ``None`` on a self-scored leaf.
    not_self_scored: Decimal | None = None


def lost_points(
    max_points: Decimal, self_points: Decimal | None, final: Decimal | None, *, is_survey: bool = False
) -> Lost:
    """Points lost on one leaf, in the column they belong to; ``by_appraisal + by_self +
    not_self_scored == total`` whenever the final points exist.

    * A self-scored leaf: *tự trừ* = max − self and *bị trừ* = self − final, where a leaf the unit left
      unscored counts self = 0 (it gave those points away itself; the appraisal then gives 0 and
      deducts nothing). Nothing in the survey column.
    * A survey leaf is never self-scored: its max − final goes to the survey column only; self-based
      columns are ``None`` (shown "—", never 0).
    * Without final points (a draft under review) the columns that need them are ``None``.
    """
    total = max_points - final if final is not None else None
    if is_survey:
        return Lost(None, None, total, total)
    own = self_points if self_points is not None else ZERO
    by_appraisal = own - final if final is not None else None
    return Lost(by_appraisal, max_points - own, total, None)


# --- Display ---------------------------------------------------------------------------------


def display(value: Decimal | None, *, decimal_sep: str = ",") -> str:
    """82.70 → "82,7"; 5 → "5"; None → ""."""
    return format_decimal(value, places=2, decimal_sep=decimal_sep)


def display_rank(position: int | None, of: int | None) -> str:
    """ "5/8"; no rank → "chưa có kết quả"."""
    if position is None or not of:
        return _("no result yet")
    return f"{position}/{of}"


def peer_scope(peer_key: str | None) -> str:
    """The peer group of a stored ``peer_key`` without its framework: "12:commune:p5" → "commune:p5".

    Two years rank "the same peer group" when their scopes are equal (the framework of a new criteria
    decision does not change who a unit is ranked among; the unit type, class or parent does)."""
    key = peer_key or ""
    return key.split(":", 1)[1] if ":" in key else key


def comparable_ranks(
    *, peer_key: str | None, rank_of: int | None, previous_peer_key: str | None, previous_rank_of: int | None
) -> bool:
    """Whether "tăng/giảm n bậc" may be said: both years rank the same peer group of the same size.

    5/20 against 4/4 is no move of one place; neither is 3/8 by unit class against 5/8 by parent. An
    earlier row without a stored peer group (older data) counts as the same group: only the sizes are
    then compared."""
    if not rank_of or not previous_rank_of or rank_of != previous_rank_of:
        return False
    if not previous_peer_key or not peer_key:
        return True
    return peer_scope(peer_key) == peer_scope(previous_peer_key)


def rank_change_text(change: int | None) -> str:
    """ "tăng 2 bậc" / "giảm 1 bậc" / "giữ nguyên thứ hạng"; "" when the ranks are not comparable."""
    if change is None:
        return ""
    if change > 0:
        return ngettext("up %(n)s place", "up %(n)s places", change) % {"n": change}
    if change < 0:
        return ngettext("down %(n)s place", "down %(n)s places", -change) % {"n": -change}
    return _("same place")


def year_over_year(
    *,
    index: Decimal | None,
    class_label: str | None,
    previous_year: int | None,
    previous_index: Decimal | None = None,
    previous_class: str | None = None,
    previous_rank: int | None = None,
    previous_rank_of: int | None = None,
    change: int | None = None,
    class_order: Sequence[str] = (),
    decimal_sep: str = ",",
) -> str:
    """ "so với năm 2024: Chỉ số giảm 24,18 điểm (từ 83,26 xuống 59,08), xếp loại từ Tốt xuống Trung
    bình, năm 2024 xếp thứ 5/20 (khác nhóm xếp hạng, …)"; "" without an earlier result.

    * The index change is the index % (a scale of 100, comparable across frameworks), the difference of
      the exact values rounded once (so it can differ by 0,01 from the difference of the rounded values).
    * The class change says up or down when both labels are bands of this year's table (``class_order``,
      best first), else "từ A sang B".
    * Last year's rank is always given as "x/N"; "tăng/giảm n bậc" only with ``change`` (not ``None`` only
      when ``comparable_ranks``), else "(khác nhóm xếp hạng, không so sánh thứ bậc)".
    """
    if previous_year is None:
        return ""
    parts = []
    if index is not None and previous_index is not None:
        values = {
            "before": display(previous_index, decimal_sep=decimal_sep),
            "after": display(index, decimal_sep=decimal_sep),
            "n": display(abs(index - previous_index), decimal_sep=decimal_sep),
        }
        if values["n"] == "0":
            parts.append(_("index unchanged (%(after)s)") % values)
        elif index > previous_index:
            parts.append(_("index up %(n)s points (from %(before)s to %(after)s)") % values)
        else:
            parts.append(_("index down %(n)s points (from %(before)s to %(after)s)") % values)
    if class_label and previous_class:
        labels = {"before": previous_class, "after": class_label}
        order = list(class_order)
        if previous_class == class_label:
            parts.append(_("class unchanged (%(after)s)") % labels)
        elif previous_class in order and class_label in order:
            if order.index(class_label) < order.index(previous_class):
                parts.append(_("class up from %(before)s to %(after)s") % labels)
            else:
                parts.append(_("class down from %(before)s to %(after)s") % labels)
        else:
            parts.append(_("class changed from %(before)s to %(after)s") % labels)
    if previous_rank is not None and previous_rank_of:
        ranked = _("ranked %(rank)s in %(year)s") % {
            "rank": display_rank(previous_rank, previous_rank_of),
            "year": previous_year,
        }
        moved = rank_change_text(change)
        if moved:
            ranked += ", " + moved
        else:
            ranked += " " + _("(a different ranking group: places not compared)")
        parts.append(ranked)
    if not parts:
        return ""
    return _("compared with %(year)s: %(changes)s") % {"year": previous_year, "changes": ", ".join(parts)}


def result_sentence(
    *,
    position: int | None,
    of: int | None,
    total: Decimal | None,
    class_label: str | None,
    change: int | None = None,
    previous_year: int | None = None,
    decimal_sep: str = ",",
    index: Decimal | None = None,
    previous_index: Decimal | None = None,
    previous_class: str | None = None,
    previous_rank: int | None = None,
    previous_rank_of: int | None = None,
    class_order: Sequence[str] = (),
    max_points: Decimal | None = None,
    published_points: str = "total",
) -> str:
    """The one sentence of a unit's result, for every surface (pages, public pages, documents):
    "Xếp thứ 3/3, 59,08 điểm, xếp loại Trung bình; so với năm 2024: Chỉ số giảm 24,18 điểm (từ 83,26
    xuống 59,08), xếp loại từ Tốt xuống Trung bình, năm 2024 xếp thứ 5/20 (khác nhóm xếp hạng, không so
    sánh thứ bậc)". The rest is ``year_over_year``.

    "điểm" is the framework's ``published_points``: the ``total`` points (the default, as the seeds'
    decisions publish) or the ``index`` on a scale of 100. When the other figure reads differently
    (criteria not applicable, a maximum other than 100, a capped index) both are given, labelled:
    "97,92 điểm (tổng điểm, tối đa 98,5; Chỉ số CCHC 99,41%)" or "99,41 điểm (Chỉ số CCHC, thang điểm
    100; tổng điểm 97,92/98,5)".
    """
    if position is None or total is None:
        return _("No result yet")
    by_index = published_points == "index" and index is not None
    figure = index if by_index else total
    text = _("Ranked %(rank)s, %(points)s points") % {
        "rank": display_rank(position, of),
        "points": display(figure, decimal_sep=decimal_sep),
    }
    if index is not None and display(total, decimal_sep=decimal_sep) != display(
        index, decimal_sep=decimal_sep
    ):
        values = {
            "total": display(total, decimal_sep=decimal_sep),
            "max": display(max_points, decimal_sep=decimal_sep),
            "index": display(index, decimal_sep=decimal_sep),
        }
        if by_index:
            text += " (" + _("index on a scale of 100; total points %(total)s/%(max)s") % values + ")"
        else:
            text += " (" + _("total points of %(max)s; index %(index)s%%") % values + ")"
    if class_label:
        text += ", " + _("class %(label)s") % {"label": class_label}
    changed = year_over_year(
        index=index,
        class_label=class_label,
        previous_year=previous_year,
        previous_index=previous_index,
        previous_class=previous_class,
        previous_rank=previous_rank,
        previous_rank_of=previous_rank_of,
        change=change,
        class_order=class_order,
        decimal_sep=decimal_sep,
    )
    if changed:
        text += "; " + changed
    return text


# --- A whole peer group ---------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitOutcome:
    key: Hashable
    points: Decimal  # Σ final of applicable leaves
    max_sum: Decimal
    bonus: Decimal
    penalty: Decimal
    total: Decimal
    index: Decimal | None
    label: str | None
    rank: int | None = None
    rank_of: int = 0


def outcome(
    key: Hashable,
    leaves: Sequence[Leaf],
    *,
    bonuses: Iterable[Decimal] = (),
    penalties: Iterable[Decimal] = (),
    bonus_cap: Decimal | None = None,
    penalty_cap: Decimal | None = None,
    allow_over_max: bool = False,
    bands: Iterable[Any] = (),
) -> UnitOutcome:
    """Totals, index and class of one unit (rank filled in by ``rank_group``)."""
    return outcome_of_sums(
        key,
        sum_final(leaves),
        sum_max(leaves),
        bonuses=bonuses,
        penalties=penalties,
        bonus_cap=bonus_cap,
        penalty_cap=penalty_cap,
        allow_over_max=allow_over_max,
        bands=bands,
    )


def outcome_of_sums(
    key: Hashable,
    points: Decimal,
    maximum: Decimal,
    *,
    bonuses: Iterable[Decimal] = (),
    penalties: Iterable[Decimal] = (),
    bonus_cap: Decimal | None = None,
    penalty_cap: Decimal | None = None,
    allow_over_max: bool = False,
    bands: Iterable[Any] = (),
) -> UnitOutcome:
    """``outcome`` from the unit's Σ final points and Σ max of applicable leaves (``sum_final`` and
    ``sum_max``), for callers that add the leaves up themselves (the national computation)."""
    bonus = capped(bonuses, bonus_cap)
    penalty = capped(penalties, penalty_cap)
    index = index_percent(points, maximum, bonus=bonus, penalty=penalty, allow_over_max=allow_over_max)
    return UnitOutcome(
        key=key,
        points=points,
        max_sum=maximum,
        bonus=bonus,
        penalty=penalty,
        total=total_points(points, bonus=bonus, penalty=penalty),
        index=index,
        label=classify(index, bands),
    )


def rank_group(outcomes: Sequence[UnitOutcome], *, policy: str = COMPETITION) -> list[UnitOutcome]:
    """Fill ``rank``/``rank_of`` of one peer group's outcomes (by unrounded index %)."""
    values = {o.key: o.index for o in outcomes}
    ranks = rank(values, policy=policy)
    n = rank_of(values)
    from dataclasses import replace

    return [replace(o, rank=ranks[o.key], rank_of=n) for o in outcomes]


def survey_points(max_points: Decimal, percent: Decimal) -> Decimal:
    """Points of a survey leaf: max × score %, exact, quantized to 4 places (the DB precision)."""
    if not (ZERO <= percent <= HUNDRED):
        raise ValueError("a survey score is a percentage between 0 and 100")
    return (max_points * percent / HUNDRED).quantize(Decimal("0.0001"))
