"""A published 2024 result of Xã Yên Thượng (A1) and Xã Bằng Lãng (A2) to build remediation plans from.

Framework (commune, owner P): area 1 = leaves 1.1, 1.2 and the survey leaf 1.9; area 2 = 2.1, 2.2;
25 points each. A1 self-scores [25, 25, 20, 15]; the appraiser lowers 1.2 to 20 with a reason; the
survey gives 1.9 80 % (20 points). So for A1: at max 1.1; below max 1.2 (by appraisal), 2.1 and
2.2 (by the unit itself); 1.9 is a survey leaf (in neither appendix).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from tests.appraisals.helpers import make_framework, make_round

REASON = "Báo cáo CCHC quý II gửi chậm so với quy định"


def publish_round(rnd, appraiser, manager, *, reasons=None):
    from parindex.appraisals import actions as appraisal
    from parindex.appraisals.models import SurveyScore
    from parindex.frameworks.models import Criterion
    from tests.results.helpers import publish

    for sheet in rnd.assessments.select_related("unit"):
        s = appraisal.start_appraisal(assessment=sheet, by=appraiser)
        for (code, points, reason) in (reasons or {}).get(sheet.unit.code, []):
            criterion = Criterion.objects.get(framework=rnd.framework, code=code)
            appraisal.appraise_leaf(sheet=s, criterion=criterion, by=appraiser, points=D(points), reason=reason)
        appraisal.complete_round(sheet=s, by=appraiser)
        for c in Criterion.objects.filter(framework=rnd.framework, source="survey"):
            SurveyScore.objects.create(round=rnd, unit=sheet.unit, criterion=c, percent=D(80),
                                       points=c.max_points * D("0.8"))
    return publish(rnd, manager)


@pytest.fixture
def published(tree, personas):
    fw = make_framework(tree["P"], survey_leaf=True)
    rnd = make_round(fw, tree["DA"], [tree["A1"], tree["A2"]], self_points={
        "A1": [25, 25, 20, 15], "A2": [25, 25, 25, 25]}, year=2024)
    district_appraiser = personas["district_manager_a"]
    from parindex.appraisals.models import AppraiserAssignment

    for unit in (tree["A1"], tree["A2"]):
        AppraiserAssignment.objects.create(round=rnd, appraiser=personas["appraiser_province"], unit=unit)
    pub = publish_round(rnd, personas["appraiser_province"], district_appraiser,
                        reasons={"A1": [("1.2", 20, REASON)]})
    from parindex.results.models import UnitResult

    results = {r.unit.code: r for r in UnitResult.objects.filter(publication=pub).select_related("unit")}
    return {"fw": fw, "round": rnd, "pub": pub, "results": results, **personas, **tree}


@pytest.fixture
def plan(published):
    from parindex.remediation import actions

    return actions.generate_plan(result=published["results"]["A1"], by=published["officer_a1"])


def fill_solutions(plan, by):
    from parindex.remediation import actions

    for item in plan.remediation_items.all():
        actions.update_item(item, by=by, solution=f"Giải pháp cho {item.code}", cause="Chưa quan tâm đúng mức")


def approved(plan, published):
    from parindex.remediation import actions

    fill_solutions(plan, published["officer_a1"])
    actions.submit_plan(plan, by=published["head_a1"])
    return actions.approve_plan(plan, by=published["district_manager_a"])


def pdf_upload(name="ket-qua.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", content_type="application/pdf")


TODAY = dt.date.today
