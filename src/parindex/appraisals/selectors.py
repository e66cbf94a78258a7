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
    """
    from django.db.models import Count

    from parindex.assessments.models import Score

    status_counts = dict(
        AppraisalSheet.objects.filter(assessment__round=round_).values_list("status").annotate(n=Count("id"))
    )
    done = dict(
        AppraisalSheet.objects.filter(assessment__round=round_, status=AppraisalSheet.Status.APPRAISED).values_list(
            "pk", "assessment__unit_id"
        )
    )
    data = {unit_id: UnitData(unit_id) for unit_id in done.values()}

    def leaf(unit_id, criterion_id):
        return data[unit_id].leaves.setdefault(criterion_id, {})

    for unit_id, criterion_id, self_points, na in Score.objects.filter(
        assessment__round=round_, assessment__unit_id__in=list(data)
    ).values_list("assessment__unit_id", "criterion_id", "self_points", "not_applicable"):
        leaf(unit_id, criterion_id).update(self=self_points, self_na=na)
    for sheet_id, criterion_id, number, points, na in AppraisalEntry.objects.filter(
        sheet_id__in=list(done)
    ).values_list("sheet_id", "criterion_id", "round_number", "points", "not_applicable"):
        leaf(done[sheet_id], criterion_id).update({f"r{number}": points, f"r{number}_na": na})
    for unit_id, criterion_id, points in SurveyScore.objects.filter(round=round_, unit_id__in=list(data)).values_list(
        "unit_id", "criterion_id", "points"
    ):
        leaf(unit_id, criterion_id)["survey"] = points
    for sheet_id, kind, points in Adjustment.objects.filter(sheet_id__in=list(done)).values_list(
        "sheet_id", "kind", "points"
    ):
        target = data[done[sheet_id]]
        (target.bonuses if kind == Adjustment.Kind.BONUS else target.penalties).append(points)
    return data, status_counts
