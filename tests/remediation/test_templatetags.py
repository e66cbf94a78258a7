"""The hooks other pages include: last year's line per leaf on the score sheet, targets on the unit page."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from parindex.remediation.models import Target
from tests.remediation.conftest import approved

pytestmark = pytest.mark.django_db


class _Sheet:
    def __init__(self, unit, round_):
        self.unit, self.round = unit, round_


class _Round:
    def __init__(self, framework, year):
        self.framework, self.year = framework, year


def test_last_year_partial_renders_per_leaf(published, plan):
    approved(plan, published)
    sheet = _Sheet(published["A1"], _Round(published["fw"], 2025))
    template = Template(
        '{% load remediation %}{% remediation_last_year sheet as last_year %}'
        '{% for code in codes %}<div id="l{{ code }}">'
        '{% include "remediation/_last_year.html" with entry=last_year|get_item:code %}</div>{% endfor %}'
    )
    html = template.render(Context({"sheet": sheet, "codes": ["1.1", "1.2", "1.9"]}))
    first, second, third = (html.split(f'<div id="l{c}">')[1].split('<div id="l')[0] for c in ("1.1", "1.2", "1.9"))
    assert "last-year" not in first  # at maximum last year: nothing to show
    assert "Năm trước" in second and "Tiêu chí 1.2" in second and 'data-testid="item-status"' in second
    assert "Năm trước" in third and "Tồn tại" not in third  # survey: lost points only


def test_targets_tag_shows_target_and_achieved(published, client):
    Target.objects.create(unit=published["A1"], year=2024, index_percent=D(80), class_label="Tốt", rank=1)
    request = RequestFactory().get("/")
    request.user = published["officer_a1"]
    html = Template("{% load remediation %}{% remediation_targets unit %}").render(
        Context({"unit": published["A1"], "request": request}))
    assert 'data-testid="targets"' in html and 'data-testid="achieved-index"' in html
    request.user = published["officer_b1"]
    html = Template("{% load remediation %}{% remediation_targets unit %}").render(
        Context({"unit": published["A1"], "request": request}))
    assert 'data-testid="targets"' not in html


@pytest.mark.parametrize("persona,expected", [
    ("officer_a1", 200), ("head_a1", 200), ("officer_a2", 404), ("officer_b1", 404), ("district_manager_a", 200),
    ("province_manager", 200), ("viewer_province", 404), ("admin_user", 200),
])
def test_unit_remediation_list_permission_matrix(client, published, plan, persona, expected):
    client.force_login(published[persona])
    url = reverse("remediation:unit_items", args=[published["A1"].pk]) + "?year=2025"
    assert client.get(url).status_code == expected
    if expected == 200:
        assert client.get(url + "&format=xlsx").status_code == 200
        assert client.get(url + "&format=docx").status_code == 200
