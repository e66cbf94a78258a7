"""Screens: permission matrix (200/403/404), bad input shown in Vietnamese, downloads, query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parindex.remediation import actions
from parindex.remediation.models import RemediationItem, RemediationPlan
from tests.remediation.conftest import approved, fill_solutions, pdf_upload

pytestmark = pytest.mark.django_db

PASSWORD = "mat-khau-thu-nghiem"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

READ = {  # persona → status on the A1 plan / item pages
    "officer_a1": 200, "head_a1": 200, "officer_a2": 404, "officer_b1": 404, "district_manager_a": 200,
    "appraiser_province": 200, "province_manager": 200, "viewer_province": 404, "admin_user": 200,
}
EDIT = {**READ, "district_manager_a": 403, "appraiser_province": 403, "province_manager": 403}


def as_user(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("persona", sorted(READ))
def test_plan_and_item_pages_permission_matrix(client, published, plan, persona):
    item = plan.remediation_items.first()
    as_user(client, published[persona])
    assert client.get(reverse("remediation:plan", args=[plan.pk])).status_code == READ[persona]
    assert client.get(reverse("remediation:item", args=[item.pk])).status_code == READ[persona]
    for kind, fmt in (("plan", "docx"), ("plan", "xlsx"), ("results", "docx"), ("results", "xlsx")):
        url = reverse("remediation:plan_download", args=[plan.pk, kind, fmt])
        assert client.get(url).status_code == READ[persona]
    assert client.get(reverse("remediation:plan_edit", args=[plan.pk])).status_code == EDIT[persona]
    assert client.get(reverse("remediation:item_edit", args=[item.pk])).status_code == EDIT[persona]


@pytest.mark.parametrize("persona,expected", [
    ("officer_a1", 404), ("head_a1", 404), ("officer_a2", 404), ("district_manager_a", 200),
    ("province_manager", 200), ("appraiser_province", 404), ("viewer_province", 404), ("admin_user", 200),
])
def test_compilation_is_for_managers(client, published, plan, persona, expected):
    as_user(client, published[persona])
    assert client.get(reverse("remediation:compilation")).status_code == expected


def test_index_and_inspections_open_for_everyone_logged_in(client, published, plan):
    for persona in READ:
        as_user(client, published[persona])
        assert client.get(reverse("remediation:index") + "?year=2025").status_code == 200
        assert client.get(reverse("remediation:inspections")).status_code == 200
    client.logout()
    assert client.get(reverse("remediation:index")).status_code == 302


def test_inspection_create_is_for_index_managers(client, published):
    as_user(client, published["officer_a1"])
    assert client.get(reverse("remediation:inspection_create")).status_code == 403
    as_user(client, published["district_manager_a"])
    assert client.get(reverse("remediation:inspection_create")).status_code == 200


def test_generate_then_submit_approve_through_the_screens(client, published):
    as_user(client, published["officer_a1"])
    page = client.get(reverse("remediation:index")).content.decode()
    assert 'data-testid="generate-A1"' in page
    result = published["results"]["A1"]
    response = client.post(reverse("remediation:generate"), {"result": result.pk}, follow=True)
    assert "Đã lập dự thảo kế hoạch: 1 tiêu chí cần duy trì, 3 tiêu chí cần khắc phục" in response.content.decode()
    plan = RemediationPlan.objects.get(unit=published["A1"], year=2025)
    fill_solutions(plan, published["officer_a1"])
    as_user(client, published["officer_a1"])
    assert client.post(reverse("remediation:plan_step", args=[plan.pk, "submit"])).status_code == 403
    as_user(client, published["head_a1"])
    client.post(reverse("remediation:plan_step", args=[plan.pk, "submit"]))
    as_user(client, published["district_manager_a"])
    assert 'data-testid="remediation-awaiting"' in client.get(reverse("home")).content.decode()
    client.post(reverse("remediation:plan_step", args=[plan.pk, "approve"]))
    assert RemediationPlan.objects.get(pk=plan.pk).status == "approved"


def test_another_units_result_cannot_be_generated_from(client, published):
    as_user(client, published["officer_b1"])
    response = client.post(reverse("remediation:generate"), {"result": published["results"]["A1"].pk})
    assert response.status_code == 403  # published results are public; planning for A1 is not


def test_deadline_before_plan_date_is_shown_on_the_form_and_nothing_changes(client, published, plan):
    actions.update_plan(plan, by=published["officer_a1"], document_date=dt.date(2025, 3, 25))
    item = plan.remediation_items.first()
    as_user(client, published["officer_a1"])
    response = client.post(reverse("remediation:item_edit", args=[item.pk]), {
        "shortcoming": "x", "solution": "Giải pháp mới", "deadline": "2025-02-01"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Thời hạn 01/02/2025 không được trước ngày ban hành kế hoạch 25/03/2025." in body
    assert RemediationItem.objects.get(pk=item.pk).solution == ""


def test_editing_an_approved_plan_shows_the_reopen_message(client, published, plan):
    approved(plan, published)
    as_user(client, published["officer_a1"])
    response = client.post(reverse("remediation:plan_edit", args=[plan.pk]), {"title": "Mới", "number": "1/KH"})
    assert "Kế hoạch này đã được phê duyệt; hãy mở lại kế hoạch trước khi sửa đổi." in response.content.decode()


def test_verify_without_evidence_shows_the_message(client, published, plan):
    approved(plan, published)
    item = plan.remediation_items.first()
    actions.record_result(item, by=published["officer_a1"], result_text="Đã khắc phục")
    as_user(client, published["district_manager_a"])
    response = client.post(reverse("remediation:item_step", args=[item.pk, "verify"]), follow=True)
    assert "chưa có tài liệu kiểm chứng nên không thể xác nhận" in response.content.decode()


def test_result_upload_through_the_screen_and_download(client, published, plan):
    approved(plan, published)
    item = plan.remediation_items.order_by("number").first()
    as_user(client, published["officer_a1"])
    client.post(reverse("remediation:item_step", args=[item.pk, "result"]), {
        "result_text": "Đã ban hành", "completed_on": "2025-05-02", "file": pdf_upload(),
        "short_name": "sang kien kinh nghiem"})
    ev = RemediationItem.objects.get(pk=item.pk).evidence.get()
    assert ev.generated_name == "Xa Yen Thuong-KQ khac phuc tieu chi 1.2-sang kien kinh nghiem.pdf"
    response = client.get(reverse("remediation:evidence", args=[item.pk, ev.pk]))
    assert response.status_code == 200 and "tieu%20chi%201.2" in response["Content-Disposition"]
    as_user(client, published["officer_a2"])
    assert client.get(reverse("remediation:evidence", args=[item.pk, ev.pk])).status_code == 404


def test_downloads_are_word_and_excel(client, published, plan):
    as_user(client, published["officer_a1"])
    docx = client.get(reverse("remediation:plan_download", args=[plan.pk, "plan", "docx"]))
    assert docx["Content-Type"] == DOCX and docx.content[:2] == b"PK"
    xlsx = client.get(reverse("remediation:plan_download", args=[plan.pk, "plan", "xlsx"]))
    assert xlsx["Content-Type"] == XLSX
    assert client.get(reverse("remediation:plan_download", args=[plan.pk, "plan", "pdf"])).status_code == 404


def test_docx_has_both_appendices_and_xlsx_the_rows(client, published, plan):
    import io
    import zipfile

    from openpyxl import load_workbook

    as_user(client, published["officer_a1"])
    content = client.get(reverse("remediation:plan_download", args=[plan.pk, "plan", "docx"])).content
    xml = zipfile.ZipFile(io.BytesIO(content)).read("word/document.xml").decode()
    assert "Phụ lục I" in xml and "Phụ lục II" in xml and "KẾ HOẠCH" in xml
    workbook = load_workbook(io.BytesIO(client.get(
        reverse("remediation:plan_download", args=[plan.pk, "plan", "xlsx"])).content))
    assert workbook.sheetnames == ["Phụ lục I", "Phụ lục II"]
    codes = [row[2] for row in workbook["Phụ lục II"].iter_rows(min_row=4, values_only=True)]
    assert codes == ["1.2", "2.1", "2.2"]


def test_compilation_and_general_plan_show_the_approved_commune_plan(client, published, plan):
    approved(plan, published)
    as_user(client, published["district_manager_a"])
    url = reverse("remediation:compilation") + "?year=2025"
    body = client.get(url).content.decode()
    assert 'data-unit="A1"' in body and body.count('data-testid="general-item"') == 3
    by_lead = client.get(url + "&by=lead").content.decode()
    assert by_lead.count('data-testid="general-item"') == 3
    assert client.get(url + "&format=xlsx")["Content-Type"] == XLSX
    docx = client.get(url + "&format=general-docx")
    assert docx["Content-Type"] == DOCX
    import io
    import zipfile

    xml = zipfile.ZipFile(io.BytesIO(docx.content)).read("word/document.xml").decode()
    assert "[Yên Thượng]" in xml
    assert client.get(url + "&format=general-xlsx")["Content-Type"] == XLSX


def test_draft_plans_of_units_stay_out_of_the_general_plan(client, published, plan):
    as_user(client, published["district_manager_a"])
    body = client.get(reverse("remediation:compilation") + "?year=2025").content.decode()
    assert 'data-testid="general-item"' not in body


def test_inspection_screens_record_findings(client, published):
    as_user(client, published["district_manager_a"])
    response = client.post(reverse("remediation:inspection_create"), {
        "owner_unit": published["DA"].pk, "decision_number": "45/QĐ-UBND", "inspected_on": "2025-09-10",
        "units": [published["A1"].pk]})
    assert response.status_code == 302
    url = response["Location"]
    bad = client.post(url, {"unit": published["A1"].pk, "shortcoming": "Chưa niêm yết", "deadline": "2025-09-01"})
    assert "không được trước ngày kiểm tra 10/09/2025" in bad.content.decode()
    client.post(url, {"unit": published["A1"].pk, "shortcoming": "Chưa niêm yết", "deadline": "2025-12-10"})
    assert RemediationItem.objects.filter(source="inspection", unit=published["A1"]).count() == 1
    as_user(client, published["officer_a1"])
    assert client.get(url).status_code == 200
    assert client.post(url, {"unit": published["A1"].pk, "shortcoming": "x", "deadline": "2025-12-10"}).status_code == 403
    as_user(client, published["officer_b1"])
    assert client.get(url).status_code == 404


def test_home_panel_lists_overdue_items(client, published, plan):
    RemediationItem.objects.filter(plan=plan).update(deadline=dt.date(2020, 1, 1))
    as_user(client, published["officer_a1"])
    assert 'data-testid="remediation-overdue"' in client.get(reverse("home")).content.decode()
    as_user(client, published["officer_b1"])
    assert 'data-testid="remediation-overdue"' not in client.get(reverse("home")).content.decode()


def test_targets_screen(client, published):
    as_user(client, published["head_a1"])
    response = client.post(reverse("remediation:targets"), {"unit": published["A1"].pk, "year": 2025,
                                                             "index_percent": "150", "rank": "", "class_label": ""})
    assert "từ 0 đến 100" in response.content.decode()
    client.post(reverse("remediation:targets"), {"unit": published["A1"].pk, "year": 2024, "index_percent": "85,5",
                                                  "class_label": "Tốt", "rank": "1", "commitments": "Cam kết"})
    body = client.get(reverse("remediation:targets")).content.decode()
    assert 'data-testid="achieved-index"' in body
    as_user(client, published["district_manager_a"])
    assert client.get(reverse("remediation:targets")).status_code == 403


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_plan_item_and_compilation_pages_do_not_grow_with_rows(client, published, plan, django_assert_max_num_queries):
    approved(plan, published)
    as_user(client, published["district_manager_a"])
    urls = [reverse("remediation:plan", args=[plan.pk]), reverse("remediation:compilation") + "?year=2025",
            reverse("remediation:index") + "?year=2025",
            reverse("remediation:unit_items", args=[published["A1"].pk]) + "?year=2025"]
    small = [_queries(client, url) for url in urls]
    inspection = actions.record_inspection(owner_unit=published["DA"], by=published["district_manager_a"],
                                           decision_number="1/QĐ", inspected_on=dt.date(2025, 9, 1),
                                           units=[published["A1"], published["A2"]])
    for unit in (published["A1"], published["A2"]):
        for n in range(6):
            item = actions.add_finding(inspection, unit=unit, by=published["district_manager_a"],
                                       shortcoming=f"Tồn tại {n}", deadline=dt.date(2025, 12, 1))
            actions.record_result(item, by=published["admin_user"],
                                  result_text="Xong", uploads=[(pdf_upload(), f"kq {n}")])
    actions.generate_plan(result=published["results"]["A2"], by=published["officer_a2"])
    for url, count in zip(urls, small, strict=True):
        with django_assert_max_num_queries(count):
            client.get(url)


def test_item_page_does_not_grow_with_evidence_and_notes(client, published, plan, django_assert_max_num_queries):
    approved(plan, published)
    item = plan.remediation_items.order_by("number").first()
    actions.update_progress(item, by=published["officer_a1"], note="Bắt đầu")
    actions.record_result(item, by=published["officer_a1"], result_text="Xong", uploads=[(pdf_upload(), "kq 0")])
    as_user(client, published["district_manager_a"])
    url = reverse("remediation:item", args=[item.pk])
    small = _queries(client, url)
    RemediationItem.objects.filter(pk=item.pk).update(status="in_progress")
    for n in range(1, 6):
        actions.update_progress(item, by=published["officer_a1"], note=f"Tiến độ {n}")
    actions.record_result(item, by=published["officer_a1"], result_text="Xong",
                          uploads=[(pdf_upload(), f"kq {n}") for n in range(1, 6)])
    with django_assert_max_num_queries(small):
        client.get(url)


def test_an_inspected_unit_sees_only_its_own_findings(client, published):
    manager = published["district_manager_a"]
    inspection = actions.record_inspection(owner_unit=published["DA"], by=manager, decision_number="45/QĐ-UBND",
                                           inspected_on=dt.date(2025, 9, 10), units=[published["A1"], published["A2"]])
    actions.add_finding(inspection, unit=published["A1"], by=manager, shortcoming="Chưa niêm yết TTHC",
                        deadline=dt.date(2025, 12, 10))
    actions.add_finding(inspection, unit=published["A2"], by=manager, shortcoming="Hồ sơ trễ hạn chưa xin lỗi",
                        deadline=dt.date(2025, 12, 10))
    as_user(client, published["officer_a1"])
    body = client.get(reverse("remediation:inspection", args=[inspection.pk])).content.decode()
    assert "Chưa niêm yết TTHC" in body
    assert "Hồ sơ trễ hạn chưa xin lỗi" not in body and "Bằng Lãng" not in body
