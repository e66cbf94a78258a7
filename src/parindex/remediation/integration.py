"""Remediation results feed the score sheet (seed 000: "xử lý, khắc phục các vấn đề phát hiện qua
kiểm tra CCHC").

A framework ``ratio`` leaf with ``params["feed"] == "remediation"`` takes its numerator (items
remedied: status *done*) and denominator (every shortcoming of the unit for the round's year:
Phụ lục II items and inspection findings, including those marked "cannot be done") from this app.
``prefill_remediation_leaves`` writes them into the leaf's ``Score.inputs`` (with ``"feed"``)
and recomputes ``self_points`` — the same pattern and freezing rule as ``plans.integration``:

* only a **draft** sheet before its deadline is ever prefilled; the numbers stored at submission
  are the frozen ones;
* no items (0/0) → the leaf is left untouched (the officer fills it in or marks it not applicable);
* this app calls ``refresh_open_sheets`` after every step that changes an item's status, so an open
  sheet is always current. The assessments app may also call ``prefill_remediation_leaves`` when a
  sheet is shown and inside ``submit_assessment`` (the lead wires that, as for the plans hook).
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils import timezone

from parindex.remediation import logic

FEED = "remediation"


def is_remediation_fed(criterion) -> bool:
    return criterion.method == "ratio" and (criterion.params or {}).get("feed") == FEED


def item_counts(unit, year: int) -> tuple[int, int]:
    """(done, total) shortcomings of the unit for the year. One query."""
    from parindex.remediation.models import RemediationItem

    counts = RemediationItem.objects.filter(unit=unit, year=year).aggregate(
        total=Count("id"), done=Count("id", filter=Q(status=RemediationItem.Status.DONE))
    )
    return counts["done"] or 0, counts["total"] or 0


def remediation_leaf_inputs(unit, year: int) -> dict | None:
    done, total = item_counts(unit, year)
    values = logic.ratio_inputs(done, total)
    if values is None:
        return None
    return {**values, "feed": FEED}


def remediation_url(unit, year: int) -> str:
    """Where the fed leaf's "from the remediation" mark leads: the unit's items."""
    from django.urls import reverse

    return reverse("remediation:unit_items", args=[unit.pk])


def open_assessments(unit, year: int):
    from parindex.assessments.models import Assessment, Round

    now = timezone.now()
    return Assessment.objects.filter(
        Q(deadline_override__gt=now) | Q(deadline_override__isnull=True, round__self_deadline__gt=now),
        unit=unit, round__year=year, status=Assessment.Status.DRAFT, round__status=Round.Status.OPEN,
    ).select_related("round", "unit")


def prefill_remediation_leaves(assessment, *, by) -> list:
    """Fill the remediation-fed ratio leaves of a draft sheet; return the scores changed."""
    from parindex.assessments.feeds import prefill_fed_leaves

    if not any(is_remediation_fed(c) for c in assessment.round.framework.criteria.filter(method="ratio")):
        return []
    return prefill_fed_leaves(
        assessment, by=by, feed=FEED, inputs=remediation_leaf_inputs(assessment.unit, assessment.round.year),
        action="remediation.prefill_remediation_leaf",
    )


def refresh_open_sheets(unit, year: int, *, by) -> None:
    for assessment in open_assessments(unit, year):
        prefill_remediation_leaves(assessment, by=by)
