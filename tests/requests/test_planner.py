"""The pure reminder planner and status rules, with a fake clock."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from parindex.requests.planner import (
    Progress,
    Schedule,
    TrackStatus,
    due_steps,
    format_deadline,
    planned_steps,
    track_status,
)
from tests.requests.conftest import DEADLINE, ISSUED_AT, local

DEFAULT = Schedule()


def keys(steps):
    return [s.key.split("@")[0] for s in steps]


def test_default_schedule_is_7_3_1_days_before_on_the_day_then_every_2_days():
    steps = planned_steps(DEADLINE, DEFAULT)
    assert keys(steps)[:6] == ["before-7", "before-3", "before-1", "on-day", "overdue-1", "overdue-2"]
    assert steps[0].at == local(2024, 3, 12, 7)
    assert steps[1].at == local(2024, 3, 16, 7)
    assert steps[2].at == local(2024, 3, 18, 7)
    assert steps[3].at == local(2024, 3, 19, 7)
    assert steps[4].at == local(2024, 3, 21, 7)
    assert steps[5].at == local(2024, 3, 23, 7)
    assert len([s for s in steps if s.kind == "overdue"]) == DEFAULT.overdue_max


def test_on_day_reminder_of_an_early_morning_deadline_fires_at_the_deadline():
    deadline = local(2024, 3, 19, 6, 30)
    on_day = [s for s in planned_steps(deadline, DEFAULT) if s.kind == "on_day"][0]
    assert on_day.at == deadline


def test_nothing_is_due_before_the_first_step():
    assert due_steps(DEADLINE, DEFAULT, [], local(2024, 3, 12, 6, 59), since=ISSUED_AT) == []


def test_each_step_is_due_at_its_time_and_only_once():
    sent: list[str] = []
    clock = ISSUED_AT
    while clock < local(2024, 3, 24):
        for step in due_steps(DEADLINE, DEFAULT, sent, clock, since=ISSUED_AT):
            sent.append(step.key)
        clock += dt.timedelta(minutes=30)
    assert [k.split("@")[0] for k in sent] == [
        "before-7",
        "before-3",
        "before-1",
        "on-day",
        "overdue-1",
        "overdue-2",
    ]
    assert len(set(sent)) == len(sent)


def test_a_worker_stopped_for_days_sends_only_the_latest_step_when_it_restarts():
    sent = [s.key for s in due_steps(DEADLINE, DEFAULT, [], local(2024, 3, 12, 8), since=ISSUED_AT)]
    # Worker down from 12/03 to 18/03 08h00: "3 days before" was missed, "1 day before" is due now.
    due = due_steps(DEADLINE, DEFAULT, sent, local(2024, 3, 18, 8), since=ISSUED_AT)
    assert keys(due) == ["before-1"]
    sent += [s.key for s in due]
    # The missed "3 days before" never comes back.
    assert due_steps(DEADLINE, DEFAULT, sent, local(2024, 3, 18, 9), since=ISSUED_AT) == []


def test_steps_planned_before_the_request_existed_are_not_sent():
    created = local(2024, 3, 17, 14)
    assert due_steps(DEADLINE, DEFAULT, [], local(2024, 3, 17, 15), since=created) == []
    assert keys(due_steps(DEADLINE, DEFAULT, [], local(2024, 3, 18, 7), since=created)) == ["before-1"]


def test_moving_the_deadline_starts_a_fresh_series():
    sent = [s.key for s in due_steps(DEADLINE, DEFAULT, [], local(2024, 3, 19, 8), since=ISSUED_AT)]
    later = local(2024, 3, 29, 10)
    assert keys(due_steps(later, DEFAULT, sent, local(2024, 3, 22, 8), since=ISSUED_AT)) == ["before-7"]


def test_no_overdue_reminders_when_the_schedule_says_zero():
    schedule = Schedule(days_before=(1,), overdue_every=0)
    assert keys(planned_steps(DEADLINE, schedule)) == ["before-1"]


@settings(max_examples=60, deadline=None)
@given(ticks=st.lists(st.integers(min_value=1, max_value=60 * 60 * 24 * 3), min_size=1, max_size=40))
def test_any_clock_never_sends_a_step_twice_and_sends_in_time_order(ticks):
    sent: list[str] = []
    times = []
    clock = ISSUED_AT
    for seconds in ticks:
        clock += dt.timedelta(seconds=seconds)
        for step in due_steps(DEADLINE, DEFAULT, sent, clock, since=ISSUED_AT):
            assert step.at <= clock
            sent.append(step.key)
            times.append(step.at)
    assert len(sent) == len(set(sent))
    assert times == sorted(times)


def test_status_is_derived_from_delivery_deadline_and_clock():
    before, after = local(2024, 3, 18), local(2024, 3, 20)
    assert track_status(Progress.NONE, None, DEADLINE, before) == TrackStatus.NOT_STARTED
    assert track_status(Progress.STARTED, None, DEADLINE, before) == TrackStatus.IN_PROGRESS
    assert track_status(Progress.STARTED, None, DEADLINE, after) == TrackStatus.OVERDUE
    assert track_status(Progress.NONE, None, DEADLINE, after) == TrackStatus.OVERDUE
    assert track_status(Progress.DELIVERED, DEADLINE, DEADLINE, after) == TrackStatus.ON_TIME
    assert track_status(Progress.DELIVERED, after, DEADLINE, after) == TrackStatus.LATE


def test_deadline_is_written_the_way_the_letters_write_it():
    assert format_deadline(DEADLINE) == "10h00 19/03/2024"
    assert format_deadline(DEADLINE.astimezone(dt.UTC)) == "10h00 19/03/2024"
