"""Units (read) and the units import (same function and permission as the import page)."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from parindex.api.common import Id, Pages, Text, responses
from parindex.api.routers.jobs import JobAcceptedOut, accepted
from parindex.core.forms import XLSX_SIGNATURE
from parindex.core.jobs import start_user_job
from parindex.core.spreadsheets import RowError, SpreadsheetError
from parindex.units.imports import can_import
from parindex.units.models import Unit
from parindex.units.visibility import get_visible_or_404

router = Router(tags=["units"])


class UnitOut(Schema):
    id: int
    code: str
    name: str
    short_name: str
    kind: str
    grade: str
    parent_id: int | None
    depth: int
    valid_from: dt.date | None
    valid_to: dt.date | None


class UnitFilter(Schema):
    q: Text | None = None
    kind: Unit.Kind | None = None
    parent_id: Id | None = None
    active: bool | None = None


@router.get("/units", response=responses(list[UnitOut]), operation_id="list_units")
@paginate(Pages)
def list_units(request, filters: Query[UnitFilter]):
    """Units the caller may see; `q` ignores diacritics ("thach chau" finds "Thạch Châu")."""
    units = Unit.objects.visible_to(request.user)
    if filters.q:
        units = units.search(filters.q)
    if filters.kind:
        units = units.filter(kind=filters.kind)
    if filters.parent_id:
        units = units.filter(parent_id=filters.parent_id)
    if filters.active:
        units = units.active_on()
    return units.order_by("path")


@router.get("/units/{int:unit_id}", response=responses(UnitOut, 404), operation_id="get_unit")
def get_unit(request, unit_id: Id):
    return get_visible_or_404(Unit.objects.all(), request.user, pk=unit_id)


def _check_xlsx(upload) -> None:
    """Size and zip signature, checked before the job is queued (the name may lack ``.xlsx``:
    API clients do not always send one)."""
    if upload.size > settings.UPLOAD_MAX_MB * 1024 * 1024:
        message = _("The file is larger than %(limit)d MB.") % {"limit": settings.UPLOAD_MAX_MB}
        raise SpreadsheetError([RowError(None, message)])
    upload.seek(0)
    head = upload.read(len(XLSX_SIGNATURE))
    upload.seek(0)
    if head != XLSX_SIGNATURE:
        raise SpreadsheetError([RowError(None, _("This is not an Excel .xlsx file."))])


@router.post(
    "/units/import", response=responses(JobAcceptedOut, 403, status=202), operation_id="import_units"
)
def import_units_file(request, file: File[UploadedFile]):
    """Create or update units from an .xlsx in the layout of the import page, on the worker.

    Rights, size and type are checked at once (403 / 422); the answer is 202 with the job's
    status URL (``GET /jobs/{id}``). A succeeded job's ``result`` holds ``created``,
    ``updated``, ``unchanged``, ``links`` and ``summary``; a failed one lists the row errors in
    ``details`` (nothing was written)."""
    if not can_import(request.user):
        raise PermissionDenied(_("Only administrators and index managers may import units."))
    _check_xlsx(file)
    job = start_user_job(
        user=request.user,
        label=_("Import units") + (f" ({file.name})" if file.name else ""),
        func_path="parindex.units.jobs.import_units",
        input_file=file,
    )
    return Status(202, accepted(job))
