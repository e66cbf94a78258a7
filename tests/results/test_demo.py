"""The results demo step: a published 2024 round and 2023 history; deterministic and idempotent."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from parindex.results.models import Publication, UnitResult

pytestmark = pytest.mark.django_db


def run_demo():
    from django.core.management.color import no_style

    from parindex.frameworks import demo as frameworks_demo
    from parindex.results import demo
    from parindex.units import demo as units_demo

    out = io.StringIO()
    units_demo.build(stdout=out, style=no_style())
    frameworks_demo.build(stdout=out, style=no_style())
    demo.build(stdout=out, style=no_style())
    return out.getvalue()


def test_demo_publishes_2024_and_imports_2023_and_is_idempotent():
    run_demo()
    assert Publication.objects.filter(year=2024, status="published", source="round").count() == 1
    assert Publication.objects.filter(year=2023, source="import").count() == 1
    first = sorted(UnitResult.objects.filter(year=2024).values_list("unit_code", "total", "rank", "previous_rank"))
    assert first and all(row[3] is not None for row in first)  # change from 2023 is known
    run_demo()
    assert Publication.objects.count() == 2
    assert sorted(UnitResult.objects.filter(year=2024).values_list("unit_code", "total", "rank", "previous_rank")) == first
    out = io.StringIO()
    call_command("results", year=2024, unit_type="commune", format="csv", stdout=out)
    assert len(out.getvalue().splitlines()) == len(first) + 1
