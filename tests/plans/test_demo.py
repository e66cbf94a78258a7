import io

import pytest
from django.core.management.color import no_style

from parindex.plans import demo
from parindex.plans.models import Plan, PlanTask

pytestmark = pytest.mark.django_db


def _run():
    out = io.StringIO()
    demo.build(stdout=out, style=no_style())
    return out.getvalue()


def test_demo_skips_gracefully_without_the_district_or_a_framework(tree):
    assert "skipped" in _run()
    assert not Plan.objects.exists()


def test_demo_builds_district_and_commune_plans_idempotently():
    from parindex.frameworks import demo as frameworks_demo
    from parindex.units import demo as units_demo

    units_demo.build(stdout=io.StringIO(), style=no_style())
    frameworks_demo.build(stdout=io.StringIO(), style=no_style())
    _run()
    district_plan = Plan.objects.get(unit__code=demo.DISTRICT_CODE)
    communes = Plan.objects.filter(parent_plan=district_plan)
    assert communes.count() >= 10
    snapshot = sorted(PlanTask.objects.values_list("plan__unit__code", "order", "status", "completion_date"))
    assert PlanTask.objects.filter(parent_task__isnull=False).count() == 3 * communes.count()
    assert PlanTask.objects.filter(criteria__isnull=False).exists()
    _run()
    assert sorted(PlanTask.objects.values_list("plan__unit__code", "order", "status", "completion_date")) == snapshot
