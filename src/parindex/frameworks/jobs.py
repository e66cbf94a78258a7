"""Long operations of the frameworks app, run on the worker through ``core.jobs.start_user_job``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from parindex.core.import_jobs import checking, errors_capped, job_user, visible_or_refused, writing
from parindex.core.jobs import JobHandle, JobOutcome
from parindex.core.text import format_decimal
from parindex.frameworks import actions
from parindex.frameworks.models import Framework
from parindex.frameworks.selectors import managed_units
from parindex.frameworks.transfer import read_file_limited


def _contents(framework: Framework) -> str:
    return _(
        "%(criteria)d criteria (%(leaves)d scored), %(bands)d rating bands, maximum %(total)s points."
    ) % {
        "criteria": framework.criteria.count(),
        "leaves": framework.criteria.filter(is_leaf=True).count(),
        "bands": framework.bands.count(),
        "total": format_decimal(framework.max_total),
    }


def import_framework(job: JobHandle, *, owner_unit_id: int, filename: str) -> JobOutcome:
    """A new framework from an .xlsx or YAML file, owned by a unit the user manages."""
    user = job_user(job)
    owner_unit = managed_units(user).filter(pk=owner_unit_id).first()
    if owner_unit is None:
        raise PermissionDenied(_("Only index managers may import frameworks."))
    checking(job)
    with errors_capped():
        data = read_file_limited(job.input_bytes(), filename)
        writing(job)
        framework = actions.import_framework(data, owner_unit=owner_unit, by=user, note=filename)
    return JobOutcome(
        message=_("The framework “%(name)s” was imported.") % {"name": framework.name},
        extra={"framework_id": framework.pk},
        details=[_contents(framework)],
        url=framework.get_absolute_url(),
    )


def replace_framework(job: JobHandle, *, framework_id: int, filename: str) -> JobOutcome:
    """Replace header, criteria and bands of an unlocked framework from a file."""
    user = job_user(job)
    framework = visible_or_refused(Framework.objects.select_related("owner_unit"), user, pk=framework_id)
    if not framework.can_edit(user):
        raise PermissionDenied(_("Only index managers of the issuing unit may change this framework."))
    checking(job)
    with errors_capped():
        data = read_file_limited(job.input_bytes(), filename)
        writing(job)
        try:
            actions.replace_framework_contents(framework, data, by=user)
        except actions.FrameworkLocked as exc:
            raise ValidationError(str(exc)) from None
    framework.refresh_from_db()
    return JobOutcome(
        message=_("The criteria were replaced from the file."),
        extra={"framework_id": framework.pk},
        details=[_contents(framework)],
        url=framework.get_absolute_url(),
    )
