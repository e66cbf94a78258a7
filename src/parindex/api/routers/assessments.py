"""Rounds, score sheets with their leaves, leaf scores (with the version check) and evidence."""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from parindex.api.common import Filled, Id, Input, Line, Pages, Str, Year, api_choices, responses
from parindex.api.errors import Conflict
from parindex.assessments import actions
from parindex.assessments.forms import EvidenceUploadForm
from parindex.assessments.models import Assessment, Evidence, Round, Score
from parindex.assessments.selectors import sheet_view
from parindex.core.security import ATTACHMENT_TYPES, safe_file_response
from parindex.units.visibility import get_visible_or_404

router = Router(tags=["assessments"])

RoundStatus = api_choices("RoundStatus", Round.Status)
SheetStatus = api_choices("SheetStatus", Assessment.Status)

SHEETS = Assessment.objects.select_related("round__framework", "round__owner_unit", "unit")


# --- rounds ------------------------------------------------------------------------------------


class RoundOut(Schema):
    id: int
    name: str
    year: int
    status: str
    framework_id: int
    owner_unit_id: int
    self_deadline: dt.datetime
    explanation_deadline: dt.datetime | None
    appraisal_deadline: dt.datetime | None
    data_cutoff: dt.date | None
    previous_id: int | None


class RoundFilter(Schema):
    year: Year | None = None
    status: RoundStatus | None = None
    framework_id: Id | None = None


@router.get("/rounds", response=responses(list[RoundOut]), operation_id="list_rounds")
@paginate(Pages)
def list_rounds(request, filters: Query[RoundFilter]):
    rounds = Round.objects.visible_to(request.user)
    if filters.year:
        rounds = rounds.filter(year=filters.year)
    if filters.status:
        rounds = rounds.filter(status=filters.status)
    if filters.framework_id:
        rounds = rounds.filter(framework_id=filters.framework_id)
    return rounds.order_by("-year", "-created_at", "-id")


@router.get("/rounds/{int:round_id}", response=responses(RoundOut, 404), operation_id="get_round")
def get_round(request, round_id: Id):
    return get_visible_or_404(Round.objects.all(), request.user, pk=round_id)


# --- sheets ------------------------------------------------------------------------------------


class SheetOut(Schema):
    id: int
    round_id: int
    round_name: str
    year: int
    unit_id: int
    unit_name: str
    status: str
    deadline: dt.datetime
    submitted_at: dt.datetime | None
    locked_at: dt.datetime | None
    version: int

    @staticmethod
    def resolve_round_name(obj):
        return obj.round.name

    @staticmethod
    def resolve_year(obj):
        return obj.round.year

    @staticmethod
    def resolve_unit_name(obj):
        return obj.unit.name


class EvidenceRef(Schema):
    link_id: int
    evidence_id: int
    name: str
    page_ref: str
    has_file: bool


class InputChoice(Schema):
    value: str
    label: str


class InputField(Schema):
    """One input of the leaf's scoring method: the keys of `inputs` when saving."""

    name: str
    label: str
    type: str
    choices: list[InputChoice]


class LeafOut(Schema):
    score_id: int
    criterion_id: int
    code: str
    title: str
    area_id: int | None
    max_points: Decimal
    method: str
    source: str
    survey: bool
    input_fields: list[InputField]
    inputs: dict[str, Any]
    self_points: Decimal | None
    not_applicable: bool
    note: str
    missing_evidence_explanation: str
    version: int
    editable: bool
    updated_at: dt.datetime | None
    evidence: list[EvidenceRef]


class TotalsOut(Schema):
    points: Decimal
    max_points: Decimal
    leaves: int
    scored: int


class SheetDetailOut(SheetOut):
    can_edit: bool
    totals: TotalsOut
    leaves: list[LeafOut]


class SheetFilter(Schema):
    round_id: Id | None = None
    unit_id: Id | None = None
    year: Year | None = None
    status: SheetStatus | None = None


def _sheet(request, sheet_id: int) -> Assessment:
    return get_visible_or_404(SHEETS, request.user, pk=sheet_id)


