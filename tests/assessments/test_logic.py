"""Pure sheet logic: input parsing, totals and the submission check (no database)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parindex.assessments.logic import (
    InputError,
    LeafState,
    check_inputs,
    inputs_for_form,
    inputs_to_json,
    parse_inputs,
    submission_check,
    summarise,
)

RATIO_SPEC = [
    {"name": "numerator", "label": "Số hoàn thành", "type": "decimal"},
    {"name": "denominator", "label": "Tổng số", "type": "decimal"},
]
LEVEL_SPEC = [
    {
        "name": "level",
        "label": "Mức",
        "type": "choice",
        "choices": [("day-du", "Đầy đủ"), ("chua-day-du", "Chưa đầy đủ")],
    }
]
BOOL_SPEC = [{"name": "value", "label": "Đạt", "type": "bool", "choices": [(True, "Có"), (False, "Không")]}]
COUNT_SPEC = [{"name": "count", "label": "Số lượng", "type": "int"}]


def leaf(points=None, *, evidence=0, na=False, survey=False, explanation="", area=1, max_points="2"):
    return LeafState(
        score_id=1,
        code="1.1",
        title="t",
        area_id=area,
        max_points=Decimal(max_points),
        points=None if points is None else Decimal(points),
        not_applicable=na,
        evidence_count=evidence,
        explanation=explanation,
        survey=survey,
    )


def test_decimal_comma_and_dot_are_both_read():
    assert parse_inputs(RATIO_SPEC, {"numerator": "1,5", "denominator": "3.0"}) == {
        "numerator": Decimal("1.5"),
        "denominator": Decimal("3.0"),
    }


def test_all_empty_inputs_clear_the_leaf():
    assert parse_inputs(RATIO_SPEC, {"numerator": "", "denominator": " "}) is None


def test_a_numerator_without_denominator_is_refused():
    with pytest.raises(InputError, match="Tổng số"):
        parse_inputs(RATIO_SPEC, {"numerator": "3"})


def test_level_is_accepted_by_key_or_label_without_diacritics():
    assert parse_inputs(LEVEL_SPEC, {"level": "chua day du"}) == {"level": "chua-day-du"}
    assert parse_inputs(LEVEL_SPEC, {"level": "day-du"}) == {"level": "day-du"}


def test_an_unknown_level_is_refused_with_the_levels_listed():
    with pytest.raises(InputError) as exc:
        parse_inputs(LEVEL_SPEC, {"level": "xuất sắc"})
    assert "không phải là một mức của tiêu chí này" in str(exc.value)
    assert "Đầy đủ" in str(exc.value)


def test_yes_no_accepts_form_and_spreadsheet_spellings():
    assert parse_inputs(BOOL_SPEC, {"value": "1"}) == {"value": True}
    assert parse_inputs(BOOL_SPEC, {"value": "Không"}) == {"value": False}
    with pytest.raises(InputError):
        parse_inputs(BOOL_SPEC, {"value": "có lẽ"})


def test_negative_and_fractional_counts_are_refused():
    with pytest.raises(InputError, match="không được âm"):
        parse_inputs(COUNT_SPEC, {"count": "-1"})
    with pytest.raises(InputError, match="không phải là số nguyên"):
        parse_inputs(COUNT_SPEC, {"count": "1,5"})


def test_manual_points_outside_zero_to_max_are_refused_not_clamped():
    with pytest.raises(InputError, match="Điểm phải từ 0 đến 2"):
        check_inputs("manual", {}, Decimal("2"), {"value": Decimal("2.25")})
    check_inputs("manual", {}, Decimal("2"), {"value": Decimal("2")})


def test_zero_denominator_is_refused_unless_the_rule_gives_the_maximum():
    with pytest.raises(InputError, match="mẫu số"):
        check_inputs("ratio", {}, Decimal("5"), {"numerator": Decimal(0), "denominator": Decimal(0)})
    check_inputs(
        "ratio",
        {"zero_denominator": "max"},
        Decimal("5"),
        {"numerator": Decimal(0), "denominator": Decimal(0)},
    )


def test_inputs_round_trip_through_json_exactly():
    stored = inputs_to_json({"numerator": Decimal("0.1"), "denominator": Decimal("3"), "value": True})
    assert stored == {"numerator": "0.1", "denominator": "3", "value": True}
    assert inputs_for_form(stored) == {"numerator": "0.1", "denominator": "3", "value": "1"}


def test_a_leaf_above_zero_without_evidence_or_explanation_blocks_submission():
    check = submission_check(
        [
            leaf("1"),
            leaf("0"),
            leaf(None),
            leaf("1", explanation="Đang bổ sung"),
            leaf("2", evidence=1),
            leaf(None, survey=True),
        ]
    )
    assert len(check.blockers) == 1
    assert len(check.empty) == 1  # the survey leaf is not "empty"
    assert len(check.without_evidence) == 3  # 1 (blocker), 0, and the explained one
    assert check.total == Decimal("4")
    assert not check.can_submit


def test_not_applicable_leaves_leave_the_maximum():
    summary = summarise([leaf("1"), leaf(None, na=True), leaf("2", area=2, max_points="3")])
    assert summary.overall.max_points == Decimal("5")
    assert summary.overall.points == Decimal("3")
    assert summary.areas[1].scored == 2 and summary.areas[1].leaves == 2
    assert summary.areas[2].points == Decimal("2")


@given(
    st.lists(st.tuples(st.integers(0, 4), st.sampled_from([None, "0", "0.25", "0.5", "1.75"])), max_size=30)
)
def test_area_totals_always_add_up_to_the_overall_total(rows):
    leaves = [leaf(points, area=area) for area, points in rows]
    summary = summarise(leaves)
    assert sum((t.points for t in summary.areas.values()), Decimal(0)) == summary.overall.points
    assert sum(t.scored for t in summary.areas.values()) == summary.overall.scored
