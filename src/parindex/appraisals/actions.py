"""Workflow steps of appraisal: each checks permission, changes state and writes the audit row atomically."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parindex.appraisals import access
from parindex.appraisals.models import (
    Adjustment,
    AppraisalEntry,
    AppraisalSheet,
    AppraiserAssignment,
    Explanation,
    SurveyScore,
)
from parindex.core.audit import record, snapshot

Status = AppraisalSheet.Status
# ValidationError codes: STATE for a step refused because of the state of the round, the sheet or
# the leaf (out of order, already done, deadline passed, results published: the API answers 409);
# INVALID for bad input (a bound, a missing reason: 422). The messages are what users read.
STATE = "state"
INVALID = "invalid"
ENTRY_FIELDS = ["points", "not_applicable", "reason", "explanation_requested", "comment"]


def _deny():
    raise PermissionDenied(_("You may not do this."))


def assign_appraiser(*, round, appraiser, by, unit=None, area=None) -> AppraiserAssignment:
    if not access.is_round_manager(by, round):
        _deny()
    if unit is None and area is None:
        raise ValidationError(_("Choose a unit, an area, or both."), code=INVALID)
    if area is not None and (area.framework_id != round.framework_id or area.depth != 1):
        raise ValidationError(_("The area must be an area of the round's framework."), code=INVALID)
    with transaction.atomic():
        assignment, _created = AppraiserAssignment.objects.get_or_create(
            round=round, appraiser=appraiser, unit=unit, area=area, defaults={"assigned_by": by}
        )
        record(actor=by, action="appraisal.assign", obj=assignment, after=snapshot(assignment))
    return assignment


def open_appraisal(*, round, by):
    """The index manager ends self-assessment and opens the appraisal phase of a round.

    From then on the assessments app refuses withdrawals and edits (it only allows them while
    the round is open), so a sheet cannot change under the appraiser.
    """
    from parindex.assessments.models import Round

    if not access.is_round_manager(by, round):
        _deny()
    with transaction.atomic():
        locked = Round.objects.select_for_update().get(pk=round.pk)
        if locked.status != Round.Status.OPEN:
            raise ValidationError(_("The appraisal phase of this round is already open."), code=STATE)
        locked.status = Round.Status.APPRAISAL
        locked.save(update_fields=["status"])
        record(
            actor=by,
            action="appraisal.open",
            obj=locked,
            before={"status": Round.Status.OPEN},
            after={"status": locked.status},
        )
    return locked


def start_appraisal(*, assessment, by) -> AppraisalSheet:
    """Open appraisal round 1 on a submitted sheet (the round must be in its appraisal phase)."""
    from parindex.assessments.models import Assessment, Round

    if not access.is_appraisal_side(by, assessment.unit):
        _deny()
    with transaction.atomic():
        locked = Assessment.objects.select_for_update().select_related("round").get(pk=assessment.pk)
        if locked.round.status == Round.Status.OPEN:
            raise ValidationError(
                _("Self-assessment is still open: the index manager must open the appraisal phase first."),
                code=STATE,
            )
        if locked.round.status == Round.Status.CLOSED:
            raise ValidationError(_("This round is closed."), code=STATE)
        if locked.status == Assessment.Status.DRAFT:
            raise ValidationError(_("The unit has not submitted this score sheet yet."), code=STATE)
        sheet, created = AppraisalSheet.objects.get_or_create(assessment=locked, defaults={"started_by": by})
        if created:
            record(actor=by, action="appraisal.start", obj=sheet, after={"status": sheet.status})
    return sheet


def _sheet_for_update(sheet) -> AppraisalSheet:
    return (
        AppraisalSheet.objects.select_for_update()
        .select_related("assessment__unit", "assessment__round")
        .get(pk=sheet.pk)
    )


def _self_score(sheet, criterion):
    from parindex.assessments.models import Score

    return Score.objects.filter(assessment_id=sheet.assessment_id, criterion_id=criterion.pk).first()


def appraise_leaf(
    *,
    sheet,
    criterion,
    by,
    points: Decimal | None = None,
    not_applicable: bool = False,
    reason: str = "",
    flag: bool = False,
    comment: str = "",
) -> AppraisalEntry:
    """Enter the appraised points of one leaf in the sheet's current round.

    A reason is required wherever the appraised value differs from the self score. Only round 1
    may flag a leaf "explanation requested"; round 2 may only change flagged leaves.
    """
    if not access.may_appraise(by, sheet, criterion):
        _deny()
    reason, comment = (reason or "").strip(), (comment or "").strip()
    with transaction.atomic():
        sheet = _sheet_for_update(sheet)
        round_number = sheet.current_round
        if round_number is None:
            raise ValidationError(_("This sheet is not being appraised now."), code=STATE)
        if criterion.framework_id != sheet.assessment.round.framework_id or not criterion.is_leaf:
            raise ValidationError(_("This criterion is not on the sheet."), code=INVALID)
        if criterion.source == "survey":
            raise ValidationError(
                _("Survey criteria take their points from the survey results."), code=INVALID
            )
        if (
            round_number == 2
            and not AppraisalEntry.objects.filter(
                sheet=sheet, criterion=criterion, round_number=1, explanation_requested=True
            ).exists()
        ):
            raise ValidationError(
                _("Round 2 only re-appraises the criteria that were flagged for explanation."), code=STATE
            )
        if not_applicable:
            if not criterion.allow_not_applicable:
                raise ValidationError(_("This criterion cannot be marked not applicable."), code=INVALID)
            points = None
        elif points is None:
            raise ValidationError(
                _("Enter the appraised points or mark the criterion not applicable."), code=INVALID
            )
        elif points < 0 or points > criterion.max_points:
            raise ValidationError(
                _("Points must be between 0 and %(max)s.") % {"max": f"{criterion.max_points.normalize():f}"},
                code=INVALID,
            )
        score = _self_score(sheet, criterion)
        self_points = score.self_points if score else None
        self_na = score.not_applicable if score else False
        differs = (not_applicable != self_na) or (not not_applicable and points != self_points)
        if differs and not reason:
            raise ValidationError(
                _("Give the reason: the appraised points differ from the self-assessed points."), code=INVALID
            )
        if flag and round_number != 1:
            raise ValidationError(_("Only appraisal round 1 can ask for an explanation."), code=STATE)
        if flag and not comment:
            raise ValidationError(_("Tell the unit what to explain."), code=INVALID)
        entry = AppraisalEntry.objects.filter(
            sheet=sheet, criterion=criterion, round_number=round_number
        ).first()
        before = snapshot(entry, ENTRY_FIELDS) if entry else None
        if entry is None:
            entry = AppraisalEntry(
                sheet=sheet, criterion=criterion, round_number=round_number, max_points=criterion.max_points
            )
        entry.points, entry.not_applicable, entry.reason = points, not_applicable, reason
        entry.explanation_requested, entry.comment = bool(flag), comment
        entry.appraiser, entry.updated_at, entry.implicit = by, timezone.now(), False
        entry.save()
        record(
            actor=by,
            action=f"appraisal.round{round_number}.score",
            obj=entry,
            before=before,
            after=snapshot(entry, ENTRY_FIELDS),
        )
    return entry


def accept_area(*, sheet, area, by) -> tuple[int, int]:
    """Round 1 bulk tool: accept the self score of every leaf of ``area`` whose evidence is attached.

    Leaves already appraised are left alone; leaves without evidence (and not marked not
    applicable) are skipped for the appraiser to look at. Returns (accepted, skipped).
    """
    from parindex.assessments.models import Score

    if not access.may_appraise(by, sheet, area):
        _deny()
    with transaction.atomic():
        sheet = _sheet_for_update(sheet)
        if sheet.status != Status.ROUND1:
            raise ValidationError(_("Self scores can only be accepted in appraisal round 1."), code=STATE)
        done = set(
            AppraisalEntry.objects.filter(sheet=sheet, round_number=1).values_list("criterion_id", flat=True)
        )
        scores = (
            Score.objects.filter(
                assessment_id=sheet.assessment_id, criterion__area_id=area.pk, criterion__is_leaf=True
            )
            .exclude(criterion__source="survey")
            .select_related("criterion")
            .prefetch_related("evidence_links")
        )
        new, skipped = [], 0
        now = timezone.now()
        for score in scores:
            if score.criterion_id in done:
                continue
            has_evidence = bool(score.evidence_links.all()) or score.not_applicable
            if not has_evidence or (score.self_points is None and not score.not_applicable):
                skipped += 1
                continue
            new.append(
                AppraisalEntry(
                    sheet=sheet,
                    criterion=score.criterion,
                    round_number=1,
                    max_points=score.criterion.max_points,
                    points=score.self_points,
                    not_applicable=score.not_applicable,
                    appraiser=by,
                    updated_at=now,
                )
            )
        AppraisalEntry.objects.bulk_create(new)
        record(
            actor=by,
            action="appraisal.accept_area",
            obj=sheet,
            after={"area": area.code, "accepted": len(new), "skipped": skipped},
        )
    return len(new), skipped


def complete_round(*, sheet, by) -> AppraisalSheet:
    """Finish the current round.

    Round 1: every leaf not yet appraised gets the self score (accepted as is; a leaf left
    blank by the unit gets 0); if any leaf is flagged the sheet waits for the explanation,
    else it is appraised. Round 2: the sheet is appraised (flagged leaves not re-appraised keep
    their round-1 points: the last appraisal that exists).
    """
    from parindex.assessments.models import Score

    if not access.may_appraise(by, sheet):
        _deny()
    with transaction.atomic():
        sheet = _sheet_for_update(sheet)
        before = {"status": sheet.status}
        now = timezone.now()
        if sheet.status == Status.ROUND1:
            done = set(
                AppraisalEntry.objects.filter(sheet=sheet, round_number=1).values_list(
                    "criterion_id", flat=True
                )
            )
            new = []
            for score in (
                Score.objects.filter(assessment_id=sheet.assessment_id)
                .exclude(criterion__source="survey")
                .select_related("criterion")
            ):
                if score.criterion_id in done or not score.criterion.is_leaf:
                    continue
                blank = score.self_points is None and not score.not_applicable
                new.append(
                    AppraisalEntry(
                        sheet=sheet,
                        criterion=score.criterion,
                        round_number=1,
                        max_points=score.criterion.max_points,
                        points=Decimal(0) if blank else score.self_points,
                        not_applicable=score.not_applicable,
                        reason=_("Not self-assessed.") if blank else "",
                        implicit=True,
                        appraiser=by,
                        updated_at=now,
                    )
                )
            AppraisalEntry.objects.bulk_create(new)
            flagged = AppraisalEntry.objects.filter(
                sheet=sheet, round_number=1, explanation_requested=True
            ).exists()
            sheet.status = Status.EXPLANATION if flagged else Status.APPRAISED
            sheet.round1_completed_at = now
        elif sheet.status == Status.ROUND2:
            sheet.status = Status.APPRAISED
        else:
            raise ValidationError(_("This sheet is not being appraised now."), code=STATE)
        if sheet.status == Status.APPRAISED:
            sheet.completed_at, sheet.completed_by = now, by
        sheet.save()
        record(
            actor=by,
            action="appraisal.complete_round",
            obj=sheet,
            before=before,
            after={"status": sheet.status},
        )
    return sheet


def _check_explanation_open(sheet):
    if sheet.status != Status.EXPLANATION:
        raise ValidationError(_("No explanation is requested on this sheet now."), code=STATE)
    deadline = sheet.assessment.round.explanation_deadline
    if deadline and timezone.now() > deadline:
        raise ValidationError(_("The explanation deadline has passed."), code=STATE)


def answer_explanation(*, entry, by, text: str, files=(), short_name: str = "") -> Explanation:
    """The unit answers one flagged leaf, optionally with extra evidence files."""
    from parindex.assessments.evidence import store_upload
    from parindex.assessments.models import EvidenceLink, Score

    sheet = entry.sheet
    if not access.may_explain(by, sheet):
        _deny()
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Write the explanation."), code=INVALID)
    if not entry.explanation_requested or entry.round_number != 1:
        raise ValidationError(_("No explanation was requested for this criterion."), code=STATE)
    with transaction.atomic():
        sheet = _sheet_for_update(sheet)
        _check_explanation_open(sheet)
        explanation, _created = Explanation.objects.get_or_create(
            entry=entry, defaults={"text": text, "answered_by": by}
        )
        before = {"text": explanation.text} if not _created else None
        explanation.text, explanation.answered_by, explanation.answered_at = text, by, timezone.now()
        explanation.save()
        unit, year = sheet.assessment.unit, sheet.assessment.round.year
        score = Score.objects.filter(
            assessment_id=sheet.assessment_id, criterion_id=entry.criterion_id
        ).first()
        for upload in files:
            evidence = store_upload(
                unit=unit,
                year=year,
                uploaded_file=upload,
                short_name=short_name or _("Explanation"),
                purpose=entry.criterion.code,
                by=by,
                name_template=sheet.assessment.round.evidence_name_template,
            )
            explanation.evidence.add(evidence)
            if score is not None:
                EvidenceLink.objects.get_or_create(
                    score=score, evidence=evidence, defaults={"created_by": by}
                )
        record(
            actor=by,
            action="appraisal.explain",
            obj=explanation,
            before=before,
            after={"text": text, "files": len(files)},
        )
    return explanation


def submit_explanation(*, sheet, by) -> AppraisalSheet:
    """The unit sends its explanations: appraisal round 2 starts on the flagged leaves."""
    if not access.may_explain(by, sheet):
        _deny()
    with transaction.atomic():
        sheet = _sheet_for_update(sheet)
        _check_explanation_open(sheet)
        missing = AppraisalEntry.objects.filter(
            sheet=sheet, round_number=1, explanation_requested=True, explanation__isnull=True
        ).values_list("criterion__code", flat=True)
        if missing:
            raise ValidationError(
                _("Explain every flagged criterion first: %(codes)s.") % {"codes": ", ".join(missing)},
                code=STATE,
            )
        sheet.status = Status.ROUND2
        sheet.explanation_submitted_at, sheet.explanation_submitted_by = timezone.now(), by
        sheet.save()
        record(
            actor=by,
            action="appraisal.submit_explanation",
            obj=sheet,
            before={"status": Status.EXPLANATION},
            after={"status": sheet.status},
        )
    return sheet


def add_adjustment(
    *, sheet, kind: str, points: Decimal, reason: str, by, evidence=None, upload=None, short_name: str = ""
) -> Adjustment:
    """Bonus or penalty points with a reason (and evidence: an existing one, or an uploaded file
    stored through the assessments evidence service); the total is capped by the framework."""
    if not access.may_appraise(by, sheet):
        _deny()
    reason = (reason or "").strip()
    if kind not in Adjustment.Kind.values:
        raise ValidationError(_("Choose bonus or penalty."), code=INVALID)
    if points is None or points <= 0:
        raise ValidationError(_("Bonus and penalty points must be greater than 0."), code=INVALID)
    if not reason:
        raise ValidationError(_("Give the reason for the bonus or penalty."), code=INVALID)
    if evidence is not None and evidence.unit_id != sheet.assessment.unit_id:
        raise ValidationError(_("The evidence must belong to the unit."), code=INVALID)
    framework = sheet.assessment.round.framework
    cap = framework.bonus_cap if kind == Adjustment.Kind.BONUS else framework.penalty_cap
    with transaction.atomic():
        sheet = _sheet_for_update(sheet)
        if (
            sheet.status == Status.APPRAISED
            and hasattr(sheet.assessment.round, "publication")
            and (sheet.assessment.round.publication.is_published)
        ):
            raise ValidationError(_("The results of this round are published."), code=STATE)
        existing = sum((a.points for a in sheet.adjustments.filter(kind=kind)), Decimal(0))
        if existing + points > cap:
            raise ValidationError(
                _("This would exceed the cap of %(cap)s points set by the framework.")
                % {"cap": f"{cap.normalize():f}"},
                code=INVALID,
            )
        if upload is not None:
            from parindex.assessments.evidence import store_upload

            round_ = sheet.assessment.round
            evidence = store_upload(
                unit=sheet.assessment.unit,
                year=round_.year,
                uploaded_file=upload,
                short_name=short_name or reason[:60],
                purpose=_("Bonus") if kind == Adjustment.Kind.BONUS else _("Penalty"),
                by=by,
                name_template=round_.evidence_name_template,
            )
        adjustment = Adjustment.objects.create(
            sheet=sheet, kind=kind, points=points, reason=reason, evidence=evidence, created_by=by
        )
        record(actor=by, action=f"appraisal.{kind}", obj=adjustment, after=snapshot(adjustment))
    return adjustment


def import_survey(*, round, source, by) -> int:
    """Import survey results (.xlsx: unit code, criterion code, score %) of a round; all or nothing."""
    from parindex.appraisals.surveys import read_survey

    if by is not None and not access.is_round_manager(by, round):
        _deny()
    rows = read_survey(round, source)
    from parindex.results.models import Publication

    if Publication.objects.filter(round=round).exclude(status=Publication.Status.DRAFT).exists():
        raise ValidationError(
            _("The results of this round are approved or published; survey scores can no longer change."),
            code=STATE,
        )
    with transaction.atomic():
        SurveyScore.objects.filter(
            round=round,
            unit_id__in={r.unit.pk for r in rows},
            criterion_id__in={r.criterion.pk for r in rows},
        ).delete()
        SurveyScore.objects.bulk_create(
            [
                SurveyScore(
                    round=round,
                    unit=r.unit,
                    criterion=r.criterion,
                    percent=r.percent,
                    points=r.points,
                    imported_by=by if getattr(by, "is_authenticated", False) else None,
                )
                for r in rows
            ]
        )
        record(actor=by, action="appraisal.import_survey", obj=round, after={"rows": len(rows)})
    return len(rows)
