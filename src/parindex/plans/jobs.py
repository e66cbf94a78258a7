"""Long operations of the plans app, run on the worker through ``core.jobs.start_user_job``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _

from parindex.core.import_jobs import checking, job_user, visible_or_refused
from parindex.core.jobs import JobHandle, JobOutcome
from parindex.plans import selectors
from parindex.plans.models import Plan
from parindex.plans.spreadsheets import import_tasks as import_task_rows


def import_tasks(job: JobHandle, *, plan_id: int) -> JobOutcome:
    """Tasks of a plan from .xlsx: every row checked, then all added in one transaction (or none)."""
    user = job_user(job)
    plan = visible_or_refused(Plan.objects.select_related("unit", "framework"), user, pk=plan_id)
    if not selectors.can_edit_plan(user, plan.unit):
        raise PermissionDenied(_("You may not change this plan."))
    checking(job)
    created = import_task_rows(plan, source=job.input_bytes(), by=user)
    return JobOutcome(
        message=_("%(count)s tasks were imported.") % {"count": len(created)},
        details=[_("The plan now has %(count)d tasks.") % {"count": plan.tasks.count()}],
        url=reverse("plans:detail", args=[plan.pk]),
    )
