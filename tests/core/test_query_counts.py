"""Query-count guards: list pages cost the same number of queries for 5 rows as for 50."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parindex.core.audit import record
from parindex.units.models import Unit

pytestmark = pytest.mark.django_db


def count_queries(client, url, params=None) -> int:
    client.get(url, params or {})  # warm up: the first request of a session also writes the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries)


def add_communes(parent, n, start=0):
    for i in range(start, start + n):
        Unit.objects.create(code=f"Q{i:03d}", name=f"Xã Thử {i}", kind=Unit.Kind.COMMUNE, parent=parent)


@pytest.mark.parametrize("persona", ["district_manager_a", "admin_user"])
def test_units_list_query_count_does_not_grow_with_rows(client, personas, tree, persona):
    client.force_login(personas[persona])
    add_communes(tree["DA"], 5)
    small = count_queries(client, reverse("units:list"))
    add_communes(tree["DA"], 45, start=5)
    large = count_queries(client, reverse("units:list"))
    assert small == large
    assert large <= 12


def test_audit_log_query_count_does_not_grow_with_rows(client, tree, district_manager_a, officer_a1):
    client.force_login(district_manager_a)

    def add(n):
        with transaction.atomic():
            for i in range(n):
                unit = tree["A1"] if i % 2 else tree["A2"]
                record(
                    actor=officer_a1,
                    action="unit.update",
                    obj=unit,
                    before={"name": "a"},
                    after={"name": str(i)},
                )

    add(5)
    small = count_queries(client, reverse("audit_log"))
    small_filtered = count_queries(client, reverse("audit_log"), {"unit": tree["A1"].pk})
    add(45)
    assert count_queries(client, reverse("audit_log")) == small
    assert count_queries(client, reverse("audit_log"), {"unit": tree["A1"].pk}) == small_filtered
    assert small <= 12


def test_unit_detail_query_count_does_not_grow_with_children_and_people(client, tree, admin_user):
    from tests.conftest import make_user

    client.force_login(admin_user)
    add_communes(tree["DA"], 3)
    small = count_queries(client, reverse("units:detail", args=[tree["DA"].pk]))
    add_communes(tree["DA"], 30, start=3)
    for i in range(20):
        make_user(f"nguoi.{i}", f"Người {i}", [(tree["DA"], "unit_officer")])
    assert count_queries(client, reverse("units:detail", args=[tree["DA"].pk])) == small


def test_home_page_query_count_does_not_grow_with_units(client, tree, province_manager):
    client.force_login(province_manager)
    small = count_queries(client, reverse("home"))
    add_communes(tree["DB"], 40)
    assert count_queries(client, reverse("home")) == small