def _leaf(node) -> dict:
    score = node.score
    criterion = node.criterion
    return {
        "score_id": score.pk,
        "criterion_id": criterion.pk,
        "code": criterion.code,
        "title": criterion.title,
        "area_id": criterion.area_id,
        "max_points": score.max_points,
        "method": criterion.method,
        "source": criterion.source,
        "survey": node.survey,
        "input_fields": [
            {
                "name": spec["name"],
                "label": str(spec.get("label") or spec["name"]),
                "type": str(spec.get("type") or "decimal"),
                "choices": [
                    {
                        "value": ("1" if key else "0") if isinstance(key, bool) else str(key),
                        "label": str(label),
                    }
                    for key, label in spec.get("choices") or []
                ],
            }
            for spec in node.spec
        ],
        "inputs": score.inputs or {},
        "self_points": score.self_points,
        "not_applicable": score.not_applicable,
        "note": score.note,
        "missing_evidence_explanation": score.missing_evidence_explanation,
        "version": score.version,
        "editable": node.editable,
        "updated_at": score.updated_at,
        "evidence": [
            {
                "link_id": link.pk,
                "evidence_id": link.evidence_id,
                "name": link.evidence.display_name,
                "page_ref": link.page_ref,
                "has_file": link.evidence.has_file,
            }
            for link in node.links
        ],
    }


def _totals(summary) -> dict:
    overall = summary.overall
    return {
        "points": getattr(overall, "points", Decimal(0)) or Decimal(0),
        "max_points": getattr(overall, "max_points", Decimal(0)) or Decimal(0),
        "leaves": getattr(overall, "leaves", 0),
        "scored": getattr(overall, "scored", 0),
    }


def _sheet_detail(sheet: Assessment, user) -> Assessment:
    view = sheet_view(sheet, user)
    sheet.can_edit = view.can_edit_any
    sheet.totals = _totals(view.summary)
    sheet.leaves = [_leaf(node) for node in view.nodes if node.is_leaf]
    return sheet


@router.get("/sheets", response=responses(list[SheetOut]), operation_id="list_sheets")
@paginate(Pages)
def list_sheets(request, filters: Query[SheetFilter]):
    """Score sheets the caller may see (own units; overseen units for managers and appraisers)."""
    sheets = Assessment.objects.visible_to(request.user).select_related("round", "unit")
    if filters.round_id:
        sheets = sheets.filter(round_id=filters.round_id)
    if filters.unit_id:
        sheets = sheets.filter(unit_id=filters.unit_id)
    if filters.year:
        sheets = sheets.filter(round__year=filters.year)
    if filters.status:
        sheets = sheets.filter(status=filters.status)
    return sheets.order_by("-round__year", "-round_id", "unit__path")


@router.get("/sheets/{int:sheet_id}", response=responses(SheetDetailOut, 404), operation_id="get_sheet")
def get_sheet(request, sheet_id: Id):
    """The sheet with every leaf: inputs, points, note, version (for the edit check) and evidence."""
    return _sheet_detail(_sheet(request, sheet_id), request.user)


Raw = Line(100) | bool | Annotated[int, Field(ge=-(10**9), le=10**9)]


class ScoreIn(Input):
    version: Annotated[int, Field(ge=0, le=2_147_483_647)] = Field(
        ..., description="The leaf's version as read; a different current version answers 409."
    )
    inputs: dict[Line(40), Raw] = Field(
        default_factory=dict,
        description='The method\'s inputs as typed on the sheet, e.g. {"value": true}, {"level": "A"}, '
        '{"numerator": "3", "denominator": "4"}; decimals as strings ("0,5" or "0.5"). '
        "All empty clears the leaf.",
    )
    not_applicable: bool = False
    note: Str(5000) = ""
    missing_evidence_explanation: Str(5000) = ""


def _score(sheet: Assessment, score_id: int) -> Score:
    return get_object_or_404(Score.objects.select_related("criterion"), assessment=sheet, pk=score_id)


@router.put(
    "/sheets/{int:sheet_id}/scores/{int:score_id}",
    response=responses(LeafOut, 403, 404, 409),
    operation_id="save_score",
)
def save_score(request, sheet_id: Id, score_id: Id, payload: ScoreIn):
    """Save one leaf (the same rules as the sheet page). 409 when someone saved it since
    `version` was read, or when the sheet is submitted, locked or past its deadline."""
    sheet = _sheet(request, sheet_id)
    score = _score(sheet, score_id)
    raw = {
        key: (("1" if value else "0") if isinstance(value, bool) else str(value))
        for key, value in payload.inputs.items()
    }
    actions.save_score(
        score=score,
        by=request.user,
        expected_version=payload.version,
        raw_inputs=raw,
        not_applicable=payload.not_applicable,
        note=payload.note,
        missing_evidence_explanation=payload.missing_evidence_explanation,
    )
    view = sheet_view(sheet, request.user, only_score_id=score.pk)
    node = view.node(score.pk)
    return _leaf(node)


@router.post(
    "/sheets/{int:sheet_id}/submit", response=responses(SheetOut, 403, 404, 409), operation_id="submit_sheet"
)
def submit_sheet(request, sheet_id: Id):
    """The unit head submits the sheet for appraisal."""
    sheet = _sheet(request, sheet_id)
    try:
        actions.submit_assessment(assessment=sheet, by=request.user)
    except ValidationError as exc:
        raise Conflict(exc)
    return _sheet(request, sheet_id)


