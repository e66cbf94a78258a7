"""Long operations of the units app, run on the worker through ``core.jobs.start_user_job``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _

from parindex.core.import_jobs import checking, job_user, listed, writing
from parindex.core.jobs import JobHandle, JobOutcome
from parindex.units.imports import apply_units, can_import, plan_units


def import_units(job: JobHandle) -> JobOutcome:
    """The units import of the upload page: every row checked, then all written (or nothing)."""
    user = job_user(job)
    if not can_import(user):
        raise PermissionDenied(_("Only index managers and administrators may import units."))
    checking(job)
    plan = plan_units(job.input_bytes(), by=user)
    writing(job)
    result = apply_units(plan, by=user)
    details = []
    if result.created:
        details.append(_("Created: %(codes)s") % {"codes": listed(result.created)})
    if result.updated:
        details.append(_("Updated: %(codes)s") % {"codes": listed(result.updated)})
    return JobOutcome(
        message=result.summary(),
        details=details,
        url=reverse("units:list"),
        extra={
            "created": len(result.created),
            "updated": len(result.updated),
            "unchanged": len(result.unchanged),
            "links": result.links,
            "summary": result.summary(),
        },
    )
