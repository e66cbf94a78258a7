"""The plan feeds the score sheet: completion counts, the plan-fed ratio leaf, freezing, evidence links."""

from decimal import Decimal

import pytest

from parindex.assessments.models import Assessment, EvidenceLink
from parindex.plans import actions, integration, selectors
from parindex.plans.models import Plan, PlanTask
from tests.plans.conftest import D, add_task, crit, pdf_upload, score_of

pytestmark = pytest.mark.django_db


def test_completion_counts_are_done_and_planned_minus_cancelled(tasks_a1, tree):
    assert selectors.completion_counts(tree["A1"], 2023) == (2, 4)


def test_completion_counts_of_a_draft_or_missing_plan_are_zero(plan_a1, tasks_a1, tree):
    assert selectors.completion_counts(tree["A2"], 2023) == (0, 0)
    plan_a1.status = Plan.Status.DRAFT
    plan_a1.save()
    assert selectors.completion_counts(tree["A1"], 2023) == (0, 0)


def test_prefill_writes_numerator_and_denominator_and_points_into_the_ratio_leaf(sheet_a1, tasks_a1, officer_a1):
    # The round opened before the plan had tasks (opening feeds the leaf at once, see below).
    changed = integration.prefill_plan_leaves(sheet_a1, by=officer_a1)
    score = score_of(sheet_a1, "1.2")
    assert [s.pk for s in changed] == [score.pk]
    assert score.inputs["numerator"] == "2" and score.inputs["denominator"] == "4"
    assert score.inputs["feed"] == "plan_completion"
    assert score.self_points == Decimal("2.5000")  # 5 × 2/4
    assert score.version == 2


def test_prefill_leaves_other_leaves_alone_and_is_idempotent(tasks_a1, sheet_a1, officer_a1):
    integration.prefill_plan_leaves(sheet_a1, by=officer_a1)
    assert integration.prefill_plan_leaves(sheet_a1, by=officer_a1) == []
    assert score_of(sheet_a1, "1.1").inputs == {}


def test_empty_plan_leaves_the_ratio_leaf_untouched(plan_a1, sheet_a1, officer_a1):
    add_task(plan_a1, 1, status=PlanTask.Status.CANCELLED, reason="Rút")
    assert integration.prefill_plan_leaves(sheet_a1, by=officer_a1) == []
    score = score_of(sheet_a1, "1.2")
    assert score.inputs == {} and score.self_points is None


def test_marking_a_task_done_updates_the_open_sheet(tasks_a1, sheet_a1, officer_a1):
    integration.prefill_plan_leaves(sheet_a1, by=officer_a1)
    actions.mark_task_done(tasks_a1[2], by=officer_a1, completion_date=D(2023, 9, 1))
    score = score_of(sheet_a1, "1.2")
    assert (score.inputs["numerator"], score.inputs["denominator"]) == ("3", "4")
    assert score.self_points == Decimal("3.7500")


def test_cancelling_a_task_updates_the_denominator_on_the_sheet(tasks_a1, sheet_a1, officer_a1):
    actions.cancel_task(tasks_a1[3], by=officer_a1, reason="Không còn phù hợp")
    score = score_of(sheet_a1, "1.2")
    assert (score.inputs["numerator"], score.inputs["denominator"]) == ("2", "3")


def test_numbers_are_frozen_once_the_sheet_is_submitted(tasks_a1, sheet_a1, officer_a1):
    integration.prefill_plan_leaves(sheet_a1, by=officer_a1)
    Assessment.objects.filter(pk=sheet_a1.pk).update(status=Assessment.Status.SUBMITTED)
    sheet_a1.refresh_from_db()
    actions.mark_task_done(tasks_a1[2], by=officer_a1, completion_date=D(2023, 9, 1))
    assert integration.prefill_plan_leaves(sheet_a1, by=officer_a1) == []
    score = score_of(sheet_a1, "1.2")
    assert (score.inputs["numerator"], score.inputs["denominator"]) == ("2", "4")
    assert score.self_points == Decimal("2.5000")


def test_a_leaf_marked_not_applicable_is_not_prefilled(sheet_a1, tasks_a1, officer_a1):
    score = score_of(sheet_a1, "1.2")
    score.not_applicable = True
    score.save()
    assert integration.prefill_plan_leaves(sheet_a1, by=officer_a1) == []


def test_mark_done_with_upload_stores_evidence_through_the_assessment_service(tasks_a1, officer_a1):
    task = tasks_a1[2]
    actions.mark_task_done(task, by=officer_a1, completion_date=D(2023, 9, 1),
                           uploads=[(pdf_upload(), "QĐ công nhận sáng kiến")])
    evidence = task.evidence.get()
    assert evidence.unit_id == task.plan.unit_id and evidence.year == 2023
    assert evidence.generated_name.endswith(".pdf")
    assert "sang kien" in evidence.generated_name.lower()


def test_attach_links_task_evidence_to_linked_leaves_in_one_step(tasks_a1, sheet_a1, officer_a1):
    task = tasks_a1[2]  # linked to 2.2
    actions.mark_task_done(task, by=officer_a1, completion_date=D(2023, 9, 1),
                           uploads=[(pdf_upload(), "QĐ công nhận sáng kiến")])
    assert actions.attach_evidence_to_leaves(task, by=officer_a1) == 1
    link = EvidenceLink.objects.get()
    assert link.score == score_of(sheet_a1, "2.2")
    assert actions.attach_evidence_to_leaves(task, by=officer_a1) == 0  # idempotent


