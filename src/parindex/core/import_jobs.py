"""Imports started from the UI run as user jobs (``core.jobs``).

The view checks the upload form at once (file present, size, type), queues the job with the
file (``start_import``) and redirects to the job page: a progress bar, then the summary or
the row errors, and a notification. The job function (``<app>/jobs.py``) runs on the worker:
it checks the user's rights again with ``job_user(job)`` (never trusting its kwargs), reads
``job.input_bytes()`` and runs the import action, which writes all rows or nothing.

Progress: an import's writes happen in one transaction, and progress written inside it is
not visible to the polling page before the commit; so imports report their phases
(checking, writing) from outside the transaction rather than row by row.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from parindex.core.jobs import start_user_job
from parindex.units.visibility import get_visible_or_404

MAX_LISTED = 50  # codes or names listed in one detail line of a summary
MAX_SHOWN_ERRORS = 100  # row errors listed for a refused file (with the total count above them)


def start_import(
    request, upload, *, label: str, func_path: str, kwargs: dict | None = None, back_url: str = ""
):
    """Queue ``func_path`` for ``request.user`` with the uploaded file; redirect to the job page."""
    name = getattr(upload, "name", "")
    job = start_user_job(
        user=request.user,
        label=f"{label} ({name})" if name else label,
        func_path=func_path,
        kwargs=kwargs or {},
        input_file=upload,
        back_url=back_url or request.get_full_path(),
    )
    return redirect("requests:job_status", job.pk)


def job_user(job):
    """The job's user, read again on the worker; refused if the account was deactivated meanwhile."""
    user = get_user_model().objects.filter(pk=job.user.pk, is_active=True).first()
    if user is None:
        raise PermissionDenied(_("Your account is no longer active."))
    return user


def visible_or_refused(queryset, user, **lookup):
    """``get_visible_or_404`` for a job: an object the user no longer sees refuses the job."""
    try:
        return get_visible_or_404(queryset, user, **lookup)
    except Http404:
        raise PermissionDenied(_("You can no longer see this record.")) from None


def checking(job) -> None:
    job.progress(0, 2, _("Checking the file…"))


def writing(job) -> None:
    job.progress(1, 2, _("Writing the data…"))


def listed(items) -> str:
    """``items`` joined by commas, cut after ``MAX_LISTED`` with the number left."""
    items = [str(item) for item in items]
    text = ", ".join(items[:MAX_LISTED])
    if len(items) > MAX_LISTED:
        text += " " + _("… and %(count)d more") % {"count": len(items) - MAX_LISTED}
    return text


@contextmanager
def errors_capped(limit: int = MAX_SHOWN_ERRORS):
    """Re-raise a ``SpreadsheetError`` of the block with its errors cut by ``capped_errors``."""
    from parindex.core.spreadsheets import SpreadsheetError

    try:
        yield
    except SpreadsheetError as exc:
        raise SpreadsheetError(capped_errors(exc.errors, limit)) from None


def capped_errors(errors, limit: int = MAX_SHOWN_ERRORS) -> list:
    """The first ``limit`` row errors, after a line with the total count when there are more.

    A file with 50,000 bad rows must not become 150,000 lines on a page: the user fixes the
    first ones, and the count tells how far there is to go.
    """
    from django.utils.formats import number_format

    from parindex.core.spreadsheets import RowError

    errors = list(errors)
    if len(errors) <= limit:
        return errors
    summary = RowError(
        None,
        _("The file has %(total)s errors; the first %(shown)s are listed.")
        % {
            "total": number_format(len(errors), force_grouping=True),
            "shown": number_format(limit, force_grouping=True),
        },
    )
    return [summary, *errors[:limit]]
