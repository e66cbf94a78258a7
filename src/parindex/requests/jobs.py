"""Long operations of the requests app, run on the worker through ``core.jobs.start_user_job``."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _

from parindex.core.jobs import JobHandle, JobOutcome
from parindex.requests import actions
from parindex.requests.exports import tracking_workbook
from parindex.requests.models import Request
from parindex.units.visibility import get_visible_or_404


def export_tracking(job: JobHandle, *, request_id: int) -> JobOutcome:
    """The tracking table of a request as .xlsx (the user's visibility is checked again here)."""
    request = get_visible_or_404(Request.objects.select_related("issuing_unit"), job.user, pk=request_id)
    content, filename = tracking_workbook(request, progress=job.progress)
    return JobOutcome(
        message=_("The tracking table is ready to download."), content=content, filename=filename
    )


def remind_all(job: JobHandle, *, request_id: int) -> JobOutcome:
    """Send a reminder now to every recipient that has not delivered."""
    user = get_user_model().objects.get(pk=job.user.pk)
    request = get_visible_or_404(Request.objects.select_related("issuing_unit"), user, pk=request_id)
    count = actions.remind_now(request=request, by=user, now=timezone.now(), progress=job.progress)
    return JobOutcome(message=_("Reminders sent to %(count)s unit(s).") % {"count": count})
