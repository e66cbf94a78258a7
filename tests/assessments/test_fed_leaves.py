"""Leaves fed by the plan (issue 17, defect 1): live from the moment a round opens, frozen at
submission, and the total the head confirms is the total submission stores."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from parindex.assessments import actions
from parindex.assessments.models import Assessment
from parindex.core.text import format_decimal
from parindex.plans.models import Plan, PlanTask
from tests.plans.conftest import D, add_task, make_framework, score_of

pytestmark = pytest.mark.django_db


def open_round(framework, manager, tree, *, name, previous=None):
    return actions.open_round(
        by=manager,
        framework=framework,
        owner_unit=tree["DA"],
        name=name,
        year=2023,
        self_deadline=timezone.now() + dt.timedelta(days=7),
        units=[tree["A1"]],
        previous=previous,
    )


def save(sheet, code, by, **inputs):
    score = score_of(sheet, code)
    return actions.save_score(
        score=score,
        by=by,
        expected_version=score.version,
        raw_inputs=inputs,
        missing_evidence_explanation="Tài liệu nộp bản giấy",
    )


def issue_plan(unit, framework, *, done: int, total: int) -> Plan:
    """An issued plan of 2023 with ``total`` tasks of which ``done`` are done (no hook runs: ORM only)."""
    plan = Plan.objects.create(
        unit=unit,
        year=2023,
        number="19/KH-UBND",
        document_date=D(2023, 1, 18),
        framework=framework,
        status=Plan.Status.APPROVED,
        title="Kế hoạch cải cách hành chính năm 2023",
    )
    for order in range(1, total + 1):
        if order <= done:
            add_task(plan, order, status=PlanTask.Status.DONE, due=D(2023, 12, 1), done_on=D(2023, 6, 1))
        else:
            add_task(plan, order, due=D(2023, 12, 1))
    return plan


@pytest.fixture
def framework(tree):
    return make_framework(tree["P"])


@pytest.fixture
def round_two(framework, tree, district_manager_a, officer_a1, head_a1):
    """Round 1: no issued plan yet, the officer typed 17/20 on the plan leaf and the head submitted.
    Then the plan was issued (2 of 4 tasks done) and round 2 opened from round 1."""
    round_one = open_round(framework, district_manager_a, tree, name="Tự chấm điểm lần 1")
    sheet_one = round_one.assessments.get()
    save(sheet_one, "1.1", officer_a1, value="1")
    save(sheet_one, "1.2", officer_a1, numerator="17", denominator="20")
    save(sheet_one, "2.1", officer_a1, value="1,5")
    actions.submit_assessment(assessment=sheet_one, by=head_a1)
    issue_plan(tree["A1"], framework, done=2, total=4)
    return open_round(framework, district_manager_a, tree, name="Tự chấm điểm lần 2", previous=round_one)


def confirmation_total(client, sheet) -> str:
    html = client.get(reverse("assessments:submit", args=[sheet.pk])).content.decode()
    return re.search(r'data-testid="confirm-total">([^<]+)<', html).group(1)


def stored_total(sheet) -> Decimal:
    return sheet.scores.aggregate(total=Sum("self_points"))["total"]


def test_the_confirmation_total_is_the_total_submission_stores(client, round_two, head_a1):
    sheet = round_two.assessments.get()
    client.force_login(head_a1)
    confirmed = confirmation_total(client, sheet)
    response = client.post(reverse("assessments:submit", args=[sheet.pk]))
    assert response.status_code == 302
    sheet.refresh_from_db()
    assert sheet.status == Assessment.Status.SUBMITTED
    # 1.1 = 2, 1.2 = 5 × 2/4 = 2,5 (the plan, not the 17/20 copied from round 1), 2.1 = 1,5.
    assert stored_total(sheet) == Decimal("6")
    assert confirmed == format_decimal(stored_total(sheet)) == "6"
    leaf = score_of(sheet, "1.2")
    assert (leaf.inputs["numerator"], leaf.inputs["denominator"]) == ("2", "4")


def test_values_copied_from_round_one_do_not_mask_the_live_plan_value(client, round_two, officer_a1):
    sheet = round_two.assessments.get()
    client.force_login(officer_a1)
    html = client.get(reverse("assessments:sheet", args=[sheet.pk])).content.decode()
    leaf_html = html[html.index('data-testid="leaf-1.2"') :]
    leaf_html = leaf_html[: leaf_html.index('data-testid="leaf-2.1"')]
    assert "Tự động từ Kế hoạch CCHC" in leaf_html
    plan = Plan.objects.get(unit=sheet.unit, year=2023)
    assert f'href="{reverse("plans:detail", args=[plan.pk])}"' in leaf_html
    assert (
        "17" not in re.sub(r"<[^>]+>", " ", leaf_html).split("Cách tính điểm")[0].split("Kế hoạch CCHC")[-1]
    )
    assert re.search(r'data-testid="points">\s*2,5\s*<', leaf_html)


def test_a_plan_change_without_any_hook_shows_on_the_sheet_and_the_confirmation_at_once(
    client, round_two, head_a1, officer_a1
):
    sheet = round_two.assessments.get()
    # A task marked done behind the app's back (no refresh hook ran): the sheet still reads the plan.
    PlanTask.objects.filter(plan__unit=sheet.unit, status=PlanTask.Status.NOT_STARTED).update(
        status=PlanTask.Status.DONE, completion_date=D(2023, 7, 1)
    )
    client.force_login(officer_a1)
    html = client.get(reverse("assessments:sheet", args=[sheet.pk])).content.decode()
    leaf_html = html[html.index('data-testid="leaf-1.2"') :]
    assert re.search(r'data-testid="points">\s*5\s*<', leaf_html[: leaf_html.index('data-testid="leaf-2.1"')])
    client.force_login(head_a1)
    assert confirmation_total(client, sheet) == "8,5"
    client.post(reverse("assessments:submit", args=[sheet.pk]))
    assert format_decimal(stored_total(sheet)) == "8,5"


def test_a_plan_fed_leaf_cannot_be_typed_over_while_the_plan_feeds_it(client, round_two, officer_a1):
    sheet = round_two.assessments.get()
    leaf = score_of(sheet, "1.2")
    client.force_login(officer_a1)
    response = client.post(
        reverse("assessments:save_score", args=[sheet.pk, leaf.pk]),
        {"version": leaf.version, "in_numerator": "4", "in_denominator": "4"},
        HTTP_HX_REQUEST="true",
    )
    assert "Tiêu chí này lấy số liệu tự động từ Kế hoạch CCHC" in response.content.decode()
    leaf.refresh_from_db()
    assert (leaf.inputs["numerator"], leaf.inputs["denominator"]) == ("2", "4")
    # A note alone is saved, and the plan's numbers stay.
    client.post(
        reverse("assessments:save_score", args=[sheet.pk, leaf.pk]),
        {"version": leaf.version, "note": "Theo báo cáo kết quả thực hiện kế hoạch"},
        HTTP_HX_REQUEST="true",
    )
    leaf.refresh_from_db()
    assert leaf.note == "Theo báo cáo kết quả thực hiện kế hoạch"
    assert (leaf.inputs["numerator"], leaf.inputs["denominator"]) == ("2", "4")
    assert leaf.self_points == Decimal("2.5")


def test_submission_freezes_the_plan_value(client, round_two, head_a1, officer_a1):
    sheet = round_two.assessments.get()
    actions.submit_assessment(assessment=sheet, by=head_a1)
    PlanTask.objects.filter(plan__unit=sheet.unit).update(
        status=PlanTask.Status.DONE, completion_date=D(2023, 7, 1)
    )
    client.force_login(officer_a1)
    html = client.get(reverse("assessments:sheet", args=[sheet.pk])).content.decode()
    leaf_html = html[html.index('data-testid="leaf-1.2"') :]
    assert re.search(
        r'data-testid="points">\s*2,5\s*<', leaf_html[: leaf_html.index('data-testid="leaf-2.1"')]
    )
    assert score_of(sheet, "1.2").self_points == Decimal("2.5")


def test_a_reopened_sheet_follows_the_plan_again(round_two, head_a1, district_manager_a):
    sheet = round_two.assessments.get()
    actions.submit_assessment(assessment=sheet, by=head_a1)
    PlanTask.objects.filter(plan__unit=sheet.unit).update(
        status=PlanTask.Status.DONE, completion_date=D(2023, 7, 1)
    )
    assert score_of(sheet, "1.2").self_points == Decimal("2.5")  # frozen while submitted
    actions.reopen_assessment(
        assessment=sheet,
        by=district_manager_a,
        reason="Bổ sung số liệu kế hoạch",
        until=timezone.now() + dt.timedelta(days=3),
    )
    leaf = score_of(sheet, "1.2")
    assert (leaf.inputs["numerator"], leaf.inputs["denominator"]) == ("4", "4")
    assert leaf.self_points == Decimal("5")


def test_the_api_reads_the_live_plan_value_and_refuses_other_numbers(round_two, officer_a1):
    from parindex.api.actions import create_token
    from tests.api.conftest import Api

    sheet = round_two.assessments.get()
    api = Api(create_token(user=officer_a1, name="test")[1])
    leaf = next(item for item in api.get(f"sheets/{sheet.pk}").json()["leaves"] if item["code"] == "1.2")
    assert (leaf["inputs"]["numerator"], leaf["inputs"]["denominator"]) == ("2", "4")
    assert Decimal(leaf["self_points"]) == Decimal("2.5")
    refused = api.put_json(
        f"sheets/{sheet.pk}/scores/{leaf['score_id']}",
        {"version": leaf["version"], "inputs": {"numerator": "4", "denominator": "4"}},
    )
    assert refused.status_code == 422
    assert "lấy số liệu tự động từ Kế hoạch CCHC (2/4)" in refused.json()["detail"]
