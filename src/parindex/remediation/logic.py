"""Pure rules of remediation (no database): which appendix a leaf goes to, the ratio feed.

``appendix_for`` decides where one leaf of a published result lands:

* ``None`` — left out: a leaf of an excluded source (survey by default: the seeds' plans say
  "trừ các tiêu chí điều tra xã hội học"), or a leaf marked not applicable (it has no points to
  keep or to recover);
* ``"maintain"`` (Phụ lục I) — final points equal the maximum (or more, which cannot happen for
  a leaf but is not a shortcoming either);
* ``"remediate"`` (Phụ lục II) — anything below the maximum; a leaf without final points counts
  as 0 (the publication step refuses to publish such a leaf, so this only matters for imports).

A leaf with maximum 0 is at its maximum whatever happens, so it goes to Phụ lục I.

``shortcoming_text`` decides what Phụ lục II says under "Tồn tại, hạn chế" for one leaf: why the
points were lost, never a remark that accepted the score (see its docstring).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

MAINTAIN = "maintain"
REMEDIATE = "remediate"


def appendix_for(
    *,
    max_points: Decimal,
    final_points: Decimal | None,
    not_applicable: bool,
    source: str,
    excluded_sources: Iterable[str],
) -> str | None:
    if source in set(excluded_sources or ()):
        return None
    if not_applicable:
        return None
    final = final_points if final_points is not None else Decimal(0)
    return MAINTAIN if final >= max_points else REMEDIATE


@dataclass(frozen=True)
class Appraised:
    """One appraisal entry of a leaf, as far as the shortcoming text needs it."""

    round_number: int
    points: Decimal | None  # None: marked not applicable
    reason: str = ""


def deduction_reason(entries: Iterable[Appraised], self_points: Decimal | None) -> str:
    """The appraiser's reason for the points the final appraisal deducted, or "".

    The final appraisal is the entry of the highest round. It deducted points only if its points
    are below the self score (an unscored leaf counts as self = 0, so nothing can be deducted from
    it). A remark on an entry that kept the self score ("Đã bổ sung biên bản tổng kết; chấp nhận
    điểm tự chấm", "Giải trình hợp lý") is an approval, never a deduction reason. If the final entry
    deducted but carries no text (round 2 kept round 1's value without a new remark), the reason of
    the latest earlier entry that deducted points is used.
    """
    ordered = sorted(entries, key=lambda e: e.round_number)
    if not ordered:
        return ""
    self_value = self_points if self_points is not None else Decimal(0)

    def deducted(entry: Appraised) -> bool:
        return entry.points is not None and entry.points < self_value

    if not deducted(ordered[-1]):
        return ""
    for entry in reversed(ordered):
        if deducted(entry) and entry.reason.strip():
            return entry.reason.strip()
    return ""


def shortcoming_text(
    *, entries: Iterable[Appraised], max_points: Decimal, self_points: Decimal | None, unit_note: str = ""
) -> str:
    """What Phụ lục II says under "Tồn tại, hạn chế" for a leaf below its maximum.

    1. the deduction reason of the final appraisal (``deduction_reason``);
    2. else, if the unit deducted points itself (self < max; unscored counts as 0), the unit's own
       note on that leaf in its self-assessment;
    3. else "" — an empty cell for the unit to write.
    """
    reason = deduction_reason(entries, self_points)
    if reason:
        return reason
    self_value = self_points if self_points is not None else Decimal(0)
    if self_value < max_points and (unit_note or "").strip():
        return unit_note.strip()
    return ""


def ratio_inputs(done: int, total: int) -> dict | None:
    """Inputs of a ``ratio`` leaf fed by remediation: items done / items to remedy; None for 0/0."""
    if total <= 0:
        return None
    return {"numerator": str(done), "denominator": str(total)}
