"""Published results, rankings and the lost-points statistics.

Reads go through ``UnitResult.objects.visible_to`` (published rows for everyone logged in;
drafts only for the unit and its appraisal side) and the results app's selectors.
"""

import datetime as dt
from decimal import Decimal

from django.http import Http404
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from parindex.api.common import Id, Pages, Text, Year, api_choices, responses
from parindex.results import selectors
from parindex.results.models import Publication, UnitResult
from parindex.units.models import Unit

router = Router(tags=["results"])

PublicationStatus = api_choices("PublicationStatus", Publication.Status)


class PublicationOut(Schema):
    id: int
    year: int
    title: str
    status: str
    source: str
    grouping: str
    tie_policy: str
    published_points: str = Field(
        description="What the result sentence calls “điểm”: “total” points or the “index” on a scale of 100."
    )
    framework_id: int | None
    owner_unit_id: int
    decision_number: str
    decision_date: dt.date | None
    published_at: dt.datetime | None


class ResultOut(Schema):
    id: int
    publication_id: int
    published: bool
    unit_id: int
    year: int
    unit_code: str
    unit_name: str
    unit_kind: str
    peer_key: str
    peer_label: str
    points: Decimal
    max_points: Decimal
    bonus: Decimal
    penalty: Decimal
    total: Decimal
    index_percent: Decimal | None
    class_label: str
    rank: int | None
    rank_of: int
    self_total: Decimal | None
    previous_year: int | None
    previous_total: Decimal | None
    previous_rank: int | None
    previous_rank_of: int | None
    previous_index_percent: Decimal | None
    previous_class_label: str
    points_change: Decimal | None
    index_change: Decimal | None = Field(None, description="Index % this year − last year (exact).")
    rank_change: int | None = Field(
        None,
        description="Places moved up (+) or down (−); null unless both years rank the same peer "
        "group of the same size.",
    )
    sentence: str = Field("", description="The result sentence, in the request's language.")
    published_points: str = Field("total", description="“total” or “index”: what “điểm” means here.")
    published_figure: Decimal | None = Field(None, description="The figure published as “điểm”.")

    @staticmethod
    def resolve_published_points(obj):
        return obj.publication.published_points

    @staticmethod
    def resolve_published_figure(obj):
        return obj.published_figure

    @staticmethod
    def resolve_sentence(obj):
        return obj.sentence()

    @staticmethod
    def resolve_published(obj):
        return obj.publication.status == Publication.Status.PUBLISHED


class AreaOut(Schema):
    code: str
    title: str
    points: Decimal
    max_points: Decimal
    self_points: Decimal | None


class LeafResultOut(Schema):
    code: str
    title: str
    area_code: str
    max_points: Decimal
    self_points: Decimal | None
    round1_points: Decimal | None
    round2_points: Decimal | None
    final_points: Decimal | None
    not_applicable: bool
    is_survey: bool


class ResultDetailOut(ResultOut):
    areas: list[AreaOut]
    leaves: list[LeafResultOut]

    @staticmethod
    def resolve_areas(obj):
        return list(obj.areas.order_by("order"))

    @staticmethod
    def resolve_leaves(obj):
        return list(obj.leaves.order_by("order"))


class PublicationFilter(Schema):
    year: Year | None = None
    status: PublicationStatus | None = None


class ResultFilter(Schema):
    year: Year | None = None
    unit_kind: Unit.Kind | None = None
    province_id: Id | None = Field(
        None, description="Only units under this province (or any unit of the tree)."
    )
    unit_id: Id | None = None
    publication_id: Id | None = None
    peer_key: Text | None = None
    published_only: bool = Field(True, description="false adds draft results the caller may see.")


def _province_path(unit_id: int) -> str:
    """The tree path of the province (or any unit) results are filtered by.

    Deliberately not limited by ``Unit.objects.visible_to``: published results name every
    unit of the tree, and a commune officer reading the province ranking must be able to
    say "my province" without seeing the province's own data. Unknown id → 404.
    """
    path = Unit.objects.filter(pk=unit_id).values_list("path", flat=True).first()
    if path is None:
        raise Http404
    return path


def _results(request, filters: ResultFilter):
    results = UnitResult.objects.visible_to(request.user).select_related("publication")
    if filters.published_only:
        results = results.published()
    if filters.year:
        results = results.filter(year=filters.year)
    if filters.unit_kind:
        results = results.filter(unit_kind=filters.unit_kind)
    if filters.province_id:
        results = results.filter(unit__path__startswith=_province_path(filters.province_id))
    if filters.unit_id:
        results = results.filter(unit_id=filters.unit_id)
    if filters.publication_id:
        results = results.filter(publication_id=filters.publication_id)
    if filters.peer_key:
        results = results.filter(peer_key=filters.peer_key)
    return results


