"""Issue 17, defect 12: the survey's respondents list (.xlsx) imports back as the same list."""

from __future__ import annotations

import pytest
from django.urls import reverse

from parindex.surveys import actions
from tests.surveys.helpers import frame, make_survey

pytestmark = pytest.mark.django_db


def _people(survey) -> list[tuple]:
    return [
        (r.unit.code, r.group, r.sex, r.age_band, r.position, r.contact, r.external_ref)
        for r in survey.respondents.select_related("unit").order_by("number")
    ]


def test_the_respondents_export_imports_back_as_the_same_list(client, tree, district_manager_a):
    survey = make_survey(tree, district_manager_a)
    actions.import_respondents(survey=survey, source=frame(a1=3, a2=2), by=district_manager_a)
    before = _people(survey)
    client.force_login(district_manager_a)
    exported = client.get(reverse("surveys:respondents_xlsx", args=[survey.pk])).content

    assert actions.import_respondents(survey=survey, source=exported, by=district_manager_a) == 5
    assert _people(survey) == before


def _questions(survey) -> list[tuple]:
    return [
        (
            q.area,
            q.text,
            q.criterion.code if q.criterion_id else "",
            q.weight,
            [(o.key, o.label, o.weight) for o in q.options.order_by("order", "key")],
        )
        for q in survey.questions.select_related("criterion").order_by("order", "pk")
    ]


def test_a_surveys_questions_download_imports_into_another_survey_as_the_same_questions(
    client, tree, district_manager_a
):
    from decimal import Decimal

    survey = make_survey(tree, district_manager_a)
    first = survey.questions.order_by("order").first()
    first.weight = Decimal("1.5")
    first.save(update_fields=["weight"])
    client.force_login(district_manager_a)
    exported = client.get(reverse("surveys:questions_template", args=[survey.pk])).content

    other = make_survey(tree, district_manager_a)
    other.questions.all().delete()
    assert actions.import_questions(survey=other, source=exported, by=district_manager_a) == len(
        _questions(survey)
    )
    assert _questions(other) == _questions(survey)
