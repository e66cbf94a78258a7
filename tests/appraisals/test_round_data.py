"""`selectors.round_data`: what the results computation reads of a round, exactly."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from parindex.appraisals.models import Adjustment, AppraisalEntry, AppraisalSheet, SurveyScore
from parindex.appraisals.selectors import round_data
from tests.appraisals.helpers import leaves, make_framework, make_round

pytestmark = pytest.mark.django_db


def entry(sheet, criterion, number, points, na=False):
    return AppraisalEntry.objects.create(
        sheet=sheet,
        criterion=criterion,
        round_number=number,
        max_points=criterion.max_points,
        points=None if na else D(points),
        not_applicable=na,
    )


def test_round_data_reads_only_appraised_sheets_of_the_round_leaf_by_leaf(tree):
    fw = make_framework(tree["P"], survey_leaf=True)
    c1, c2, survey, c3, c4 = leaves(fw)
    assert survey.source == "survey"
    rnd = make_round(
        fw,
        tree["P"],
        [tree["A1"], tree["A2"], tree["B1"]],
        self_points={"A1": [20, "na", 10, 5], "A2": [1, 2, 3, 4], "B1": [5, 5, 5, 5]},
    )
    other = make_round(fw, tree["P"], [tree["A1"]], year=2023, self_points={"A1": [1, 1, 1, 1]})
    sheets = {
        code: AppraisalSheet.objects.create(assessment=rnd.assessments.get(unit=tree[code]), status=status)
        for code, status in (("A1", "appraised"), ("A2", "appraised"), ("B1", "round2"))
    }
    old_sheet = AppraisalSheet.objects.create(assessment=other.assessments.get(), status="appraised")
    a1, a2, b1 = sheets["A1"], sheets["A2"], sheets["B1"]
    entry(a1, c1, 1, 18)
    entry(a1, c1, 2, "19.5")
    entry(a1, c2, 1, None, na=True)
    entry(a1, c3, 1, 10)
    entry(a2, c4, 1, 0)
    entry(b1, c1, 1, 2)  # not appraised yet: not read
    entry(old_sheet, c1, 1, 3)  # another round: not read
    for unit, round_, points in ((tree["A1"], rnd, "12.5"), (tree["B1"], rnd, 7), (tree["A1"], other, 1)):
        SurveyScore.objects.create(round=round_, unit=unit, criterion=survey, percent=D(50), points=D(points))
    for sheet, kind, points in (
        (a1, "penalty", "0.5"),
        (a1, "bonus", 1),
        (a1, "bonus", "0.25"),
        (b1, "bonus", 2),
    ):
        Adjustment.objects.create(sheet=sheet, kind=kind, points=D(points), reason="Lý do")

    data, counts = round_data(rnd)

    assert counts == {"appraised": 2, "round2": 1}
    assert list(data) == [tree["A1"].pk, tree["A2"].pk]  # the sheets' order (unit path)
    assert data[tree["A1"].pk].leaves == {
        c1.pk: {
            "self": D(20),
            "self_na": False,
            "r1": D(18),
            "r1_na": False,
            "r2": D("19.5"),
            "r2_na": False,
        },
        c2.pk: {"self": None, "self_na": True, "r1": None, "r1_na": True},
        survey.pk: {"self": None, "self_na": False, "survey": D("12.5")},
        c3.pk: {"self": D(10), "self_na": False, "r1": D(10), "r1_na": False},
        c4.pk: {"self": D(5), "self_na": False},
    }
    assert data[tree["A1"].pk].bonuses == [D(1), D("0.25")]
    assert data[tree["A1"].pk].penalties == [D("0.5")]
    assert data[tree["A2"].pk].leaves[c4.pk] == {"self": D(4), "self_na": False, "r1": D(0), "r1_na": False}
    assert data[tree["A2"].pk].leaves[survey.pk] == {"self": None, "self_na": False}
    assert (data[tree["A2"].pk].bonuses, data[tree["A2"].pk].penalties) == ([], [])


def test_round_data_query_count_does_not_grow_with_sheets(tree, django_assert_num_queries):
    fw = make_framework(tree["P"])
    small = make_round(fw, tree["P"], [tree["A1"]])
    large = make_round(fw, tree["P"], [tree["A1"], tree["A2"], tree["B1"]], year=2023)
    for rnd in (small, large):
        for assessment in rnd.assessments.all():
            sheet = AppraisalSheet.objects.create(assessment=assessment, status="appraised")
            for c in leaves(fw):
                entry(sheet, c, 1, 1)
            Adjustment.objects.create(sheet=sheet, kind="bonus", points=D(1), reason="Lý do")
    with django_assert_num_queries(5):
        assert len(round_data(small)[0]) == 1
    with django_assert_num_queries(5):
        data, _counts = round_data(large)
    assert len(data) == 3
    assert all(len(u.leaves) == 4 and u.bonuses == [D(1)] for u in data.values())