def test_attach_without_an_open_sheet_says_so_in_vietnamese(tasks_a1, officer_a1, framework):
    task = tasks_a1[2]
    actions.mark_task_done(task, by=officer_a1, completion_date=D(2023, 9, 1),
                           uploads=[(pdf_upload(), "Báo cáo")])
    with pytest.raises(Exception) as exc:
        actions.attach_evidence_to_leaves(task, by=officer_a1)
    assert "Đơn vị chưa có bảng tự chấm điểm đang mở của năm 2023." in str(exc.value)


def test_attach_by_an_outsider_is_refused(tasks_a1, sheet_a1, officer_a1, officer_a2):
    from django.core.exceptions import PermissionDenied

    task = tasks_a1[0]
    actions.mark_task_done(task, by=officer_a1, completion_date=D(2023, 6, 1), uploads=[(pdf_upload(), "KH")])
    with pytest.raises(PermissionDenied):
        actions.attach_evidence_to_leaves(task, by=officer_a2)


def test_other_units_evidence_cannot_be_attached_to_a_task(tasks_a1, officer_a1, tree):
    from django.core.exceptions import ValidationError

    from parindex.assessments.models import Evidence

    foreign = Evidence.objects.create(unit=tree["A2"], year=2023, short_name="Của xã khác")
    with pytest.raises(ValidationError):
        actions.mark_task_done(tasks_a1[2], by=officer_a1, completion_date=D(2023, 9, 1), evidence=[foreign])


def test_area_grouping_and_per_area_rates(tasks_a1, plan_a1, framework):
    groups = selectors.group_by_area(list(selectors.plan_tasks(plan_a1)), D(2024, 1, 1))
    assert [g.label for g in groups] == [
        "1. Công tác chỉ đạo, điều hành CCHC", "2. Cải cách thủ tục hành chính", "Nhiệm vụ khác",
    ]
    assert [g.counts.rate for g in groups] == [Decimal(100), Decimal(0), None]
    assert groups[0].counts.on_time_rate == Decimal(50)


def test_rollup_over_units_sums_counts(tasks_a1, district_manager_a, tree, framework):
    a2 = Plan.objects.create(unit=tree["A2"], year=2023, status=Plan.Status.APPROVED, framework=framework)
    for i in range(1, 5):
        add_task(a2, i, status=PlanTask.Status.DONE, done_on=D(2023, 5, 1))
    rows = selectors.rollup_rows(district_manager_a, 2023, root=tree["DA"])
    by_code = {r.unit.code: r.counts for r in rows}
    assert by_code["A1"].rate == Decimal(50) and by_code["A2"].rate == Decimal(100)
    from parindex.plans.completion import total

    assert total(by_code.values()).rate == Decimal("75.0000")  # 6/8, not the mean of 50 and 100 (also 75 here)
    assert by_code["DA-NV"].rate is None


def test_ratio_leaf_points_follow_the_framework_method(plan_a1, sheet_a1, officer_a1, framework):
    leaf = crit(framework, "1.2")
    leaf.params = {"mode": "bands", "bands": [{"min_percent": "100", "percent": "100"},
                                              {"min_percent": "80", "percent": "50"}], "feed": "plan_completion"}
    leaf.save()
    for i in range(1, 6):
        add_task(plan_a1, i, status=PlanTask.Status.DONE if i < 5 else PlanTask.Status.NOT_STARTED,
                 done_on=D(2023, 5, 1) if i < 5 else None)
    integration.prefill_plan_leaves(sheet_a1, by=officer_a1)
    assert score_of(sheet_a1, "1.2").self_points == Decimal("2.5000")  # 80 % → half of 5


def test_a_sheet_past_its_deadline_is_neither_prefilled_nor_given_links(tasks_a1, sheet_a1, officer_a1):
    import datetime as dt

    from django.utils import timezone

    Assessment.objects.filter(pk=sheet_a1.pk).update(deadline_override=timezone.now() - dt.timedelta(hours=1))
    sheet_a1.refresh_from_db()
    assert integration.prefill_plan_leaves(sheet_a1, by=officer_a1) == []
    assert list(integration.open_assessments(sheet_a1.unit, 2023)) == []


def test_adding_a_task_or_importing_tasks_updates_the_denominator_on_the_sheet(tasks_a1, sheet_a1, officer_a1, plan_a1):
    from parindex.plans.spreadsheets import import_tasks
    from tests.core.xlsx_helpers import make_xlsx

    actions.add_task(plan_a1, by=officer_a1, content="Nhiệm vụ bổ sung")
    assert score_of(sheet_a1, "1.2").inputs["denominator"] == "5"
    import_tasks(plan_a1, source=make_xlsx(["Nội dung nhiệm vụ"], [["Việc A"], ["Việc B"]]), by=officer_a1)
    assert score_of(sheet_a1, "1.2").inputs["denominator"] == "7"


def test_approving_a_draft_plan_starts_feeding_the_sheet(sheet_a1, plan_a1, tasks_a1, head_a1):
    # The round opened before the plan existed; the plan then went back to draft.
    Plan.objects.filter(pk=plan_a1.pk).update(status=Plan.Status.DRAFT)
    plan_a1.refresh_from_db()
    assert score_of(sheet_a1, "1.2").inputs == {}
    actions.update_plan(plan_a1, by=head_a1, status=Plan.Status.APPROVED)
    assert score_of(sheet_a1, "1.2").inputs["numerator"] == "2"


def test_opening_a_round_feeds_the_plan_leaf_at_once(tasks_a1, sheet_a1):
    score = score_of(sheet_a1, "1.2")
    assert (score.inputs["numerator"], score.inputs["denominator"]) == ("2", "4")
    assert score.self_points == Decimal("2.5000")
