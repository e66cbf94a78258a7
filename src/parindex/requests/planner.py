"""Pure rules of requests: when reminders are due, and what a recipient's status is.

No database, no clock: callers pass ``now``. Tested exhaustively with a fake clock.

Reminder steps of a request (default schedule: 7, 3, 1 days before, on the day, then
every 2 days while overdue, at most 10 times):

* every step fires at 07:00 Asia/Ho_Chi_Minh (the start of the office day) on its day;
  the "on the day" step fires at the deadline itself if the deadline is before 07:00;
* a step's key contains the deadline's local date (``before-3@2024-03-19``), so moving
  the deadline starts a fresh series and never blocks the new reminders;
* only the most recent due step is sent. When the worker was stopped for days, the
  recipients get one reminder that tells the current situation, not a burst of stale
  ones; the skipped steps are simply never sent;
* steps planned before the request existed (``since``) are never sent: the recipients
  were just told about the new request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import models
from django.utils.translation import gettext_lazy as _

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SEND_TIME = dt.time(7, 0)


@dataclass(frozen=True)
class Schedule:
    days_before: tuple[int, ...] = (7, 3, 1, 0)
    overdue_every: int = 2  # 0 = no reminders after the deadline
    overdue_max: int = 10


@dataclass(frozen=True)
class Step:
    key: str
    at: dt.datetime  # aware
    kind: str  # "before" | "on_day" | "overdue"
    n: int  # days before, or the number of the overdue reminder


def _at_local(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, SEND_TIME, tzinfo=LOCAL_TZ)


def planned_steps(deadline: dt.datetime, schedule: Schedule) -> list[Step]:
    """Every step of the schedule, in time order."""
    if deadline.tzinfo is None:
        raise ValueError("deadline must be an aware datetime")
    local_deadline = deadline.astimezone(LOCAL_TZ)
    day = local_deadline.date()
    tag = day.isoformat()
    steps: list[Step] = []
    for n in sorted({int(d) for d in schedule.days_before if int(d) >= 0}, reverse=True):
        if n == 0:
            at = min(_at_local(day), local_deadline)
            steps.append(Step(f"on-day@{tag}", at, "on_day", 0))
        else:
            steps.append(Step(f"before-{n}@{tag}", _at_local(day - dt.timedelta(days=n)), "before", n))
    if schedule.overdue_every > 0:
        for k in range(1, schedule.overdue_max + 1):
            at = _at_local(day + dt.timedelta(days=k * schedule.overdue_every))
            steps.append(Step(f"overdue-{k}@{tag}", at, "overdue", k))
    return sorted(steps, key=lambda s: s.at)


def due_steps(
    deadline: dt.datetime,
    schedule: Schedule,
    sent_steps: Iterable[str],
    now: dt.datetime,
    *,
    since: dt.datetime | None = None,
) -> list[Step]:
    """The step to send now for one recipient: a list of zero or one step (see module doc).

    ``sent_steps`` are the keys already handled for this recipient. A step is due when
    its time has come, it was not sent, it is later than every sent step of the same
    series and it was planned after ``since``.
    """
    sent = set(sent_steps)
    planned = planned_steps(deadline, schedule)
    last_sent_at = max((s.at for s in planned if s.key in sent), default=None)
    candidates = [
        s
        for s in planned
        if s.at <= now
        and s.key not in sent
        and (last_sent_at is None or s.at > last_sent_at)
        and (since is None or s.at >= since)
    ]
    return candidates[-1:]


class Progress(models.TextChoices):
    """What a deliverable resolver reports about one recipient."""

    NONE = "none", _("Nothing yet")
    STARTED = "started", _("Started")
    DELIVERED = "delivered", _("Delivered")


class TrackStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    ON_TIME = "on_time", _("Submitted on time")
    LATE = "late", _("Submitted late")
    OVERDUE = "overdue", _("Overdue")


STATUS_ORDER = {
    TrackStatus.OVERDUE: 0,
    TrackStatus.NOT_STARTED: 1,
    TrackStatus.IN_PROGRESS: 2,
    TrackStatus.LATE: 3,
    TrackStatus.ON_TIME: 4,
}

STATUS_BADGE = {
    TrackStatus.OVERDUE: "danger",
    TrackStatus.NOT_STARTED: "secondary",
    TrackStatus.IN_PROGRESS: "info",
    TrackStatus.LATE: "warning",
    TrackStatus.ON_TIME: "success",
}


def track_status(
    progress: str, delivered_at: dt.datetime | None, deadline: dt.datetime, now: dt.datetime
) -> TrackStatus:
    """Derive a recipient's status. Delivered exactly at the deadline is on time.

    A delivered object without a delivery time counts as on time (nothing proves lateness).
    """
    if progress == Progress.DELIVERED:
        if delivered_at is not None and delivered_at > deadline:
            return TrackStatus.LATE
        return TrackStatus.ON_TIME
    if now > deadline:
        return TrackStatus.OVERDUE
    if progress == Progress.STARTED:
        return TrackStatus.IN_PROGRESS
    return TrackStatus.NOT_STARTED


def is_done(status: str) -> bool:
    return status in (TrackStatus.ON_TIME, TrackStatus.LATE)


def format_deadline(value: dt.datetime | None) -> str:
    """ "10h00 19/03/2024" in Asia/Ho_Chi_Minh, the way the letters write it."""
    if value is None:
        return ""
    local = value.astimezone(LOCAL_TZ)
    return f"{local:%H}h{local:%M} {local:%d/%m/%Y}"
