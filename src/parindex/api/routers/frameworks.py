"""Frameworks: read (every logged-in user), export as .xlsx/.yaml, import for index managers."""

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from parindex.api.common import Id, Pages, Text, Year, responses
from parindex.api.routers.jobs import JobAcceptedOut, accepted
from parindex.core.jobs import start_user_job
from parindex.core.spreadsheets import download_response
from parindex.frameworks.models import Framework
from parindex.frameworks.selectors import frameworks_for, managed_units
from parindex.frameworks.transfer import check_upload, export_bytes
from parindex.units.models import Unit
from parindex.units.visibility import get_visible_or_404

router = Router(tags=["frameworks"])
YAML_CONTENT_TYPE = "application/yaml"


class BandOut(Schema):
    label: str
    lower_bound: Decimal
    inclusive: bool
    order: int


class CriterionOut(Schema):
    id: int
    parent_id: int | None
    area_id: int | None
    code: str
    title: str
    depth: int
    is_leaf: bool
    max_points: Decimal
    method: str
    params: dict[str, Any]
    source: str
    allow_not_applicable: bool
    rule_text: str
    evidence_text: str


class FrameworkOut(Schema):
    id: int
    name: str
    decision_number: str
    decision_date: dt.date | None
    issuing_body: str
    unit_kinds: list[str]
    valid_from_year: int
    valid_to_year: int
    max_total: Decimal | None
    allow_over_max: bool
    tie_policy: str
    published_points: str
    bonus_cap: Decimal
    penalty_cap: Decimal
    owner_unit_id: int | None
    previous_id: int | None
    locked_at: dt.datetime | None


class FrameworkDetailOut(FrameworkOut):
    bands: list[BandOut]
    criteria: list[CriterionOut]

    @staticmethod
    def resolve_bands(obj):
        return list(obj.bands.order_by("order", "-lower_bound"))

    @staticmethod
    def resolve_criteria(obj):
        return list(obj.criteria.order_by("sort_key"))


class FrameworkFilter(Schema):
    year: Year | None = None
    unit_kind: Unit.Kind | None = None
    q: Text | None = None


@router.get("/frameworks", response=responses(list[FrameworkOut]), operation_id="list_frameworks")
@paginate(Pages)
def list_frameworks(request, filters: Query[FrameworkFilter]):
    frameworks = frameworks_for(request.user)
    if filters.year:
        frameworks = frameworks.filter(valid_from_year__lte=filters.year, valid_to_year__gte=filters.year)
    if filters.q:
        frameworks = frameworks.filter(name__icontains=filters.q)
    if filters.unit_kind:
        # unit_kinds is a JSON list; SQLite has no JSON "contains", so filter in Python.
        return [f for f in frameworks if filters.unit_kind in (f.unit_kinds or [])]
    return frameworks


def _framework(request, framework_id: int) -> Framework:
    return get_visible_or_404(Framework.objects.all(), request.user, pk=framework_id)


@router.get(
    "/frameworks/{int:framework_id}",
    response=responses(FrameworkDetailOut, 404),
    operation_id="get_framework",
)
def get_framework(request, framework_id: Id):
    return _framework(request, framework_id)


@router.get(
    "/frameworks/{int:framework_id}/export",
    response=responses(None, 404),
    operation_id="export_framework",
    openapi_extra={
        "responses": {
            200: {
                "description": "The framework as a file in the import layout",
                "content": {
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                        "schema": {"type": "string", "format": "binary"}
                    },
                    # Clients (and schemathesis) parse YAML: any YAML document is valid here.
                    YAML_CONTENT_TYPE: {"schema": {}},
                },
            }
        }
    },
)
def export_framework(request, framework_id: Id, format: Literal["xlsx", "yaml"] = "xlsx"):
    """The framework in the layout the import reads (.xlsx or .yaml)."""
    framework = _framework(request, framework_id)
    content = export_bytes(framework, f"x.{format}")
    if format == "yaml":
        return download_response(content, f"{framework.name}.yaml", YAML_CONTENT_TYPE)
    return download_response(content, f"{framework.name}.xlsx")


class FrameworkImportIn(Schema):
    owner_unit_id: Id


@router.post(
    "/frameworks/import",
    response=responses(JobAcceptedOut, 403, status=202),
    operation_id="import_framework",
)
def import_framework(request, data: Form[FrameworkImportIn], file: File[UploadedFile]):
    """Import a framework from an .xlsx or .yaml file (index managers of the owner unit).

    The file is read and imported on the worker: the answer is 202 with the job's id and
    its status URL (``GET /jobs/{id}``); when the job has succeeded its ``result`` holds
    ``framework_id``, when it failed ``error`` and ``details`` say why (nothing was written).
    Rights, size and file type are checked at once (403 / 422)."""
    units = managed_units(request.user)
    if not units.exists():
        raise PermissionDenied(_("Only index managers may import frameworks."))
    owner = units.filter(pk=data.owner_unit_id).first()
    if owner is None:
        raise PermissionDenied(_("Only index managers of the issuing unit may change its frameworks."))
    name = file.name or ""
    check_upload(name, file.size)
    job = start_user_job(
        user=request.user,
        label=_("Import a framework") + (f" ({name})" if name else ""),
        func_path="parindex.frameworks.jobs.import_framework",
        kwargs={"owner_unit_id": owner.pk, "filename": name},
        input_file=file,
    )
    return Status(202, accepted(job))
