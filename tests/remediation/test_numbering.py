"""Issue 17, defect 5: shortcomings are numbered as the unit's list numbers them.

An inspection conclusion's "tồn tại 1" stays "Tồn tại 1" in the unit's list, in the evidence name
and in the results report — not "Tồn tại 35" after the unit's Phụ lục II rows. Findings are numbered
1, 2, … within the unit and year in the order of the conclusions; a number entered from the
conclusion is kept. Phụ lục II rows are named by their criterion, never by a counter.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from parindex.remediation import actions
from tests.remediation.conftest import approved, pdf_upload

pytestmark = pytest.mark.django_db


def _inspection(published, number="45/QĐ-UBND", day=dt.date(2025, 9, 10)):
    return actions.record_inspection(
        owner_unit=published["DA"],
        by=published["district_manager_a"],
        decision_number=number,
        inspected_on=day,
        units=[published["A1"]],
        conclusion=f"Thông báo kết luận kiểm tra {number}",
    )


def _finding(inspection, published, text, **kwargs):
    return actions.add_finding(
        inspection,
        unit=published["A1"],
        by=published["district_manager_a"],
        shortcoming=text,
        deadline=dt.date(2025, 12, 10),
        **kwargs,
    )


def test_the_conclusions_tồn_tại_1_stays_tồn_tại_1_in_the_list_the_evidence_name_and_the_report(
    client, published, plan
):
    approved(plan, published)  # A1 has three Phụ lục II rows for 2025
    inspection = _inspection(published)
    first = _finding(inspection, published, "Chưa niêm yết đầy đủ TTHC")
    second = _finding(inspection, published, "Hồ sơ trễ hạn chưa có văn bản xin lỗi")
    assert (first.number, second.number) == (1, 2)
    assert (first.label, second.label) == ("Tồn tại 1", "Tồn tại 2")

    first = actions.record_result(
        first,
        by=published["officer_a1"],
        result_text="Đã niêm yết",
        uploads=[(pdf_upload(), "bien ban niem yet")],
    )
    assert [e.generated_name for e in first.evidence.all()] == [
        "Xa Yen Thuong-KQ khac phuc ton tai 1-bien ban niem yet.pdf"
    ]

    # Phụ lục II rows are named by their criterion: no second "tồn tại 1" in the unit's year.
    row = plan.remediation_items.get(code="1.2")
    assert row.label == "Tiêu chí 1.2"
    row = actions.record_result(
        row,
        by=published["officer_a1"],
        result_text="Đã gửi đúng hạn",
        uploads=[(pdf_upload(), "bao cao quy")],
    )
    assert [e.generated_name for e in row.evidence.all()] == [
        "Xa Yen Thuong-KQ khac phuc tieu chi 1.2-bao cao quy.pdf"
    ]

    client.force_login(published["officer_a1"])
    page = client.get(reverse("remediation:item", args=[first.pk])).content.decode()
    assert "Tồn tại 1" in page and "ton tai 1" in page
    from openpyxl import load_workbook

    xlsx = client.get(reverse("remediation:plan_download", args=[plan.pk, "results", "xlsx"])).content
    rows = list(load_workbook(io.BytesIO(xlsx)).active.iter_rows(min_row=3, values_only=True))
    column = list(rows[0]).index("Tồn tại số")
    assert sorted(str(r[column]) for r in rows[1:]) == sorted(
        ["1", "2", "Tiêu chí 1.2", "Tiêu chí 2.1", "Tiêu chí 2.2"]
    )
    from docx import Document

    docx = client.get(reverse("remediation:plan_download", args=[plan.pk, "results", "docx"])).content
    text = "\n".join(p.text for p in Document(io.BytesIO(docx)).paragraphs)
    assert "Tồn tại 1: Chưa niêm yết đầy đủ TTHC" in text
    assert "Tồn tại 4" not in text and "Tồn tại 5" not in text


def test_a_second_conclusion_continues_the_list_and_a_number_from_the_conclusion_is_kept(published, plan):
    early = _inspection(published, "45/QĐ-UBND", dt.date(2025, 6, 10))
    assert _finding(early, published, "A").number == 1
    assert _finding(early, published, "B").number == 2
    late = _inspection(published, "60/QĐ-UBND", dt.date(2025, 10, 1))
    assert _finding(late, published, "C").number == 3  # in the order of the conclusions
    kept = _finding(late, published, "D", number=7)
    assert (kept.number, kept.finding_number, kept.label) == (7, 7, "Tồn tại 7")
    with pytest.raises(ValidationError) as exc:
        _finding(late, published, "E", number=2)
    assert "Tồn tại 2 đã có" in " ".join(exc.value.messages)


def test_the_finding_form_keeps_the_number_typed_from_the_conclusion(client, published):
    inspection = _inspection(published)
    client.force_login(published["district_manager_a"])
    url = reverse("remediation:inspection", args=[inspection.pk])
    response = client.post(
        url,
        {"unit": published["A1"].pk, "shortcoming": "Chưa niêm yết", "deadline": "2025-12-10", "number": "3"},
    )
    assert response.status_code == 302
    assert inspection.findings.get().number == 3


def test_the_data_migration_gives_existing_findings_the_conclusions_numbers_and_renames_their_evidence(
    published, plan
):
    import importlib

    from django.apps import apps

    from parindex.remediation.models import RemediationItem

    migration = importlib.import_module("parindex.remediation.migrations.0003_renumber_shortcomings")
    inspection = _inspection(published)
    finding = _finding(inspection, published, "Chưa niêm yết đầy đủ TTHC")
    finding = actions.record_result(
        finding, by=published["officer_a1"], result_text="Đã niêm yết", uploads=[(pdf_upload(), "bien ban")]
    )
    row = actions.record_result(
        plan.remediation_items.get(code="2.1"),
        by=published["officer_a1"],
        result_text="x",
        uploads=[(pdf_upload(), "bao cao")],
    )
    # As the old code stored them: the finding continued the Phụ lục II list (4), names used the counter.
    RemediationItem.objects.filter(pk=finding.pk).update(number=4)
    finding.evidence.update(generated_name="Xa Yen Thuong-KQ khac phuc ton tai 4-bien ban.pdf")
    row.evidence.update(generated_name=f"Xa Yen Thuong-KQ khac phuc ton tai {row.number}-bao cao.pdf")

    migration.forwards(apps, None)

    finding.refresh_from_db()
    assert finding.number == 1 and finding.label == "Tồn tại 1"
    assert [e.generated_name for e in finding.evidence.all()] == [
        "Xa Yen Thuong-KQ khac phuc ton tai 1-bien ban.pdf"
    ]
    assert [e.generated_name for e in row.evidence.all()] == [
        "Xa Yen Thuong-KQ khac phuc tieu chi 2.1-bao cao.pdf"
    ]
    assert sorted(plan.remediation_items.values_list("number", flat=True)) == [1, 2, 3]


def test_the_api_names_a_finding_and_a_phu_luc_ii_row_as_the_pages_do(client, published, plan):
    inspection = _inspection(published)
    finding = _finding(inspection, published, "Chưa niêm yết đầy đủ TTHC")
    client.force_login(published["officer_a1"])
    body = client.get(f"/api/v1/remediation-items/{finding.pk}", HTTP_ACCEPT_LANGUAGE="vi").json()
    assert (body["number"], body["label"]) == (1, "Tồn tại 1")
    row = plan.remediation_items.get(code="1.2")
    assert client.get(f"/api/v1/remediation-items/{row.pk}").json()["label"] == "Tiêu chí 1.2"
