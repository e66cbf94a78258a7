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
    first = sorted(
        UnitResult.objects.filter(year=2024).values_list("unit_code", "total", "rank", "previous_rank")
    )
    assert first and all(row[3] is not None for row in first)  # change from 2023 is known
    run_demo()
    assert Publication.objects.count() == 2
    assert (
        sorted(
            UnitResult.objects.filter(year=2024).values_list("unit_code", "total", "rank", "previous_rank")
        )
        == first
    )
    out = io.StringIO()
    call_command("results", year=2024, unit_type="commune", format="csv", stdout=out)
    assert len(out.getvalue().splitlines()) == len(first) + 1


def test_results_command_on_demo_data_matches_an_independent_computation():
    """Recompute the 2024 demo ranking from the raw rows (self scores aside) and compare with the command."""
    import json
    from collections import defaultdict
    from decimal import Decimal

    from parindex.appraisals.models import Adjustment, AppraisalEntry, SurveyScore
    from parindex.assessments.models import Round
    from parindex.frameworks.models import Criterion

    run_demo()
    rnd = Round.objects.get(year=2024, publication__status="published")
    leaves = {c.pk: c for c in Criterion.objects.filter(framework=rnd.framework, is_leaf=True)}
    entries = defaultdict(dict)
    for e in AppraisalEntry.objects.filter(sheet__assessment__round=rnd).select_related("sheet__assessment"):
        key = (e.sheet.assessment.unit.code, e.criterion_id)
        entries[key][e.round_number] = e
    survey = {
        (s.unit.code, s.criterion_id): s.points
        for s in SurveyScore.objects.filter(round=rnd).select_related("unit")
    }
    units = list(rnd.assessments.values_list("unit__code", flat=True))
    index = {}
    for code in units:
        points = maximum = Decimal(0)
        for pk, leaf in leaves.items():
            if leaf.source == "survey":
                points += survey[(code, pk)]
                maximum += leaf.max_points
                continue
            last = entries[(code, pk)].get(2) or entries[(code, pk)][1]
            if last.not_applicable:
                continue
            points += last.points
            maximum += leaf.max_points
        bonus = sum(
            (
                a.points
                for a in Adjustment.objects.filter(
                    sheet__assessment__unit__code=code, kind="bonus", sheet__assessment__round=rnd
                )
            ),
            Decimal(0),
        )
        penalty = sum(
            (
                a.points
                for a in Adjustment.objects.filter(
                    sheet__assessment__unit__code=code, kind="penalty", sheet__assessment__round=rnd
                )
            ),
            Decimal(0),
        )
        index[code] = min(Decimal(100), 100 * (points + bonus - penalty) / maximum)
    bands = sorted(rnd.framework.bands.all(), key=lambda b: b.lower_bound, reverse=True)
    out = io.StringIO()
    call_command("results", year=2024, unit_type="commune", format="json", stdout=out)
    rows = {r["unit_code"]: r for r in json.loads(out.getvalue())}
    assert set(rows) == set(units)
    policy = rnd.framework.tie_policy
    for code, value in index.items():
        better = [v for v in index.values() if v > value]
        expected = 1 + (len(better) if policy == "competition" else len(set(better)))
        assert rows[code]["rank"] == expected, code
        assert rows[code]["rank_of"] == len(units)
        assert abs(Decimal(rows[code]["index_percent"]) - value) < Decimal("0.0001")
        label = next(
            (b.label for b in bands if value > b.lower_bound or (b.inclusive and value == b.lower_bound)),
            None,
        )
        assert rows[code]["class"] == (label or "")
