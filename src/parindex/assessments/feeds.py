"""Leaves fed by other apps (plan completion, remediation done/total).

A ``ratio`` leaf whose ``params["feed"]`` names a registered feed takes its numbers from the
feeding app, not from the officer. An app registers, in its ``AppConfig.ready()``::

    register_feed("plan_completion", inputs=plan_leaf_inputs, label=_("the annual reform plan"),
                  source_url=plan_url, action="plans.prefill_plan_leaf")

``inputs(unit, year)`` returns the leaf's inputs (``{"numerator", "denominator", ...}``) or
``None`` when the source has nothing to count (no issued plan, an empty plan).

The rule (issue 17): **a fed leaf shows its live value from the moment a round opens and stays
current until submission freezes it.**

* ``fed_values`` reads the live value of every fed leaf of a sheet — one call per feed,
  whatever the number of leaves. While the sheet is *live* (a draft of an open round before
  its deadline) every read of the sheet (``selectors.leaf_states``, ``selectors.sheet_view``:
  the page, the confirmation page, the offline sheet, the API) shows that value, whatever is
  stored — values copied from an earlier round never mask it.
* ``refresh_fed_leaves`` writes the same values into the score rows: when the round opens,
  when a sheet is reopened, and inside ``submit_assessment`` just before it checks and
  freezes the sheet. The feeding apps also refresh open sheets whenever their counts change
  (``plans.actions.refresh_score_sheets``, ``remediation.integration.refresh_open_sheets``),
  so stored rows (progress tables, round summaries) follow too.
* After submission (or the deadline) the sheet is no longer live: the stored numbers are the
  frozen ones, whatever happens to the plan afterwards.
* While the source has numbers, they cannot be typed over (``check_fed_inputs``: page, offline
  sheet and API alike); the officer adds a note and evidence. When it has none (no issued plan,
  every task cancelled), the leaf is scored by hand like any ratio — or marked not applicable
  where the framework allows — and the appraiser judges. A leaf marked not applicable is not fed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

_FEEDS: dict[str, Feed] = {}


@dataclass(frozen=True)
class Feed:
    name: str
    inputs: Callable[[Any, int], dict | None]
    label: Any  # lazy translated name of the source, e.g. "Kế hoạch CCHC"
    source_url: Callable[[Any, int], str] | None = None
    action: str = ""


def register_feed(
    name: str,
    *,
    inputs: Callable[[Any, int], dict | None],
    label,
    source_url: Callable[[Any, int], str] | None = None,
    action: str = "",
) -> None:
    _FEEDS[name] = Feed(name, inputs, label, source_url, action or f"{name}.prefill")


def feed_of(criterion) -> Feed | None:
    """The registered feed of a leaf, or None (an ordinary leaf)."""
    if criterion.method != "ratio":
        return None
    return _FEEDS.get((criterion.params or {}).get("feed") or "")


def is_live(sheet) -> bool:
    """A draft of an open round before its deadline: fed leaves follow their source."""
    from parindex.assessments.models import Assessment, Round

    return (
        sheet.status == Assessment.Status.DRAFT
        and sheet.round.status == Round.Status.OPEN
        and not sheet.is_past_deadline()
    )


@dataclass
class FedValue:
    """What the source of one fed leaf says now."""

    feed: Feed
    live: bool  # the sheet is live: the leaf follows the source
    inputs: dict | None  # the source's numbers; None = nothing to count (scored by hand)
    points: Decimal | None
    url: str = ""

    @property
    def label(self) -> str:
        return str(self.feed.label)

    @property
    def follows(self) -> bool:
        """The leaf's numbers come from the source now (and cannot be typed over)."""
        return self.live and self.inputs is not None


def fed_values(sheet, criteria: Iterable) -> dict[int, FedValue]:
    """criterion id -> ``FedValue`` for the fed leaves among ``criteria`` (one source read per feed)."""
    from parindex.frameworks.scoring import ScoringError, compute_points

    fed = [(criterion, feed) for criterion in criteria if (feed := feed_of(criterion)) is not None]
    if not fed:
        return {}
    live = is_live(sheet)
    unit, year = sheet.unit, sheet.round.year
    sources: dict[str, tuple[dict | None, str]] = {}
    result: dict[int, FedValue] = {}
    for criterion, feed in fed:
        if feed.name not in sources:
            inputs = feed.inputs(unit, year) if live else None
            url = feed.source_url(unit, year) if feed.source_url else ""
            sources[feed.name] = (inputs, url)
        inputs, url = sources[feed.name]
        points = None
        if inputs is not None:
            try:
                points = compute_points(criterion.method, criterion.params, criterion.max_points, inputs)
            except ScoringError:
                inputs = None  # e.g. 0 tasks left: nothing the rule can score
        result[criterion.pk] = FedValue(feed=feed, live=live, inputs=inputs, points=points, url=url)
    return result


