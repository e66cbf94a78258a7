"""The demo step opens a partly filled round, deterministically and only once."""

from __future__ import annotations

import io

import pytest
from django.core.management.base import OutputWrapper
from django.core.management.color import no_style

from parindex.assessments.models import Assessment, Evidence, Round

pytestmark = pytest.mark.django_db


def run_demo():
    from parindex.assessments import demo as assessments_demo
    from parindex.frameworks import demo as frameworks_demo
    from parindex.units import demo as units_demo

    out = OutputWrapper(io.StringIO())
    for module in (units_demo, frameworks_demo, assessments_demo):
        module.build(stdout=out, style=no_style())


def test_demo_round_is_open_partly_filled_and_idempotent():
    run_demo()
    round_ = Round.objects.get(name__startswith="Tự chấm điểm Chỉ số CCHC cấp xã")
    assert round_.status == Round.Status.OPEN
    assert round_.assessments.filter(status=Assessment.Status.SUBMITTED).count() == 2
    first = round_.assessments.get(unit__name="Xã Yên Thượng")
    assert first.status == Assessment.Status.DRAFT
    assert first.assignments.filter(officer__username="xa.yenthuong.canbo").exists()
    assert 0 < first.scores.filter(self_points__isnull=False).count() < first.scores.count()
    evidence = Evidence.objects.count()
    assert evidence > 0
    run_demo()
    assert Round.objects.count() == 1
    assert Evidence.objects.count() == evidence
