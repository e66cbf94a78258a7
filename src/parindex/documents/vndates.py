"""Vietnamese date wording of official documents (Nghị định 30/2020/NĐ-CP).

Days below 10 and the months 1 and 2 take a leading zero ("ngày 05 tháng 02 năm 2024");
months 3–12 do not ("ngày 28 tháng 6 năm 2023"). A document dated at signing leaves the
day (and, if unknown, the month) blank: "ngày … tháng 3 năm 2024".
"""

from __future__ import annotations

import datetime as dt

BLANK = "…"


def day_text(day: int) -> str:
    return f"{day:02d}"


def month_text(month: int) -> str:
    """Months 1 and 2 get a leading zero so "tháng 1" cannot be read as "tháng 10"/"tháng 11"."""
    return f"{month:02d}" if month < 3 else str(month)


def vn_date(date: dt.date | None, *, blank_day: bool = False, year: int | None = None) -> str:
    """``ngày 05 tháng 02 năm 2024``; with ``blank_day`` ``ngày … tháng 2 năm 2024``.

    ``date=None`` gives ``ngày … tháng … năm <year>`` (year defaults to the current year).
    """
    if date is None:
        return f"ngày {BLANK} tháng {BLANK} năm {year or dt.date.today().year}"
    day = BLANK if blank_day else day_text(date.day)
    return f"ngày {day} tháng {month_text(date.month)} năm {date.year}"


def place_date_line(place: str, date: dt.date | None, *, blank_day: bool = False) -> str:
    """``Thạch Châu, ngày 01 tháng 11 năm 2023``."""
    return f"{place}, {vn_date(date, blank_day=blank_day)}"


def short_date(date: dt.date | None) -> str:
    """``05/02/2024`` (used inside body text, e.g. references to other documents)."""
    return date.strftime("%d/%m/%Y") if date else ""


def deadline_text(moment: dt.datetime | dt.date) -> str:
    """``10h00 ngày 19/3/2024`` — the wording the seeds use for deadlines (local time)."""
    if isinstance(moment, dt.datetime):
        from django.utils import timezone

        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return f"{moment.hour:02d}h{moment.minute:02d} ngày {moment.day:02d}/{moment.month:02d}/{moment.year}"
    return f"ngày {moment.day:02d}/{moment.month:02d}/{moment.year}"
