"""Reads shared by the score-sheet pages, exports and other apps.

Query counts are fixed per call (the sheet tree is 4 queries whatever the number of
leaves or evidence files); totals come from ``logic`` so the page, the exports and the
submit check compute the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby
from typing import Any

from django.db.models import Count, Prefetch, Q, Sum

from parindex.assessments import access
from parindex.assessments.logic import LeafState, SheetSummary, inputs_for_form, is_survey, summarise
from parindex.assessments.models import Assessment, Assignment, EvidenceLink, Round, Score

ZERO = Decimal(0)
SURVEY_Q = Q(criterion__method="survey") | Q(criterion__source="survey")


def _leaf_state(s: Score) -> LeafState:
    """A score (with its criterion and an ``n_evidence`` annotation) as plain data."""
    return LeafState(
        score_id=s.pk,
        code=s.criterion.code,
        title=s.criterion.title,
        area_id=s.criterion.area_id,
        max_points=s.max_points,
        points=s.self_points,
        not_applicable=s.not_applicable,
        evidence_count=s.n_evidence,
        explanation=s.missing_evidence_explanation,
        survey=is_survey(s.criterion.method, s.criterion.source),
    )


def leaf_states(sheet: Assessment) -> list[LeafState]:
    """Every leaf of the sheet as plain data (one query, plus one read per feed of a live sheet).

    Fed leaves (plan completion, remediation) carry their live value while the sheet is live
    (``feeds``): this is what the sheet shows and what submission stores.
    """
    from parindex.assessments.feeds import fed_values, overlay

    scores = list(
        Score.objects.filter(assessment=sheet)
        .select_related("criterion")
        .annotate(n_evidence=Count("evidence_links"))
        .order_by("criterion__sort_key")
    )
    fed = fed_values(sheet, [s.criterion for s in scores])
    for score in scores:
        overlay(score, fed.get(score.criterion_id))
    return [_leaf_state(s) for s in scores]


@dataclass
class Node:
    """One criterion of the sheet tree, with its score when it is a leaf."""

    criterion: Any
    points: Decimal = ZERO
    max_points: Decimal = ZERO
    score: Score | None = None
    survey: bool = False
    survey_points: Decimal | None = None
    editable: bool = False
    spec: list[dict] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)
    links: list[EvidenceLink] = field(default_factory=list)
    assignees: list[str] = field(default_factory=list)
    ancestor_ids: list[int] = field(default_factory=list)
    fed: Any = None  # feeds.FedValue of a leaf fed by another app (plan, remediation)

    @property
    def is_leaf(self) -> bool:
        return self.score is not None

    @property
    def needs_explanation(self) -> bool:
        s = self.score
        return bool(
            s
            and not self.survey
            and not s.not_applicable
            and s.self_points
            and s.self_points > 0
            and not self.links
            and not s.missing_evidence_explanation.strip()
        )


@dataclass
class SheetView:
    sheet: Assessment
    nodes: list[Node]
    summary: SheetSummary
    assignments: list[Assignment]
    can_edit_any: bool

    def node(self, score_id: int) -> Node | None:
        return next((n for n in self.nodes if n.score is not None and n.score.pk == score_id), None)


def _ancestors(criteria_by_id: dict[int, Any], criterion) -> list[int]:
    ids = []
    parent_id = criterion.parent_id
    while parent_id is not None and parent_id in criteria_by_id and len(ids) < 50:
        ids.append(parent_id)
        parent_id = criteria_by_id[parent_id].parent_id
    return ids


def _survey_points(sheet: Assessment) -> dict[int, Decimal]:
    """Survey results already entered for this unit and round (criterion id -> points), one query.

    They come from the appraisal side (survey import or an approved parindex survey); the
    sheet shows them beside the survey leaves but never adds them to the self-assessed total.
    """
    from parindex.appraisals.models import SurveyScore

    rows = SurveyScore.objects.filter(round_id=sheet.round_id, unit_id=sheet.unit_id)
    return dict(rows.values_list("criterion_id", "points"))


def sheet_view(sheet: Assessment, user, *, only_score_id: int | None = None) -> SheetView:
    """The criteria tree of a sheet with scores, inputs, evidence and totals.

    Queries: criteria, scores, evidence links (with evidence), assignments — four,
    independent of the number of leaves and files. ``only_score_id`` limits the
    evidence and input preparation to one leaf (the HTMX row refresh).
    """
    from parindex.assessments.feeds import fed_values, overlay
    from parindex.frameworks.scoring import ScoringError, input_spec

    criteria = list(sheet.round.framework.criteria.order_by("sort_key"))
    fed = fed_values(sheet, criteria)
    by_id = {c.pk: c for c in criteria}
    scores_qs = Score.objects.filter(assessment=sheet).select_related("updated_by")
    link_qs = EvidenceLink.objects.select_related("evidence").order_by("id")
    if only_score_id is not None:
        link_qs = link_qs.filter(score_id=only_score_id)
    scores = {
        s.criterion_id: s for s in scores_qs.prefetch_related(Prefetch("evidence_links", queryset=link_qs))
    }
    assignments = list(sheet.assignments.select_related("officer", "lead_unit", "criterion"))
    survey_points = _survey_points(sheet)
    editable_sheet = sheet.is_editable and not sheet.is_past_deadline()
    unit_editor = access.is_unit_editor(user, sheet.unit)
    lead_ids = access.lead_criterion_ids(user, assignments)
    assignees: dict[int, list[str]] = {}
    for a in assignments:
        assignees.setdefault(a.criterion_id, []).append(a.assignee_name)

    nodes: list[Node] = []
    node_by_id: dict[int, Node] = {}
    leaves: list[LeafState] = []
    for criterion in criteria:
        node = Node(
            criterion=criterion, max_points=criterion.max_points, ancestor_ids=_ancestors(by_id, criterion)
        )
        node.assignees = assignees.get(criterion.pk, [])
        node_by_id[criterion.pk] = node
        nodes.append(node)
        score = scores.get(criterion.pk)
        if score is None:
            continue
        node.fed = fed.get(criterion.pk)
        overlay(score, node.fed)  # live value of a fed leaf (display only; nothing is saved)
        node.score = score
        node.survey = is_survey(criterion.method, criterion.source)
        if node.survey:
            node.survey_points = survey_points.get(criterion.pk)
        node.links = list(score.evidence_links.all())
        node.points = score.self_points or ZERO
        node.editable = (
            editable_sheet
            and not node.survey
            and (unit_editor or criterion.pk in lead_ids or criterion.area_id in lead_ids)
        )
        if only_score_id is None or only_score_id == score.pk:
            try:
                node.spec = input_spec(criterion.method, criterion.params, score.max_points)
            except ScoringError:
                node.spec = []
            node.values = inputs_for_form(score.inputs)
        leaves.append(
            LeafState(
                score_id=score.pk,
                code=criterion.code,
                title=criterion.title,
                area_id=criterion.area_id,
                max_points=score.max_points,
                points=score.self_points,
                not_applicable=score.not_applicable,
                evidence_count=len(node.links) if only_score_id is None else 0,
                explanation=score.missing_evidence_explanation,
                survey=node.survey,
            )
        )
        for ancestor_id in node.ancestor_ids:
            ancestor = node_by_id.get(ancestor_id)
            if ancestor is not None and score.self_points is not None:
                ancestor.points += score.self_points
    return SheetView(
        sheet=sheet,
        nodes=nodes,
        # A one-row refresh did not load every leaf's evidence: count it in one query instead.
        summary=summarise(leaves) if only_score_id is None else summarise(leaf_states(sheet)),
        assignments=assignments,
        can_edit_any=editable_sheet and (unit_editor or bool(lead_ids)),
    )


@dataclass
class SheetProgress:
    sheet: Assessment
    leaves: int = 0
    scored: int = 0
    without_evidence: int = 0
    points: Decimal = ZERO

    @property
    def percent_done(self) -> int:
        return int(100 * self.scored / self.leaves) if self.leaves else 0


def round_progress(round_: Round, user) -> list[SheetProgress]:
    """Every sheet of the round the user may see, with progress (three queries)."""
    sheets = list(
        Assessment.objects.visible_to(user)
        .filter(round=round_)
        .select_related("unit", "submitted_by", "round")
        .order_by("unit__path")
    )
    ids = [s.pk for s in sheets]
    base = Score.objects.filter(assessment_id__in=ids).exclude(SURVEY_Q)
    stats = {
        row["assessment_id"]: row
        for row in base.values("assessment_id").annotate(
            total=Count("id"),
            scored=Count("id", filter=Q(self_points__isnull=False) | Q(not_applicable=True)),
            points=Sum("self_points"),
        )
    }
    no_evidence = {
        row["assessment_id"]: row["n"]
        for row in base.filter(self_points__isnull=False, evidence_links__isnull=True)
        .values("assessment_id")
        .annotate(n=Count("id"))
    }
    result = []
    for sheet in sheets:
        row = stats.get(sheet.pk, {})
        result.append(
            SheetProgress(
                sheet=sheet,
                leaves=row.get("total", 0),
                scored=row.get("scored", 0),
                without_evidence=no_evidence.get(sheet.pk, 0),
                points=row.get("points") or ZERO,
            )
        )
    return result


@dataclass
class SheetTotals:
    """One unit's row of the round-wide summary: its sheet and the totals of ``logic.summarise``."""

    sheet: Assessment
    summary: SheetSummary


