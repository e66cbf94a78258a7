"""The plan's completion rate feeds the score sheet.

A framework ``ratio`` leaf with ``params["feed"] == "plan_completion"`` takes its numerator
(tasks done) and denominator (tasks planned − cancelled) from the unit's plan for the round's
year (``selectors.completion_counts``). The plans app registers ``plan_leaf_inputs`` (the live
numbers) and ``plan_url`` (the "tự động từ Kế hoạch CCHC" link) with ``assessments.feeds`` in
``PlansConfig.ready()``; the rules of live and frozen values are in ``assessments/feeds.py``:

* while a sheet is a draft of an open round before its deadline, every read of it shows the
  plan's numbers now, and they cannot be typed over;
* the numbers are written into ``Score.inputs`` (plus ``"feed"`` and ``"plan"`` markers) when the
  round opens, when a sheet is reopened, inside ``submit_assessment`` (which freezes them), and by
  this app after every step that changes a count (add/import/assign tasks, mark done, cancel,
  reopen, approve) through ``prefill_plan_leaves``.

Empty or missing plan (``planned − cancelled == 0``, a draft plan, no plan): the leaf is left
untouched — 0/0 is not a rate; the officer fills it in or, where the framework allows, marks it
not applicable, and the appraiser judges. The system never invents points for an absent plan.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from parindex.plans import completion, selectors

FEED = "plan_completion"


def is_plan_fed(criterion) -> bool:
    return criterion.method == "ratio" and (criterion.params or {}).get("feed") == FEED


def open_assessments(unit, year: int):
    """The unit's draft score sheets in open rounds of ``year`` whose deadline has not passed (normally one)."""
    from parindex.assessments.models import Assessment, Round

    now = timezone.now()
    return Assessment.objects.filter(
        Q(deadline_override__gt=now) | Q(deadline_override__isnull=True, round__self_deadline__gt=now),
        unit=unit,
        round__year=year,
        status=Assessment.Status.DRAFT,
        round__status=Round.Status.OPEN,
    ).select_related("round", "unit")


def plan_leaf_inputs(unit, year: int) -> dict | None:
    """The inputs a plan-fed ratio leaf gets for this unit and year, or None (empty/missing plan)."""
    done, denominator = selectors.completion_counts(unit, year)
    counts = completion.Counts(planned=denominator, done_on_time=done)
    values = completion.ratio_inputs(counts)
    if values is None:
        return None
    plan = selectors.plan_for(unit, year)
    return {
        "numerator": format(values["numerator"], "f"),
        "denominator": format(values["denominator"], "f"),
        "feed": FEED,
        "plan": plan.pk if plan else None,
    }


def plan_url(unit, year: int) -> str:
    """Where the fed leaf's "from the plan" mark leads: the unit's plan of the year, else the plan list."""
    from django.urls import reverse

    plan = selectors.plan_for(unit, year)
    return reverse("plans:detail", args=[plan.pk]) if plan else reverse("plans:list")


def prefill_plan_leaves(assessment, *, by) -> list:
    """Fill the plan-fed ratio leaves of a draft sheet from the plan; return the scores changed.

    No-op on a sheet that is not a draft (numbers frozen at submission) or is past its deadline,
    on leaves marked not applicable, and when the plan is empty or missing.
    """
    from parindex.assessments.feeds import prefill_fed_leaves

    if not any(is_plan_fed(c) for c in assessment.round.framework.criteria.filter(method="ratio")):
        return []
    return prefill_fed_leaves(
        assessment,
        by=by,
        feed=FEED,
        inputs=plan_leaf_inputs(assessment.unit, assessment.round.year),
        action="plans.prefill_plan_leaf",
    )
