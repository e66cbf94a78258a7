"""Appraisal round 1, explanation, round 2, bonus/penalty — through the actions, with their rules."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from parindex.appraisals import actions
from parindex.appraisals.models import AppraisalEntry, AppraisalSheet, AppraiserAssignment
from parindex.appraisals.selectors import sheet_rows
from parindex.core.models import AuditEntry
from tests.appraisals.helpers import attach_evidence, leaves, make_framework, make_round
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(tree, personas):
    fw = make_framework(tree["P"])
    rnd = make_round(fw, tree["P"], [tree["A1"], tree["A2"], tree["B1"]])
    sheet_a1 = rnd.assessments.get(unit=tree["A1"])
    return {"fw": fw, "round": rnd, "a1": sheet_a1, **personas, **tree}


def test_appraiser_starts_round_one_and_audit_is_written(setup):
    sheet = actions.start_appraisal(assessment=setup["a1"], by=setup["appraiser_province"])
    assert sheet.status == "round1"
    assert AuditEntry.objects.filter(action="appraisal.start").exists()


def test_draft_sheet_cannot_be_appraised(setup):
    setup["a1"].status = "draft"
    setup["a1"].save()
    with pytest.raises(ValidationError, match="chưa gửi"):
        actions.start_appraisal(assessment=setup["a1"], by=setup["appraiser_province"])


def test_unit_officer_cannot_start_appraisal(setup):
    with pytest.raises(PermissionDenied):
        actions.start_appraisal(assessment=setup["a1"], by=setup["officer_a1"])


def test_appraiser_cannot_appraise_a_sheet_of_their_own_unit(setup, tree):
    # An appraiser at the province who is also an officer of A1.
    both = make_user("hai.vai", "Hai Vai", [(tree["P"], "appraiser"), (tree["A1"], "unit_officer")])
    with pytest.raises(PermissionDenied):
        actions.start_appraisal(assessment=setup["a1"], by=both)


def test_lowering_a_leaf_needs_a_reason(setup):
    sheet = actions.start_appraisal(assessment=setup["a1"], by=setup["appraiser_province"])
    leaf = leaves(setup["fw"])[0]
    with pytest.raises(ValidationError, match="lý do"):
        actions.appraise_leaf(sheet=sheet, criterion=leaf, points=D(20), by=setup["appraiser_province"])
    entry = actions.appraise_leaf(sheet=sheet, criterion=leaf, points=D(20), reason="Thiếu báo cáo quý IV",
                                  by=setup["appraiser_province"])
    assert entry.points == D(20) and entry.round_number == 1


def test_points_over_the_maximum_are_refused(setup):
    sheet = actions.start_appraisal(assessment=setup["a1"], by=setup["appraiser_province"])
    with pytest.raises(ValidationError, match="từ 0 đến 25"):
        actions.appraise_leaf(sheet=sheet, criterion=leaves(setup["fw"])[0], points=D(26), reason="x",
                              by=setup["appraiser_province"])


def test_flag_needs_a_comment(setup):
    sheet = actions.start_appraisal(assessment=setup["a1"], by=setup["appraiser_province"])
    with pytest.raises(ValidationError):
        actions.appraise_leaf(sheet=sheet, criterion=leaves(setup["fw"])[0], points=D(25), flag=True,
                              by=setup["appraiser_province"])


def full_cycle(setup):
    appraiser, officer = setup["appraiser_province"], setup["officer_a1"]
    ls = leaves(setup["fw"])
    sheet = actions.start_appraisal(assessment=setup["a1"], by=appraiser)
    actions.appraise_leaf(sheet=sheet, criterion=ls[0], points=D(20), reason="Thiếu TLKC", by=appraiser)
    actions.appraise_leaf(sheet=sheet, criterion=ls[1], points=D(10), reason="Chưa đạt", flag=True,
                          comment="Bổ sung quyết định", by=appraiser)
    sheet = actions.complete_round(sheet=sheet, by=appraiser)
    assert sheet.status == "explanation"
    entry = AppraisalEntry.objects.get(sheet=sheet, criterion=ls[1], round_number=1)
    actions.answer_explanation(entry=entry, text="Đã có quyết định số 12", by=officer)
    sheet = actions.submit_explanation(sheet=sheet, by=officer)
    assert sheet.status == "round2"
    actions.appraise_leaf(sheet=sheet, criterion=ls[1], points=D(25), by=appraiser)
    return actions.complete_round(sheet=sheet, by=appraiser)


def test_full_cycle_final_points_are_the_last_appraisal(setup):
    sheet = full_cycle(setup)
    assert sheet.status == "appraised"
    rows = {r.criterion.code: r for r in sheet_rows(sheet)}
    assert rows["1.1"].final_points == D(20)  # round 1 only
    assert rows["1.2"].final_points == D(25)  # round 2 wins
    assert rows["2.1"].final_points == D(25)  # untouched: self score accepted at completion
    assert rows["2.1"].round1.implicit


def test_round_two_only_touches_flagged_leaves(setup):
    appraiser = setup["appraiser_province"]
    ls = leaves(setup["fw"])
    sheet = actions.start_appraisal(assessment=setup["a1"], by=appraiser)
    actions.appraise_leaf(sheet=sheet, criterion=ls[1], points=D(10), reason="r", flag=True, comment="c", by=appraiser)
    sheet = actions.complete_round(sheet=sheet, by=appraiser)
    entry = AppraisalEntry.objects.get(sheet=sheet, criterion=ls[1], round_number=1)
    actions.answer_explanation(entry=entry, text="t", by=setup["officer_a1"])
    sheet = actions.submit_explanation(sheet=sheet, by=setup["head_a1"])
    with pytest.raises(ValidationError, match="lần 2"):
        actions.appraise_leaf(sheet=sheet, criterion=ls[0], points=D(1), reason="r", by=appraiser)


def test_unit_must_explain_every_flagged_leaf_before_submitting(setup):
    appraiser = setup["appraiser_province"]
    sheet = actions.start_appraisal(assessment=setup["a1"], by=appraiser)
    actions.appraise_leaf(sheet=sheet, criterion=leaves(setup["fw"])[0], points=D(10), reason="r", flag=True,
                          comment="c", by=appraiser)
    sheet = actions.complete_round(sheet=sheet, by=appraiser)
    with pytest.raises(ValidationError, match="1.1"):
        actions.submit_explanation(sheet=sheet, by=setup["officer_a1"])


def test_explanation_after_the_deadline_is_refused(setup):
    import datetime as dt

    from django.utils import timezone

    appraiser = setup["appraiser_province"]
    sheet = actions.start_appraisal(assessment=setup["a1"], by=appraiser)
    actions.appraise_leaf(sheet=sheet, criterion=leaves(setup["fw"])[0], points=D(10), reason="r", flag=True,
                          comment="c", by=appraiser)
    sheet = actions.complete_round(sheet=sheet, by=appraiser)
    rnd = setup["round"]
    rnd.explanation_deadline = timezone.now() - dt.timedelta(hours=1)
    rnd.save()
    entry = AppraisalEntry.objects.get(sheet=sheet, round_number=1, explanation_requested=True)
    with pytest.raises(ValidationError, match="hạn giải trình"):
        actions.answer_explanation(entry=entry, text="t", by=setup["officer_a1"])


def test_other_unit_cannot_explain(setup):
    appraiser = setup["appraiser_province"]
    sheet = actions.start_appraisal(assessment=setup["a1"], by=appraiser)
    actions.appraise_leaf(sheet=sheet, criterion=leaves(setup["fw"])[0], points=D(10), reason="r", flag=True,
                          comment="c", by=appraiser)
    sheet = actions.complete_round(sheet=sheet, by=appraiser)
    entry = AppraisalEntry.objects.get(sheet=sheet, round_number=1, explanation_requested=True)
    with pytest.raises(PermissionDenied):
        actions.answer_explanation(entry=entry, text="t", by=setup["officer_a2"])


def test_accept_area_takes_only_leaves_with_evidence(setup):
    appraiser = setup["appraiser_province"]
    sheet = actions.start_appraisal(assessment=setup["a1"], by=appraiser)
    scores = list(setup["a1"].scores.order_by("criterion__sort_key"))
    attach_evidence(scores[0])
    area = setup["fw"].areas().first()
    accepted, skipped = actions.accept_area(sheet=sheet, area=area, by=appraiser)
    assert (accepted, skipped) == (1, 1)
    assert AppraisalEntry.objects.get(sheet=sheet, criterion=scores[0].criterion).points == scores[0].self_points


def test_area_appraiser_may_only_appraise_their_area(setup, tree):
    rnd, fw = setup["round"], setup["fw"]
    area1, area2 = list(fw.areas())
    other = make_user("thamdinh.lv1", "Thẩm định LV1", [(tree["P"], "appraiser")])
    actions.assign_appraiser(round=rnd, appraiser=other, area=area1, by=setup["province_manager"])
    assert AppraiserAssignment.objects.count() == 1
    sheet = actions.start_appraisal(assessment=setup["a1"], by=other)
    leaf_area1 = leaves(fw)[0]
    leaf_area2 = [c for c in leaves(fw) if c.area_id == area2.pk][0]
    actions.appraise_leaf(sheet=sheet, criterion=leaf_area1, points=D(25), by=other)
    with pytest.raises(PermissionDenied):
        actions.appraise_leaf(sheet=sheet, criterion=leaf_area2, points=D(25), by=other)
    # the province appraiser has no assignment in a round that has assignments: refused
    with pytest.raises(PermissionDenied):
        actions.appraise_leaf(sheet=sheet, criterion=leaf_area1, points=D(25), by=setup["appraiser_province"])


def test_bonus_beyond_the_cap_is_refused(setup):
    appraiser = setup["appraiser_province"]
    sheet = actions.start_appraisal(assessment=setup["a1"], by=appraiser)
    actions.add_adjustment(sheet=sheet, kind="bonus", points=D("1.5"), reason="Sáng kiến", by=appraiser)
    with pytest.raises(ValidationError, match="giới hạn"):
        actions.add_adjustment(sheet=sheet, kind="bonus", points=D(1), reason="Thêm", by=appraiser)
    with pytest.raises(ValidationError, match="lý do"):
        actions.add_adjustment(sheet=sheet, kind="penalty", points=D(1), reason="", by=appraiser)


def test_appraisal_started_blocks_withdrawal(setup):
    from parindex.appraisals.models import appraisal_started

    assert not appraisal_started(setup["a1"])
    actions.start_appraisal(assessment=setup["a1"], by=setup["appraiser_province"])
    assert appraisal_started(setup["a1"])
    assert AppraisalSheet.objects.count() == 1


def test_appraisal_needs_the_appraisal_phase_and_then_blocks_withdrawal(setup):
    from parindex.assessments.actions import withdraw_assessment

    rnd = setup["round"]
    rnd.status = "open"
    rnd.save()
    with pytest.raises(ValidationError, match="giai đoạn thẩm định"):
        actions.start_appraisal(assessment=setup["a1"], by=setup["appraiser_province"])
    with pytest.raises(PermissionDenied):
        actions.open_appraisal(round=rnd, by=setup["appraiser_province"])
    actions.open_appraisal(round=rnd, by=setup["province_manager"])
    actions.start_appraisal(assessment=setup["a1"], by=setup["appraiser_province"])
    with pytest.raises(ValidationError):
        withdraw_assessment(assessment=setup["a1"], by=setup["head_a1"])


def test_appraiser_of_a_lead_department_cannot_appraise_the_leaves_it_scored(setup, tree):
    from parindex.assessments.models import Assignment

    fw = setup["fw"]
    area1 = fw.areas().first()
    # the province's Sở Nội vụ scored area 1 of A1's sheet as lead department; one of its staff is also an appraiser
    Assignment.objects.create(assessment=setup["a1"], criterion=area1, lead_unit=tree["P-SNV"])
    staff = make_user("snv.thamdinh", "Cán bộ SNV", [(tree["P"], "appraiser"), (tree["P-SNV"], "unit_officer")])
    sheet = actions.start_appraisal(assessment=setup["a1"], by=staff)
    leaf_area1 = leaves(fw)[0]
    leaf_area2 = [c for c in leaves(fw) if c.area_id != area1.pk][0]
    with pytest.raises(PermissionDenied):
        actions.appraise_leaf(sheet=sheet, criterion=leaf_area1, points=D(25), by=staff)
    actions.appraise_leaf(sheet=sheet, criterion=leaf_area2, points=D(25), by=staff)
