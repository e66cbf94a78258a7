"""Long operations of the accounts app, run on the worker through ``core.jobs.start_user_job``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from parindex.accounts.imports import apply_users, passwords_workbook, plan_users
from parindex.core.import_jobs import checking, job_user, listed, writing
from parindex.core.jobs import JobHandle, JobOutcome
from parindex.units.imports import can_import

PASSWORDS_FILENAME = "mat-khau-mot-lan.xlsx"


def import_users(job: JobHandle) -> JobOutcome:
    """The users import of the upload page. Generated one-time passwords come back as an .xlsx
    that can be downloaded once (then it is deleted from the server); they are never shown."""
    user = job_user(job)
    if not can_import(user):
        raise PermissionDenied(_("Only index managers and administrators may import users."))
    checking(job)
    rows = plan_users(job.input_bytes(), by=user)
    writing(job)
    result = apply_users(rows, by=user)
    details = []
    if result.created:
        details.append(
            _("Created: %(names)s") % {"names": listed(name for name, _full, _pw in result.created)}
        )
    if result.updated:
        details.append(_("Updated: %(names)s") % {"names": listed(result.updated)})
    generated = result.generated_passwords
    if not generated:
        return JobOutcome(message=result.summary(), details=details)
    details.insert(0, result.summary())
    message = ngettext(
        "%(count)d account created. The one-time passwords are in a file that can be downloaded once: "
        "hand them over and ask each user to change it.",
        "%(count)d accounts created. The one-time passwords are in a file that can be downloaded once: "
        "hand them over and ask each user to change it.",
        len(result.created),
    ) % {"count": len(result.created)}
    return JobOutcome(
        message=message,
        details=details,
        content=passwords_workbook(result),
        filename=PASSWORDS_FILENAME,
        once=True,
    )
