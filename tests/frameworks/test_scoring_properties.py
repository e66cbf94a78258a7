"""Property tests (hypothesis): points never leave [0, max], sums are exact, parents are sums."""

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from parindex.frameworks.scoring import QUANTUM, ScoringError, compute_points, normalize_params, rollup

# Maxima as officials write them: multiples of 0,25 up to 20 (and some with 4 decimals).
maxima = st.one_of(
    st.integers(min_value=0, max_value=80).map(lambda n: Decimal(n) / 4),
    st.decimals(min_value=0, max_value=100, places=4, allow_nan=False, allow_infinity=False),
)
counts = st.integers(min_value=0, max_value=10_000)
amounts = st.decimals(
    min_value=Decimal("0.0001"), max_value=50, places=4, allow_nan=False, allow_infinity=False
)
percents = st.decimals(min_value=0, max_value=100, places=4, allow_nan=False, allow_infinity=False)


def within(points: Decimal, maximum: Decimal) -> bool:
    return (
        Decimal(0) <= points <= maximum and points == points.quantize(QUANTUM) and isinstance(points, Decimal)
    )


ratio_params = st.one_of(
    st.just({"mode": "linear"}),
    st.lists(st.tuples(percents, percents), min_size=1, max_size=5, unique_by=lambda t: t[0]).map(
        lambda pairs: {
            "mode": "bands",
            "bands": [
                {"min_percent": str(t), "percent": str(a)}
                for t, a in zip(
                    sorted((p[0] for p in pairs), reverse=True),
                    sorted((p[1] for p in pairs), reverse=True),
                    strict=True,
                )
            ],
        }
    ),
)


@settings(max_examples=300)
@given(maxima, ratio_params, counts, counts)
def test_ratio_points_never_leave_zero_to_max(maximum, params, numerator, denominator):
    params = normalize_params("ratio", params)
    try:
        points = compute_points(
            "ratio", params, maximum, {"numerator": numerator, "denominator": denominator}
        )
    except ScoringError:
        assert denominator == 0
        return
    assert within(points, maximum)
    if params["mode"] == "linear" and numerator >= denominator:
        assert points == maximum.quantize(QUANTUM)


@settings(max_examples=300)
@given(maxima, amounts, counts)
def test_count_and_deduction_never_leave_zero_to_max(maximum, amount, n):
    counted = compute_points("count", normalize_params("count", {"per_item": amount}), maximum, {"count": n})
    deducted = compute_points(
        "deduction", normalize_params("deduction", {"per_violation": amount}), maximum, {"violations": n}
    )
    assert within(counted, maximum)
    assert within(deducted, maximum)
    assert counted == min(maximum, n * amount).quantize(QUANTUM, rounding=ROUND_HALF_UP)
    assert deducted == max(Decimal(0), maximum - n * amount).quantize(QUANTUM, rounding=ROUND_HALF_UP)


@settings(max_examples=300)
@given(maxima, percents)
def test_survey_and_levels_never_leave_zero_to_max(maximum, percent):
    assert within(compute_points("survey", {}, maximum, {"percent": percent}), maximum)
    levels = normalize_params(
        "levels", {"levels": [{"label": "A", "percent": percent}, {"label": "B", "points": "0"}]}
    )
    assert within(compute_points("levels", levels, maximum, {"level": "a"}), maximum)
    assert within(compute_points("binary", {}, maximum, {"value": True}), maximum)


@settings(max_examples=200)
@given(st.lists(st.integers(min_value=0, max_value=8), min_size=1, max_size=60))
def test_quarter_points_add_up_exactly(quarters):
    """0,25 + 0,5 + 0,25 … is exact: the sum of leaf points equals the sum computed in integers."""
    leaves = [Decimal(q) / 4 for q in quarters]
    points = [compute_points("manual", {"step": "0.25"}, Decimal(2), {"value": value}) for value in leaves]
    assert sum(points, Decimal(0)) == Decimal(sum(quarters)) / 4


@st.composite
def trees(draw):
    """A random tree of codes ("1", "1.2", "1.2.3") with random leaf points."""
    parents: dict[str, str | None] = {}
    frontier = [None]
    for _ in range(draw(st.integers(min_value=1, max_value=40))):
        parent = draw(st.sampled_from(frontier))
        siblings = [c for c, p in parents.items() if p == parent]
        code = f"{parent}.{len(siblings) + 1}" if parent else str(len(siblings) + 1)
        parents[code] = parent
        frontier.append(code)
    leaves = [c for c in parents if c not in parents.values()]
    values = {c: draw(st.one_of(st.none(), st.decimals(min_value=0, max_value=10, places=4))) for c in leaves}
    return parents, values


@settings(max_examples=200)
@given(trees())
def test_parent_points_are_the_exact_sum_of_their_children(tree):
    parents, values = tree
    totals = rollup(parents, values)
    for code in parents:
        children = [c for c, p in parents.items() if p == code]
        if children:
            assert totals[code] == sum((totals[c] for c in children), Decimal(0))
        else:
            assert totals[code] == (values[code] or Decimal(0))
    top = [c for c, p in parents.items() if p is None]
    assert sum((totals[c] for c in top), Decimal(0)) == sum(
        (v for v in values.values() if v is not None), Decimal(0)
    )


@settings(max_examples=300)
@given(maxima, percents)
def test_survey_points_are_the_maximum_times_the_percentage(maximum, percent):
    expected = (maximum * percent / 100).quantize(QUANTUM, rounding=ROUND_HALF_UP)
    assert compute_points("survey", {}, maximum, {"percent": percent}) == expected


@settings(max_examples=300)
@given(st.integers(min_value=1, max_value=80), st.decimals(min_value=0, max_value=20, places=4))
def test_manual_points_are_accepted_exactly_when_on_the_step_and_within_the_maximum(quarters, value):
    maximum = Decimal(quarters) / 4
    on_step = value % Decimal("0.25") == 0 and value <= maximum
    try:
        points = compute_points("manual", {"step": "0.25"}, maximum, {"value": value})
    except ScoringError:
        assert not on_step
    else:
        assert on_step and points == value
