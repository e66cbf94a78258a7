"""Pure survey math: weighted scores, leaf points, sample size, reproducible draws. No database.

Decisions (tested exhaustively in ``tests/surveys/test_scoring.py``):

* **Question score %** = Σ (answers × option weight) / number of answers with a weight.
  Options without a weight ("không biết", key ``K``) leave both the numerator and the
  denominator; unanswered questions are not answers at all. A question nobody answered with a
  weighted option has no score (``None``), never 0.
* **Leaf score %** = the weighted mean of the scores of the questions mapped to the leaf (question
  weight, default 1), over the questions that have a score. We average question scores rather
  than pooling every answer so that a question many people skipped ("không biết") does not
  weigh less than one everybody answered: each question measures one aspect of the leaf, as in
  the provinces' SIPAS/ĐTXHH methodology. No scored question → ``None`` (the leaf gets no points).
* **Points** = max × score %, through ``results.scoring.survey_points`` (the same function the
  appraisal import uses), after rounding the % half-up to 4 decimal places (the DB precision), so
  the stored % and the stored points always agree.
* **Sample size** n = N / (1 + N·e²) rounded *up* (Yamane/Slovin), computed in exact fractions;
  never more than N; N = 0 → 0.
* **Draw**: the candidates are sorted first, then ``random.Random(seed).sample`` — the same frame
  and seed give the same sample whatever order the rows came in.
"""

from __future__ import annotations

import math
import random
from collections.abc import Hashable, Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.utils.translation import gettext_noop

ZERO = Decimal(0)
HUNDRED = Decimal(100)
PLACES = Decimal("0.0001")
DONT_KNOW = "K"
# key -> (default label msgid, weight in %; None = excluded from the score)
DEFAULT_OPTIONS: list[tuple[str, str, Decimal | None]] = [
    ("A", gettext_noop("Very satisfied"), Decimal(100)),
    ("B", gettext_noop("Satisfied"), Decimal(60)),
    ("C", gettext_noop("Not quite satisfied"), Decimal(20)),
    ("D", gettext_noop("Not satisfied"), Decimal(0)),
    (DONT_KNOW, gettext_noop("Don't know"), None),
]
DEFAULT_MARGIN = Decimal("0.05")


def question_score(counts: Mapping[str, int], weights: Mapping[str, Decimal | None]) -> Decimal | None:
    """Weighted score % of one question from answer counts per option key.

    ``weights`` maps option key → weight in % (``None`` for "không biết"). Keys in ``counts``
    missing from ``weights`` are an error (an answer to an option that does not exist).
    """
    numerator, denominator = ZERO, 0
    for key, count in counts.items():
        if count < 0:
            raise ValueError("a count cannot be negative")
        if key not in weights:
            raise KeyError(key)
        weight = weights[key]
        if weight is None or count == 0:
            continue
        if not (ZERO <= weight <= HUNDRED):
            raise ValueError("an option weight is a percentage between 0 and 100")
        numerator += weight * count
        denominator += count
    if denominator == 0:
        return None
    return numerator / denominator


def leaf_score(question_scores: Iterable[tuple[Decimal | None, Decimal]]) -> Decimal | None:
    """Weighted mean of (question score %, question weight) over the questions that have a score."""
    total, weight_sum = ZERO, ZERO
    for score, weight in question_scores:
        if score is None:
            continue
        if weight < 0:
            raise ValueError("a question weight cannot be negative")
        total += score * weight
        weight_sum += weight
    if weight_sum == 0:
        return None
    return total / weight_sum


def round_percent(percent: Decimal) -> Decimal:
    """A % as stored: half-up to 4 decimal places."""
    return percent.quantize(PLACES, rounding=ROUND_HALF_UP)


def leaf_points(max_points: Decimal, percent: Decimal | None) -> Decimal | None:
    """Points of a survey leaf: max × score % (the % rounded as stored first)."""
    from parindex.results.scoring import survey_points

    if percent is None:
        return None
    return survey_points(max_points, round_percent(percent))


def sample_size(population: int, margin: Decimal | str | float = DEFAULT_MARGIN) -> int:
    """n = N / (1 + N·e²) rounded up; ``margin`` e is a fraction (0.05 = 5 %), 0 < e < 1."""
    if population < 0:
        raise ValueError("the population cannot be negative")
    e = Fraction(Decimal(str(margin)))
    if not (0 < e < 1):
        raise ValueError("the margin of error is a fraction between 0 and 1")
    if population == 0:
        return 0
    n = Fraction(population) / (1 + population * e * e)
    return min(population, math.ceil(n))


def draw(candidates: Iterable[Hashable], size: int, seed: str | int) -> list:
    """A reproducible simple random sample of ``size`` candidates (all of them if fewer), sorted."""
    pool = sorted(set(candidates))
    if size < 0:
        raise ValueError("the sample size cannot be negative")
    if size >= len(pool):
        return pool
    return sorted(random.Random(str(seed)).sample(pool, size))


def response_rate(received: int, invited: int) -> Decimal | None:
    """Responses received / respondents invited, in %; None when nobody was invited."""
    if invited <= 0:
        return None
    return Decimal(received) * HUNDRED / Decimal(invited)


def distribution(counts: Mapping[str, int], keys: Sequence[str]) -> list[tuple[str, int, Decimal | None]]:
    """(key, count, share % of all answers) in ``keys`` order, for the tables and charts."""
    total = sum(counts.get(k, 0) for k in keys)
    return [
        (k, counts.get(k, 0), (Decimal(counts.get(k, 0)) * HUNDRED / total) if total else None) for k in keys
    ]
