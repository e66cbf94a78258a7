"""Appraisal (thẩm định) of submitted score sheets: the appraised entries, the appraisal state
of a sheet, and its steps — start, appraise a leaf (with a request for explanation), complete
a round, the unit's explanation of a flagged leaf and sending the explanations.

Every write goes through ``parindex.appraisals.actions`` (the permission check, the state
check and the audit row are there, as for the sheet page). Their refusals are ValidationErrors
answered by the common mapping of ``parindex.api.errors``: a refusal caused by the state of the
round, the sheet or the leaf carries ``code="state"`` and is answered 409, bad input
(``code="invalid"``, or a form error) 422 — the message is the one the pages show.
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate

from parindex.api.common import FilledText, Id, Input, Line, Pages, Str, responses
from parindex.appraisals import access, actions
from parindex.appraisals.forms import EntryForm, ExplanationForm
from parindex.appraisals.models import AppraisalEntry, AppraisalSheet
from parindex.assessments.models import Assessment
from parindex.frameworks.models import Criterion
from parindex.units.visibility import get_visible_or_404

router = Router(tags=["appraisals"])

ENTRIES = AppraisalEntry.objects.select_related("sheet__assessment", "criterion", "explanation")


# --- appraised entries ---------------------------------------------------------------------------


class AppraisalEntryOut(Schema):
    id: int
    sheet_id: int = Field(..., description="The score sheet (assessment) id.")
    appraisal_status: str
    unit_id: int
    criterion_id: int
    code: str
    round_number: int
    max_points: Decimal
    points: Decimal | None
    not_applicable: bool
    reason: str
    explanation_requested: bool
    comment: str
    explanation: str | None = Field(None, description="The unit's explanation of a flagged leaf (round 1).")
    explained_at: dt.datetime | None = None
    updated_at: dt.datetime

    @staticmethod
    def resolve_sheet_id(obj):
        return obj.sheet.assessment_id

    @staticmethod
    def resolve_appraisal_status(obj):
        return obj.sheet.status

    @staticmethod
    def resolve_unit_id(obj):
        return obj.sheet.assessment.unit_id

    @staticmethod
    def resolve_code(obj):
        return obj.criterion.code

    @staticmethod
    def resolve_explanation(obj):
        explanation = getattr(obj, "explanation", None)
        return explanation.text if explanation is not None else None

    @staticmethod
    def resolve_explained_at(obj):
        explanation = getattr(obj, "explanation", None)
        return explanation.answered_at if explanation is not None else None


class AppraisalFilter(Schema):
    sheet_id: Id | None = None
    round_id: Id | None = None
    unit_id: Id | None = None
    round_number: int | None = Field(None, ge=1, le=2)
    explanation_requested: bool | None = None


@router.get(
    "/appraisal-entries", response=responses(list[AppraisalEntryOut]), operation_id="list_appraisal_entries"
)
@paginate(Pages)
def list_appraisal_entries(request, filters: Query[AppraisalFilter]):
    entries = AppraisalEntry.objects.visible_to(request.user).select_related(
        "sheet__assessment", "criterion", "explanation"
    )
    if filters.sheet_id:
        entries = entries.filter(sheet__assessment_id=filters.sheet_id)
    if filters.round_id:
        entries = entries.filter(sheet__assessment__round_id=filters.round_id)
    if filters.unit_id:
        entries = entries.filter(sheet__assessment__unit_id=filters.unit_id)
    if filters.round_number:
        entries = entries.filter(round_number=filters.round_number)
    if filters.explanation_requested is not None:
        entries = entries.filter(explanation_requested=filters.explanation_requested)
    return entries.order_by("sheet_id", "criterion__sort_key", "round_number", "id")


# --- the appraisal of one sheet --------------------------------------------------------------------


class AppraisalOut(Schema):
    sheet_id: int = Field(..., description="The score sheet (assessment) id.")
    unit_id: int
    round_id: int
    status: str = Field(..., description="round1, explanation, round2 or appraised.")
    current_round: int | None
    started_at: dt.datetime
    round1_completed_at: dt.datetime | None
    explanation_deadline: dt.datetime | None
    explanation_submitted_at: dt.datetime | None
    completed_at: dt.datetime | None
    flagged: int = Field(..., description="Leaves flagged for explanation in round 1.")
    explained: int = Field(..., description="Flagged leaves the unit has explained.")


def _sheet(request, sheet_id: int) -> Assessment:
    return get_visible_or_404(Assessment.objects.select_related("unit", "round"), request.user, pk=sheet_id)


def _appraisal(request, sheet_id: int) -> AppraisalSheet:
    """The appraisal of a visible sheet; 404 before appraisal has started."""
    sheet = _sheet(request, sheet_id)
    return get_object_or_404(
        AppraisalSheet.objects.select_related("assessment__unit", "assessment__round"), assessment=sheet
    )


def _appraisal_out(appraisal: AppraisalSheet) -> dict:
    flagged = AppraisalEntry.objects.filter(sheet=appraisal, round_number=1, explanation_requested=True)
    return {
        "sheet_id": appraisal.assessment_id,
        "unit_id": appraisal.assessment.unit_id,
        "round_id": appraisal.assessment.round_id,
        "status": appraisal.status,
        "current_round": appraisal.current_round,
        "started_at": appraisal.started_at,
        "round1_completed_at": appraisal.round1_completed_at,
        "explanation_deadline": appraisal.assessment.round.explanation_deadline,
        "explanation_submitted_at": appraisal.explanation_submitted_at,
        "completed_at": appraisal.completed_at,
        "flagged": flagged.count(),
        "explained": flagged.filter(explanation__isnull=False).count(),
    }


def _reread(request, sheet_id: int) -> dict:
    return _appraisal_out(_appraisal(request, sheet_id))


@router.get(
    "/sheets/{int:sheet_id}/appraisal", response=responses(AppraisalOut, 404), operation_id="get_appraisal"
)
def get_appraisal(request, sheet_id: Id):
    """The appraisal state of a sheet (404 until appraisal has started)."""
    return _appraisal_out(_appraisal(request, sheet_id))


@router.post(
    "/sheets/{int:sheet_id}/appraisal/start",
    response=responses(AppraisalOut, 403, 404, 409),
    operation_id="start_appraisal",
)
def start_appraisal(request, sheet_id: Id):
    """Open appraisal round 1 on a submitted sheet (appraisers and index managers above the unit;
    the round must be in its appraisal phase). Starting an appraised sheet again changes nothing."""
    sheet = _sheet(request, sheet_id)
    actions.start_appraisal(assessment=sheet, by=request.user)
    return _reread(request, sheet_id)


Points = Line(30) | Annotated[float, Field(ge=0, le=1_000_000)]


class AppraiseIn(Input):
    points: Points | None = Field(
        None, description='The appraised points: "1,5", "1.5" or 1.5; null with not_applicable.'
    )
    not_applicable: bool = False
    reason: Str(5000) = Field(
        "", description="Required when the points differ from the self-assessed points."
    )
    request_explanation: bool = Field(False, description="Round 1 only: ask the unit to explain this leaf.")
    comment: Str(5000) = Field("", description="To the unit; required with request_explanation.")


@router.put(
    "/sheets/{int:sheet_id}/appraisal/entries/{int:criterion_id}",
    response=responses(AppraisalEntryOut, 403, 404, 409),
    operation_id="appraise_leaf",
)
def appraise_leaf(request, sheet_id: Id, criterion_id: Id, payload: AppraiseIn):
    """Enter the appraised points of one leaf in the sheet's current round (the same rules as the
    appraisal page). 409 when the sheet is not in an appraisal round, or round 2 touches a leaf
    that was not flagged; 422 for points out of bounds or a missing reason."""
    appraisal = _appraisal(request, sheet_id)
    criterion = get_object_or_404(
        Criterion, pk=criterion_id, framework_id=appraisal.assessment.round.framework_id, is_leaf=True
    )
    if not access.may_appraise(request.user, appraisal, criterion):
        raise PermissionDenied
    points = payload.points
    form = EntryForm(
        {
            "points": "" if points is None else (repr(points) if isinstance(points, float) else points),
            "not_applicable": payload.not_applicable,
            "reason": payload.reason,
            "flag": payload.request_explanation,
            "comment": payload.comment,
        }
    )
    if not form.is_valid():
        raise ValidationError([e for errors in form.errors.values() for e in errors])
    data = form.cleaned_data
    entry = actions.appraise_leaf(
        sheet=appraisal,
        criterion=criterion,
        by=request.user,
        points=data["points"],
        not_applicable=data["not_applicable"],
        reason=data["reason"],
        flag=data["flag"],
        comment=data["comment"],
    )
    return ENTRIES.get(pk=entry.pk)


@router.post(
    "/sheets/{int:sheet_id}/appraisal/complete",
    response=responses(AppraisalOut, 403, 404, 409),
    operation_id="complete_appraisal_round",
)
def complete_appraisal_round(request, sheet_id: Id):
    """Finish the current round. Round 1: untouched leaves take the self score; with flagged
    leaves the sheet then waits for the unit's explanation, otherwise it is appraised.
    Round 2: the sheet is appraised."""
    appraisal = _appraisal(request, sheet_id)
    actions.complete_round(sheet=appraisal, by=request.user)
    return _reread(request, sheet_id)


class ExplanationIn(Schema):
    text: FilledText(10000)
    short_name: Line(120) = Field(
        "", description="Short name of the attached document (used in its file name)."
    )


@router.post(
    "/appraisal-entries/{int:entry_id}/explanation",
    response=responses(AppraisalEntryOut, 403, 404, 409),
    operation_id="answer_explanation",
)
def answer_explanation(request, entry_id: Id, data: Form[ExplanationIn], file: File[UploadedFile] = None):
    """The unit (officers, head) explains one flagged leaf, optionally with an extra evidence
    file (multipart; checked by content like every evidence). Answering again replaces the text.
    409 when the leaf was not flagged, the sheet is not waiting for explanations or the deadline
    has passed."""
    entry = get_visible_or_404(ENTRIES, request.user, pk=entry_id)
    if not access.may_explain(request.user, entry.sheet):
        raise PermissionDenied
    form = ExplanationForm({"text": data.text, "short_name": data.short_name}, {"file": file} if file else {})
    if not form.is_valid():
        raise ValidationError([e for errors in form.errors.values() for e in errors])
    cleaned = form.cleaned_data
    actions.answer_explanation(
        entry=entry,
        by=request.user,
        text=cleaned["text"],
        files=[cleaned["file"]] if cleaned.get("file") else [],
        short_name=cleaned.get("short_name") or "",
    )
    return ENTRIES.get(pk=entry.pk)


@router.post(
    "/sheets/{int:sheet_id}/appraisal/explanation/submit",
    response=responses(AppraisalOut, 403, 404, 409),
    operation_id="submit_explanation",
)
def submit_explanation(request, sheet_id: Id):
    """The unit sends its explanations: appraisal round 2 starts on the flagged leaves. 409 until
    every flagged leaf is explained, or when the sheet is not waiting for explanations."""
    appraisal = _appraisal(request, sheet_id)
    actions.submit_explanation(sheet=appraisal, by=request.user)
    return _reread(request, sheet_id)