def fed_value(sheet, criterion) -> FedValue | None:
    if feed_of(criterion) is None:
        return None
    return fed_values(sheet, [criterion]).get(criterion.pk)


def overlay(score, fed: FedValue | None) -> None:
    """Show the live value on a score row read for display (in memory; nothing is saved)."""
    if fed is not None and fed.follows and not score.not_applicable:
        score.inputs = fed.inputs
        score.self_points = fed.points


def _numbers(inputs) -> tuple:
    return tuple(
        Decimal(str(inputs[key])) if inputs.get(key) not in (None, "") else None
        for key in ("numerator", "denominator")
    )


def check_fed_inputs(fed: FedValue | None, parsed: dict | None) -> dict | None:
    """The inputs to store for a leaf given what the user typed (``parsed``).

    A leaf that follows its source keeps the source's numbers: typing nothing (or the same
    numbers) is fine, other numbers are refused with ``InputError``. Any other leaf keeps
    what was typed.
    """
    from django.utils.translation import gettext as _

    from parindex.assessments.logic import InputError
    from parindex.core.text import format_decimal

    if fed is None or not fed.follows:
        return parsed
    if parsed and _numbers(parsed) != _numbers(fed.inputs):
        done, total = _numbers(fed.inputs)
        raise InputError(
            _(
                "This criterion takes its numbers automatically from %(source)s (%(done)s of %(total)s); "
                "they cannot be typed over. Add a note or evidence instead."
            )
            % {
                "source": fed.label,
                "done": format_decimal(done, places=4),
                "total": format_decimal(total, places=4),
            }
        )
    return fed.inputs


def refresh_fed_leaves(assessment, *, by) -> list:
    """Write the live values of every fed leaf of a live sheet into its rows; return the rows changed."""
    criteria = assessment.round.framework.criteria.filter(method="ratio")
    changed = []
    by_feed: dict[str, dict | None] = {}
    for fed in fed_values(assessment, criteria).values():
        if fed.follows:
            by_feed.setdefault(fed.feed.name, fed.inputs)
    for name, inputs in by_feed.items():
        changed += prefill_fed_leaves(assessment, by=by, feed=name, inputs=inputs, action=_FEEDS[name].action)
    return changed


def prefill_fed_leaves(assessment, *, by, feed: str, inputs: dict | None, action: str) -> list:
    """Write ``inputs`` into the ``ratio`` leaves of a draft sheet whose ``params["feed"] == feed``.

    The one implementation behind every feed (plan completion, remediation): no-op on a sheet
    that is not a draft (numbers frozen at submission) or is past its deadline, on leaves marked
    not applicable, and when ``inputs`` is None (nothing to count). Each changed leaf gets its
    points recomputed, its version bumped and an audit row ``action``, in one transaction.
    Returns the scores changed.
    """
    from django.db import transaction
    from django.utils import timezone

    from parindex.assessments.models import Assessment, Score
    from parindex.core.audit import record
    from parindex.frameworks.scoring import ScoringError, compute_points

    if inputs is None or assessment.status != Assessment.Status.DRAFT or assessment.is_past_deadline():
        return []
    fed = Score.objects.filter(assessment=assessment, criterion__method="ratio", not_applicable=False)
    ids = [s.pk for s in fed.select_related("criterion") if (s.criterion.params or {}).get("feed") == feed]
    if not ids:
        return []
    changed = []
    with transaction.atomic():
        for score in Score.objects.select_for_update().filter(pk__in=ids).select_related("criterion"):
            try:
                points = compute_points(
                    score.criterion.method, score.criterion.params, score.max_points, inputs
                )
            except ScoringError:
                continue
            if score.inputs == inputs and score.self_points == points:
                continue
            before = {"inputs": score.inputs, "self_points": score.self_points}
            score.inputs, score.self_points = inputs, points
            score.version += 1
            score.updated_at = timezone.now()
            score.updated_by = by if getattr(by, "is_authenticated", False) else None
            score.save(update_fields=["inputs", "self_points", "version", "updated_at", "updated_by"])
            record(
                actor=by,
                action=action,
                obj=score,
                unit=assessment.unit,
                before=before,
                after={"inputs": inputs, "self_points": points},
            )
            changed.append(score)
    return changed
