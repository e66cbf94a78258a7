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
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

MAINTAIN = "maintain"
REMEDIATE = "remediate"


def appendix_for(*, max_points: Decimal, final_points: Decimal | None, not_applicable: bool, source: str,
                 excluded_sources: Iterable[str]) -> str | None:
    if source in set(excluded_sources or ()):
        return None
    if not_applicable:
        return None
    final = final_points if final_points is not None else Decimal(0)
    return MAINTAIN if final >= max_points else REMEDIATE


def ratio_inputs(done: int, total: int) -> dict | None:
    """Inputs of a ``ratio`` leaf fed by remediation: items done / items to remedy; None for 0/0."""
    if total <= 0:
        return None
    return {"numerator": str(done), "denominator": str(total)}
