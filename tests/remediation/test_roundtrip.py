"""Issue 17, defect 12: what parindex exports, it imports back.

The plan's "Phụ lục I, II (.xlsx)" download and the "fill Phụ lục II in Excel" workbook both go back
through the Phụ lục II import unchanged, and the plan keeps exactly the same data.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from parindex.remediation import actions, spreadsheets
from tests.remediation.conftest import fill_solutions

pytestmark = pytest.mark.django_db

FIELDS = ("number", "code", "shortcoming", "cause", "solution", "lead_unit_id", "lead_official_id", "lead_text",
          "coordinators_text", "deadline", "expected_result")


def _state(plan):
    return sorted(tuple(getattr(i, f) for f in FIELDS) for i in plan.remediation_items.all())


@pytest.fixture
def filled(published, plan):
    fill_solutions(plan, published["officer_a1"])
    item = plan.remediation_items.get(code="2.1")
    actions.update_item(item, by=published["officer_a1"], lead_unit=published["A1"], lead_text="Văn phòng UBND",
                        coordinators_text="Công chức Tư pháp", deadline=dt.date(2025, 9, 30),
                        expected_result="Báo cáo đúng hạn", shortcoming="Chưa tổng kết; chưa báo cáo")
    return plan


@pytest.mark.parametrize("download", ["plan workbook", "fill-in workbook"])
def test_a_downloaded_phu_luc_workbook_imports_back_unchanged(client, published, filled, download):
    plan = filled
    client.force_login(published["officer_a1"])
    if download == "plan workbook":
        url = reverse("remediation:plan_download", args=[plan.pk, "plan", "xlsx"])
    else:
        url = reverse("remediation:plan_import", args=[plan.pk]) + "?format=xlsx"
    content = client.get(url).content
    before = _state(plan)
    assert spreadsheets.import_items(plan, source=content, by=published["officer_a1"]) == 0
    assert _state(plan) == before


def test_a_changed_cell_of_the_plan_workbook_is_imported_by_criterion_code(client, published, filled):
    import io

    from openpyxl import load_workbook

    plan = filled
    client.force_login(published["officer_a1"])
    content = client.get(reverse("remediation:plan_download", args=[plan.pk, "plan", "xlsx"])).content
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook["Phụ lục II"]
    header = [c.value for c in sheet[3]]
    for row in sheet.iter_rows(min_row=4):
        if row[header.index("Mã tiêu chí")].value == "2.2":
            row[header.index("Giải pháp khắc phục")].value = "Giải pháp mới"
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert spreadsheets.import_items(plan, source=buffer.getvalue(), by=published["officer_a1"]) == 1
    assert plan.remediation_items.get(code="2.2").solution == "Giải pháp mới"
    assert plan.remediation_items.get(code="2.1").expected_result == "Báo cáo đúng hạn"
