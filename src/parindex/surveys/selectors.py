"""Reads shared by the survey pages, exports, approval and the demo. A fixed number of queries each."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from parindex.surveys import scoring
from parindex.surveys.models import Answer, PaperBatch, Question, Respondent, Response, Survey, SurveyUnit


@dataclass
class OptionRow:
    key: str
    label: str
    weight: Decimal | None
    count: int
    share: Decimal | None


@dataclass
class QuestionResult:
    question: Question
    options: list[OptionRow]
    answered: int  # answers with a weight (the denominator)
    dont_know: int  # answers without a weight ("không biết")
    score: Decimal | None


@dataclass
class LeafResult:
    criterion: object
    percent: Decimal | None
    points: Decimal | None
    questions: int
    fed_points: Decimal | None = None  # what the round holds now (appraisals.SurveyScore)


@dataclass
class UnitResult:
    unit: object
    population: int
    sample_size: int
    invited: int
    online: int
    paper: int
    questions: list[QuestionResult] = field(default_factory=list)
    leaves: list[LeafResult] = field(default_factory=list)

    @property
    def received(self) -> int:
        return self.online + self.paper

    @property
    def response_rate(self) -> Decimal | None:
        return scoring.response_rate(self.received, self.invited or self.sample_size)


def questions_of(survey) -> list[Question]:
    return list(survey.questions.select_related("criterion").prefetch_related("options"))


def results(survey, *, unit_ids=None) -> list[UnitResult]:
    """Per assessed unit: counts, response rate, each question's distribution and score, each leaf's
    score and points. Only submitted responses count."""
    questions = questions_of(survey)
    units_qs = SurveyUnit.objects.filter(survey=survey).select_related("unit").order_by("unit__path")
    answers_qs = Answer.objects.filter(response__survey=survey, response__status=Response.Status.SUBMITTED)
    responses_qs = Response.objects.filter(survey=survey, status=Response.Status.SUBMITTED)
    sampled_qs = Respondent.objects.filter(survey=survey, in_sample=True)
    if unit_ids is not None:
        units_qs = units_qs.filter(unit_id__in=list(unit_ids))
        answers_qs = answers_qs.filter(response__unit_id__in=list(unit_ids))
        responses_qs = responses_qs.filter(unit_id__in=list(unit_ids))
        sampled_qs = sampled_qs.filter(unit_id__in=list(unit_ids))
    counts: dict = defaultdict(lambda: defaultdict(int))  # (unit, question) -> key -> n
    option_key = {o.pk: o.key for q in questions for o in q.options.all()}
    for unit_id, question_id, option_id, n in answers_qs.values_list(
        "response__unit_id", "question_id", "option_id"
    ).annotate(n=Count("id")).order_by():
        counts[(unit_id, question_id)][option_key[option_id]] += n
    by_channel: dict = defaultdict(int)
    for unit_id, channel, n in responses_qs.values_list("unit_id", "channel").annotate(n=Count("id")).order_by():
        by_channel[(unit_id, channel)] = n
    invited = dict(sampled_qs.values_list("unit_id").annotate(n=Count("id")).order_by())
    fed = {}
    if survey.round_id:
        from parindex.appraisals.models import SurveyScore

        fed = {
            (u, c): p for u, c, p in SurveyScore.objects.filter(
                round_id=survey.round_id, criterion_id__in=[q.criterion_id for q in questions if q.criterion_id],
            ).values_list("unit_id", "criterion_id", "points")
        }
    leaves, leaf_questions = {}, defaultdict(list)
    for q in questions:
        if q.criterion_id:
            leaves[q.criterion_id] = q.criterion
            leaf_questions[q.criterion_id].append(q)
    out = []
    for su in units_qs:
        result = UnitResult(
            unit=su.unit, population=su.population, sample_size=su.sample_size, invited=invited.get(su.unit_id, 0),
            online=by_channel[(su.unit_id, Response.Channel.ONLINE)], paper=by_channel[(su.unit_id, Response.Channel.PAPER)],
        )
        scores = {}
        for q in questions:
            c = counts.get((su.unit_id, q.pk), {})
            options = list(q.options.all())
            weights = {o.key: o.weight for o in options}
            total = sum(c.values())
            rows = [
                OptionRow(o.key, o.label, o.weight, c.get(o.key, 0),
                          (Decimal(c.get(o.key, 0)) * 100 / total) if total else None)
                for o in options
            ]
            score = scoring.question_score(c, weights)
            scores[q.pk] = score
            result.questions.append(QuestionResult(
                question=q, options=rows, score=score,
                answered=sum(n for k, n in c.items() if weights.get(k) is not None),
                dont_know=sum(n for k, n in c.items() if weights.get(k) is None),
            ))
        for criterion_id, criterion in sorted(leaves.items(), key=lambda kv: kv[1].sort_key):
            qs = leaf_questions[criterion_id]
            percent = scoring.leaf_score([(scores[q.pk], q.weight) for q in qs])
            result.leaves.append(LeafResult(
                criterion=criterion, percent=percent, points=scoring.leaf_points(criterion.max_points, percent),
                questions=len(qs), fed_points=fed.get((su.unit_id, criterion_id)),
            ))
        out.append(result)
    return out


@dataclass
class BatchStatus:
    batch: PaperBatch
    sheets: int
    drawn: list
    verified: int
    mismatches: list  # (sheet number, mismatch dict)

    @property
    def checked(self) -> bool:
        return bool(self.drawn) and self.verified == len(self.drawn) and not self.mismatches


def batch_statuses(survey) -> list[BatchStatus]:
    batches = list(
        PaperBatch.objects.filter(survey=survey).select_related("unit").annotate(sheets=Count("responses"))
    )
    verifications = defaultdict(list)
    for batch_id, number, mismatches in Response.objects.filter(
        batch__survey=survey, verification__isnull=False
    ).values_list("batch_id", "sheet_number", "verification__mismatches"):
        verifications[batch_id].append((number, mismatches or []))
    out = []
    for batch in batches:
        drawn = set(batch.check_sheets or [])
        done = [(n, m) for n, m in verifications[batch.pk] if n in drawn]
        out.append(BatchStatus(
            batch=batch, sheets=batch.sheets, drawn=sorted(drawn), verified=len(done),
            mismatches=[(n, m) for n, ms in done for m in ms],
        ))
    return out


def check_problems(survey) -> list[str]:
    """Why the survey cannot be approved yet (empty list: it can)."""
    problems = []
    for status in batch_statuses(survey):
        name = f"{status.batch.name} ({status.batch.unit.name})"
        if not status.drawn:
            problems.append(_("Batch %(batch)s: draw the sheets for the second entry.") % {"batch": name})
        elif status.verified < len(status.drawn):
            problems.append(_("Batch %(batch)s: %(n)s drawn sheets still need their second entry.")
                            % {"batch": name, "n": len(status.drawn) - status.verified})
        elif status.mismatches:
            problems.append(_("Batch %(batch)s: %(n)s differences between the two entries to resolve.")
                            % {"batch": name, "n": len(status.mismatches)})
    return problems


def open_surveys_for_operator(user) -> list[dict]:
    from parindex.surveys.access import is_operator

    surveys = [
        s for s in Survey.objects.visible_to(user).filter(status__in=[Survey.Status.OPEN, Survey.Status.CLOSED])
        .select_related("owner_unit")[:20]
        if is_operator(user, s)
    ]
    counts = dict(
        Response.objects.filter(survey__in=surveys, status=Response.Status.SUBMITTED).values_list("survey_id")
        .annotate(n=Count("id")).order_by()
    )
    invited = dict(
        Respondent.objects.filter(survey__in=surveys, in_sample=True).values_list("survey_id")
        .annotate(n=Count("id")).order_by()
    )
    return [{"survey": s, "received": counts.get(s.pk, 0), "invited": invited.get(s.pk, 0)} for s in surveys]


def survey_counts(surveys) -> dict[int, dict]:
    """Submitted responses and sampled respondents per survey, for the list page (two queries)."""
    ids = [s.pk for s in surveys]
    received = dict(
        Response.objects.filter(survey_id__in=ids, status=Response.Status.SUBMITTED).values_list("survey_id")
        .annotate(n=Count("id")).order_by()
    )
    invited = dict(
        Respondent.objects.filter(survey_id__in=ids, in_sample=True).values_list("survey_id")
        .annotate(n=Count("id")).order_by()
    )
    return {pk: {"received": received.get(pk, 0), "invited": invited.get(pk, 0)} for pk in ids}


def respondent_progress(survey) -> dict:
    """Sampled respondents by link state (for the operator's overview)."""
    qs = Respondent.objects.filter(survey=survey)
    return qs.aggregate(
        listed=Count("id"),
        sampled=Count("id", filter=Q(in_sample=True)),
        linked=Count("id", filter=Q(in_sample=True, token_hash__isnull=False)),
        started=Count("id", filter=Q(response__status=Response.Status.DRAFT)),
        submitted=Count("id", filter=Q(response__status=Response.Status.SUBMITTED)),
    )
