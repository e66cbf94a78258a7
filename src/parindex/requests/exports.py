"""The tracking table as .xlsx (shared by the direct download and the background job)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from parindex.core.spreadsheets import OutColumn, write_table
from parindex.core.text import safe_file_stem
from parindex.requests import planner
from parindex.requests.selectors import tracking_rows


def tracking_workbook(request, *, progress=None, sort: str = "unit") -> tuple[bytes, str]:
    rows = tracking_rows(request, sort=sort)
    total = len(rows)

    def counted(items):
        for index, row in enumerate(items, start=1):
            if progress and (index % 50 == 0 or index == total):
                progress(index, total, _("Writing row %(n)s of %(total)s") % {"n": index, "total": total})
            yield row

    columns = [
        OutColumn(_("No."), 6, "int", value=lambda r: r[0]),
        OutColumn(_("Unit"), 40, value=lambda r: r[1].unit.name),
        OutColumn(_("Status"), 22, value=lambda r: str(r[1].status_label)),
        OutColumn(_("Delivered at"), 18, "datetime", value=lambda r: r[1].delivered_at),
        OutColumn(_("Reminders sent"), 12, "int", value=lambda r: r[1].reminders),
        OutColumn(_("Last reminder"), 18, "datetime", value=lambda r: r[1].last_reminder_at),
        OutColumn(_("E-mail problems"), 30, value=lambda r: r[1].last_error),
    ]
    title = _("Tracking of %(number)s — %(subject)s (deadline %(deadline)s)") % {
        "number": request.number,
        "subject": request.subject,
        "deadline": planner.format_deadline(request.deadline),
    }
    content = write_table(columns, counted(enumerate(rows, start=1)), title=title, sheet_title=_("Tracking"))
    filename = f"{_('Tracking')} {safe_file_stem(request.number)} {timezone.localdate():%Y%m%d}.xlsx"
    return content, filename
