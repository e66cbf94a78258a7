"""Generating Phụ lục I and II from a published result: every leaf lands in exactly one appendix."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import given
from hypothesis import strategies as st

from parindex.core.models import AuditEntry
from parindex.remediation import actions, logic
from parindex.remediation.models import MaintenanceItem, RemediationItem
from tests.remediation.conftest import REASON

pytestmark = pytest.mark.django_db


def test_every_leaf_lands_in_exactly_one_appendix_and_survey_leaves_in_neither(published, plan):
    leaves = list(published["results"]["A1"].leaves.all())
    maintain = set(MaintenanceItem.objects.filter(plan=plan).values_list("code", flat=True))
    remediate = set(RemediationItem.objects.filter(plan=plan).values_list("code", flat=True))
    assert not maintain & remediate
    survey = {leaf.code for leaf in leaves if leaf.is_survey}
    assert survey == {"1.9"}
    assert not survey & (maintain | remediate)
    assert maintain | remediate == {leaf.code for leaf in leaves} - survey
    assert maintain == {"1.1"}
    assert remediate == {"1.2", "2.1", "2.2"}


def test_phu_luc_ii_says_who_lost_the_points_and_why(plan):
    items = {i.code: i for i in plan.remediation_items.all()}
    assert items["1.2"].lost_by_appraisal == D(5) and items["1.2"].lost_by_self is None
    assert items["1.2"].shortcoming == REASON
    assert items["2.1"].lost_by_self == D(5) and items["2.1"].lost_by_appraisal is None
    assert items["2.2"].lost_points == D(10)
    assert [i.number for i in plan.remediation_items.order_by("number")] == [1, 2, 3]
    assert plan.year == 2025 and plan.assessed_year == 2024 and plan.status == "draft"
    assert AuditEntry.objects.filter(action="remediation.generate_plan").count() == 1


def test_a_unit_at_maximum_everywhere_has_an_empty_phu_luc_ii(published):
    plan = actions.generate_plan(result=published["results"]["A2"], by=published["officer_a2"])
    assert plan.remediation_items.count() == 0
    assert plan.maintenance_items.count() == 4


def test_generating_twice_is_refused_in_vietnamese(published, plan):
    with pytest.raises(ValidationError) as exc:
        actions.generate_plan(result=published["results"]["A1"], by=published["officer_a1"])
    assert "đã có kế hoạch khắc phục" in str(exc.value)


def test_another_units_officer_cannot_generate(published):
    with pytest.raises(PermissionDenied):
        actions.generate_plan(result=published["results"]["A1"], by=published["officer_a2"])


def test_unpublished_results_are_refused(published):
    from parindex.results.models import Publication

    Publication.objects.filter(pk=published["pub"].pk).update(status="approved")
    result = published["results"]["A1"]
    result.publication.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        actions.generate_plan(result=result, by=published["officer_a1"])
    assert "kết quả đã công bố" in str(exc.value)


def test_the_framework_setting_decides_the_excluded_sources(published):
    fw = published["fw"]
    fw.excluded_sources_for_remediation = []
    fw.save()
    plan = actions.generate_plan(result=published["results"]["A1"], by=published["officer_a1"])
    codes = set(plan.remediation_items.values_list("code", flat=True))
    assert "1.9" in codes  # survey 80 % is below maximum and no longer excluded


@given(
    max_points=st.decimals(min_value=0, max_value=100, places=2),
    final=st.one_of(st.none(), st.decimals(min_value=0, max_value=100, places=2)),
    na=st.booleans(), source=st.sampled_from(["self", "survey"]),
)
def test_appendix_rule_puts_a_leaf_in_at_most_one_place(max_points, final, na, source):
    where = logic.appendix_for(max_points=max_points, final_points=final, not_applicable=na, source=source,
                               excluded_sources=["survey"])
    if source == "survey" or na:
        assert where is None
    else:
        assert where == (logic.MAINTAIN if (final or 0) >= max_points else logic.REMEDIATE)
