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
