"""The completion rate, exhaustively, without a database."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parindex.plans import completion as c

TODAY = dt.date(2023, 11, 1)
D = dt.date


def counts_of(*progresses):
    return c.count_progress(progresses)


@pytest.mark.parametrize(
    ("status", "due", "done_on", "expected"),
    [
        (c.NOT_STARTED, None, None, c.NOT_STARTED),
        (c.NOT_STARTED, D(2023, 12, 1), None, c.NOT_STARTED),
        (c.NOT_STARTED, D(2023, 10, 31), None, c.OVERDUE),
        (c.IN_PROGRESS, D(2023, 10, 31), None, c.OVERDUE),
        (c.IN_PROGRESS, TODAY, None, c.IN_PROGRESS),  # the due day itself is not overdue
        (c.IN_PROGRESS, None, None, c.IN_PROGRESS),
        (c.DONE, D(2023, 10, 1), D(2023, 10, 1), c.DONE_ON_TIME),
        (c.DONE, D(2023, 10, 1), D(2023, 9, 1), c.DONE_ON_TIME),
        (c.DONE, D(2023, 10, 1), D(2023, 10, 2), c.DONE_LATE),
        (c.DONE, None, D(2023, 10, 2), c.DONE_ON_TIME),  # no due date: cannot be late
        (c.DONE, D(2023, 1, 1), None, c.DONE_ON_TIME),
        (c.CANCELLED, D(2020, 1, 1), None, c.CANCELLED),  # cancelled is never overdue
    ],
)
def test_progress_is_derived_from_state_and_dates(status, due, done_on, expected):
    assert c.progress(status, due, done_on, TODAY) == expected


def test_overdue_means_due_date_passed_and_not_done():
    assert c.is_overdue(c.IN_PROGRESS, D(2023, 10, 31), TODAY)
    assert not c.is_overdue(c.IN_PROGRESS, TODAY, TODAY)
    assert not c.is_overdue(c.DONE, D(2023, 1, 1), TODAY)
    assert not c.is_overdue(c.CANCELLED, D(2023, 1, 1), TODAY)
    assert not c.is_overdue(c.NOT_STARTED, None, TODAY)


def test_rate_is_done_over_planned_minus_cancelled():
    counts = counts_of(c.DONE_ON_TIME, c.DONE_ON_TIME, c.DONE_LATE, c.OVERDUE, c.CANCELLED)
    assert counts.planned == 5
    assert counts.denominator == 4
    assert counts.done == 3
    assert counts.rate == Decimal("75.0000")
    assert counts.on_time_rate == Decimal("50.0000")


def test_cancelled_tasks_leave_the_denominator():
    assert counts_of(c.DONE_ON_TIME, c.CANCELLED, c.CANCELLED).rate == Decimal(100)


def test_late_tasks_count_as_done_but_not_on_time():
    counts = counts_of(c.DONE_LATE, c.DONE_LATE)
    assert counts.rate == Decimal(100)
    assert counts.on_time_rate == Decimal(0)


def test_empty_plan_has_no_rate():
    assert c.Counts().rate is None
    assert c.Counts().on_time_rate is None
    assert counts_of(c.CANCELLED).rate is None
    assert counts_of(c.CANCELLED).is_empty


def test_plan_with_nothing_done_is_zero_not_undefined():
    assert counts_of(c.NOT_STARTED, c.OVERDUE).rate == Decimal(0)


def test_rate_is_rounded_half_up_to_four_places():
    assert counts_of(c.DONE_ON_TIME, c.NOT_STARTED, c.NOT_STARTED).rate == Decimal("33.3333")
    assert counts_of(c.DONE_ON_TIME, c.DONE_ON_TIME, c.NOT_STARTED).rate == Decimal("66.6667")


def test_roll_up_adds_counts_rather_than_averaging_rates():
    big = c.Counts(planned=40, done_on_time=40)  # 100 %
    small = c.Counts(planned=4)  # 0 %
    rolled = c.total([big, small])
    assert rolled.rate == c.percent(40, 44) == Decimal("90.9091")
    assert rolled.rate != Decimal(50)  # the mean of the rates


def test_empty_unit_does_not_change_a_roll_up():
    full = c.Counts(planned=3, done_on_time=1, done_late=1, not_started=1)
    assert c.total([full, c.Counts()]).rate == full.rate
    assert c.total([]).rate is None


def test_group_counts_per_area_keeps_first_seen_order():
    tasks = [("B", c.DONE_ON_TIME), ("A", c.OVERDUE), ("B", c.CANCELLED), ("A", c.DONE_LATE)]
    groups = c.group_counts(tasks, key=lambda t: t[0], progress_of=lambda t: t[1])
    assert list(groups) == ["B", "A"]
    assert groups["B"].rate == Decimal(100)
    assert groups["A"].rate == Decimal(50)
    assert groups["A"].on_time_rate == Decimal(0)


def test_ratio_inputs_are_done_and_planned_minus_cancelled():
    counts = counts_of(c.DONE_ON_TIME, c.DONE_LATE, c.IN_PROGRESS, c.CANCELLED)
    assert c.ratio_inputs(counts) == {"numerator": Decimal(2), "denominator": Decimal(3)}


def test_ratio_inputs_of_empty_plan_are_none_so_leaf_is_left_to_the_officer():
    assert c.ratio_inputs(c.Counts()) is None
    assert c.ratio_inputs(counts_of(c.CANCELLED)) is None


def test_unknown_progress_is_refused():
    with pytest.raises(ValueError):
        counts_of("finished")


def test_negative_counts_are_refused():
    with pytest.raises(ValueError):
        c.percent(-1, 3)


progress_values = st.sampled_from([c.NOT_STARTED, c.IN_PROGRESS, c.DONE_ON_TIME, c.DONE_LATE, c.OVERDUE, c.CANCELLED])


@given(st.lists(st.lists(progress_values, max_size=20), max_size=6))
def test_roll_up_equals_counting_all_tasks_at_once(groups):
    per_group = [c.count_progress(g) for g in groups]
    everything = c.count_progress([p for g in groups for p in g])
    assert c.total(per_group) == everything


@given(st.lists(progress_values, max_size=40))
def test_rates_stay_between_0_and_100_and_on_time_never_exceeds_done(values):
    counts = c.count_progress(values)
    assert counts.planned == len(values)
    assert counts.done + counts.open + counts.cancelled == counts.planned
    if counts.rate is None:
        assert counts.denominator == 0
    else:
        assert Decimal(0) <= counts.on_time_rate <= counts.rate <= Decimal(100)
