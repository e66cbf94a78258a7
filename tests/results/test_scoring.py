"""The pure scoring rules of DESIGN.md §3: index, caps, bands, ranks, lost points, display."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from parindex.results import scoring as s

BANDS = [("Xuất sắc", D(90)), ("Tốt", D(80)), ("Khá", D(65)), ("Trung bình", D(50)), ("Yếu", None)]


@pytest.fixture(autouse=True)
def _vietnamese():
    with translation.override("vi"):
        yield


# --- final points -------------------------------------------------------------------------------


def test_final_points_is_round_two_when_it_exists():
    assert s.final_points(round1=D("1.5"), round2=D(2)) == D(2)


def test_final_points_is_round_one_without_round_two():
    assert s.final_points(round1=D("1.5")) == D("1.5")


def test_final_points_of_a_round_two_zero_is_zero_not_round_one():
    assert s.final_points(round1=D("1.5"), round2=D(0)) == D(0)


def test_final_points_is_none_before_appraisal_even_with_a_self_score():
    assert s.final_points() is None


def test_survey_leaf_takes_survey_points_and_ignores_appraisal():
    assert s.final_points(round1=D(1), survey=D("2.25"), is_survey=True) == D("2.25")
    assert s.final_points(round1=D(1), is_survey=True) is None


# --- index ----------------------------------------------------------------------------------------


def leaves(*items):
    return [
        s.Leaf(key=i, max_points=m, final=f, not_applicable=na, area=a)
        for i, (m, f, na, a) in enumerate(items)
    ]


def test_not_applicable_leaves_leave_the_denominator():
    ls = leaves((D(10), D(8), False, 1), (D(10), D(0), True, 1), (D(5), D(5), False, 2))
    assert s.sum_final(ls) == D(13)
    assert s.sum_max(ls) == D(15)
    assert s.index_percent(s.sum_final(ls), s.sum_max(ls)) == D(100) * 13 / 15


def test_index_adds_bonus_and_subtracts_penalty():
    assert s.index_percent(D(80), D(100), bonus=D(2), penalty=D("0.5")) == D("81.5")


def test_index_is_capped_at_100_unless_the_framework_allows_more():
    assert s.index_percent(D(99), D(100), bonus=D(3)) == D(100)
    assert s.index_percent(D(99), D(100), bonus=D(3), allow_over_max=True) == D(102)


def test_index_is_floored_at_zero():
    assert s.index_percent(D(1), D(100), penalty=D(5)) == D(0)


def test_unit_with_nothing_applicable_has_no_index():
    assert s.index_percent(D(0), D(0)) is None
    ls = leaves((D(10), None, True, 1))
    assert s.outcome("x", ls).index is None


def test_decimal_points_add_up_exactly():
    ls = leaves(
        (D("0.25"), D("0.25"), False, 1), (D("0.5"), D("0.5"), False, 1), (D("0.25"), D("0.25"), False, 1)
    )
    assert s.sum_final(ls) == D(1)
    assert s.index_percent(s.sum_final(ls), s.sum_max(ls)) == D(100)


def test_missing_final_lists_only_applicable_leaves_without_points():
    ls = leaves((D(1), None, False, 1), (D(1), None, True, 1), (D(1), D(1), False, 1))
    assert [leaf.key for leaf in s.missing_final(ls)] == [0]


def test_area_totals_sum_per_area_without_not_applicable_leaves():
    ls = leaves(
        (D(10), D(8), False, "A"), (D(10), D(1), True, "A"), (D(5), D(4), False, "B"), (D(2), None, True, "C")
    )
    assert s.area_totals(ls) == {"A": (D(8), D(10)), "B": (D(4), D(5)), "C": (D(0), D(0))}


# --- caps -------------------------------------------------------------------------------------


def test_bonus_is_capped():
    assert s.capped([D(1), D("1.5")], D(2)) == D(2)
    assert s.capped([D(1), D("0.5")], D(2)) == D("1.5")


def test_no_cap_means_the_plain_sum():
    assert s.capped([D(1), D(4)], None) == D(5)


def test_zero_cap_allows_nothing():
    assert s.capped([D(1)], D(0)) == D(0)


def test_negative_adjustment_is_refused():
    with pytest.raises(ValueError):
        s.capped([D(-1)], None)


def test_outcome_applies_both_caps():
    o = s.outcome(
        "x",
        leaves((D(100), D(80), False, 1)),
        bonuses=[D(5)],
        penalties=[D(1), D(9)],
        bonus_cap=D(2),
        penalty_cap=D(3),
        bands=BANDS,
    )
    assert (o.bonus, o.penalty, o.total, o.index, o.label) == (D(2), D(3), D(79), D(79), "Khá")


# --- classification -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("index", "label"),
    [
        (D(100), "Xuất sắc"),
        (D(90), "Xuất sắc"),
        (D("89.9999"), "Tốt"),
        (D(80), "Tốt"),
        (D("79.99"), "Khá"),
        (D(65), "Khá"),
        (D(50), "Trung bình"),
        (D("49.9999"), "Yếu"),
        (D(0), "Yếu"),
    ],
)
def test_inclusive_bands_include_the_threshold(index, label):
    assert s.classify(index, BANDS) == label


def test_exclusive_band_does_not_include_its_threshold():
    bands = [("Tốt", D(80), False), ("Khá", D(0), True)]
    assert s.classify(D(80), bands) == "Khá"
    assert s.classify(D("80.0001"), bands) == "Tốt"


def test_exclusive_band_is_stricter_than_inclusive_at_the_same_threshold():
    bands = [("A", D(90), True), ("A+", D(90), False), ("B", None)]
    assert s.classify(D(90), bands) == "A"
    assert s.classify(D(91), bands) == "A+"


def test_bands_in_any_order_and_as_objects_or_dicts():
    class Band:
        def __init__(self, label, lower_bound, inclusive=True):
            self.label, self.lower_bound, self.inclusive = label, lower_bound, inclusive

    bands = [Band("Yếu", D(0)), {"label": "Tốt", "lower_bound": D(80)}, Band("Khá", D(65))]
    assert s.classify(D(70), bands) == "Khá"
    assert s.classify(D(85), bands) == "Tốt"


def test_value_below_every_band_has_no_class():
    assert s.classify(D(10), [("Tốt", D(80))]) is None


def test_no_index_has_no_class():
    assert s.classify(None, BANDS) is None


# --- rank -------------------------------------------------------------------------------------------


def test_competition_ranking_skips_after_ties():
    values = {"a": D(100), "b": D(90), "c": D(90), "d": D(80)}
    assert s.rank(values, policy="competition") == {"a": 1, "b": 2, "c": 2, "d": 4}


def test_dense_ranking_does_not_skip():
    values = {"a": D(100), "b": D(90), "c": D(90), "d": D(80)}
    assert s.rank(values, policy="dense") == {"a": 1, "b": 2, "c": 2, "d": 3}


def test_rank_uses_unrounded_values():
    values = {"a": D("82.704"), "b": D("82.696")}  # both display as 82,7
    assert s.rank(values) == {"a": 1, "b": 2}
    assert s.display(values["a"]) == s.display(values["b"]) == "82,7"


def test_equal_rationals_tie_even_with_different_maxima():
    a = s.index_percent(D(50), D(60))
    b = s.index_percent(D(100), D(120))
    assert s.rank({"a": a, "b": b}) == {"a": 1, "b": 1}


def test_unit_with_no_score_is_excluded_from_rank_and_from_n():
    values = {"a": D(80), "b": None, "c": D(70)}
    assert s.rank(values) == {"a": 1, "b": None, "c": 2}
    assert s.rank_of(values) == 2
    assert s.display_rank(None, 2) == "chưa có kết quả"


def test_all_tied():
    assert s.rank({"a": D(5), "b": D(5), "c": D(5)}, policy="competition") == {"a": 1, "b": 1, "c": 1}


def test_unknown_policy_is_refused():
    with pytest.raises(ValueError):
        s.rank({"a": D(1)}, policy="olympic")


def test_rank_group_fills_rank_and_n():
    outs = [
        s.outcome(k, leaves((D(100), p, False, 1)), bands=BANDS)
        for k, p in [("a", D(90)), ("b", D(95)), ("c", None)]
    ]
    ranked = {o.key: (o.rank, o.rank_of) for o in s.rank_group(outs)}
    # "c" has a leaf without final points: it counts as 0, so it has an index of 0 and is ranked last.
    assert ranked == {"a": (2, 3), "b": (1, 3), "c": (3, 3)}


@given(
    st.lists(st.decimals(min_value=0, max_value=100, places=2, allow_nan=False), min_size=1, max_size=30),
    st.sampled_from(["competition", "dense"]),
)
def test_rank_properties(values, policy):
    data = dict(enumerate(values))
    ranks = s.rank(data, policy=policy)
    for i, vi in data.items():
        for j, vj in data.items():
            if vi == vj:
                assert ranks[i] == ranks[j]
            elif vi > vj:
                assert ranks[i] < ranks[j]
        # competition rank = 1 + number strictly better; dense = 1 + number of distinct better values
        better = [v for v in values if v > vi]
        expected = 1 + (len(better) if policy == "competition" else len(set(better)))
        assert ranks[i] == expected
    assert min(ranks.values()) == 1


@given(st.decimals(min_value=-10, max_value=200, places=4, allow_nan=False))
def test_classify_property_matches_the_threshold_table(index):
    label = s.classify(index, BANDS)
    expected = (
        "Xuất sắc"
        if index >= 90
        else "Tốt"
        if index >= 80
        else "Khá"
        if index >= 65
        else "Trung bình"
        if index >= 50
        else "Yếu"
    )
    assert label == expected


@given(
    st.lists(
        st.tuples(
            st.decimals(min_value=0, max_value=10, places=2),
            st.decimals(min_value=0, max_value=1, places=2),
            st.booleans(),
        ),
        min_size=1,
        max_size=20,
    ),
    st.decimals(min_value=0, max_value=5, places=2),
    st.decimals(min_value=0, max_value=5, places=2),
    st.booleans(),
)
def test_index_property_bounds(items, bonus, penalty, over):
    ls = [s.Leaf(key=i, max_points=m, final=m * f, not_applicable=na) for i, (m, f, na) in enumerate(items)]
    index = s.index_percent(s.sum_final(ls), s.sum_max(ls), bonus=bonus, penalty=penalty, allow_over_max=over)
    if s.sum_max(ls) == 0:
        assert index is None
    else:
        assert index >= 0
        if not over:
            assert index <= 100
        if bonus == penalty:
            assert index == min(D(100), 100 * s.sum_final(ls) / s.sum_max(ls)) or over


# --- lost points ------------------------------------------------------------------------------


def test_lost_points_by_appraisal_and_by_self():
    lost = s.lost_points(D(2), D("1.5"), D("0.5"))
    assert (lost.by_appraisal, lost.by_self, lost.total) == (D(1), D("0.5"), D("1.5"))


def test_an_unscored_leaf_counts_self_zero_so_its_loss_is_deducted_by_the_unit():
    lost = s.lost_points(D(2), None, D(0))
    assert (lost.by_appraisal, lost.by_self, lost.total, lost.not_self_scored) == (D(0), D(2), D(2), None)


def test_a_survey_leaf_loses_points_only_in_the_survey_column():
    lost = s.lost_points(D(2), None, D(1), is_survey=True)
    assert (lost.by_appraisal, lost.by_self, lost.total, lost.not_self_scored) == (None, None, D(1), D(1))


def test_appraiser_raising_a_score_gives_negative_deduction():
    assert s.lost_points(D(2), D(1), D(2)).by_appraisal == D(-1)


# --- display ---------------------------------------------------------------------------------------


def test_display_rounds_to_two_decimals_with_a_comma():
    assert s.display(D("82.70")) == "82,7"
    assert s.display(D("82.705")) == "82,71"
    assert s.display(D(5)) == "5"
    assert s.display(None) == ""


def test_rank_display():
    assert s.display_rank(5, 8) == "5/8"


def test_the_seed_sentence():
    text = s.result_sentence(
        position=5,
        of=8,
        total=D("82.7"),
        class_label="Tốt",
        change=s.rank_change(7, 5),
        previous_year=2022,
        index=D("82.7"),
        previous_index=D("80.1"),
        previous_class="Khá",
        previous_rank=7,
        previous_rank_of=8,
        class_order=["Xuất sắc", "Tốt", "Khá"],
    )
    assert text == (
        "Xếp thứ 5/8, 82,7 điểm, xếp loại Tốt; so với năm 2022: Chỉ số tăng 2,6 điểm (từ 80,1 lên 82,7), "
        "xếp loại từ Khá lên Tốt, năm 2022 xếp thứ 7/8, tăng 2 bậc"
    )


def test_sentence_going_down_and_staying():
    assert s.result_sentence(
        position=3,
        of=8,
        total=D(70),
        class_label="Khá",
        change=-1,
        previous_year=2023,
        previous_rank=2,
        previous_rank_of=8,
    ) == ("Xếp thứ 3/8, 70 điểm, xếp loại Khá; so với năm 2023: năm 2023 xếp thứ 2/8, giảm 1 bậc")
    assert s.rank_change_text(0) == "giữ nguyên thứ hạng"


def test_places_are_compared_only_within_the_same_peer_group_of_the_same_size():
    same = {"peer_key": "3:commune", "previous_peer_key": "1:commune"}
    assert s.comparable_ranks(rank_of=8, previous_rank_of=8, **same)
    assert not s.comparable_ranks(rank_of=4, previous_rank_of=20, **same)
    assert not s.comparable_ranks(
        peer_key="3:commune:g1", previous_peer_key="1:commune:p5", rank_of=8, previous_rank_of=8
    )


def test_sentence_without_a_result():
    assert s.result_sentence(position=None, of=8, total=None, class_label=None) == "Chưa có kết quả"


def test_rank_change_is_positive_when_moving_up_and_none_without_history():
    assert s.rank_change(7, 5) == 2
    assert s.rank_change(None, 5) is None


unit_strategy = st.tuples(
    st.lists(
        st.tuples(
            st.sampled_from([D("0.25"), D("0.5"), D(1), D(2)]),
            st.sampled_from([D(0), D("0.5"), D(1)]),
            st.booleans(),
        ),
        min_size=1,
        max_size=6,
    ),
    st.sampled_from([D(0), D("0.5"), D(3)]),
    st.sampled_from([D(0), D("0.25"), D(2)]),
)


@given(
    st.lists(unit_strategy, min_size=1, max_size=12), st.sampled_from(["competition", "dense"]), st.booleans()
)
def test_group_outcomes_match_a_naive_oracle(units, policy, over):
    """Totals, index, class and rank of a whole peer group against a straightforward re-computation."""
    outcomes = []
    expected_index = {}
    for key, (items, bonus, penalty) in enumerate(units):
        ls = [
            s.Leaf(key=i, max_points=m, final=m * f, not_applicable=na) for i, (m, f, na) in enumerate(items)
        ]
        outcomes.append(
            s.outcome(
                key,
                ls,
                bonuses=[bonus] if bonus else [],
                penalties=[penalty] if penalty else [],
                bonus_cap=D(2),
                penalty_cap=D(1),
                allow_over_max=over,
                bands=BANDS,
            )
        )
        num = sum((m * f for m, f, na in items if not na), D(0)) + min(bonus, D(2)) - min(penalty, D(1))
        den = sum((m for m, f, na in items if not na), D(0))
        if den == 0:
            expected_index[key] = None
        else:
            value = max(D(0), num * 100 / den)
            expected_index[key] = value if over else min(D(100), value)
    ranked = {o.key: o for o in s.rank_group(outcomes, policy=policy)}
    scored = [v for v in expected_index.values() if v is not None]
    for key, value in expected_index.items():
        o = ranked[key]
        assert o.index == value
        if value is None:
            assert o.rank is None and o.label is None
            continue
        better = [v for v in scored if v > value]
        assert o.rank == 1 + (len(better) if policy == "competition" else len(set(better)))
        assert o.rank_of == len(scored)
        assert o.label == (
            "Xuất sắc"
            if value >= 90
            else "Tốt"
            if value >= 80
            else "Khá"
            if value >= 65
            else "Trung bình"
            if value >= 50
            else "Yếu"
        )
