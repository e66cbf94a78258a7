"""The remediation demo step: plans from the published results; deterministic and idempotent."""

from __future__ import annotations

import io

import pytest

from parindex.remediation.models import Inspection, RemediationItem, RemediationPlan, Target

pytestmark = pytest.mark.django_db


def run(*modules):
    from django.core.management.color import no_style

    out = io.StringIO()
    for module in modules:
        module.build(stdout=out, style=no_style())
    return out.getvalue()


def snapshot():
    return (
        sorted(RemediationPlan.objects.values_list("unit__code", "year", "status", "number")),
        sorted(RemediationItem.objects.values_list("unit__code", "year", "number", "status", "code")),
        sorted(Target.objects.values_list("unit__code", "year", "index_percent")),
    )


def test_demo_without_results_is_skipped():
    from parindex.remediation import demo
    from parindex.units import demo as units_demo

    out = run(units_demo, demo)
    assert "skipped" in out
    assert not RemediationPlan.objects.exists()


def test_demo_builds_plans_from_the_published_results_and_is_idempotent():
    from parindex.frameworks import demo as frameworks_demo
    from parindex.remediation import demo
    from parindex.results import demo as results_demo
    from parindex.units import demo as units_demo

    run(units_demo, frameworks_demo, results_demo, demo)
    statuses = set(RemediationPlan.objects.values_list("status", flat=True))
    assert {"approved", "returned", "submitted"} <= statuses
    assert RemediationItem.objects.filter(verified_at__isnull=False).exists()
    assert RemediationItem.objects.filter(source="inspection").count() >= 4
    assert Inspection.objects.count() == 1
    done = RemediationItem.objects.filter(status="done").prefetch_related("evidence").first()
    name = done.evidence.first().generated_name
    assert f"-{done.evidence_purpose}-" in name and name.endswith(".pdf")
    first = snapshot()
    run(demo)
    assert snapshot() == first
