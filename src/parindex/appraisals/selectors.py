"""Reads of appraisal data shared by views, exports and the results computation."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from parindex.appraisals.models import Adjustment, AppraisalEntry, AppraisalSheet, SurveyScore


@dataclass
class LeafRow:
    criterion: object
    self_points: Decimal | None = None
    self_na: bool = False
    round1: AppraisalEntry | None = None
    round2: AppraisalEntry | None = None
    survey: Decimal | None = None
    evidence: list = field(default_factory=list)
    note: str = ""
    score_id: int | None = None

    @property
    def final_entry(self):
        return self.round2 or self.round1

    @property
    def final_points(self):
        from parindex.results.scoring import final_points

        return final_points(
            round1=self.round1.points if self.round1 else None,
            round2=self.round2.points if self.round2 else None,
            survey=self.survey, is_survey=self.criterion.source == "survey",
        )

    @property
    def not_applicable(self) -> bool:
        entry = self.final_entry
        return entry.not_applicable if entry else self.self_na


def sheet_rows(sheet) -> list[LeafRow]:
    """Every leaf of a sheet with self score, evidence, notes, round 1/2 entries and survey points.

    A fixed number of queries whatever the number of leaves.
    """
    from parindex.assessments.models import Score
    from parindex.frameworks.models import Criterion

    assessment = sheet.assessment
    leaves = list(
        Criterion.objects.filter(framework_id=assessment.round.framework_id, is_leaf=True)
        .select_related("area").order_by("sort_key")
    )
    rows = {c.pk: LeafRow(criterion=c) for c in leaves}
    for score in Score.objects.filter(assessment=assessment).prefetch_related("evidence_links__evidence"):
        row = rows.get(score.criterion_id)
        if row:
            row.self_points, row.self_na, row.note, row.score_id = score.self_points, score.not_applicable, score.note, score.pk
            row.evidence = [link.evidence for link in score.evidence_links.all()]
    entries = AppraisalEntry.objects.filter(sheet=sheet).select_related("explanation").prefetch_related(
        "explanation__evidence"
    )
    for entry in entries:
        row = rows.get(entry.criterion_id)
        if row:
            setattr(row, "round1" if entry.round_number == 1 else "round2", entry)
    for s in SurveyScore.objects.filter(round_id=assessment.round_id, unit_id=assessment.unit_id):
        if s.criterion_id in rows:
            rows[s.criterion_id].survey = s.points
    return list(rows.values())


@dataclass
class UnitData:
    unit_id: int
    leaves: dict = field(default_factory=dict)  # criterion_id -> dict(self, self_na, r1, r1_na, r2, r2_na, survey)
    bonuses: list = field(default_factory=list)
    penalties: list = field(default_factory=list)


def round_data(round_) -> tuple[dict[int, UnitData], dict[str, int]]:
    """Appraised data of every appraised sheet of a round, in a fixed number of queries.

    Returns (unit_id → UnitData for sheets with status "appraised", counts by sheet status).

    Built for the national round (every commune of the country, ~670,000 score and entry rows): the
    round's sheets are read once into a map (sheet and assessment id → the unit's leaf dict), then the
    scores, entries and survey scores as plain tuples without the models' default ordering (which
    joins the criterion for ``sort_key`` and sorts every row), filtered by a subquery and dispatched
    through that map. Rows of a sheet that became appraised after the first read are skipped.
    """
    from parindex.assessments.models import Score

    appraised = AppraisalSheet.Status.APPRAISED
    status_counts: dict[str, int] = {}
    data: dict[int, UnitData] = {}
    by_sheet: dict[int, UnitData] = {}
    leaves_of_assessment: dict[int, dict] = {}
    # One read of the round's sheets, in the sheets' order (round, unit path): the order of ``data``.
    for sheet_id, assessment_id, unit_id, status in AppraisalSheet.objects.filter(
        assessment__round=round_
    ).values_list("pk", "assessment_id", "assessment__unit_id", "status"):
        status_counts[status] = status_counts.get(status, 0) + 1
        if status == appraised:
            unit = data[unit_id] = UnitData(unit_id)
            by_sheet[sheet_id] = unit
            leaves_of_assessment[assessment_id] = unit.leaves
    done_sheets = AppraisalSheet.objects.filter(assessment__round=round_, status=appraised).order_by()

    # Scores come first: one score per assessment and leaf, so each one starts its leaf's dict.
    for assessment_id, criterion_id, self_points, na in (
        Score.objects.filter(assessment_id__in=done_sheets.values("assessment_id"))
        .order_by()
        .values_list("assessment_id", "criterion_id", "self_points", "not_applicable")
    ):
        leaves = leaves_of_assessment.get(assessment_id)
        if leaves is not None:
            leaves[criterion_id] = {"self": self_points, "self_na": na}
    keys = {}  # round number → ("r1", "r1_na")
    leaves_of_sheet = {sheet_id: unit.leaves for sheet_id, unit in by_sheet.items()}
    for sheet_id, criterion_id, number, points, na in (
        AppraisalEntry.objects.filter(sheet_id__in=done_sheets.values("pk"))
        .order_by()
        .values_list("sheet_id", "criterion_id", "round_number", "points", "not_applicable")
    ):
        leaves = leaves_of_sheet.get(sheet_id)
        if leaves is None:
            continue
        key, key_na = keys.get(number) or keys.setdefault(number, (f"r{number}", f"r{number}_na"))
        d = leaves.get(criterion_id)
        if d is None:
            leaves[criterion_id] = {key: points, key_na: na}
        else:
            d[key] = points
            d[key_na] = na
    for unit_id, criterion_id, points in (
        SurveyScore.objects.filter(round=round_).order_by().values_list("unit_id", "criterion_id", "points")
    ):
        unit = data.get(unit_id)
        if unit is not None:
            d = unit.leaves.get(criterion_id)
            if d is None:
                unit.leaves[criterion_id] = {"survey": points}
            else:
                d["survey"] = points
    # Adjustments by id: the same order within each kind as the model's (sheet, kind, id).
    for sheet_id, kind, points in (
        Adjustment.objects.filter(sheet_id__in=done_sheets.values("pk"))
        .order_by("id")
        .values_list("sheet_id", "kind", "points")
    ):
        unit = by_sheet.get(sheet_id)
        if unit is not None:
            (unit.bonuses if kind == Adjustment.Kind.BONUS else unit.penalties).append(points)
    return data, status_counts
