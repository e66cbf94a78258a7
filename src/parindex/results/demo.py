"""Demo step (after the assessments step): a fully appraised and published 2024 round of the
communes of Huyện Chợ Đồn, and imported 2023 results, so dashboards have data from the start.

Deterministic (every self score, appraisal change and survey result comes from a
``random.Random`` seeded with the unit and criterion codes) and idempotent (a published round
with the same name is left alone; the 2023 import is skipped when it exists).
"""

from __future__ import annotations

import datetime as dt
import io
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

YEAR = 2024
HISTORY_YEAR = 2023
DISTRICT_SLUG = "chodon"
FRACTIONS = [Decimal(1), Decimal(1), Decimal(1), Decimal(1), Decimal("0.75"), Decimal("0.5"), Decimal(0)]


def _quarter(value: Decimal) -> Decimal:
    return (value * 4).to_integral_value() / 4


def build(*, stdout, style) -> None:
    from parindex.assessments.models import Assessment, Round, Score
    from parindex.frameworks.models import Framework
    from parindex.results.models import Publication
    from parindex.units.models import Unit

    try:
        from parindex.units.demo import district_code
    except ImportError:  # pragma: no cover
        return
    district = Unit.objects.filter(code=district_code(DISTRICT_SLUG)).first()
    if district is None:
        stdout.write(style.WARNING("results: demo district missing, skipped"))
        return
    framework = next(
        (
            f
            for f in Framework.objects.filter(owner_unit__parent__isnull=True).order_by("pk")
            if "commune" in (f.unit_kinds or [])
        ),
        None,
    )
    if framework is None:
        stdout.write(style.WARNING("results: no commune framework, skipped"))
        return
    User = get_user_model()
    manager = User.objects.filter(username=f"huyen.{DISTRICT_SLUG}.noivu").first()
    appraiser = User.objects.filter(username=f"huyen.{DISTRICT_SLUG}.thamdinh").first()
    if manager is None or appraiser is None:
        stdout.write(style.WARNING("results: demo users missing, skipped"))
        return
    start, end = dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)
    communes = [
        u
        for u in Unit.objects.filter(parent=district, kind__in=["commune", "ward"]).order_by("code")
        if (u.valid_from is None or u.valid_from <= end) and (u.valid_to is None or u.valid_to >= start)
    ]
    name = f"Chỉ số CCHC cấp xã năm {YEAR} — {district.name}"
    existing = Round.objects.filter(name=name, owner_unit=district).first()
    if existing is not None and Publication.objects.filter(round=existing, status="published").exists():
        return
    _import_history(communes, framework, stdout=stdout, style=style)
    leaves = list(framework.leaves())
    tz = timezone.get_current_timezone()
    with transaction.atomic():
        round_ = existing or Round.objects.create(
            name=name,
            year=YEAR,
            framework=framework,
            owner_unit=district,
            data_cutoff=dt.date(YEAR, 11, 15),
            self_deadline=dt.datetime(YEAR, 11, 30, 17, tzinfo=tz),
            explanation_deadline=None,  # a past deadline would refuse the demo's explanation
            appraisal_deadline=dt.datetime(YEAR, 12, 31, 17, tzinfo=tz),
            status=Round.Status.APPRAISAL,
        )
        for unit in communes:
            sheet, created = Assessment.objects.get_or_create(
                round=round_,
                unit=unit,
                defaults={
                    "status": Assessment.Status.SUBMITTED,
                    "submitted_at": dt.datetime(YEAR, 11, 28, 10, tzinfo=tz),
                },
            )
            if not created:
                continue
            scores = []
            quality = random.Random(f"{unit.code}/quality").uniform(0.45, 0.97)  # spreads the classes
            for leaf in leaves:
                if leaf.source == "survey":
                    scores.append(Score(assessment=sheet, criterion=leaf, max_points=leaf.max_points))
                    continue
                rng = random.Random(f"{unit.code}/{leaf.code}/self")
                fraction = Decimal(1) if rng.random() < quality else rng.choice(FRACTIONS[4:])
                points = _quarter(leaf.max_points * fraction)
                scores.append(
                    Score(
                        assessment=sheet,
                        criterion=leaf,
                        max_points=leaf.max_points,
                        self_points=points,
                        inputs={"value": str(points)} if leaf.method == "manual" else {},
                    )
                )
            Score.objects.bulk_create(scores)
    _survey(round_, communes, leaves)
    _appraise(round_, leaves, appraiser)
    from parindex.results import actions

    publication = actions.compute_results(round=round_, by=manager)
    if publication.status == "draft":
        publication = actions.approve_results(
            publication=publication,
            by=manager,
            decision_number="125/QĐ-UBND",
            decision_date=dt.date(YEAR + 1, 1, 20),
        )
    actions.publish_results(publication=publication, by=manager)
    stdout.write(style.SUCCESS(f"results: {name} published ({publication.results.count()} communes)"))


