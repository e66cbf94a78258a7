"""Remediation items (Phụ lục II and inspection findings): reads through the visibility rule;
progress, the result with its evidence, "cannot be done" and the verification by the level
above through ``parindex.remediation.actions`` (the same steps as the item page)."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate

from parindex.api.common import Date, FilledText, Id, Input, Line, Pages, Str, Year, api_choices, responses
from parindex.api.errors import step_refused
from parindex.assessments.models import Evidence
from parindex.remediation import access, actions
from parindex.remediation.forms import ResultForm
from parindex.remediation.models import RemediationItem
from parindex.units.visibility import get_visible_or_404

router = Router(tags=["remediation"])

RemediationStatus = api_choices("RemediationStatus", RemediationItem.Status)
RemediationSource = api_choices("RemediationSource", RemediationItem.Source)


class RemediationItemOut(Schema):
    id: int
    unit_id: int
    year: int
    number: int  # a finding: "tồn tại N" of the unit's list; a Phụ lục II row: its STT in Phụ lục II
    label: str  # how pages and documents name it: "Tồn tại 1" (finding), "Tiêu chí 1.2" (Phụ lục II row)
    source: str
    plan_id: int | None
    inspection_id: int | None
    criterion_id: int | None
    code: str
    title: str
    area_title: str
    max_points: Decimal | None
    points: Decimal | None
    lost_by_appraisal: Decimal | None
    lost_by_self: Decimal | None
    shortcoming: str
    cause: str
    solution: str
    lead_unit_id: int | None
    lead_text: str
    coordinators_text: str
    deadline: dt.date | None
    expected_result: str
    status: str
    result_text: str
    completed_on: dt.date | None
    cannot_reason: str
    evidence_ids: list[int]
    verified_at: dt.datetime | None
    verified_by_id: int | None
    verification_note: str

    @staticmethod
    def resolve_label(obj):
        return str(obj.label)

    @staticmethod
    def resolve_evidence_ids(obj):
        return sorted(evidence.pk for evidence in obj.evidence.all())


class RemediationFilter(Schema):
    unit_id: Id | None = None
    year: Year | None = None
    status: RemediationStatus | None = None
    source: RemediationSource | None = None
    overdue: bool | None = None


@router.get(
    "/remediation-items", response=responses(list[RemediationItemOut]), operation_id="list_remediation_items"
)
@paginate(Pages)
def list_remediation_items(request, filters: Query[RemediationFilter]):
    items = RemediationItem.objects.visible_to(request.user).prefetch_related("evidence")
    if filters.unit_id:
        items = items.filter(unit_id=filters.unit_id)
    if filters.year:
        items = items.filter(year=filters.year)
    if filters.status:
        items = items.filter(status=filters.status)
    if filters.source:
        items = items.filter(source=filters.source)
    if filters.overdue:
        items = items.overdue()
    return items.order_by("unit_id", "year", "number", "id")


@router.get(
    "/remediation-items/{int:item_id}",
    response=responses(RemediationItemOut, 404),
    operation_id="get_remediation_item",
)
def get_remediation_item(request, item_id: Id):
    return _item(request, item_id)


def _item(request, item_id: int) -> RemediationItem:
    return get_visible_or_404(RemediationItem.objects.prefetch_related("evidence"), request.user, pk=item_id)


class ProgressIn(Input):
    """A status or a note that is not blank (the schema says so with ``anyOf``)."""

    model_config = {
        "json_schema_extra": {
            "anyOf": [
                {"required": ["status"], "properties": {"status": {"enum": ["not_started", "in_progress"]}}},
                {"required": ["note"], "properties": {"note": {"type": "string", "pattern": r"\S"}}},
            ]
        }
    }

    status: Literal["not_started", "in_progress"] | None = None
    note: Str(5000) = ""


@router.post(
    "/remediation-items/{int:item_id}/progress",
    response=responses(RemediationItemOut, 403, 404, 409),
    operation_id="report_remediation_progress",
)
def report_progress(request, item_id: Id, payload: ProgressIn):
    """A progress note and/or the status (not started / in progress) of one shortcoming."""
    item = _item(request, item_id)
    try:
        actions.update_progress(item, by=request.user, status=payload.status, note=payload.note)
    except ValidationError as exc:
        raise step_refused(exc)
    return _item(request, item_id)


class ResultIn(Schema):
    result_text: Str(
        10000, min_length=1
    )  # blank: the workflow says "describe the result" (422; schemathesis.toml)
    # Not "| None": a multipart form has no null (the schema would offer the text "null").
    completed_on: Date = Field(None, description="Default: today; not in the future.")
    short_name: Line(80) = Field("", description="Short name of the uploaded document (required with `file`).")
    evidence_ids: list[Id] = Field(
        default_factory=list,
        max_length=100,
        description="Evidence of the unit already stored (GET /evidence).",
    )


@router.post(
    "/remediation-items/{int:item_id}/result",
    response=responses(RemediationItemOut, 403, 404, 409),
    operation_id="record_remediation_result",
)
def record_result(request, item_id: Id, data: Form[ResultIn], file: File[UploadedFile] = None):
    """The shortcoming is remedied: the result, the completion date and its evidence — an uploaded
    `file` (multipart, checked by content, named after the seed's convention) and/or evidence
    already stored. The unit's officers and head, or the item's lead official. 409 once verified."""
    item = _item(request, item_id)
    if not access.can_report(request.user, item):
        raise PermissionDenied
    form = ResultForm(
        {
            "result_text": data.result_text,
            "completed_on": data.completed_on or "",
            "short_name": data.short_name,
        },
        {"file": file} if file else {},
    )
    if not form.is_valid():
        raise ValidationError({name: errors for name, errors in form.errors.items()})
    cleaned = form.cleaned_data
    evidence = list(Evidence.objects.visible_to(request.user).filter(pk__in=set(data.evidence_ids)))
    missing = sorted(set(data.evidence_ids) - {e.pk for e in evidence})
    if missing:
        raise ValidationError(
            {
                "evidence": _("These evidence ids do not exist or are not visible to you: %(ids)s.")
                % {"ids": ", ".join(str(i) for i in missing)}
            }
        )
    uploads = [(cleaned["file"], cleaned["short_name"])] if cleaned.get("file") else []
    try:
        actions.record_result(
            item,
            by=request.user,
            result_text=cleaned["result_text"],
            completed_on=cleaned["completed_on"],
            uploads=uploads,
            evidence=evidence,
        )
    except ValidationError as exc:
        raise step_refused(exc)
    return _item(request, item_id)


class CannotIn(Input):
    reason: FilledText(5000)


@router.post(
    "/remediation-items/{int:item_id}/cannot",
    response=responses(RemediationItemOut, 403, 404, 409),
    operation_id="mark_remediation_cannot",
)
def mark_cannot(request, item_id: Id, payload: CannotIn):
    """The shortcoming cannot be remedied, with the reason. 409 once verified."""
    item = _item(request, item_id)
    try:
        actions.mark_cannot(item, by=request.user, reason=payload.reason)
    except ValidationError as exc:
        raise step_refused(exc)
    return _item(request, item_id)


class VerifyIn(Input):
    note: Str(5000) = ""


@router.post(
    "/remediation-items/{int:item_id}/verify",
    response=responses(RemediationItemOut, 403, 404, 409),
    operation_id="verify_remediation_result",
)
def verify_result(request, item_id: Id, payload: VerifyIn):
    """An index manager of a higher unit confirms the result. 409 before the item is remedied,
    without evidence, or when it is already verified."""
    item = _item(request, item_id)
    try:
        actions.verify_item(item, by=request.user, note=payload.note)
    except ValidationError as exc:
        raise step_refused(exc)
    return _item(request, item_id)
