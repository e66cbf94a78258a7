"""The readable parameter syntax of the .xlsx layout."""

import pytest

from parindex.frameworks.paramtext import format_params, parse_method, parse_params
from parindex.frameworks.scoring import ScoringError


@pytest.mark.parametrize(
    "method,text,expected",
    [
        ("binary", "", {}),
        (
            "levels",
            "Đầy đủ=100%; Chưa đầy đủ=50%; Không=0",
            {
                "levels": [
                    {"key": "day-du", "label": "Đầy đủ", "percent": "100"},
                    {"key": "chua-day-du", "label": "Chưa đầy đủ", "percent": "50"},
                    {"key": "khong", "label": "Không", "points": "0"},
                ]
            },
        ),
        (
            "levels",
            "levels: A=0,75; B=0",
            {
                "levels": [
                    {"key": "a", "label": "A", "points": "0.75"},
                    {"key": "b", "label": "B", "points": "0"},
                ]
            },
        ),
        ("ratio", "", {"mode": "linear"}),
        ("ratio", "tuyến tính", {"mode": "linear"}),
        ("ratio", "Tuyen tinh; mẫu số 0=tối đa", {"mode": "linear", "zero_denominator": "max"}),
        (
            "ratio",
            "ratio: bands 100%→100%; 80%->50%; feed=plan_completion",
            {
                "mode": "bands",
                "bands": [{"min_percent": "100", "percent": "100"}, {"min_percent": "80", "percent": "50"}],
                "feed": "plan_completion",
            },
        ),
        ("ratio", "≥95% => 100%", {"mode": "bands", "bands": [{"min_percent": "95", "percent": "100"}]}),
        ("count", "mỗi=0,5", {"per_item": "0.5"}),
        ("count", "0.5", {"per_item": "0.5"}),
        ("deduction", "Mỗi = 0,25", {"per_violation": "0.25"}),
        ("manual", "bước=0,25", {"step": "0.25"}),
        ("manual", "", {}),
        ("survey", "SIPAS", {"instrument": "SIPAS"}),
    ],
)
def test_parameter_text_is_parsed_into_canonical_parameters(method, text, expected):
    assert parse_params(method, text) == expected


@pytest.mark.parametrize(
    "method,text,message",
    [
        ("binary", "x", "không có tham số"),
        ("levels", "Đầy đủ 100%", "nhãn=100%"),
        ("levels", "A=100%", "ít nhất hai mức"),
        ("ratio", "100%→abc", "phần trăm"),
        ("ratio", "100→100%", "phần trăm"),
        ("ratio", "tuyến tính; 80%→50%", "tuyến tính"),
        ("ratio", "mẫu số 0=0", "mẫu số 0=tối đa"),
        ("ratio", "feed=weather", "weather"),
        ("ratio", "gì đó", "Không hiểu"),
        ("count", "mỗi=1,5đ", "không phải là số"),
        ("count", "", "cần tham số"),
        ("count", "1; 2", "một số"),
        ("deduction", "mức=1", "Tham số"),
        ("levels", "count: 1", "viết cho phương pháp count"),
    ],
)
def test_bad_parameter_text_gives_a_vietnamese_reason(method, text, message):
    with pytest.raises(ScoringError, match=message):
        parse_params(method, text)


def test_method_names_are_accepted_in_english_or_vietnamese():
    assert parse_method("Tỷ lệ") == "ratio"
    assert parse_method("levels") == "levels"
    assert parse_method("ĐIỀU TRA") == "survey"
    assert parse_method("") == ""
    with pytest.raises(ScoringError, match="Phương pháp chấm “magic” không tồn tại"):
        parse_method("magic")


@pytest.mark.parametrize(
    "method,params",
    [
        ("binary", {}),
        (
            "levels",
            {
                "levels": [
                    {"label": "Đạt, đúng hạn", "percent": "100"},
                    {"label": "Chậm", "percent": "37.5"},
                    {"label": "Không", "points": "0.25"},
                ]
            },
        ),
        ("ratio", {"mode": "linear", "zero_denominator": "max", "feed": "remediation"}),
        (
            "ratio",
            {
                "mode": "bands",
                "bands": [{"min_percent": "99.5", "percent": "100"}, {"min_percent": "0", "percent": "12.5"}],
            },
        ),
        ("count", {"per_item": "0.0625"}),
        ("deduction", {"per_violation": "2"}),
        ("manual", {"step": "0.25"}),
        ("manual", {}),
        ("survey", {}),
    ],
)
def test_formatting_then_parsing_gives_the_same_parameters(method, params):
    from parindex.frameworks.scoring import normalize_params

    canonical = normalize_params(method, params)
    assert parse_params(method, format_params(method, canonical)) == canonical
