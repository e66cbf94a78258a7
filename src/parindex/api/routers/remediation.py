"""Remediation items (Phụ lục II and inspection findings), read through the visibility rule."""


import datetime as dt
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from parindex.api.common import Id, Pages, Str, Year, responses
from parindex.api.errors import step_refused
from parindex.remediation import actions
from parindex.remediation.models import RemediationItem
from parindex.units.visibility import get_visible_or_404

router = Router(tags=["remediation"])


class RemediationItemOut(Schema):
    id: int
    unit_id: int
    year: int
    number: int
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
    verified_at: dt.datetime | None


class RemediationFilter(Schema):
    unit_id: Id | None = None
    year: Year | None = None
    status: RemediationItem.Status | None = None
    source: RemediationItem.Source | None = None
    overdue: bool | None = None


@router.get(
    "/remediation-items", response=responses(list[RemediationItemOut]), operation_id="list_remediation_items"
)
@paginate(Pages)
def list_remediation_items(request, filters: Query[RemediationFilter]):
    items = RemediationItem.objects.visible_to(request.user)
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
    "/remediation-items/{int:item_id}", response=responses(RemediationItemOut, 404), operation_id="get_remediation_item"
)
def get_remediation_item(request, item_id: Id):
    return get_visible_or_404(RemediationItem.objects.all(), request.user, pk=item_id)


class ProgressIn(Schema):
    status: Literal["not_started", "in_progress"] | None = None
    note: Str(5000) = ""


@router.post(
    "/remediation-items/{int:item_id}/progress",
    response=responses(RemediationItemOut, 403, 404, 409),
    operation_id="report_remediation_progress",
)
def report_progress(request, item_id: Id, payload: ProgressIn):
    """A progress note and/or the status (not started / in progress) of one shortcoming."""
    item = get_visible_or_404(RemediationItem.objects.all(), request.user, pk=item_id)
    try:
        actions.update_progress(item, by=request.user, status=payload.status, note=payload.note)
    except ValidationError as exc:
        raise step_refused(exc)
    return get_visible_or_404(RemediationItem.objects.all(), request.user, pk=item_id)
