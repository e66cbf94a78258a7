"""The audit log's .xlsx export: the workbook, and the background job for large exports.

``core.views.audit_log_export`` downloads the filtered log directly when it has at most
``AUDIT_DIRECT_MAX_ROWS`` entries; above that a POST starts ``export_audit_log`` on the
worker (a GET is sent back to the log page with a message: a link never starts a job).

The job receives the page's filter parameters only (``unit``, ``object_type``,
``object_id``, ``action``), never a queryset, and applies the page's own filter
(``core.views._audit_entries``) again for ``job.user``: the file holds exactly what that
user could see on the page, at the time the job runs.
"""

from __future__ import annotations

from types import SimpleNamespace

from django.utils.translation import gettext as _

from parindex.core.jobs import JobHandle, JobOutcome
from parindex.core.spreadsheets import OutColumn, write_table

AUDIT_DIRECT_MAX_ROWS = 2_000  # above this the export runs in the background
AUDIT_EXPORT_MAX_ROWS = 50_000  # at most this many entries (newest first) in one file
AUDIT_FILTERS = ("unit", "object_type", "object_id", "action")


def audit_filters(query) -> dict[str, str]:
    """The audit page's filter parameters from a query dict, as plain strings (job kwargs)."""
    return {key: str(query.get(key))[:200] for key in AUDIT_FILTERS if query.get(key)}


def audit_entries(user, filters: dict[str, str]):
    """The entries ``user`` may see with the page's filters: (queryset, unit or None)."""
    from parindex.core.views import _audit_entries

    return _audit_entries(SimpleNamespace(user=user, GET=dict(filters)))


def audit_workbook(entries, unit, *, progress=None) -> tuple[bytes, str]:
    """The entries (newest first, at most ``AUDIT_EXPORT_MAX_ROWS``) as .xlsx and its file name."""
    limited = entries[:AUDIT_EXPORT_MAX_ROWS]
    total = limited.count() if progress is not None else 0

    def changes(entry) -> str:
        return "\n".join(f"{field}: {before} → {after}" for field, before, after in entry.changes())

    def counted(rows):
        for index, row in enumerate(rows, start=1):
            if progress is not None and (index % 500 == 0 or index == total):
                progress(index, total, _("Writing row %(n)s of %(total)s") % {"n": index, "total": total})
            yield row

    columns = [
        OutColumn(_("Time"), 18, "datetime", value=lambda e: e.at),
        OutColumn(_("User"), 24, value=lambda e: e.actor_name),
        OutColumn(_("Unit"), 28, value=lambda e: e.unit.name if e.unit_id else ""),
        OutColumn(_("Action"), 22, value=lambda e: e.action),
        OutColumn(_("Object"), 30, value=lambda e: e.object_repr),
        OutColumn(_("Changes"), 50, value=changes),
        OutColumn(_("Note"), 30, value=lambda e: e.note),
    ]
    title = _("Audit log") + (f" — {unit.name}" if unit else "")
    content = write_table(columns, counted(limited.iterator(chunk_size=2000)), title=title)
    return content, f"{title}.xlsx"


def export_audit_log(job: JobHandle, *, filters: dict[str, str]) -> JobOutcome:
    """The audit log export on the worker, scoped again to what ``job.user`` may see."""
    entries, unit = audit_entries(job.user, audit_filters(filters))
    job.progress(0, None, _("Reading the audit log"))
    content, filename = audit_workbook(entries, unit, progress=job.progress)
    return JobOutcome(message=_("The audit log is ready to download."), content=content, filename=filename)
