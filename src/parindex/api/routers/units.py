"""Units (read) and the units import (same function and permission as the import page)."""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate

from parindex.api.common import Id, Pages, Text, responses
from parindex.units.imports import can_import, import_units
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


class ImportOut(Schema):
    created: int
    updated: int
    unchanged: int
    links: int
    summary: str


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


@router.post("/units/import", response=responses(ImportOut, 403), operation_id="import_units")
def import_units_file(request, file: File[UploadedFile]):
    """Create or update units from an .xlsx in the layout of the import page; nothing is
    written if any row is wrong (422 with every row error)."""
    if not can_import(request.user):
        raise PermissionDenied(_("Only administrators and index managers may import units."))
    result = import_units(file.read(), by=request.user)
    return {
        "created": len(result.created),
        "updated": len(result.updated),
        "unchanged": len(result.unchanged),
        "links": result.links,
        "summary": result.summary(),
    }
