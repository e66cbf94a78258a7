"""Exhaustive unit tests of the pure scoring functions (no database)."""

from decimal import Decimal as D

import pytest

from parindex.frameworks.scoring import (
    ScoringError,
    check_bands,
    check_params_against_max,
    classify,
    compute_points,
    describe,
    input_spec,
    leaf_points,
    normalize_params,
    rollup,
)

LEVELS = normalize_params(
    "levels",
    {
        "levels": [
            {"label": "Đầy đủ", "percent": 100},
            {"label": "Chưa đầy đủ", "percent": 50},
            {"label": "Không", "points": 0},
        ]
    },
)
BANDS = [
    {"label": "Xuất sắc", "lower_bound": D(90)},
    {"label": "Tốt", "lower_bound": D(80)},
    {"label": "Khá", "lower_bound": D(65)},
    {"label": "Trung bình", "lower_bound": D(50)},
    {"label": "Yếu", "lower_bound": D(0)},
]


# --- binary ---------------------------------------------------------------------------------


def test_binary_yes_gives_the_maximum_and_no_gives_zero():
    assert compute_points("binary", {}, D("1.5"), {"value": True}) == D("1.5000")
    assert compute_points("binary", {}, D("1.5"), {"value": False}) == D("0.0000")


def test_binary_accepts_vietnamese_words_and_refuses_anything_else():
    assert compute_points("binary", {}, D(1), {"value": "Có"}) == D(1)
    assert compute_points("binary", {}, D(1), {"value": "không"}) == D(0)
    with pytest.raises(ScoringError, match="Có hoặc Không"):
        compute_points("binary", {}, D(1), {"value": None})
    with pytest.raises(ScoringError):
        compute_points("binary", {}, D(1), {"value": 1})


def test_not_applicable_gives_no_points_only_where_allowed():
    assert leaf_points("binary", {}, D(1), {}, not_applicable=True, allow_not_applicable=True) is None
    with pytest.raises(ScoringError, match="không áp dụng"):
        leaf_points("binary", {}, D(1), {}, not_applicable=True, allow_not_applicable=False)
    assert leaf_points("binary", {}, D(1), {"value": True}) == D(1)


# --- levels ---------------------------------------------------------------------------------


def test_levels_give_a_percentage_of_the_maximum_or_fixed_points():
    assert compute_points("levels", LEVELS, D(2), {"level": "day-du"}) == D(2)
    assert compute_points("levels", LEVELS, D(2), {"level": "chua-day-du"}) == D(1)
    assert compute_points("levels", LEVELS, D(2), {"level": "khong"}) == D(0)
    fixed = normalize_params(
        "levels", {"levels": [{"label": "A", "points": "0.75"}, {"label": "B", "points": 0}]}
    )
    assert compute_points("levels", fixed, D(1), {"level": "a"}) == D("0.7500")


def test_level_points_above_the_maximum_are_refused_on_validation_and_clamped_anyway():
    fixed = normalize_params("levels", {"levels": [{"label": "A", "points": 3}, {"label": "B", "points": 0}]})
    with pytest.raises(ScoringError, match="nhiều hơn điểm tối đa"):
        check_params_against_max("levels", fixed, D(2))
    assert compute_points("levels", fixed, D(2), {"level": "a"}) == D(2)


def test_unknown_level_is_an_error():
    with pytest.raises(ScoringError, match="mức"):
        compute_points("levels", LEVELS, D(2), {"level": "xyz"})


@pytest.mark.parametrize(
    "params",
    [
        {"levels": [{"label": "Một", "percent": 100}]},
        {"levels": [{"label": "A", "percent": 100}, {"label": "A", "percent": 50}]},
        {"levels": [{"label": "A", "percent": 100, "points": 1}, {"label": "B", "percent": 0}]},
        {"levels": [{"label": "A", "percent": 120}, {"label": "B", "percent": 0}]},
        {"levels": [{"label": "A"}, {"label": "B", "percent": 0}]},
        {"levels": [{"label": "", "percent": 10}, {"label": "B", "percent": 0}]},
        {"levels": "A=1"},
    ],
)
def test_bad_level_parameters_are_refused(params):
    with pytest.raises(ScoringError):
        normalize_params("levels", params)


# --- ratio ----------------------------------------------------------------------------------


def test_linear_ratio_is_the_maximum_times_done_over_total():
    params = normalize_params("ratio", {"mode": "linear"})
    assert compute_points("ratio", params, D(2), {"numerator": 9, "denominator": 10}) == D("1.8000")
    assert compute_points("ratio", params, D(1), {"numerator": 1, "denominator": 3}) == D("0.3333")
    assert compute_points("ratio", params, D(2), {"numerator": 2, "denominator": 3}) == D("1.3333")


def test_ratio_above_one_hundred_percent_gives_the_maximum():
    params = normalize_params("ratio", {})
    assert compute_points("ratio", params, D(2), {"numerator": 12, "denominator": 10}) == D(2)


