"""Completion rate of annual reform plans — pure functions over plain data, no database.

Definitions (the seeds: "tổng số nhiệm vụ hoàn thành / tổng số nhiệm vụ đã đề ra"):

* **planned** — every task of the plan, cancelled ones included;
* **denominator** — ``planned − cancelled``: a cancelled task (with its reason) leaves the plan;
* **done** — tasks done, on time or late; a late task still counts as done;
* **completion rate** — ``100 × done / (planned − cancelled)``;
* **on-time rate** — ``100 × done on time / (planned − cancelled)``: the share of the plan that
  was finished by its due date (so it is never above the completion rate);
* **empty plan** (``planned − cancelled == 0``: no task, or every task cancelled) — both rates are
  *undefined* (``None``, shown as "—"), never 0 % nor 100 %.

Derived progress of one task (``progress``):

* cancelled → ``cancelled`` (whatever the dates);
* done → ``done_late`` if the completion date is after the due date, else ``done_on_time``
  (a task without a due date cannot be late);
* not done, due date strictly before *today* → ``overdue`` (the due day itself is still on time);
* else the stored state: ``not_started`` or ``in_progress``.

Roll-ups over areas or units add the **counts**, then compute the rate of the sums
(Σ done / Σ denominator) — never the mean of the units' rates: a commune with 40 tasks
weighs more than one with 4, and an empty plan does not drag a mean towards 0 or 100.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

# Stored states (what a user sets) ------------------------------------------------------------
NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
DONE = "done"
CANCELLED = "cancelled"
# Derived progress (what the system shows) ---------------------------------------------------
DONE_ON_TIME = "done_on_time"
DONE_LATE = "done_late"
OVERDUE = "overdue"

RATE_QUANTUM = Decimal("0.0001")
HUNDRED = Decimal(100)


def progress(status: str, due_date: dt.date | None, completion_date: dt.date | None, today: dt.date) -> str:
    """The derived progress of one task (see the module docstring for the rules)."""
    if status == CANCELLED:
        return CANCELLED
    if status == DONE:
        if due_date is not None and completion_date is not None and completion_date > due_date:
            return DONE_LATE
        return DONE_ON_TIME
    if due_date is not None and due_date < today:
        return OVERDUE
    return IN_PROGRESS if status == IN_PROGRESS else NOT_STARTED


def is_overdue(status: str, due_date: dt.date | None, today: dt.date) -> bool:
    """Due date passed and the task is neither done nor cancelled."""
    return status not in (DONE, CANCELLED) and due_date is not None and due_date < today


def percent(numerator: int, denominator: int) -> Decimal | None:
    """``100 × numerator / denominator`` rounded half-up to 4 places; ``None`` if the denominator is 0."""
    if denominator < 0 or numerator < 0:
        raise ValueError("counts cannot be negative")
    if denominator == 0:
        return None
    return (Decimal(numerator) * HUNDRED / Decimal(denominator)).quantize(RATE_QUANTUM, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Counts:
    """Task counts of a plan, an area, a unit or a roll-up. Add them with ``+`` or ``total()``."""

    planned: int = 0
    cancelled: int = 0
    done_on_time: int = 0
    done_late: int = 0
    overdue: int = 0
    in_progress: int = 0
    not_started: int = 0

    @property
    def done(self) -> int:
        return self.done_on_time + self.done_late

    @property
    def denominator(self) -> int:
        """Tasks that count: planned minus cancelled."""
        return self.planned - self.cancelled

    @property
    def open(self) -> int:
        """Tasks still to do (not started, in progress or overdue)."""
        return self.denominator - self.done

    @property
    def is_empty(self) -> bool:
        return self.denominator == 0

    @property
    def rate(self) -> Decimal | None:
        """Completion rate in percent, or None for an empty plan."""
        return percent(self.done, self.denominator)

    @property
    def on_time_rate(self) -> Decimal | None:
        """On-time rate in percent (done on time / (planned − cancelled)), or None for an empty plan."""
        return percent(self.done_on_time, self.denominator)

    def __add__(self, other: Counts) -> Counts:
        if not isinstance(other, Counts):
            return NotImplemented
        return Counts(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    def as_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data.update(done=self.done, denominator=self.denominator, rate=self.rate, on_time_rate=self.on_time_rate)
        return data


_PROGRESS_FIELD = {
    CANCELLED: "cancelled",
    DONE_ON_TIME: "done_on_time",
    DONE_LATE: "done_late",
    OVERDUE: "overdue",
    IN_PROGRESS: "in_progress",
    NOT_STARTED: "not_started",
}


def count_progress(progresses: Iterable[str]) -> Counts:
    """Counts from derived progress values (one per task)."""
    tally = dict.fromkeys(_PROGRESS_FIELD.values(), 0)
    planned = 0
    for value in progresses:
        try:
            tally[_PROGRESS_FIELD[value]] += 1
        except KeyError:
            raise ValueError(f"unknown task progress {value!r}")
        planned += 1
    return Counts(planned=planned, **tally)


def total(counts: Iterable[Counts]) -> Counts:
    """Roll-up: the sum of the counts (the rate of a roll-up is the rate of this sum)."""
    result = Counts()
    for item in counts:
        result = result + item
    return result


def group_counts(items: Iterable[Any], key: Callable[[Any], Hashable], progress_of: Callable[[Any], str]) -> dict:
    """Counts per group (per area, per unit, …), in the order groups first appear."""
    buckets: dict[Hashable, list[str]] = {}
    for item in items:
        buckets.setdefault(key(item), []).append(progress_of(item))
    return {group: count_progress(values) for group, values in buckets.items()}


def ratio_inputs(counts: Counts) -> dict[str, Decimal] | None:
    """Inputs of a framework ``ratio`` leaf fed by the plan: numerator = done, denominator = planned − cancelled.

    ``None`` for an empty plan: 0/0 is not a rate, so the leaf is left for the officer to fill or to
    mark "not applicable" (only if the framework allows it) — the system never decides that an
    absent or empty plan earns or loses points.
    """
    if counts.is_empty:
        return None
    return {"numerator": Decimal(counts.done), "denominator": Decimal(counts.denominator)}
