"""The leaf and area rows ``compute_results`` stores (written as COPY text on PostgreSQL, by a prepared
insert on SQLite) equal an independent computation with ``results.scoring`` from the stored leaves,
and text with tabs, newlines and backslashes is stored as it is."""

from __future__ import annotations

import io
from decimal import Decimal as D

import pytest
from openpyxl import Workbook

from parindex.appraisals import actions as appraisal
from parindex.frameworks.models import Criterion
from parindex.results import actions, scoring
from parindex.results.models import AreaResult, LeafResult, UnitResult
from tests.appraisals.helpers import make_framework, make_round
from tests.results.helpers import appraise_all

pytestmark = pytest.mark.django_db

AWKWARD = 'Tab\there, new\nline, back\\slash \\N, carriage\rreturn, "quotes", Tiếng Việt'


def test_stored_rows_match_an_independent_computation(tree, personas):
    fw = make_framework(tree["P"], areas=3, leaves_per_area=3, leaf_max=D("12.5"), survey_leaf=True)
    leaf = Criterion.objects.get(framework=fw, code="2.2")
    leaf.title = AWKWARD
    leaf.save(update_fields=["title"])
    area = Criterion.objects.get(framework=fw, code="3")
    area.title = AWKWARD
    area.save(update_fields=["title"])
    rnd = make_round(
        fw,
        tree["P"],
        [tree["A1"], tree["A2"], tree["B1"]],
        self_points={
            "A1": ["12.5", "10.25", "0", "na", "7.125", "12.5", "1", "2", "3"],
            "A2": ["na", "na", "na", "12.5", "12.5", "12.5", "0.0001", "12.4999", "6"],
            "B1": ["0", "0", "0", "0", "0", "0", "0", "0", "0"],
        },
    )
    wb = Workbook()
    wb.active.append(["Mã đơn vị", "Mã tiêu chí", "Điểm (%)"])
    wb.active.append(["A1", "1.9", "37.5"])  # A2 and B1 without survey points: no final there
    buf = io.BytesIO()
    wb.save(buf)
    manager = personas["province_manager"]
    appraisal.import_survey(round=rnd, source=buf.getvalue(), by=manager)
    appraise_all(rnd, personas["appraiser_province"])
    pub = actions.compute_results(round=rnd, by=manager)

    results = list(UnitResult.objects.filter(publication=pub))
    assert len(results) == 3
    for result in results:
        rows = list(LeafResult.objects.filter(result=result).order_by("order"))
        assert len(rows) == 10
        specs = [
            scoring.Leaf(
                key=r.code,
                max_points=r.max_points,
                final=r.final_points,
                self_points=r.self_points,
                not_applicable=r.not_applicable,
                area=r.area_code,
            )
            for r in rows
        ]
        for r in rows:  # final points: survey points for the survey leaf, else the appraisal
            expected = scoring.final_points(
                round1=r.round1_points, round2=r.round2_points, survey=None, is_survey=False
            )
            if not r.is_survey:
                assert r.final_points == expected
        outcome = scoring.outcome(result.unit_id, specs)
        assert (result.points, result.max_points) == (outcome.points, outcome.max_sum)
        expected_self = sum((r.self_points or 0 for r in rows if not r.not_applicable), D(0))
        assert result.self_total == expected_self
        totals = scoring.area_totals(specs)
        areas = list(AreaResult.objects.filter(result=result).order_by("order"))
        assert [a.code for a in areas] == ["1", "2", "3"]
        for a in areas:
            assert (a.points, a.max_points) == totals.get(a.code, (D(0), D(0)))
            selfs = [r.self_points for r in rows if r.area_code == a.code and not r.not_applicable]
            selfs = [s for s in selfs if s is not None]
            assert a.self_points == (sum(selfs, D(0)) if selfs else None)
        assert areas[2].title == AWKWARD
        assert next(r for r in rows if r.code == "2.2").title == AWKWARD

    a1 = next(r for r in results if r.unit_code == "A1")
    survey = LeafResult.objects.get(result=a1, code="1.9")
    assert survey.is_survey and survey.final_points == D("4.6875")  # 12.5 × 37.5 %
    a2 = next(r for r in results if r.unit_code == "A2")
    assert LeafResult.objects.get(result=a2, code="1.9").final_points is None
    assert LeafResult.objects.filter(result=a2, not_applicable=True).count() == 3
    assert a2.max_points == D("125") - 3 * D("12.5")
