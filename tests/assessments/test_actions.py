"""Workflow steps: permission, state change and audit row, called like the views call them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from parindex.assessments import actions
from parindex.assessments.evidence import content_bytes
from parindex.assessments.models import Assessment, Assignment, Round
from parindex.core.models import AuditEntry
from parindex.units.models import Membership, Unit
from tests.assessments.factories import PDF_BYTES, make_framework, open_test_round, score_of
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def save(score, user, version=None, **raw):
    return actions.save_score(score=score, by=user, expected_version=version or score.version, raw_inputs=raw)


def test_opening_a_round_gives_each_commune_of_the_subtree_a_sheet_and_locks_the_framework(
    framework, tree, district_manager_a
):
    round_ = open_test_round(framework, district_manager_a, tree["DA"])
    assert sorted(round_.assessments.values_list("unit__code", flat=True)) == ["A1", "A2"]
    sheet = round_.assessments.get(unit=tree["A1"])
    assert sheet.scores.count() == 7  # every leaf, survey included
    framework.refresh_from_db()
    assert framework.is_locked
    entry = AuditEntry.objects.get(action="assessments.round.open")
    assert entry.after["units"] == [tree["A1"].pk, tree["A2"].pk]


def test_an_officer_cannot_open_a_round(framework, tree, officer_a1):
    with pytest.raises(PermissionDenied):
        open_test_round(framework, officer_a1, tree["DA"])
    assert not Round.objects.exists()


def test_a_chosen_unit_outside_the_managers_subtree_is_refused(framework, tree, district_manager_a):
    with pytest.raises(ValidationError) as exc:
        open_test_round(framework, district_manager_a, tree["DA"], units=[tree["A1"], tree["B1"]])
    assert "Xã Quang Thuận" in exc.value.messages[0]


def test_a_round_can_cover_a_chosen_subset(framework, tree, district_manager_a):
    round_ = open_test_round(framework, district_manager_a, tree["DA"], units=[tree["A2"]])
    assert list(round_.assessments.values_list("unit__code", flat=True)) == ["A2"]


def test_round_two_starts_from_the_values_evidence_and_assignments_of_round_one(
    sheet_a1, round_a, officer_a1, head_a1, district_manager_a, tree
):
    leaf = score_of(sheet_a1, "1.3")
    save(leaf, officer_a1, numerator="3", denominator="4")
    actions.upload_evidence(
        score=leaf, by=officer_a1, uploaded_file=content_bytes(PDF_BYTES, "kh.pdf"), short_name="Kế hoạch"
    )
    actions.assign(assessment=sheet_a1, criterion=leaf.criterion.area, by=head_a1, officer=officer_a1)
    round_2 = open_test_round(
        round_a.framework,
        district_manager_a,
        tree["DA"],
        previous=round_a,
        name="Tự chấm điểm lần 2 năm 2023",
    )
    sheet_2 = round_2.assessments.get(unit=tree["A1"])
    leaf_2 = score_of(sheet_2, "1.3")
    assert leaf_2.self_points == Decimal("3.75")
    assert leaf_2.inputs == {"numerator": "3", "denominator": "4"}
    assert leaf_2.evidence_links.count() == 1
    assert Assignment.objects.filter(assessment=sheet_2, officer=officer_a1).count() == 1
    assert score_of(sheet_2, "1.1").self_points is None


def test_saving_a_leaf_computes_points_and_writes_before_and_after(sheet_a1, officer_a1):
    leaf = score_of(sheet_a1, "1.2")
    saved = save(leaf, officer_a1, level="chua-day-du")
    assert saved.self_points == Decimal("1.5")
    entry = AuditEntry.objects.get(action="assessments.score.save")
    assert entry.before["self_points"] is None
    assert entry.after["self_points"] == "1.5000"
    assert entry.unit_id == sheet_a1.unit_id


def test_not_applicable_only_where_the_criterion_allows_it(sheet_a1, officer_a1):
    allowed = actions.save_score(
        score=score_of(sheet_a1, "2.2"), by=officer_a1, expected_version=1, not_applicable=True
    )
    assert allowed.not_applicable and allowed.self_points is None
    with pytest.raises(ValidationError) as exc:
        actions.save_score(
            score=score_of(sheet_a1, "2.1"), by=officer_a1, expected_version=1, not_applicable=True
        )
    assert "không được đánh dấu" in exc.value.messages[0]


def test_survey_leaves_cannot_be_self_scored(sheet_a1, officer_a1):
    with pytest.raises(ValidationError) as exc:
        save(score_of(sheet_a1, "2.4"), officer_a1, percent="80")
    assert "điều tra xã hội học" in exc.value.messages[0]


def test_an_officer_of_another_commune_cannot_save(sheet_a1, officer_a2):
    with pytest.raises(PermissionDenied):
        save(score_of(sheet_a1, "1.1"), officer_a2, value="1")


def test_a_lead_department_scores_only_the_assigned_area(framework, tree, province_manager):
    """The district's own index: its Phòng Nội vụ leads area 1 on the district's sheet."""
    district_fw = make_framework(tree["P"], kinds=("district",), name="Bộ chỉ số cấp huyện")
    round_ = open_test_round(district_fw, province_manager, tree["P"])
    sheet = round_.assessments.get(unit=tree["DA"])
    head = make_user("chutich.da", "Chủ tịch huyện", [(tree["DA"], Membership.Role.UNIT_HEAD)])
    office_officer = make_user(
        "canbo.danv", "Cán bộ Phòng Nội vụ", [(tree["DA-NV"], Membership.Role.UNIT_OFFICER)]
    )
    area_1 = district_fw.criteria.get(code="1")
    actions.assign(assessment=sheet, criterion=area_1, by=head, lead_unit=tree["DA-NV"])
    assert save(score_of(sheet, "1.1"), office_officer, value="1").self_points == Decimal("2")
    with pytest.raises(PermissionDenied):
        save(score_of(sheet, "2.1"), office_officer, count="1")
    assert Assessment.objects.visible_to(office_officer).filter(pk=sheet.pk).exists()


def test_only_the_head_assigns_and_only_to_members_or_units_below(
    sheet_a1, head_a1, officer_a1, officer_a2, tree
):
    area = score_of(sheet_a1, "1.1").criterion.area
    with pytest.raises(PermissionDenied):
        actions.assign(assessment=sheet_a1, criterion=area, by=officer_a1, officer=officer_a1)
    with pytest.raises(ValidationError):
        actions.assign(assessment=sheet_a1, criterion=area, by=head_a1, officer=officer_a2)
    with pytest.raises(ValidationError):
        actions.assign(assessment=sheet_a1, criterion=area, by=head_a1, lead_unit=tree["A2"])
    assignment = actions.assign(assessment=sheet_a1, criterion=area, by=head_a1, officer=officer_a1)
    assert AuditEntry.objects.filter(action="assessments.assign", object_id=str(assignment.pk)).exists()


def test_submission_is_blocked_by_a_positive_leaf_without_evidence_or_explanation(
    sheet_a1, officer_a1, head_a1
):
    leaf = score_of(sheet_a1, "1.1")
    save(leaf, officer_a1, value="1")
    with pytest.raises(ValidationError) as exc:
        actions.submit_assessment(assessment=sheet_a1, by=head_a1)
    assert "1.1" in exc.value.messages[0]
    leaf.refresh_from_db()
    actions.save_score(
        score=leaf,
        by=officer_a1,
        expected_version=leaf.version,
        raw_inputs={"value": "1"},
        missing_evidence_explanation="Kế hoạch đang trình ký, bổ sung sau",
    )
    sheet = actions.submit_assessment(assessment=sheet_a1, by=head_a1)
    assert sheet.status == Assessment.Status.SUBMITTED
    assert AuditEntry.objects.filter(action="assessments.sheet.submit").count() == 1


def test_a_submitted_sheet_cannot_be_edited_until_withdrawn(sheet_a1, officer_a1, head_a1):
    actions.submit_assessment(assessment=sheet_a1, by=head_a1)
    with pytest.raises(ValidationError) as exc:
        save(score_of(sheet_a1, "1.1"), officer_a1, value="1")
    assert "rút lại" in exc.value.messages[0]
    with pytest.raises(PermissionDenied):
        actions.withdraw_assessment(assessment=sheet_a1, by=officer_a1)
    actions.withdraw_assessment(assessment=sheet_a1, by=head_a1, reason="Bổ sung TLKC")
    assert save(score_of(sheet_a1, "1.1"), officer_a1, value="0").self_points == Decimal(0)


def test_withdrawal_is_refused_once_appraisal_has_started(sheet_a1, head_a1, round_a):
    actions.submit_assessment(assessment=sheet_a1, by=head_a1)
    Round.objects.filter(pk=round_a.pk).update(status=Round.Status.APPRAISAL)
    with pytest.raises(ValidationError) as exc:
        actions.withdraw_assessment(assessment=sheet_a1, by=head_a1)
    assert exc.value.messages == ["Đã bắt đầu thẩm định; không thể rút lại bảng điểm."]


def test_the_job_locks_overdue_drafts_once_and_the_command_runs_it(
    sheet_a1, sheet_a2, head_a1, round_a, capsys
):
    actions.submit_assessment(
        assessment=sheet_a2,
        by=make_user("chutich.a2", "Chủ tịch A2", [(sheet_a2.unit, Membership.Role.UNIT_HEAD)]),
    )
    later = round_a.self_deadline + dt.timedelta(minutes=1)
    assert actions.lock_overdue(now=later) == 1
    assert actions.lock_overdue(now=later) == 0
    sheet_a1.refresh_from_db()
    sheet_a2.refresh_from_db()
    assert sheet_a1.status == Assessment.Status.LOCKED
    assert sheet_a2.status == Assessment.Status.SUBMITTED
    Round.objects.filter(pk=round_a.pk).update(self_deadline=timezone.now() - dt.timedelta(hours=1))
    Assessment.objects.filter(pk=sheet_a1.pk).update(status=Assessment.Status.DRAFT)
    call_command("lock_overdue_sheets")
    assert "1" in capsys.readouterr().out
    assert Assessment.objects.get(pk=sheet_a1.pk).status == Assessment.Status.LOCKED


def test_a_manager_reopens_a_locked_sheet_with_a_reason_and_a_new_deadline(
    sheet_a1, round_a, district_manager_a, officer_a1, head_a1
):
    Round.objects.filter(pk=round_a.pk).update(self_deadline=timezone.now() - dt.timedelta(hours=1))
    actions.lock_overdue()
    sheet_a1.refresh_from_db()
    with pytest.raises(PermissionDenied):
        actions.reopen_assessment(
            assessment=sheet_a1, by=head_a1, reason="x", until=timezone.now() + dt.timedelta(days=1)
        )
    with pytest.raises(ValidationError):
        actions.reopen_assessment(
            assessment=sheet_a1,
            by=district_manager_a,
            reason=" ",
            until=timezone.now() + dt.timedelta(days=1),
        )
    actions.reopen_assessment(
        assessment=sheet_a1,
        by=district_manager_a,
        reason="Mất điện ngày cuối",
        until=timezone.now() + dt.timedelta(days=1),
    )
    assert save(score_of(sheet_a1, "1.1"), officer_a1, value="1").self_points == Decimal(2)
    assert AuditEntry.objects.get(action="assessments.sheet.reopen").note == "Mất điện ngày cuối"


def test_a_reference_without_a_file_needs_a_number_or_a_link(sheet_a1, officer_a1):
    leaf = score_of(sheet_a1, "1.1")
    with pytest.raises(ValidationError):
        actions.add_reference(score=leaf, by=officer_a1, short_name="Kế hoạch")
    evidence = actions.add_reference(
        score=leaf,
        by=officer_a1,
        short_name="Kế hoạch CCHC",
        doc_number="19/KH-UBND",
        doc_date=dt.date(2023, 1, 18),
        issuer="UBND huyện",
    )
    assert not evidence.file and evidence.links.count() == 1


def test_one_evidence_supports_several_leaves_and_detaching_keeps_the_file(sheet_a1, officer_a1):
    first, second = score_of(sheet_a1, "1.1"), score_of(sheet_a1, "1.2")
    evidence = actions.upload_evidence(
        score=first, by=officer_a1, uploaded_file=content_bytes(PDF_BYTES, "a.pdf"), short_name="Báo cáo"
    )
    link = actions.attach_evidence(score=second, evidence=evidence, by=officer_a1, page_ref="Mục II")
    with pytest.raises(ValidationError):
        actions.attach_evidence(score=second, evidence=evidence, by=officer_a1)
    actions.detach_evidence(link=link, by=officer_a1)
    evidence.refresh_from_db()
    assert evidence.links.count() == 1
    assert evidence.file.storage.exists(evidence.file.name)


def test_units_outside_the_framework_kinds_get_no_sheet(framework, tree, province_manager):
    Unit.objects.create(code="A3", name="Phường Mới", kind=Unit.Kind.WARD, parent=tree["DA"])
    round_ = open_test_round(framework, province_manager, tree["P"])
    assert sorted(round_.assessments.values_list("unit__code", flat=True)) == ["A1", "A2", "B1"]
