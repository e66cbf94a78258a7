"""The lost-points statistics aggregated by the database equal the per-leaf rules of
``results.scoring.lost_points`` summed in Python (the reference loop the selector used before), on
seeded random leaf rows: missing self/final points, survey leaves, not-applicable leaves, appraisals
above the self score (negative "by appraisal") and finals above the maximum (negative loss)."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from parindex.results.models import LeafResult, Publication, UnitResult
from parindex.results.scoring import lost_points as lost
from parindex.results.selectors import ZERO, LostRow, lost_points

pytestmark = pytest.mark.django_db

UNITS = ("A1", "A2", "B1", "P-SNV", "DA-NV")
FIELDS = (
    "code",
    "title",
    "max_points",
    "units",
    "self_points",
    "final_points",
    "by_appraisal",
    "by_self",
    "not_self_scored",
    "total_lost",
    "units_losing",
    "is_survey",
)


def reference(result_ids) -> list[LostRow]:
    """The Python loop over every leaf row with the per-leaf rule ``results.scoring.lost_points``: a
    self-scored leaf's loss is split into bị trừ and tự trừ (unscored = self 0), a survey leaf's goes to
    the survey column; a column no leaf of the code uses is ``None`` ("—")."""
    rows: dict[str, LostRow] = {}
    kinds: dict[str, set[bool]] = {}
    leaves = LeafResult.objects.filter(result_id__in=list(result_ids), not_applicable=False).order_by("order")
    for code, title, max_points, self_points, final_points, survey in leaves.values_list(
        "code", "title", "max_points", "self_points", "final_points", "is_survey"
    ):
        row = rows.get(code)
        if row is None:
            row = rows[code] = LostRow(code, title, max_points, not_self_scored=ZERO)
        kinds.setdefault(code, set()).add(survey)
        row.units += 1
        item = lost(max_points, self_points, final_points, is_survey=survey)
        if not survey:
            row.self_points += self_points or ZERO
        row.final_points += final_points or ZERO
        row.by_appraisal += item.by_appraisal or ZERO
        row.by_self += item.by_self or ZERO
        row.not_self_scored += item.not_self_scored or ZERO
        row.total_lost += item.total or ZERO
        if item.total:
            row.units_losing += 1
    for code, row in rows.items():
        if False not in kinds[code]:  # survey leaves only
            row.self_points = row.by_appraisal = row.by_self = None
            row.is_survey = True
        if True not in kinds[code]:
            row.not_self_scored = None
    return list(rows.values())


def text(value) -> str:
    """The text of a value (the API prints decimals as they are: 2.5000 is not 2.5). A zero is "0": the
    loop wrote "0.0000" when non-zero amounts cancelled out (+0.0001 − 0.0001), "0" when all were zero;
    the database sum cannot tell these apart and always gives ``ZERO``."""
    if value is None or isinstance(value, bool):
        return str(value)
    return str(value) if value else "0"


def as_tuples(rows: list[LostRow]) -> list[tuple]:
    return [tuple((f, getattr(r, f), text(getattr(r, f))) for f in FIELDS) for r in rows]


def differences(got: list[tuple], expected: list[tuple]) -> list:
    if len(got) != len(expected):
        return [("rows", len(got), len(expected))]
    return [(g, e) for a, b in zip(got, expected, strict=True) for g, e in zip(a, b, strict=True) if g != e]


def points(rng: random.Random, maximum: Decimal, *, over: bool = False) -> Decimal:
    """Random points with up to 4 decimal places in [0, max] (or a bit above max)."""
    top = int(maximum * 10000) + (int(maximum * 5000) if over else 0)
    return Decimal(rng.randint(0, top)) / 10000


def make_data(tree, rng: random.Random) -> list[int]:
    """Three publications × five units, a framework of 12-30 leaves (one publication's snapshot each)."""
    maxima = [Decimal(m) for m in ("1", "2", "2.5", "0.75", "10", "3.3333", "0.0001")]
    leaves = [
        (f"{i // 5 + 1}.{i % 5 + 1}", f"Tiêu chí {i}", rng.choice(maxima), rng.random() < 0.15)
        for i in range(rng.randint(12, 30))
    ]
    rng.shuffle(leaves)  # codes not in their order: the result follows ``order``, not the code
    ids = []
    rows = []
    for p in range(3):
        pub = Publication.objects.create(year=2020 + p, title=f"Kết quả {p}", owner_unit=tree["P"])
        for name in UNITS:
            unit = tree[name]
            result = UnitResult.objects.create(
                publication=pub,
                unit=unit,
                year=pub.year,
                unit_code=unit.code,
                unit_name=unit.name,
                unit_kind=unit.kind,
                peer_key="k",
                points=0,
                max_points=0,
                total=0,
            )
            ids.append(result.pk)
            for order, (code, title, maximum, survey) in enumerate(leaves):
                self_points = None if survey or rng.random() < 0.2 else points(rng, maximum)
                roll = rng.random()
                if roll < 0.1:
                    final = None
                elif roll < 0.35 and self_points is not None:
                    final = self_points  # the appraisal agreed
                elif roll < 0.45:
                    final = maximum
                else:
                    final = points(rng, maximum, over=roll > 0.95)
                rows.append(
                    LeafResult(
                        result=result,
                        code=code,
                        title=title,
                        order=order,
                        max_points=maximum,
                        self_points=self_points,
                        final_points=final,
                        round1_points=final,
                        not_applicable=rng.random() < 0.1,
                        is_survey=survey,
                    )
                )
    LeafResult.objects.bulk_create(rows)
    return ids


@pytest.mark.parametrize("seed", range(6))
def test_database_aggregation_equals_the_per_leaf_rules(tree, seed):
    rng = random.Random(seed)
    ids = make_data(tree, rng)
    # The whole set, one unit, a random subset, nothing.
    for subset in (ids, ids[:1], rng.sample(ids, 7), []):
        expected = as_tuples(reference(subset))
        got = as_tuples(lost_points(subset))
        assert differences(got, expected) == []
        if subset:
            assert got, "the data must produce rows"
    # The data do exercise every rule.
    leaves = LeafResult.objects.filter(not_applicable=False)
    assert leaves.filter(final_points__gt=F("self_points")).exists()  # negative "by appraisal"
    assert leaves.filter(final_points__gt=F("max_points")).exists()  # negative loss
    assert leaves.filter(self_points=None, is_survey=True).exists()
    assert leaves.filter(final_points=None).exists()
    rows = reference(ids)
    assert any(r.not_self_scored for r in rows)
    assert any(r.by_appraisal for r in rows) and any(r.by_self for r in rows)
    assert any(r.units_losing < r.units for r in rows)


def test_leaf_rows_where_every_unit_is_not_applicable_are_left_out(tree):
    ids = make_data(tree, random.Random(99))
    LeafResult.objects.filter(code="1.1").update(not_applicable=True)
    codes = [r.code for r in lost_points(ids)]
    assert "1.1" not in codes and codes == [r.code for r in reference(ids)]


def test_negative_appraisal_and_loss_above_the_maximum(tree):
    """Hand-checked sums: an appraiser raising the self score, a final above the maximum."""
    ids = make_data(tree, random.Random(5))
    LeafResult.objects.filter(result_id__in=ids).delete()
    a, b, c = ids[:3]
    D = Decimal
    LeafResult.objects.bulk_create(
        [
            LeafResult(
                result_id=a,
                code="9",
                title="T",
                order=1,
                max_points=2,
                self_points=D("0.5"),
                final_points=D("1.25"),
            ),
            LeafResult(
                result_id=b,
                code="9",
                title="T",
                order=1,
                max_points=2,
                self_points=None,
                final_points=D("2.5"),
                is_survey=True,  # a survey leaf above its maximum: a negative loss in the survey column
            ),
            LeafResult(
                result_id=c, code="9", title="T", order=1, max_points=2, self_points=2, final_points=None
            ),
        ]
    )
    (row,) = lost_points(ids)
    assert row.units == 3 and row.units_losing == 2
    assert (row.self_points, row.final_points) == (D("2.5"), D("3.75"))
    assert row.by_appraisal == D("-0.75")  # 0.5 − 1.25
    assert row.by_self == D("1.5")  # (2 − 0.5) + (2 − 2)
    assert row.total_lost == D("0.25")  # (2 − 1.25) + (2 − 2.5)
    assert row.not_self_scored == D("-0.5")
    assert as_tuples([row]) == as_tuples(reference(ids))


def test_one_query_whatever_the_number_of_rows(tree):
    ids = make_data(tree, random.Random(3))
    with CaptureQueriesContext(connection) as small:
        lost_points(ids[:1])
    with CaptureQueriesContext(connection) as large:
        lost_points(ids)
    assert len(small) == len(large) == 1
