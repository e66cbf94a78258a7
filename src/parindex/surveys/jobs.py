"""Long operations of the surveys app, run on the worker through ``core.jobs.start_user_job``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _

from parindex.core.import_jobs import checking, job_user, visible_or_refused
from parindex.core.jobs import JobHandle, JobOutcome
from parindex.surveys import access, actions
from parindex.surveys.models import Survey


def _operated(job: JobHandle, survey_id: int):
    user = job_user(job)
    survey = visible_or_refused(
        Survey.objects.select_related("owner_unit", "framework", "round"), user, pk=survey_id
    )
    if not access.is_operator(user, survey):
        raise PermissionDenied(_("Only the index managers running the survey may change it."))
    return user, survey


def _survey_url(survey, anchor: str) -> str:
    return reverse("surveys:detail", args=[survey.pk]) + anchor


def import_questions(job: JobHandle, *, survey_id: int) -> JobOutcome:
    """Questions from .xlsx added after the existing ones (every row checked; all or nothing)."""
    user, survey = _operated(job, survey_id)
    checking(job)
    count = actions.import_questions(survey=survey, source=job.input_bytes(), by=user)
    return JobOutcome(
        message=_("%(n)s questions imported.") % {"n": count},
        details=[_("The questionnaire now has %(count)d questions.") % {"count": survey.questions.count()}],
        url=_survey_url(survey, "#questions"),
    )


def import_respondents(job: JobHandle, *, survey_id: int) -> JobOutcome:
    """The list of respondents from .xlsx, replacing the previous list (all rows or nothing)."""
    user, survey = _operated(job, survey_id)
    checking(job)
    count = actions.import_respondents(survey=survey, source=job.input_bytes(), by=user)
    return JobOutcome(
        message=_("%(n)s respondents imported.") % {"n": count},
        details=[_("Respondents listed in %(count)d units.") % {"count": survey.survey_units.count()}],
        url=_survey_url(survey, "#respondents"),
    )
