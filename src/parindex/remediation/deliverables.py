"""Resolvers of the requests app's "remediation_plan" and "remediation_results" deliverables.

A request issued in year Y asking for remediation plans (seed 001: March 2024, about the 2023
results) is answered by each recipient unit's ``RemediationPlan`` of year Y: delivered when the
head submitted it (dated by ``submitted_at``; a returned plan counts as started again), started
while a draft exists. The results report (seed 000) is delivered when the head sent the results
report of that plan (``results_reported_at``), started once any item of the unit for year Y is done.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext_lazy as _


def _year(request) -> int:
    return request.issued_on.year if request.issued_on else request.deadline.year


def resolve_plans(request, recipients: Sequence) -> dict:
    from parindex.remediation.models import RemediationPlan
    from parindex.requests.planner import Progress

    by_unit = {r.unit_id: r for r in recipients}
    result = {r.pk: (Progress.NONE, None) for r in recipients}
    for unit_id, status, submitted_at in RemediationPlan.objects.filter(
        unit_id__in=list(by_unit), year=_year(request)
    ).values_list("unit_id", "status", "submitted_at"):
        recipient = by_unit[unit_id]
        delivered = status in (RemediationPlan.Status.SUBMITTED, RemediationPlan.Status.APPROVED,
                               RemediationPlan.Status.REOPENED) and submitted_at
        result[recipient.pk] = (Progress.DELIVERED, submitted_at) if delivered else (Progress.STARTED, None)
    return result


def resolve_results(request, recipients: Sequence) -> dict:
    from parindex.remediation.models import RemediationItem, RemediationPlan
    from parindex.requests.planner import Progress

    year = _year(request)
    by_unit = {r.unit_id: r for r in recipients}
    result = {r.pk: (Progress.NONE, None) for r in recipients}
    for unit_id in RemediationItem.objects.filter(unit_id__in=list(by_unit), year=year,
                                                  status=RemediationItem.Status.DONE).values_list(
            "unit_id", flat=True).distinct():
        result[by_unit[unit_id].pk] = (Progress.STARTED, None)
    for unit_id, reported in RemediationPlan.objects.filter(
        unit_id__in=list(by_unit), year=year, results_reported_at__isnull=False
    ).values_list("unit_id", "results_reported_at"):
        result[by_unit[unit_id].pk] = (Progress.DELIVERED, reported)
    return result


def register() -> None:
    from parindex.requests.deliverables import Deliverable, register_deliverable

    register_deliverable(Deliverable("remediation_plan", _("Remediation plan"), resolve_plans))
    register_deliverable(Deliverable("remediation_results", _("Remediation results report"), resolve_results))