def round_summary(
    round_: Round, user, *, progress: Callable[[int, int], None] | None = None
) -> tuple[list[Any], list[SheetTotals]]:
    """(the framework's areas, every sheet of the round the user may see with its totals).

    The totals are those of the sheet page (``logic.summarise`` over the same leaf states).
    Three queries whatever the number of units; the scores are read in chunks, sheet by
    sheet, so a national round never sits whole in memory. ``progress(done, total)`` is
    called after each sheet added up.
    """
    visible = Assessment.objects.visible_to(user).filter(round=round_)
    sheets = list(visible.select_related("unit", "round").order_by("unit__path"))
    areas = list(round_.framework.criteria.filter(depth=1).order_by("sort_key"))
    scores = (
        Score.objects.filter(assessment__in=visible.values("pk"))
        .select_related("criterion")
        .annotate(n_evidence=Count("evidence_links"))
        .order_by("assessment_id", "criterion__sort_key")
    )
    summaries: dict[int, SheetSummary] = {}
    total = len(sheets)
    for sheet_id, group in groupby(scores.iterator(chunk_size=2000), key=lambda s: s.assessment_id):
        summaries[sheet_id] = summarise(_leaf_state(s) for s in group)
        if progress is not None:
            progress(len(summaries), total)
    rows = [SheetTotals(sheet=s, summary=summaries.get(s.pk) or SheetSummary()) for s in sheets]
    return areas, rows


