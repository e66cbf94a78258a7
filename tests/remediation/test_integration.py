"""Link to next year: last year's lost points and items per leaf, the remediation-fed ratio leaf,
targets vs achieved, and the requests app's deliverables."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.utils import timezone

from parindex.frameworks.models import Criterion, CriterionMapping
from parindex.remediation import actions, integration
from parindex.remediation.selectors import last_year_for_leaves, target_rows
from tests.appraisals.helpers import make_round
from tests.remediation.conftest import approved, pdf_upload

pytestmark = pytest.mark.django_db


def test_last_year_shows_lost_points_item_status_and_evidence(published, plan):
    approved(plan, published)
    item = plan.remediation_items.get(code="1.2")
    actions.record_result(item, by=published["officer_a1"], result_text="Đã khắc phục",
                          uploads=[(pdf_upload(), "bao cao quy")])
    found = last_year_for_leaves(published["A1"], published["fw"], 2025)
    assert set(found) == {"1.2", "2.1", "2.2", "1.9"}
    assert found["1.2"]["lost_points"] == D(5) and found["1.2"]["status"] == "done"
    assert [e.generated_name for e in found["1.2"]["evidence"]] == [
        "Xa Yen Thuong-KQ khac phuc tieu chi 1.2-bao cao quy.pdf"]
    assert found["1.9"]["item"] is None  # survey: lost points shown, no remediation item
    assert "1.1" not in found


def test_last_year_follows_criterion_mappings_to_a_new_framework_version(published, plan):
    from tests.appraisals.helpers import make_framework

    new = make_framework(published["P"], name="Bộ chỉ số 2025")
    old = Criterion.objects.get(framework=published["fw"], code="2.1")
    renumbered = Criterion.objects.get(framework=new, code="2.1")
    Criterion.objects.filter(pk=renumbered.pk).update(code="2.5")
    CriterionMapping.objects.create(from_criterion=old, to_criterion=renumbered)
    found = last_year_for_leaves(published["A1"], new, 2025)
    assert "2.5" in found and "2.1" not in found
    assert found["2.5"]["item"].code == "2.1"
    assert found["1.2"]["item"].code == "1.2"  # unmapped: the same code in the new version


def test_last_year_uses_a_fixed_number_of_queries(published, plan, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        last_year_for_leaves(published["A1"], published["fw"], 2025)


@pytest.fixture
def fed_sheet(published):
    leaf = Criterion.objects.get(framework=published["fw"], code="2.2")
    Criterion.objects.filter(pk=leaf.pk).update(method="ratio", params={"feed": "remediation"})
    rnd = make_round(published["fw"], published["DA"], [published["A1"]], year=2025, submitted=False)
    rnd.status = "open"
    rnd.self_deadline = timezone.now() + dt.timedelta(days=5)
    rnd.save()
    return rnd.assessments.get(unit=published["A1"])


def test_ratio_leaf_is_scored_from_items_done_over_total(published, plan, fed_sheet):
    approved(plan, published)
    items = list(plan.remediation_items.order_by("number"))
    actions.record_result(items[0], by=published["officer_a1"], result_text="Xong")
    # record_result refreshes open sheets on commit; call the hook directly as the sheet would.
    integration.prefill_remediation_leaves(fed_sheet, by=published["officer_a1"])
    score = fed_sheet.scores.get(criterion__code="2.2")
    assert score.inputs == {"numerator": "1", "denominator": "3", "feed": "remediation"}
    assert score.self_points == (D(25) / 3).quantize(D("0.0001"))


def test_ratio_leaf_is_left_alone_without_items_or_after_submission(published, fed_sheet):
    assert integration.prefill_remediation_leaves(fed_sheet, by=published["officer_a1"]) == []
    fed_sheet.status = "submitted"
    fed_sheet.save()
    assert integration.prefill_remediation_leaves(fed_sheet, by=published["officer_a1"]) == []


def test_targets_beside_the_published_result(published):
    from parindex.remediation.models import Target

    Target.objects.create(unit=published["A1"], year=2024, index_percent=D(80), rank=1, class_label="Tốt")
    rows = target_rows(published["A1"], published["officer_a1"])
    assert len(rows) == 1 and rows[0].published
    assert rows[0].achieved_index == published["results"]["A1"].index_percent
    assert rows[0].index_met is (published["results"]["A1"].index_percent >= 80)
    assert target_rows(published["A1"], published["officer_a2"]) == []


def test_deliverables_resolve_plans_and_results_reports(published, plan):
    from parindex.requests.deliverables import get_deliverable
    from parindex.requests.models import Request
    from parindex.requests.models import RequestRecipient as Recipient

    request = Request.objects.create(
        issuing_unit=published["DA"], number="88/UBND", issued_on=dt.date(2025, 3, 10), subject="Kế hoạch khắc phục",
        deliverable="remediation_plan", deadline=timezone.now() + dt.timedelta(days=9))
    recipient = Recipient.objects.create(request=request, unit=published["A1"])
    other = Recipient.objects.create(request=request, unit=published["A2"])
    deliverable = get_deliverable("remediation_plan")
    assert deliverable.available
    assert deliverable.resolve(recipient)[0] == "started"
    assert deliverable.resolve(other)[0] == "none"
    approved(plan, published)
    assert deliverable.resolve(recipient)[0] == "delivered"
    results = get_deliverable("remediation_results")
    request.deliverable = "remediation_results"
    assert results.resolve(recipient)[0] == "none"
    actions.report_results(plan, by=published["head_a1"])
    assert results.resolve(recipient)[0] == "delivered"
