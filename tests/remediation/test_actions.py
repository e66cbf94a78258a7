"""Workflow steps and every bad input: clear Vietnamese messages, nothing lost."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from parindex.assessments.models import Evidence
from parindex.core.models import AuditEntry
from parindex.frameworks.models import Criterion
from parindex.remediation import actions
from parindex.remediation.models import RemediationItem, RemediationPlan
from tests.remediation.conftest import approved, fill_solutions, pdf_upload

pytestmark = pytest.mark.django_db


def msg(exc) -> str:
    return " ".join(exc.value.messages)


def test_submit_approve_workflow_with_audit(published, plan):
    fill_solutions(plan, published["officer_a1"])
    actions.submit_plan(plan, by=published["head_a1"])
    actions.approve_plan(plan, by=published["district_manager_a"])
    plan.refresh_from_db()
    assert plan.status == "approved" and plan.decided_by == published["district_manager_a"]
    assert set(AuditEntry.objects.filter(object_id=str(plan.pk)).values_list("action", flat=True)) >= {
        "remediation.generate_plan", "remediation.submit_plan", "remediation.approve_plan"}


def test_return_with_comments_then_resubmit(published, plan):
    fill_solutions(plan, published["officer_a1"])
    actions.submit_plan(plan, by=published["head_a1"])
    with pytest.raises(ValidationError) as exc:
        actions.return_plan(plan, by=published["district_manager_a"], comment="  ")
    assert "nội dung cần sửa" in msg(exc)
    actions.return_plan(plan, by=published["district_manager_a"], comment="Bổ sung nguyên nhân")
    plan.refresh_from_db()
    assert plan.status == "returned" and plan.return_comment == "Bổ sung nguyên nhân"
    item = plan.remediation_items.first()
    actions.update_item(item, by=published["officer_a1"], cause="Nguyên nhân cụ thể")
    actions.submit_plan(plan, by=published["head_a1"])
    assert RemediationPlan.objects.get(pk=plan.pk).status == "submitted"


def test_officer_cannot_submit_and_unit_cannot_approve_its_own_plan(published, plan):
    fill_solutions(plan, published["officer_a1"])
    with pytest.raises(PermissionDenied):
        actions.submit_plan(plan, by=published["officer_a1"])
    actions.submit_plan(plan, by=published["head_a1"])
    for persona in ("head_a1", "officer_a1", "officer_a2", "appraiser_province", "viewer_province"):
        with pytest.raises(PermissionDenied):
            actions.approve_plan(plan, by=published[persona])
    actions.approve_plan(plan, by=published["province_manager"])  # any manager above


def test_submitting_without_solutions_is_refused(published, plan):
    with pytest.raises(ValidationError) as exc:
        actions.submit_plan(plan, by=published["head_a1"])
    assert "giải pháp cho mọi tồn tại" in msg(exc)
    assert RemediationPlan.objects.get(pk=plan.pk).status == "draft"


def test_deadline_before_the_plan_date_is_refused_and_nothing_changes(published, plan):
    actions.update_plan(plan, by=published["officer_a1"], document_date=dt.date(2025, 3, 25), number="19/KH-UBND")
    item = plan.remediation_items.first()
    with pytest.raises(ValidationError) as exc:
        actions.update_item(item, by=published["officer_a1"], deadline=dt.date(2025, 3, 1), solution="Mới")
    assert "Thời hạn 01/03/2025 không được trước ngày ban hành kế hoạch 25/03/2025" in msg(exc)
    item.refresh_from_db()
    assert item.deadline == dt.date(2025, 12, 31) and item.solution == ""
    m = plan.maintenance_items.first()
    with pytest.raises(ValidationError):
        actions.update_maintenance_item(m, by=published["officer_a1"], deadline=dt.date(2025, 1, 2))


def test_plan_date_after_existing_deadlines_is_refused(published, plan):
    with pytest.raises(ValidationError) as exc:
        actions.update_plan(plan, by=published["officer_a1"], document_date=dt.date(2026, 1, 5))
    assert "31/12/2025" in msg(exc)
    assert RemediationPlan.objects.get(pk=plan.pk).document_date is None


def test_an_item_for_a_survey_leaf_is_refused(published, plan):
    survey = Criterion.objects.get(framework=published["fw"], code="1.9")
    before = RemediationItem.objects.count()
    with pytest.raises(ValidationError) as exc:
        actions.add_item(plan, by=published["officer_a1"], criterion=survey, solution="x")
    assert "điều tra xã hội học" in msg(exc)
    assert RemediationItem.objects.count() == before


def test_a_criterion_already_in_the_plan_cannot_be_added_again(published, plan):
    c = Criterion.objects.get(framework=published["fw"], code="1.1")
    with pytest.raises(ValidationError) as exc:
        actions.add_item(plan, by=published["officer_a1"], criterion=c)
    assert "đã có trong kế hoạch" in msg(exc)


def test_editing_an_approved_plan_needs_reopening(published, plan):
    approved(plan, published)
    item = plan.remediation_items.first()
    with pytest.raises(ValidationError) as exc:
        actions.update_item(item, by=published["officer_a1"], solution="Sửa sau phê duyệt")
    assert "đã được phê duyệt; hãy mở lại" in msg(exc)
    assert RemediationItem.objects.get(pk=item.pk).solution.startswith("Giải pháp cho")
    with pytest.raises(ValidationError) as exc:
        actions.reopen_plan(plan, by=published["head_a1"], reason="")
    assert "lý do mở lại" in msg(exc)
    actions.reopen_plan(plan, by=published["head_a1"], reason="Điều chỉnh giải pháp")
    actions.update_item(item, by=published["officer_a1"], solution="Sửa sau khi mở lại")
    assert RemediationItem.objects.get(pk=item.pk).solution == "Sửa sau khi mở lại"


def test_editing_a_submitted_plan_is_refused(published, plan):
    fill_solutions(plan, published["officer_a1"])
    actions.submit_plan(plan, by=published["head_a1"])
    with pytest.raises(ValidationError) as exc:
        actions.update_plan(plan, by=published["officer_a1"], title="x")
    assert "đã trình phê duyệt" in msg(exc)


def test_result_with_evidence_gets_the_seed_file_name(published, plan):
    approved(plan, published)
    item = plan.remediation_items.order_by("number").first()
    actions.record_result(item, by=published["officer_a1"], result_text="Đã ban hành quyết định",
                          completed_on=dt.date(2025, 5, 20), uploads=[(pdf_upload(), "QD cong nhan sang kien")])
    item.refresh_from_db()
    ev = item.evidence.get()
    # A Phụ lục II row is named by its criterion (issue 17, defect 5); findings keep the seed's
    # "ton tai N" (tests/remediation/test_numbering.py).
    assert ev.generated_name == f"Xa Yen Thuong-KQ khac phuc tieu chi {item.code}-QD cong nhan sang kien.pdf"
    assert ev.unit == published["A1"] and ev.year == 2025
    assert item.status == "done"


def test_verifying_without_evidence_is_refused(published, plan):
    approved(plan, published)
    item = plan.remediation_items.first()
    actions.record_result(item, by=published["officer_a1"], result_text="Đã khắc phục")
    with pytest.raises(ValidationError) as exc:
        actions.verify_item(item, by=published["district_manager_a"])
    assert "chưa có tài liệu kiểm chứng" in msg(exc)
    assert RemediationItem.objects.get(pk=item.pk).verified_at is None


def test_verify_by_the_level_above_only_and_result_then_frozen(published, plan):
    approved(plan, published)
    item = plan.remediation_items.first()
    actions.record_result(item, by=published["officer_a1"], result_text="Đã khắc phục",
                          uploads=[(pdf_upload(), "bao cao")])
    with pytest.raises(PermissionDenied):
        actions.verify_item(item, by=published["head_a1"])
    actions.verify_item(item, by=published["district_manager_a"], note="Đạt")
    with pytest.raises(ValidationError) as exc:
        actions.update_progress(item, by=published["officer_a1"], status="in_progress")
    assert "đã được xác nhận" in msg(exc)


def test_verifying_an_open_item_is_refused(published, plan):
    item = plan.remediation_items.first()
    with pytest.raises(ValidationError) as exc:
        actions.verify_item(item, by=published["district_manager_a"])
    assert "Chỉ xác nhận tồn tại đã được khắc phục" in msg(exc)


def test_a_bad_upload_keeps_the_item_and_stores_nothing(published, plan):
    from django.core.files.uploadedfile import SimpleUploadedFile

    item = plan.remediation_items.first()
    with pytest.raises(ValidationError):
        actions.record_result(item, by=published["officer_a1"], result_text="x",
                              uploads=[(SimpleUploadedFile("virus.pdf", b"MZ\x90\x00binary"), "x")])
    item.refresh_from_db()
    assert item.status == "not_started" and not Evidence.objects.exists()


def test_cannot_be_done_needs_a_reason(published, plan):
    item = plan.remediation_items.first()
    with pytest.raises(ValidationError) as exc:
        actions.mark_cannot(item, by=published["officer_a1"], reason=" ")
    assert "lý do không thể khắc phục" in msg(exc)
    actions.mark_cannot(item, by=published["officer_a1"], reason="Ngoài thẩm quyền")
    item.refresh_from_db()
    assert item.status == "cannot" and item.cannot_reason == "Ngoài thẩm quyền"


def test_progress_note_and_status(published, plan):
    item = plan.remediation_items.first()
    with pytest.raises(ValidationError) as exc:
        actions.update_progress(item, by=published["officer_a1"])
    assert "ghi tiến độ" in msg(exc)
    actions.update_progress(item, by=published["officer_a1"], status="in_progress", note="Đã giao công chức")
    assert item.notes.get().text == "Đã giao công chức"
    with pytest.raises(PermissionDenied):
        actions.update_progress(item, by=published["officer_a2"], note="x")


def test_overdue_is_derived_from_the_deadline(published, plan):
    item = plan.remediation_items.first()
    RemediationItem.objects.filter(pk=item.pk).update(deadline=dt.date(2020, 1, 1))
    item.refresh_from_db()
    assert item.display_status == "overdue" and item.status == "not_started"
    assert RemediationItem.objects.overdue().filter(pk=item.pk).exists()


def test_inspection_findings_are_numbered_and_join_the_units_list(published, plan):
    inspection = actions.record_inspection(
        owner_unit=published["DA"], by=published["district_manager_a"], decision_number="45/QĐ-UBND",
        inspected_on=dt.date(2025, 9, 10), units=[published["A1"], published["A2"]])
    first = actions.add_finding(inspection, unit=published["A1"], by=published["district_manager_a"],
                                shortcoming="Chưa niêm yết TTHC", deadline=dt.date(2025, 12, 10))
    second = actions.add_finding(inspection, unit=published["A1"], by=published["district_manager_a"],
                                 shortcoming="Hồ sơ trễ hạn", deadline=dt.date(2025, 12, 10))
    other = actions.add_finding(inspection, unit=published["A2"], by=published["district_manager_a"],
                                shortcoming="Chưa cập nhật trang tin", deadline=dt.date(2025, 12, 10))
    assert (first.finding_number, second.finding_number, other.finding_number) == (1, 2, 1)
    # A1 already has 3 Phụ lục II rows for 2025; the findings are numbered as the conclusion numbers
    # them, not after those rows (issue 17, defect 5).
    assert (first.number, second.number, other.number) == (1, 2, 1)
    assert first.label == "Tồn tại 1"


def test_inspection_bad_input(published):
    manager = published["district_manager_a"]
    with pytest.raises(ValidationError) as exc:
        actions.record_inspection(owner_unit=published["DA"], by=manager, decision_number="1/QĐ",
                                  inspected_on=dt.date(2025, 9, 1), units=[published["B1"]])
    assert "không thuộc cơ quan kiểm tra" in msg(exc)
    with pytest.raises(PermissionDenied):
        actions.record_inspection(owner_unit=published["DA"], by=published["officer_a1"], decision_number="1/QĐ",
                                  inspected_on=dt.date(2025, 9, 1), units=[published["A1"]])
    inspection = actions.record_inspection(owner_unit=published["DA"], by=manager, decision_number="1/QĐ",
                                           inspected_on=dt.date(2025, 9, 1), units=[published["A1"]])
    with pytest.raises(ValidationError) as exc:
        actions.add_finding(inspection, unit=published["A1"], by=manager, shortcoming="x",
                            deadline=dt.date(2025, 8, 1))
    assert "không được trước ngày kiểm tra 01/09/2025" in msg(exc)
    with pytest.raises(ValidationError) as exc:
        actions.add_finding(inspection, unit=published["A2"], by=manager, shortcoming="x",
                            deadline=dt.date(2025, 10, 1))
    assert "không thuộc đợt kiểm tra" in msg(exc)
    assert not RemediationItem.objects.filter(inspection=inspection).exists()


def test_targets_bad_input_and_update(published):
    from decimal import Decimal as D

    with pytest.raises(ValidationError) as exc:
        actions.set_target(unit=published["A1"], year=2025, by=published["head_a1"], index_percent=D(120))
    assert "từ 0 đến 100" in msg(exc)
    with pytest.raises(ValidationError):
        actions.set_target(unit=published["A1"], year=2025, by=published["head_a1"])
    with pytest.raises(PermissionDenied):
        actions.set_target(unit=published["A1"], year=2025, by=published["officer_a2"], rank=1)
    actions.set_target(unit=published["A1"], year=2025, by=published["head_a1"], index_percent=D(90), rank=1)
    t = actions.set_target(unit=published["A1"], year=2025, by=published["head_a1"], index_percent=D(92),
                           class_label="Xuất sắc")
    assert t.index_percent == D(92) and t.rank is None
