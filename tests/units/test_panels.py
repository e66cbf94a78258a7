"""The foundation's home-page panels."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_manager_is_told_which_units_have_nobody_to_score_them(client, district_manager_a, officer_a1):
    client.force_login(district_manager_a)
    page = client.get(reverse("home")).content.decode()
    assert "3 đơn vị chưa có người chấm điểm" in page  # DA, DA-NV, A2 (A1 has its officer)
    listed = client.get(reverse("units:list"), {"unstaffed": "1"}).content.decode()
    assert "<td>A2</td>" in listed and "<td>A1</td>" not in listed


def test_the_warning_disappears_when_every_unit_is_staffed(client, tree, province_manager):
    from parindex.units.models import Membership
    from tests.conftest import make_user

    for code, unit in tree.items():
        if code != "P":
            make_user(f"cb.{code.lower()}", f"Cán bộ {code}", [(unit, Membership.Role.UNIT_OFFICER)])
    client.force_login(province_manager)
    assert 'data-testid="unstaffed"' not in client.get(reverse("home")).content.decode()


def test_viewers_get_no_staffing_warning(client, viewer_province):
    client.force_login(viewer_province)
    page = client.get(reverse("home")).content.decode()
    assert 'data-testid="panel-scope"' in page and 'data-testid="unstaffed"' not in page
