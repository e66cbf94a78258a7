"""The surveys demo step: an approved survey of three Chợ Đồn communes feeding their survey leaves."""

from __future__ import annotations

import io

import pytest

from parindex.surveys.models import Response, Survey

pytestmark = pytest.mark.django_db


def run_demo():
    from django.core.management.color import no_style

    from parindex.assessments import demo as assessments_demo
    from parindex.frameworks import demo as frameworks_demo
    from parindex.surveys import demo
    from parindex.units import demo as units_demo

    out = io.StringIO()
    for step in (units_demo, frameworks_demo, assessments_demo, demo):
        step.build(stdout=out, style=no_style())
    return out.getvalue()


def test_demo_survey_is_approved_feeds_the_round_and_is_idempotent():
    from parindex.appraisals.models import SurveyScore

    run_demo()
    survey = Survey.objects.get()
    assert survey.status == "approved"
    responses = sorted(Response.objects.values_list("unit__code", "channel", "status"))
    scores = sorted(SurveyScore.objects.filter(round=survey.round).values_list("unit__code", "criterion__code", "points"))
    assert len({code for code, _c, _p in scores}) == 3 and len(scores) == 15
    assert ("paper" in {c for _u, c, _s in responses})
    run_demo()
    assert Survey.objects.count() == 1
    assert sorted(Response.objects.values_list("unit__code", "channel", "status")) == responses
    assert sorted(SurveyScore.objects.filter(round=survey.round).values_list(
        "unit__code", "criterion__code", "points")) == scores
