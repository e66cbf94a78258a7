"""Permission matrix of the foundation views: every persona × every unit of the tree × every view.

Expected answers come from two declared tables (which units each persona may see, and
whose data), so "own unit", "another unit" and "subtree" are all covered: another
unit's page answers 404, a page the role may not use answers 403.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from parindex.core.audit import record

pytestmark = pytest.mark.django_db

ALL = {"P", "P-SNV", "DA", "DA-NV", "A1", "A2", "DB", "B1"}
SEES_UNITS = {
    "officer_a1": {"A1"},
    "head_a1": {"A1"},
    "officer_a2": {"A2"},
    "officer_b1": {"B1"},
    "district_manager_a": {"DA", "DA-NV", "A1", "A2"},
    "appraiser_province": ALL,
    "province_manager": ALL,
    "viewer_province": ALL,
    "admin_user": ALL,
}
SEES_DATA = {**SEES_UNITS, "viewer_province": {"P"}}
IMPORTERS = {"district_manager_a", "province_manager", "admin_user"}
PERSONAS = sorted(SEES_UNITS)
CASES = [(p, code) for p in PERSONAS for code in sorted(ALL)]


@pytest.fixture
def audited(tree):
    with transaction.atomic():
        for code, unit in tree.items():
            record(actor=None, action=f"test.{code}", obj=unit)
    return tree


@pytest.mark.parametrize(("persona", "code"), CASES, ids=[f"{p}-{c}" for p, c in CASES])
def test_unit_detail(client, personas, tree, persona, code):
    client.force_login(personas[persona])
    response = client.get(reverse("units:detail", args=[tree[code].pk]))
    assert response.status_code == (200 if code in SEES_UNITS[persona] else 404)
    if response.status_code == 200:
        assert ('data-testid="people"' in response.content.decode()) == (code in SEES_DATA[persona])


@pytest.mark.parametrize(("persona", "code"), CASES, ids=[f"{p}-{c}" for p, c in CASES])
def test_audit_log_filtered_by_unit(client, personas, audited, persona, code):
    client.force_login(personas[persona])
    response = client.get(reverse("audit_log"), {"unit": audited[code].pk})
    assert response.status_code == 200
    assert (f"test.{code}</code>" in response.content.decode()) == (code in SEES_DATA[persona])


@pytest.mark.parametrize("persona", PERSONAS)
def test_unfiltered_audit_log_shows_exactly_the_data_scope(client, personas, audited, persona):
    client.force_login(personas[persona])
    page = client.get(reverse("audit_log")).content.decode()
    assert {code for code in ALL if f"test.{code}</code>" in page} == SEES_DATA[persona]


@pytest.mark.parametrize("persona", PERSONAS)
def test_audit_export_holds_exactly_the_data_scope(client, personas, audited, persona):
    import io

    from openpyxl import load_workbook

    client.force_login(personas[persona])
    response = client.get(reverse("audit_log_export"))
    assert response.status_code == 200
    rows = load_workbook(io.BytesIO(response.content)).active.iter_rows(min_row=4, values_only=True)
    assert {row[3].removeprefix("test.") for row in rows} == SEES_DATA[persona]


@pytest.mark.parametrize("persona", PERSONAS)
def test_units_list_and_export_show_exactly_the_visible_units(client, personas, tree, persona):
    from parindex.core.spreadsheets import read_table
    from parindex.units.imports import UNIT_COLUMNS

    client.force_login(personas[persona])
    page = client.get(reverse("units:list"))
    assert page.status_code == 200
    listed = {code for code in ALL if f"<td>{code}</td>" in page.content.decode()}
    assert listed == SEES_UNITS[persona]
    export = client.get(reverse("units:export"))
    assert export.status_code == 200
    assert {row["code"] for row in read_table(export.content, UNIT_COLUMNS).rows} == SEES_UNITS[persona]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("url_name", ["home", "profile", "password_change"])
def test_personal_pages_open_for_everyone(client, personas, persona, url_name):
    client.force_login(personas[persona])
    assert client.get(reverse(url_name)).status_code == 200


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    "url_name", ["units:import", "units:import_template", "users_import", "users_import_template"]
)
def test_import_pages_only_for_managers_and_admins(client, personas, persona, url_name):
    client.force_login(personas[persona])
    assert client.get(reverse(url_name)).status_code == (200 if persona in IMPORTERS else 403)


@pytest.mark.parametrize("persona", PERSONAS)
def test_import_posts_are_refused_to_other_roles(client, personas, persona):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from parindex.requests.models import UserJob

    client.force_login(personas[persona])
    response = client.post(reverse("units:import"), {"file": SimpleUploadedFile("x.xlsx", b"x")})
    # 400: "not an xlsx", refused by the form after the role check, before any background job
    assert response.status_code == (400 if persona in IMPORTERS else 403)
    assert not UserJob.objects.exists()


def test_a_missing_unit_id_is_404(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("units:detail", args=[999999])).status_code == 404


@pytest.mark.parametrize(
    ("persona", "panel"),
    [
        ("officer_a1", "panel-my-unit"),
        ("head_a1", "panel-my-unit"),
        ("district_manager_a", "panel-scope"),
        ("appraiser_province", "panel-scope"),
        ("viewer_province", "panel-scope"),
        ("admin_user", "panel-scope"),
    ],
)
def test_home_page_shows_the_panel_of_the_role(client, personas, persona, panel):
    client.force_login(personas[persona])
    page = client.get(reverse("home")).content.decode()
    assert f'data-testid="{panel}"' in page
    other = {"panel-my-unit", "panel-scope"} - {panel}
    assert f'data-testid="{other.pop()}"' not in page


def test_district_managers_panel_counts_its_units(client, district_manager_a):
    client.force_login(district_manager_a)
    page = client.get(reverse("home")).content.decode()
    assert "4 đơn vị đang hoạt động." in page
    assert "Nhập đơn vị" in page