@router.get("/publications", response=responses(list[PublicationOut]), operation_id="list_publications")
@paginate(Pages)
def list_publications(request, filters: Query[PublicationFilter]):
    publications = Publication.objects.visible_to(request.user)
    if filters.year:
        publications = publications.filter(year=filters.year)
    if filters.status:
        publications = publications.filter(status=filters.status)
    return publications.order_by("-year", "-id")


@router.get(
    "/publications/{int:publication_id}",
    response=responses(PublicationOut, 404),
    operation_id="get_publication",
)
def get_publication(request, publication_id: Id):
    try:
        return Publication.objects.visible_to(request.user).get(pk=publication_id)
    except Publication.DoesNotExist:
        raise Http404


@router.get("/results", response=responses(list[ResultOut], 404), operation_id="list_results")
@paginate(Pages)
def list_results(request, filters: Query[ResultFilter]):
    """Unit results (published by default), filtered by year, unit type, province, publication."""
    return _results(request, filters).order_by(
        "-year", "publication_id", "peer_key", "rank", "unit_name", "id"
    )


@router.get("/results/{int:result_id}", response=responses(ResultDetailOut, 404), operation_id="get_result")
def get_result(request, result_id: Id):
    """One unit's result with its areas and leaves (self, appraisal rounds, final points)."""
    try:
        return UnitResult.objects.visible_to(request.user).select_related("publication").get(pk=result_id)
    except UnitResult.DoesNotExist:
        raise Http404


class RankingFilter(Schema):
    year: Year
    unit_kind: Unit.Kind
    province_id: Id | None = None
    framework_id: Id | None = None


class RankingRowOut(Schema):
    rank: int | None
    rank_of: int
    unit_id: int
    unit_code: str
    unit_name: str
    peer_key: str
    peer_label: str
    total: Decimal
    index_percent: Decimal | None
    class_label: str
    points_change: Decimal | None
    rank_change: int | None
    result_id: int

    @staticmethod
    def resolve_result_id(obj):
        return obj.pk


@router.get("/rankings", response=responses(list[RankingRowOut], 404), operation_id="list_rankings")
@paginate(Pages)
def list_rankings(request, filters: Query[RankingFilter]):
    """The published ranking of a year and unit type, by peer group then rank (as the results page)."""
    rows = selectors.ranking_rows(
        year=filters.year, unit_kind=filters.unit_kind, framework_id=filters.framework_id, user=request.user
    )
    if filters.province_id:
        inside = set(
            Unit.objects.filter(
                path__startswith=_province_path(filters.province_id), pk__in=[r.unit_id for r in rows]
            ).values_list("pk", flat=True)
        )
        rows = [r for r in rows if r.unit_id in inside]
    return rows


class LostRowOut(Schema):
    """Points lost on one criterion. ``null`` = the column does not apply: a survey criterion has no
    self points, bị trừ or tự trừ; a self-scored criterion nothing in ``not_self_scored``."""

    code: str
    title: str
    max_points: Decimal
    units: int
    is_survey: bool
    self_points: Decimal | None
    final_points: Decimal
    by_appraisal: Decimal | None
    by_self: Decimal | None
    not_self_scored: Decimal | None
    total_lost: Decimal
    units_losing: int


class StatisticsOut(Schema):
    publication_id: int
    peer_key: str
    peer_label: str
    year: int
    units: int
    lost: list[LostRowOut]
    most_lost: list[LostRowOut]


class StatisticsFilter(Schema):
    publication_id: Id
    peer_key: Text


@router.get("/statistics/lost-points", response=responses(StatisticsOut, 404), operation_id="lost_points")
def lost_points(request, filters: Query[StatisticsFilter]):
    """Points lost per criterion over a peer group (by appraisal and by the units themselves)."""
    rows = selectors.group_results(
        UnitResult.objects.visible_to(request.user), filters.publication_id, filters.peer_key
    )
    if not rows:
        raise Http404
    lost = selectors.lost_points([r.pk for r in rows])
    return {
        "publication_id": filters.publication_id,
        "peer_key": filters.peer_key,
        "peer_label": rows[0].peer_label,
        "year": rows[0].year,
        "units": len(rows),
        "lost": lost,
        "most_lost": selectors.most_lost(lost),
    }
