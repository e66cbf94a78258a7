"""Building a small framework, a round and submitted sheets directly (no assessments UI needed)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from django.utils import timezone

BANDS = [("Xuất sắc", D(90)), ("Tốt", D(80)), ("Khá", D(65)), ("Trung bình", D(50)), ("Yếu", D(0))]


def make_framework(owner, *, kinds=("commune",), areas=2, leaves_per_area=2, leaf_max=D(25), survey_leaf=False,
                   bonus_cap=D(2), penalty_cap=D(2), tie_policy="competition", name="Bộ chỉ số xã"):
    """areas × leaves_per_area leaves of ``leaf_max`` each (+ an optional survey leaf in area 1)."""
    from parindex.frameworks.models import Band, Criterion, Framework

    fw = Framework.objects.create(
        name=name, unit_kinds=list(kinds), valid_from_year=2020, valid_to_year=2030, owner_unit=owner,
        max_total=D(areas * leaves_per_area) * leaf_max + (leaf_max if survey_leaf else 0), tie_policy=tie_policy,
        bonus_cap=bonus_cap, penalty_cap=penalty_cap,
    )
    for i, (label, bound) in enumerate(BANDS):
        Band.objects.create(framework=fw, label=label, lower_bound=bound, order=i)
    for a in range(1, areas + 1):
        area = Criterion.objects.create(framework=fw, code=str(a), title=f"Lĩnh vực {a}",
                                        max_points=leaf_max * leaves_per_area, order=a)
        for leaf in range(1, leaves_per_area + 1):
            Criterion.objects.create(framework=fw, parent=area, code=f"{a}.{leaf}", title=f"Tiêu chí {a}.{leaf}",
                                     max_points=leaf_max, method="manual", order=leaf, allow_not_applicable=True)
        if survey_leaf and a == 1:
            Criterion.objects.create(framework=fw, parent=area, code="1.9", title="Khảo sát SIPAS",
                                     max_points=leaf_max, method="survey", source="survey", order=9)
    fw.rebuild_tree()
    return fw


def leaves(fw):
    return list(fw.leaves())


def make_round(fw, owner, units, *, year=2024, name=None, self_points=None, submitted=True, explanation_deadline=None):
    """A round with one submitted sheet per unit; ``self_points``: {unit_code: [points per non-survey leaf]}."""
    from parindex.assessments.models import Assessment, Round, Score

    now = timezone.now()
    rnd = Round.objects.create(
        name=name or f"Chỉ số CCHC năm {year}", year=year, framework=fw, owner_unit=owner,
        self_deadline=now + dt.timedelta(days=10),
        explanation_deadline=explanation_deadline or now + dt.timedelta(days=20), status="appraisal",
    )
    for unit in units:
        sheet = Assessment.objects.create(round=rnd, unit=unit, status="submitted" if submitted else "draft",
                                          submitted_at=now if submitted else None)
        pts = (self_points or {}).get(unit.code)
        i = 0
        for c in leaves(fw):
            if c.source == "survey":
                Score.objects.create(assessment=sheet, criterion=c, max_points=c.max_points)
                continue
            value = pts[i] if pts is not None else c.max_points
            i += 1
            Score.objects.create(assessment=sheet, criterion=c, max_points=c.max_points,
                                 self_points=None if value == "na" else D(value), not_applicable=value == "na")
    return rnd


def attach_evidence(score, *, name="QĐ 01"):
    from parindex.assessments.models import Evidence, EvidenceLink

    ev = Evidence.objects.create(unit=score.assessment.unit, year=score.assessment.round.year, short_name=name,
                                 generated_name=f"{score.assessment.unit.code}-{score.criterion.code}-{name}")
    EvidenceLink.objects.create(score=score, evidence=ev)
    return ev