@router.post(
    "/sheets/{int:sheet_id}/withdraw",
    response=responses(SheetOut, 403, 404, 409),
    operation_id="withdraw_sheet",
)
def withdraw_sheet(request, sheet_id: Id):
    """The unit head takes a submitted sheet back (before appraisal starts and the deadline)."""
    sheet = _sheet(request, sheet_id)
    try:
        actions.withdraw_assessment(assessment=sheet, by=request.user)
    except ValidationError as exc:
        raise Conflict(exc)
    return _sheet(request, sheet_id)


# --- evidence ----------------------------------------------------------------------------------


class EvidenceOut(Schema):
    id: int
    unit_id: int
    year: int
    name: str
    generated_name: str
    original_name: str
    short_name: str
    has_file: bool
    size: int
    content_type: str
    sha256: str
    doc_number: str
    doc_date: dt.date | None
    issuer: str
    url: str
    page_ref: str
    purpose: str
    uploaded_at: dt.datetime

    @staticmethod
    def resolve_name(obj):
        return obj.display_name


class EvidenceFilter(Schema):
    unit_id: Id | None = None
    year: Year | None = None
    sheet_id: Id | None = None
    score_id: Id | None = None


@router.get("/evidence", response=responses(list[EvidenceOut]), operation_id="list_evidence")
@paginate(Pages)
def list_evidence(request, filters: Query[EvidenceFilter]):
    evidence = Evidence.objects.visible_to(request.user)
    if filters.unit_id:
        evidence = evidence.filter(unit_id=filters.unit_id)
    if filters.year:
        evidence = evidence.filter(year=filters.year)
    if filters.sheet_id:
        evidence = evidence.filter(links__score__assessment_id=filters.sheet_id)
    if filters.score_id:
        evidence = evidence.filter(links__score_id=filters.score_id)
    return evidence.distinct().order_by("unit_id", "-year", "generated_name", "id")


@router.get("/evidence/{int:evidence_id}", response=responses(EvidenceOut, 404), operation_id="get_evidence")
def get_evidence(request, evidence_id: Id):
    return get_visible_or_404(Evidence.objects.all(), request.user, pk=evidence_id)


@router.get(
    "/evidence/{int:evidence_id}/download",
    response=responses(None, 404),
    operation_id="download_evidence",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file, streamed, under its generated name",
                # The type detected at upload when it is on the download allow-list, else
                # application/octet-stream (core.security.safe_file_response).
                "content": {
                    content_type: {"schema": {"type": "string", "format": "binary"}}
                    for content_type in sorted(ATTACHMENT_TYPES | {"application/octet-stream"})
                },
            }
        }
    },
)
def download_evidence(request, evidence_id: Id):
    evidence = get_visible_or_404(Evidence.objects.all(), request.user, pk=evidence_id)
    if not evidence.file:
        raise Http404
    try:
        return safe_file_response(
            evidence.file, filename=evidence.generated_name, content_type=evidence.content_type
        )
    except FileNotFoundError:
        raise Http404


class EvidenceUploadIn(Schema):
    short_name: Filled(120)
    page_ref: Line(255) = ""
    doc_number: Line(100) = ""
    # Not "| None": a multipart form has no null (the schema would offer the text "null").
    doc_date: dt.date = None
    issuer: Line(255) = ""


@router.post(
    "/sheets/{int:sheet_id}/scores/{int:score_id}/evidence",
    response=responses(EvidenceOut, 403, 404, 409, status=201),
    operation_id="upload_evidence",
)
def upload_evidence(
    request, sheet_id: Id, score_id: Id, data: Form[EvidenceUploadIn], file: File[UploadedFile]
):
    """Upload a file as evidence of one leaf (checked by content; the name is generated)."""
    sheet = _sheet(request, sheet_id)
    score = _score(sheet, score_id)
    form = EvidenceUploadForm({k: ("" if v is None else v) for k, v in data.dict().items()}, {"file": file})
    if not form.is_valid():
        raise ValidationError([e for errors in form.errors.values() for e in errors])
    cleaned = form.cleaned_data
    evidence = actions.upload_evidence(
        score=score,
        by=request.user,
        uploaded_file=cleaned["file"],
        short_name=cleaned["short_name"],
        page_ref=cleaned["page_ref"],
        doc_number=cleaned["doc_number"],
        doc_date=cleaned["doc_date"],
        issuer=cleaned["issuer"],
    )
    return Status(201, evidence)
