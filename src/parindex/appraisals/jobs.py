"""Long operations of the appraisals app, run on the worker through ``core.jobs.start_user_job``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _

from parindex.appraisals import access, actions
from parindex.core.import_jobs import checking, job_user, visible_or_refused
from parindex.core.jobs import JobHandle, JobOutcome


def import_survey_results(job: JobHandle, *, round_id: int) -> JobOutcome:
    """Survey results (.xlsx: unit code, criterion code, score %) of a round; all rows or nothing."""
    from parindex.assessments.models import Round

    user = job_user(job)
    round_ = visible_or_refused(Round.objects.select_related("framework", "owner_unit"), user, pk=round_id)
    if not access.is_round_manager(user, round_):
        raise PermissionDenied(_("Only the index managers running the round may import survey results."))
    checking(job)
    count = actions.import_survey(round=round_, source=job.input_bytes(), by=user)
    return JobOutcome(
        message=_("%(n)s survey scores imported.") % {"n": count},
        url=reverse("appraisals:round", args=[round_.pk]),
        extra={"round_id": round_.pk, "rows": count},
    )
