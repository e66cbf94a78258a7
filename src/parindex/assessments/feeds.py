"""Leaves fed by other apps (plan completion, remediation done/total).

An app that feeds ``ratio`` leaves registers a function ``prefill(assessment, *, by)`` in its
``AppConfig.ready()``. ``submit_assessment`` runs every registered feed inside its transaction,
just before it checks and freezes the sheet, so the numbers stored at submission are current;
afterwards the sheet is no longer a draft and feeds leave it alone (the numbers are frozen).
The feeding apps also refresh open draft sheets themselves whenever their counts change.
"""

from __future__ import annotations

from collections.abc import Callable

_FEEDS: dict[str, Callable] = {}


def register_feed(name: str, prefill: Callable) -> None:
    _FEEDS[name] = prefill


def run_feeds(assessment, *, by) -> None:
    for prefill in _FEEDS.values():
        prefill(assessment, by=by)


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