def test_ratio_by_bands_gives_the_highest_band_reached():
    params = normalize_params(
        "ratio", {"bands": [{"min_percent": 80, "percent": 50}, {"min_percent": 100, "percent": 100}]}
    )
    assert params["bands"][0] == {"min_percent": "100", "percent": "100"}
    assert compute_points("ratio", params, D(2), {"numerator": 10, "denominator": 10}) == D(2)
    assert compute_points("ratio", params, D(2), {"numerator": "9,99", "denominator": 10}) == D(1)
    assert compute_points("ratio", params, D(2), {"numerator": 8, "denominator": 10}) == D(1)
    assert compute_points("ratio", params, D(2), {"numerator": "7.99", "denominator": 10}) == D(0)


def test_ratio_with_zero_denominator_is_an_error_unless_the_rule_gives_the_maximum():
    with pytest.raises(ScoringError, match="Tổng số bằng 0"):
        compute_points("ratio", {"mode": "linear"}, D(2), {"numerator": 0, "denominator": 0})
    params = normalize_params("ratio", {"mode": "linear", "zero_denominator": "max"})
    assert compute_points("ratio", params, D(2), {"numerator": 0, "denominator": 0}) == D(2)


def test_ratio_refuses_negative_or_missing_numbers():
    for inputs in ({"numerator": -1, "denominator": 3}, {"numerator": 1, "denominator": -3}):
        with pytest.raises(ScoringError, match="không được âm"):
            compute_points("ratio", {}, D(1), inputs)
    with pytest.raises(ScoringError):
        compute_points("ratio", {}, D(1), {"numerator": 1})
    with pytest.raises(ScoringError):
        compute_points("ratio", {}, D(1), {"numerator": "1,5đ", "denominator": 3})


@pytest.mark.parametrize(
    "params",
    [
        {"mode": "bands"},
        {"mode": "bands", "bands": [{"min_percent": 80}]},
        {"mode": "bands", "bands": [{"min_percent": 80, "percent": 50}, {"min_percent": 80, "percent": 40}]},
        {"mode": "bands", "bands": [{"min_percent": 100, "percent": 50}, {"min_percent": 80, "percent": 60}]},
        {"mode": "bands", "bands": [{"min_percent": 120, "percent": 50}]},
        {"mode": "linear", "bands": [{"min_percent": 80, "percent": 50}]},
        {"mode": "curve"},
        {"feed": "weather"},
        {"zero_denominator": "min"},
        {"colour": "red"},
    ],
)
def test_bad_ratio_parameters_are_refused(params):
    with pytest.raises(ScoringError):
        normalize_params("ratio", params)


def test_ratio_keeps_its_data_feed():
    assert normalize_params("ratio", {"feed": "plan_completion"}) == {
        "mode": "linear",
        "feed": "plan_completion",
    }


# --- count, deduction ------------------------------------------------------------------------


def test_count_is_capped_at_the_maximum():
    params = normalize_params("count", {"per_item": "0,5"})
    assert compute_points("count", params, D("1.5"), {"count": 0}) == D(0)
    assert compute_points("count", params, D("1.5"), {"count": 2}) == D(1)
    assert compute_points("count", params, D("1.5"), {"count": 7}) == D("1.5")


def test_count_refuses_negative_or_fractional_counts():
    params = normalize_params("count", {"per_item": "0.5"})
    with pytest.raises(ScoringError):
        compute_points("count", params, D(1), {"count": -1})
    with pytest.raises(ScoringError, match="số nguyên"):
        compute_points("count", params, D(1), {"count": "1,5"})


def test_deduction_is_floored_at_zero():
    params = normalize_params("deduction", {"per_violation": "0.25"})
    assert compute_points("deduction", params, D(1), {"violations": 0}) == D(1)
    assert compute_points("deduction", params, D(1), {"violations": 3}) == D("0.25")
    assert compute_points("deduction", params, D(1), {"violations": 40}) == D(0)
    with pytest.raises(ScoringError):
        compute_points("deduction", params, D(1), {"violations": -2})


@pytest.mark.parametrize("method,name", [("count", "per_item"), ("deduction", "per_violation")])
def test_count_and_deduction_need_a_positive_amount(method, name):
    for params in ({}, {name: 0}, {name: "-1"}, {name: "abc"}):
        with pytest.raises(ScoringError):
            normalize_params(method, params)


# --- manual, survey --------------------------------------------------------------------------


def test_manual_points_must_be_within_the_maximum_and_on_the_step():
    params = normalize_params("manual", {"step": "0,25"})
    assert compute_points("manual", params, D("1.5"), {"value": "1,25"}) == D("1.25")
    with pytest.raises(ScoringError, match="bội số của 0,25"):
        compute_points("manual", params, D("1.5"), {"value": "1.3"})
    with pytest.raises(ScoringError, match="từ 0 đến 1,5"):
        compute_points("manual", params, D("1.5"), {"value": 2})
    with pytest.raises(ScoringError):
        compute_points("manual", params, D("1.5"), {"value": -1})