def _survey(round_, communes, leaves):
    from parindex.appraisals.models import SurveyScore
    from parindex.results.scoring import survey_points

    if SurveyScore.objects.filter(round=round_).exists():
        return
    rows = []
    for unit in communes:
        for leaf in leaves:
            if leaf.source != "survey":
                continue
            percent = Decimal(random.Random(f"{unit.code}/{leaf.code}/survey").randint(60, 98))
            rows.append(
                SurveyScore(
                    round=round_,
                    unit=unit,
                    criterion=leaf,
                    percent=percent,
                    points=survey_points(leaf.max_points, percent),
                )
            )
    SurveyScore.objects.bulk_create(rows)


def _appraise(round_, leaves, appraiser):
    """Lower a few leaves per commune (deterministically); flag one on the first commune, explained and re-appraised."""
    from parindex.appraisals import actions
    from parindex.appraisals.models import AppraisalEntry, AppraisalSheet

    for index, sheet in enumerate(round_.assessments.select_related("unit").order_by("unit__code")):
        appraisal = AppraisalSheet.objects.filter(assessment=sheet).first()
        if appraisal and appraisal.status == AppraisalSheet.Status.APPRAISED:
            continue
        appraisal = appraisal or actions.start_appraisal(assessment=sheet, by=appraiser)
        if appraisal.status == AppraisalSheet.Status.ROUND1:
            self_scores = dict(sheet.scores.values_list("criterion_id", "self_points"))
            for leaf in leaves:
                if leaf.source == "survey" or not self_scores.get(leaf.pk):
                    continue
                rng = random.Random(f"{sheet.unit.code}/{leaf.code}/appraisal")
                if rng.random() < 0.12:
                    lowered = _quarter(self_scores[leaf.pk] * Decimal("0.5"))
                    actions.appraise_leaf(
                        sheet=appraisal,
                        criterion=leaf,
                        by=appraiser,
                        points=lowered,
                        reason="Tài liệu kiểm chứng chưa đầy đủ",
                        flag=index == 0,
                        comment="Đề nghị bổ sung tài liệu kiểm chứng" if index == 0 else "",
                    )
            appraisal = actions.complete_round(sheet=appraisal, by=appraiser)
        if appraisal.status == AppraisalSheet.Status.EXPLANATION:
            head = sheet.unit.memberships.filter(role="unit_head").select_related("user").first()
            for entry in AppraisalEntry.objects.filter(
                sheet=appraisal, round_number=1, explanation_requested=True
            ):
                actions.answer_explanation(
                    entry=entry, by=head.user, text="Đơn vị đã bổ sung văn bản kèm theo."
                )
            appraisal = actions.submit_explanation(sheet=appraisal, by=head.user)
        if appraisal.status == AppraisalSheet.Status.ROUND2:
            for entry in AppraisalEntry.objects.filter(
                sheet=appraisal, round_number=1, explanation_requested=True
            )[:1]:
                actions.appraise_leaf(
                    sheet=appraisal,
                    criterion=entry.criterion,
                    by=appraiser,
                    points=entry.max_points,
                    reason="Đã giải trình, bổ sung đầy đủ",
                )
            actions.complete_round(sheet=appraisal, by=appraiser)


def _import_history(communes, framework, *, stdout, style):
    from openpyxl import Workbook

    from parindex.results.history import import_results
    from parindex.results.models import Publication

    if Publication.objects.filter(year=HISTORY_YEAR, source=Publication.Source.IMPORT).exists():
        return
    wb = Workbook()
    ws = wb.active
    ws.append(["Năm", "Mã đơn vị", "Tổng điểm", "Điểm tối đa"])
    maximum = framework.max_total or Decimal(100)
    for unit in communes:
        total = _quarter(
            maximum * Decimal(random.Random(f"{unit.code}/{HISTORY_YEAR}").randint(62, 95)) / 100
        )
        ws.append([HISTORY_YEAR, unit.code, float(total), float(maximum)])
    buffer = io.BytesIO()
    wb.save(buffer)
    counts = import_results(buffer.getvalue(), framework=framework)
    stdout.write(
        style.SUCCESS(f"results: {HISTORY_YEAR} history imported ({counts.get(HISTORY_YEAR, 0)} communes)")
    )
