"""Long operations of self-assessment, run on the worker through ``core.jobs.start_user_job``.

* ``evidence_zip`` — every evidence file of a score sheet in one ZIP (one folder per
  criterion code, the contents list ``Muc luc tai lieu kiem chung.xlsx``), written into a
  temporary file on the worker's disk and stored as the job's result file; the download
  (``requests:job_download``) streams it from storage.
* ``check_offline_sheet`` — an uploaded offline score sheet, checked row by row (the request
  only checked its size and declared row count, see ``offline``); the changes are kept as an
  ``OfflineUpload`` that the job's "Open the result" link previews and applies. Errors fail
  the job with the first ``offline.MAX_ERRORS_SHOWN`` row errors and their total count.
* ``round_export`` — the exports of a round whose size grows with the number of units: the
  progress table (``kind="progress"``) and the self-assessed points by area
  (``kind="summary"``).

Every function finds its object again through the visibility rule with ``job.user`` (the
kwargs only carry ids): a user who can no longer see the sheet or the round gets a clear
failure, never the file.

The URL ``assessments:evidence_zip`` (``/assessments/sheets/<id>/evidence.zip``) is kept:

* **POST** starts the background job and redirects to the job page; the sheet page's
  *Tải xuống → Toàn bộ tài liệu kiểm chứng (.zip)* is a button that posts there. A sheet
  without any evidence gets an immediate message on the sheet page and no job.
* **GET** (links, bookmarks, scripts, the API's users) still answers with the ZIP itself,
  streamed, when the sheet's files add up to at most ``views.ZIP_DIRECT_MAX_BYTES``
  (small sheets cost the web process little); above that it shows a small confirmation
  page whose button posts to the same URL. A GET never starts a job (no side effect on a
  link that a page, a crawler or another site could trigger).

Likewise the round exports: a direct download for rounds of up to
``exports.LARGE_ROUND_UNITS`` units, a background job (POST ``assessments:round_export``)
above; a GET of a large round's direct URL answers with the round page and a message.
"""

from __future__ import annotations

import tempfile

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from parindex.assessments import exports
from parindex.assessments.evidence import write_sheet_zip
from parindex.assessments.models import Assessment, OfflineUpload, Round
from parindex.assessments.selectors import round_progress, zip_entries
from parindex.core.import_jobs import checking, job_user, visible_or_refused
from parindex.core.jobs import JobHandle, JobOutcome
from parindex.core.spreadsheets import SpreadsheetError
from parindex.units.visibility import get_visible_or_404

SHEETS = Assessment.objects.select_related("round__framework", "round__owner_unit", "unit")
ROUNDS = Round.objects.select_related("framework", "owner_unit")
ROUND_EXPORTS = ("progress", "summary")


def evidence_zip(job: JobHandle, *, sheet_id: int) -> JobOutcome:
    """The evidence ZIP of a sheet the user may (still) see."""
    try:
        sheet = get_visible_or_404(SHEETS, job.user, pk=sheet_id)
    except Http404:
        raise PermissionDenied(_("This score sheet does not exist or you may not see it."))
    files, rows = zip_entries(sheet)
    if not rows:
        raise ValidationError(_("This score sheet has no evidence: there is nothing to put in a ZIP file."))
    total = len(files)
    job.progress(0, total, _("Writing the contents list"))

    def added(done: int, total: int, name: str) -> None:
        job.progress(
            done, total, _("File %(n)s of %(total)s: %(name)s") % {"n": done, "total": total, "name": name}
        )

    # On disk, never whole in memory; core.jobs copies it to storage, then it is closed and gone.
    target = tempfile.TemporaryFile(prefix="parindex-zip-")
    try:
        write_sheet_zip(files, exports.zip_contents_xlsx(sheet, rows), target=target, progress=added)
    except BaseException:
        target.close()
        raise
    return JobOutcome(
        message=_(
            "The ZIP file with %(files)s file(s) and the contents list of %(rows)s evidence item(s) is ready."
        )
        % {"files": total, "rows": len(rows)},
        content=target,
        filename=exports.zip_filename(sheet),
    )


def round_export(job: JobHandle, *, round_id: int, kind: str) -> JobOutcome:
    """The progress table or the points by area of a round, for the units the user may see."""
    if kind not in ROUND_EXPORTS:
        raise ValidationError(_("Unknown export."))
    try:
        round_ = get_visible_or_404(ROUNDS, job.user, pk=round_id)
    except Http404:
        raise PermissionDenied(_("This round does not exist or you may not see it."))
    if kind == "progress":
        job.progress(0, None, _("Reading the progress of every unit"))
        rows = round_progress(round_, job.user)
        content = exports.progress_xlsx(round_, rows, progress=job.progress)
        return JobOutcome(
            message=_("The progress table of %(n)s unit(s) is ready.") % {"n": len(rows)},
            content=content,
            filename=exports.progress_filename(round_),
        )
    content = exports.round_summary_xlsx(round_, job.user, progress=job.progress)
    return JobOutcome(
        message=_("The self-assessed points by area are ready."),
        content=content,
        filename=exports.round_summary_filename(round_),
    )


def check_offline_sheet(job: JobHandle, *, sheet_id: int, file_name: str = "") -> JobOutcome:
    """Check every row of an uploaded offline sheet; keep the changes for the preview. Writes no score."""
    from parindex.assessments import offline

    user = job_user(job)
    sheet = visible_or_refused(SHEETS, user, pk=sheet_id)
    if not sheet.is_editable or sheet.is_past_deadline():
        raise ValidationError(_("This sheet cannot be changed now."))
    checking(job)
    data = job.input_bytes()

    def checked(done: int, total: int) -> None:
        job.progress(done, total, _("Checking row %(n)s of %(total)s") % {"n": done, "total": total})

    try:
        offline.count_rows(sheet, data)
        changes = offline.read_sheet_xlsx(sheet, data, user, progress=checked)
    except SpreadsheetError as exc:
        raise offline.capped(exc) from None
    upload = OfflineUpload.objects.create(
        assessment=sheet, user=user, file_name=file_name[:255], changes=changes
    )
    if changes:
        message = ngettext(
            "%(n)s criterion will change: check it and apply it.",
            "%(n)s criteria will change: check them and apply them.",
            len(changes),
        ) % {"n": len(changes)}
    else:
        message = _("The file has no changes compared with the sheet.")
    return JobOutcome(
        message=message,
        details=[f"{c['code']}: {c['old_points'] or '—'} → {c['new_points'] or '—'}" for c in changes][
            : offline.MAX_ERRORS_SHOWN
        ],
        url=reverse("assessments:offline_preview", args=[sheet.pk, upload.pk]),
    )