def test_manual_without_step_allows_four_decimals_only():
    assert compute_points("manual", {}, D(1), {"value": "0.1234"}) == D("0.1234")
    with pytest.raises(ScoringError, match="4 chữ số thập phân"):
        compute_points("manual", {}, D(1), {"value": "0.12345"})


def test_manual_step_must_divide_the_maximum():
    with pytest.raises(ScoringError, match="không phải là bội số"):
        check_params_against_max("manual", {"step": "0.4"}, D(1))


def test_survey_is_the_maximum_times_the_result_percentage():
    assert compute_points("survey", {}, D(2), {"percent": "87,5"}) == D("1.75")
    assert compute_points("survey", {}, D(2), {"percent": 100}) == D(2)
    with pytest.raises(ScoringError, match="từ 0% đến 100%"):
        compute_points("survey", {}, D(2), {"percent": 101})
    with pytest.raises(ScoringError):
        compute_points("survey", {}, D(2), {})


# --- common ---------------------------------------------------------------------------------------


def test_unknown_method_is_refused_everywhere():
    with pytest.raises(ScoringError, match="Phương pháp chấm"):
        normalize_params("magic", {})
    with pytest.raises(ScoringError):
        compute_points("magic", {}, D(1), {})
    with pytest.raises(ScoringError):
        input_spec("magic", {}, D(1))


def test_unknown_parameter_is_refused():
    with pytest.raises(ScoringError, match="Tham số"):
        normalize_params("count", {"per_item": 1, "per_itme": 2})


def test_input_spec_describes_the_form_fields_of_each_method():
    assert [f["name"] for f in input_spec("ratio", {}, D(1))] == ["numerator", "denominator"]
    assert input_spec("levels", LEVELS, D(1))[0]["choices"][1] == ("chua-day-du", "Chưa đầy đủ")
    assert input_spec("binary", {}, D(1))[0]["type"] == "bool"
    assert input_spec("manual", {"step": "0.25"}, D(1))[0]["step"] == D("0.25")
    assert input_spec("count", {"per_item": "1"}, D(1))[0]["type"] == "int"
    assert input_spec("deduction", {"per_violation": "1"}, D(1))[0]["name"] == "violations"
    assert input_spec("survey", {}, D(1))[0]["name"] == "percent"


def test_describe_reads_like_the_rule():
    assert describe("ratio", normalize_params("ratio", {"bands": [{"min_percent": 80, "percent": 50}]})) == (
        "Tỷ lệ theo mức: ≥ 80% → 50% điểm tối đa; còn lại 0"
    )
    assert describe("levels", LEVELS) == "Theo mức: Đầy đủ = 100%; Chưa đầy đủ = 50%; Không = 0 điểm"
    assert "0,25" in describe("deduction", {"per_violation": "0.25"})
    assert describe("", {}) == ""
    for method in ("binary", "count", "manual", "survey"):
        assert describe(method, {"per_item": "1"} if method == "count" else {})


# --- bands -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,label",
    [
        (D(100), "Xuất sắc"),
        (D(90), "Xuất sắc"),
        (D("89.9999"), "Tốt"),
        (D(80), "Tốt"),
        (D("64.99"), "Trung bình"),
        (D(50), "Trung bình"),
        (D("49.99"), "Yếu"),
        (D(0), "Yếu"),
    ],
)
def test_classify_by_inclusive_lower_bounds(value, label):
    assert classify(value, BANDS) == label


def test_classify_with_strict_bound_and_without_bands():
    bands = [
        {"label": "Tốt", "lower_bound": D(80), "inclusive": False},
        {"label": "Khác", "lower_bound": D(0)},
    ]
    assert classify(D(80), bands) == "Khác"
    assert classify(D("80.0001"), bands) == "Tốt"
    assert classify(D(50), []) is None
    assert classify(None, BANDS) is None
    assert classify(D(-1), BANDS) is None


def test_band_table_must_be_ordered_and_distinct():
    assert check_bands(BANDS) == []
    assert check_bands(list(reversed(BANDS)))
    assert check_bands([{"label": "A", "lower_bound": 1}, {"label": "A", "lower_bound": 0}])
    assert check_bands([{"label": "A", "lower_bound": 1}, {"label": "B", "lower_bound": 1}])
    assert check_bands([{"label": "A", "lower_bound": -1}])


# --- rollup ----------------------------------------------------------------------------------------


def test_rollup_sums_leaves_into_every_ancestor_and_skips_not_applicable():
    parents = {"1": None, "1.1": "1", "1.1.1": "1.1", "1.1.2": "1.1", "1.2": "1"}
    totals = rollup(parents, {"1.1.1": D("0.25"), "1.1.2": D("0.5"), "1.2": None})
    assert totals == {"1": D("0.75"), "1.1": D("0.75"), "1.1.1": D("0.25"), "1.1.2": D("0.5"), "1.2": D(0)}
