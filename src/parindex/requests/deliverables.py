"""What a recipient must deliver: a registry of kinds, each with a label and a resolver.

A resolver answers, for recipients of one request, ``(Progress, delivered_at)``: whether
the recipient has delivered (and when), started, or done nothing. The tracking status
(on time / late / overdue …) is derived from that by ``planner.track_status``.

Other apps replace the placeholder kinds by calling ``register_deliverable`` from their
``AppConfig.ready()`` with the same key (the last registration wins)::

    register_deliverable(Deliverable(
        key="remediation_plan", label=_("Remediation plan"), resolve_many=my_resolver,
    ))

``resolve_many(request, recipients) -> {recipient.pk: (progress, delivered_at)}`` reads
all recipients of a tracking table in a constant number of queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.apps import apps
from django.utils.translation import gettext_lazy as _

from parindex.requests.planner import Progress

Resolution = tuple[str, dt.datetime | None]


@dataclass(frozen=True)
class Deliverable:
    key: str
    label: str  # lazy translation
    resolve_many: Callable[..., dict[int, Resolution]]
    available: bool = True  # False: a placeholder until the owning app registers the real one
    needs_round: bool = False  # the request must name an assessment round
    accepts_reports: bool = False  # recipients upload files on the request page

    def resolve(self, recipient) -> Resolution:
        """The state of one recipient (convenience around ``resolve_many``)."""
        return self.resolve_many(recipient.request, [recipient]).get(recipient.pk, (Progress.NONE, None))


REGISTRY: dict[str, Deliverable] = {}


def register_deliverable(deliverable: Deliverable) -> None:
    REGISTRY[deliverable.key] = deliverable


def get_deliverable(key: str) -> Deliverable:
    return REGISTRY.get(key) or Deliverable(key=key, label=key, resolve_many=_nothing, available=False)


def choices(*, available_only: bool = True) -> list[tuple[str, str]]:
    return [(d.key, d.label) for d in REGISTRY.values() if d.available or not available_only]


def _nothing(request, recipients: Sequence) -> dict[int, Resolution]:
    return {r.pk: (Progress.NONE, None) for r in recipients}


def resolve_report(request, recipients: Sequence) -> dict[int, Resolution]:
    """Free-form report: delivered when the first report was sent, dated by that report."""
    from django.db.models import Min

    from parindex.requests.models import ReportSubmission

    firsts = dict(
        ReportSubmission.objects.filter(recipient__in=[r.pk for r in recipients])
        .values("recipient_id")
        .annotate(first=Min("submitted_at"))
        .values_list("recipient_id", "first")
    )
    return {
        r.pk: ((Progress.DELIVERED, firsts[r.pk]) if r.pk in firsts else (Progress.NONE, None))
        for r in recipients
    }


def assessment_model():
    """``assessments.Assessment`` if that app has built it yet, else None (imported lazily)."""
    try:
        return apps.get_model("assessments", "Assessment")
    except LookupError:
        return None


def round_model():
    try:
        return apps.get_model("assessments", "Round")
    except LookupError:
        return None


def resolve_self_assessment(request, recipients: Sequence) -> dict[int, Resolution]:
    """Self-assessment of the request's round: delivered when the sheet was submitted
    (dated by ``submitted_at``, whatever later state it is in); started when at least one
    leaf has a self score; otherwise nothing (opening a round creates empty draft sheets)."""
    from django.db.models import Exists, OuterRef

    model = assessment_model()
    if model is None or request.round_id is None:
        return _nothing(request, recipients)
    by_unit = {r.unit_id: r for r in recipients}
    result = _nothing(request, recipients)
    rows = model.objects.filter(round_id=request.round_id, unit_id__in=list(by_unit))
    try:
        score = apps.get_model("assessments", "Score")
        rows = rows.annotate(
            scored=Exists(score.objects.filter(assessment=OuterRef("pk"), self_points__isnull=False))
        )
        values = rows.values_list("unit_id", "submitted_at", "scored")
    except LookupError:
        values = [(u, s, False) for u, s in rows.values_list("unit_id", "submitted_at")]
    for unit_id, submitted_at, scored in values:
        recipient = by_unit[unit_id]
        if submitted_at:
            result[recipient.pk] = (Progress.DELIVERED, submitted_at)
        elif scored:
            result[recipient.pk] = (Progress.STARTED, None)
    return result


def register_defaults() -> None:
    """The kinds this app knows; placeholders are replaced by the apps that own them."""
    register_deliverable(
        Deliverable("report", _("Report with attachments"), resolve_report, accepts_reports=True)
    )
    register_deliverable(
        Deliverable(
            "self_assessment",
            _("Self-assessment submission"),
            resolve_self_assessment,
            available=assessment_model() is not None,
            needs_round=True,
        )
    )
    for key, label in (
        ("remediation_plan", _("Remediation plan")),
        ("remediation_results", _("Remediation results report")),
        ("plan_progress", _("Annual plan progress")),
    ):
        if key not in REGISTRY:
            register_deliverable(Deliverable(key, label, _nothing, available=False))
