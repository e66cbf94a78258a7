"""The pure survey math: weighting, "không biết" exclusion, leaf scores, sample size, draws."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from math import ceil

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parindex.surveys import scoring

W = {"A": Decimal(100), "B": Decimal(60), "C": Decimal(20), "D": Decimal(0), "K": None}


def test_default_weights_are_100_60_20_0_and_dont_know_has_none():
    weights = {key: weight for key, _label, weight in scoring.DEFAULT_OPTIONS}
    assert weights == W


def test_question_score_weights_each_answer():
    # 2×100 + 1×60 + 1×20 + 0 = 280 over 5 answers = 56 %
    assert scoring.question_score({"A": 2, "B": 1, "C": 1, "D": 1}, W) == Decimal(56)


def test_dont_know_leaves_numerator_and_denominator():
    with_k = scoring.question_score({"A": 1, "D": 1, "K": 8}, W)
    assert with_k == Decimal(50)
    assert with_k == scoring.question_score({"A": 1, "D": 1}, W)


def test_only_dont_know_answers_give_no_score_not_zero():
    assert scoring.question_score({"K": 5}, W) is None
    assert scoring.question_score({}, W) is None


def test_all_a_is_100_and_all_d_is_0():
    assert scoring.question_score({"A": 7}, W) == 100
    assert scoring.question_score({"D": 7}, W) == 0


def test_unknown_option_and_negative_counts_are_refused():
    with pytest.raises(KeyError):
        scoring.question_score({"E": 1}, W)
    with pytest.raises(ValueError):
        scoring.question_score({"A": -1}, W)
    with pytest.raises(ValueError):
        scoring.question_score({"A": 1}, {"A": Decimal(120)})


def test_thirds_stay_exact_enough_and_round_half_up_to_four_places():
    score = scoring.question_score({"A": 1, "D": 2}, W)  # 33.333…
    assert scoring.round_percent(score) == Decimal("33.3333")
    assert scoring.round_percent(Decimal("66.66665")) == Decimal("66.6667")


def test_leaf_score_is_the_weighted_mean_of_question_scores():
    assert scoring.leaf_score([(Decimal(100), Decimal(1)), (Decimal(50), Decimal(1))]) == 75
    assert scoring.leaf_score([(Decimal(100), Decimal(3)), (Decimal(0), Decimal(1))]) == 75


def test_leaf_score_skips_questions_without_score():
    assert scoring.leaf_score([(None, Decimal(1)), (Decimal(80), Decimal(1))]) == 80
    assert scoring.leaf_score([(None, Decimal(1))]) is None
    assert scoring.leaf_score([]) is None


def test_leaf_points_are_max_times_percent():
    assert scoring.leaf_points(Decimal(2), Decimal(75)) == Decimal("1.5000")
    assert scoring.leaf_points(Decimal(2), Decimal(100) / 3) == Decimal("0.6667")
    assert scoring.leaf_points(Decimal(2), None) is None


@pytest.mark.parametrize(
    ("population", "margin", "expected"),
    [
        (0, "0.05", 0),
        (1, "0.05", 1),
        (10, "0.05", 10),  # 10 / 1.025 = 9.76 → 10
        (100, "0.05", 80),  # 100 / 1.25 = 80 exactly
        (101, "0.05", 81),  # 80.4 → 81
        (400, "0.05", 200),
        (1000, "0.05", 286),  # 285.71 → 286
        (1000, "0.1", 91),  # 90.9 → 91
        (10000, "0.05", 385),
    ],
)
def test_sample_size_follows_the_formula_rounded_up(population, margin, expected):
    assert scoring.sample_size(population, Decimal(margin)) == expected


def test_sample_size_default_margin_is_five_percent():
    assert scoring.sample_size(1000) == 286


def test_sample_size_refuses_bad_input():
    with pytest.raises(ValueError):
        scoring.sample_size(-1)
    with pytest.raises(ValueError):
        scoring.sample_size(10, Decimal(0))
    with pytest.raises(ValueError):
        scoring.sample_size(10, Decimal(1))


@given(st.integers(min_value=0, max_value=10**6), st.sampled_from(["0.01", "0.03", "0.05", "0.1", "0.2"]))
def test_sample_size_property_matches_exact_formula_and_never_exceeds_population(population, margin):
    n = scoring.sample_size(population, Decimal(margin))
    e = Fraction(margin)
    assert n <= population
    if population:
        assert n == min(population, ceil(Fraction(population) / (1 + population * e * e)))


def test_draw_is_reproducible_from_the_seed_whatever_the_input_order():
    ids = list(range(1, 101))
    first = scoring.draw(ids, 10, "seed-2024")
    assert first == scoring.draw(list(reversed(ids)), 10, "seed-2024")
    assert len(first) == 10 and len(set(first)) == 10 and set(first) <= set(ids)
    assert first == sorted(first)


def test_draw_changes_with_the_seed():
    ids = list(range(1, 101))
    assert scoring.draw(ids, 10, "a") != scoring.draw(ids, 10, "b")


def test_draw_takes_everyone_when_the_sample_is_not_smaller():
    assert scoring.draw([3, 1, 2], 5, "x") == [1, 2, 3]
    assert scoring.draw([], 2, "x") == []
    with pytest.raises(ValueError):
        scoring.draw([1], -1, "x")


def test_response_rate():
    assert scoring.response_rate(8, 10) == 80
    assert scoring.response_rate(0, 10) == 0
    assert scoring.response_rate(3, 0) is None


def test_distribution_shares():
    rows = scoring.distribution({"A": 3, "K": 1}, ["A", "B", "K"])
    assert rows == [("A", 3, Decimal(75)), ("B", 0, Decimal(0)), ("K", 1, Decimal(25))]
    assert scoring.distribution({}, ["A"]) == [("A", 0, None)]


@given(st.dictionaries(st.sampled_from(["A", "B", "C", "D", "K"]), st.integers(min_value=0, max_value=500)))
def test_question_score_is_between_0_and_100_and_ignores_dont_know(counts):
    score = scoring.question_score(counts, W)
    without_k = {k: v for k, v in counts.items() if k != "K"}
    assert score == scoring.question_score(without_k, W)
    if score is not None:
        assert 0 <= score <= 100
