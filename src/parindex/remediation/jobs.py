"""Long operations of the remediation app, run on the worker through ``core.jobs.start_user_job``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _

from parindex.core.import_jobs import checking, job_user, visible_or_refused
from parindex.core.jobs import JobHandle, JobOutcome
from parindex.remediation import access
from parindex.remediation.models import RemediationPlan
from parindex.remediation.spreadsheets import import_items as import_item_rows


def import_items(job: JobHandle, *, plan_id: int) -> JobOutcome:
    """Phụ lục II filled in Excel: every row checked, then all changes written (or none)."""
    user = job_user(job)
    plan = visible_or_refused(RemediationPlan.objects.select_related("unit"), user, pk=plan_id)
    if not access.can_edit(user, plan.unit):
        raise PermissionDenied(
            _("Only the officers and the head of the unit may change its remediation plan.")
        )
    checking(job)
    count = import_item_rows(plan, source=job.input_bytes(), by=user)
    return JobOutcome(
        message=_("%(count)s shortcomings were updated from the workbook.") % {"count": count},
        details=[_("%(count)d shortcomings in the plan.") % {"count": plan.remediation_items.count()}],
        url=reverse("remediation:plan", args=[plan.pk]),
    )
