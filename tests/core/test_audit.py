"""The audit log mechanism (core/audit.py) and its page."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse

from parindex.core.audit import record, snapshot
from parindex.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)
def test_record_refuses_to_run_outside_a_transaction(tree, officer_a1):
    with pytest.raises(RuntimeError, match="inside transaction.atomic"):
        record(actor=officer_a1, action="unit.update", obj=tree["A1"])
    assert not AuditEntry.objects.exists()


def test_record_keeps_who_what_before_and_after(tree, officer_a1):
    unit = tree["A1"]
    before = snapshot(unit, ["name", "valid_from"])
    with transaction.atomic():
        unit.name = "Xã Yên Thượng (mới)"
        unit.valid_from = dt.date(2025, 7, 1)
        unit.save()
        entry = record(
            actor=officer_a1,
            action="unit.update",
            obj=unit,
            before=before,
            after=snapshot(unit, ["name", "valid_from"]),
            note="đổi tên",
        )
    entry.refresh_from_db()
    assert entry.actor == officer_a1
    assert entry.actor_name == "Nguyễn Văn An"
    assert entry.unit == unit  # from Unit.audit_unit()
    assert entry.object_id == str(unit.pk)
    assert entry.content_type.model == "unit"
    assert entry.before == {"name": "Xã Yên Thượng", "valid_from": None}
    assert entry.after == {"name": "Xã Yên Thượng (mới)", "valid_from": "2025-07-01"}
    assert entry.changes() == [
        ("name", "Xã Yên Thượng", "Xã Yên Thượng (mới)"),
        ("valid_from", None, "2025-07-01"),
    ]


def test_decimals_are_stored_exactly(tree):
    with transaction.atomic():
        entry = record(actor=None, action="score.set", obj=tree["A1"], after={"points": Decimal("0.25")})
    entry.refresh_from_db()
    assert entry.after == {"points": "0.25"}
    assert entry.actor_name == "system"


def test_audit_row_rolls_back_with_the_change(tree):
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        record(actor=None, action="unit.update", obj=tree["A1"])
        1 / 0  # noqa: B018
    assert not AuditEntry.objects.exists()


def _entries(tree, codes=("A1", "A2", "B1")):
    with transaction.atomic():
        for code in codes:
            record(actor=None, action=f"test.{code}", obj=tree[code])


def test_audit_page_shows_only_visible_units(client, tree, officer_a1):
    _entries(tree)
    client.force_login(officer_a1)
    page = client.get(reverse("audit_log")).content.decode()
    assert "test.A1" in page
    assert "test.A2" not in page and "test.B1" not in page


def test_audit_page_filtered_by_another_units_id_shows_nothing(client, tree, officer_a1):
    _entries(tree)
    client.force_login(officer_a1)
    page = client.get(reverse("audit_log"), {"unit": tree["A2"].pk}).content.decode()
    assert "test.A2" not in page
    assert "Chưa có bản ghi nào." in page


def test_audit_page_filters_by_object(client, tree, district_manager_a):
    _entries(tree)
    client.force_login(district_manager_a)
    page = client.get(
        reverse("audit_log"), {"object_type": "unit", "object_id": tree["A2"].pk}
    ).content.decode()
    assert "test.A2" in page and "test.A1" not in page


def test_audit_export_contains_only_the_visible_filtered_entries(client, tree, district_manager_a):
    from openpyxl import load_workbook

    _entries(tree)
    client.force_login(district_manager_a)
    response = client.get(reverse("audit_log_export"), {"action": "test."})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    actions = {row[3] for row in sheet.iter_rows(min_row=4, values_only=True)}
    assert actions == {"test.A1", "test.A2"}
    assert sheet["A1"].value == "Nhật ký thay đổi"


def test_logout_is_labelled_in_vietnamese(client, officer_a1):
    client.force_login(officer_a1)
    assert "Đăng xuất" in client.get(reverse("home")).content.decode()