@dataclass
class TodoItem:
    score: Score
    missing: list[str]


def todo_for(user) -> list[TodoItem]:
    """Leaves assigned to the user (personally or to their lead department) on open draft sheets."""
    from django.utils.translation import gettext as _

    units = access.lead_unit_ids(user)
    assignments = list(
        Assignment.objects.filter(Q(officer=user) | Q(lead_unit_id__in=list(units)))
        .filter(assessment__status=Assessment.Status.DRAFT, assessment__round__status=Round.Status.OPEN)
        .values_list("assessment_id", "criterion_id")
    )
    if not assignments:
        return []
    condition = Q(pk__in=[])
    for sheet_id, criterion_id in assignments:
        condition |= Q(assessment_id=sheet_id) & (
            Q(criterion_id=criterion_id) | Q(criterion__area_id=criterion_id)
        )
    scores = (
        Score.objects.filter(condition)
        .exclude(SURVEY_Q)
        .select_related("criterion", "assessment__unit", "assessment__round")
        .annotate(n_evidence=Count("evidence_links"))
        .order_by("assessment__round__self_deadline", "assessment_id", "criterion__sort_key")
    )
    items = []
    for score in scores:
        missing = []
        if not score.is_scored:
            missing.append(_("not scored"))
        elif not score.not_applicable and score.n_evidence == 0:
            if score.self_points and score.self_points > 0 and not score.missing_evidence_explanation.strip():
                missing.append(_("evidence or an explanation"))
            elif score.self_points and score.self_points > 0:
                missing.append(_("evidence (explained)"))
        if missing:
            items.append(TodoItem(score=score, missing=missing))
    return items


def sheets_for(user):
    """Score sheets of the user's own units (newest rounds first), for the sheet list."""
    from parindex.units.visibility import scope_for

    scope = scope_for(user)
    own = list(scope.own_unit_ids)
    return (
        Assessment.objects.visible_to(user)
        .filter(Q(unit_id__in=own) | Q(assignments__lead_unit_id__in=own))
        .select_related("unit", "round")
        .distinct()
        .order_by("-round__year", "-round__created_at", "unit__path")
    )


def zip_entries(sheet: Assessment) -> tuple[list[dict], list[dict]]:
    """(files to put in the ZIP by criterion code, every evidence row for the contents list)."""
    links = (
        EvidenceLink.objects.filter(score__assessment=sheet)
        .select_related("evidence", "score__criterion")
        .order_by("score__criterion__sort_key", "id")
    )
    files, rows = [], []
    for link in links:
        evidence = link.evidence
        folder = link.score.criterion.code
        rows.append(
            {"code": folder, "criterion": link.score.criterion.title, "evidence": evidence, "link": link}
        )
        if evidence.file:
            files.append({"folder": folder, "evidence": evidence})
    return files, rows
