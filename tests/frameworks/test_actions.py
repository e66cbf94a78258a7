"""Versions and edits: locking, copying with code mappings, edits refused once locked."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied

from parindex.core.models import AuditEntry
from parindex.core.spreadsheets import SpreadsheetError
from parindex.frameworks.actions import (
    FrameworkLocked,
    copy_framework,
    import_framework,
    lock_framework,
    set_criterion_mapping,
    update_criterion,
    update_framework,
)
from parindex.frameworks.models import Criterion, CriterionMapping, Framework

from .conftest import small_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def framework(tree):
    return import_framework(small_data(), owner_unit=tree["P"], by=None)


def test_lock_is_recorded_once_and_blocks_score_changes(framework, province_manager):
    lock_framework(framework, by=province_manager, reason="Đợt đánh giá 2024")
    lock_framework(framework, by=province_manager, reason="again")
    framework.refresh_from_db()
    assert framework.is_locked and framework.locked_reason == "Đợt đánh giá 2024"
    assert AuditEntry.objects.filter(action="framework.lock").count() == 1
    leaf = framework.criteria.get(code="2.1")
    with pytest.raises(FrameworkLocked, match="đã bị khóa.*sao chép thành phiên bản mới"):
        update_criterion(leaf, by=province_manager, max_points=D(3))
    with pytest.raises(FrameworkLocked):
        update_criterion(leaf, by=province_manager, method="binary", params={})
    with pytest.raises(FrameworkLocked):
        update_framework(framework, by=province_manager, max_total=D(20))
    leaf.refresh_from_db()
    assert leaf.max_points == 2 and leaf.method == "manual"


def test_texts_can_be_corrected_after_locking(framework, province_manager):
    lock_framework(framework, by=None, reason="x")
    leaf = framework.criteria.get(code="2.1")
    update_criterion(leaf, by=province_manager, title="Tự chấm (đã sửa)", rule_text="Mới", max_points=D(2))
    leaf.refresh_from_db()
    assert leaf.title == "Tự chấm (đã sửa)" and leaf.rule_text == "Mới"
    update_framework(framework, by=province_manager, name="Tên mới")
    assert Framework.objects.get(pk=framework.pk).name == "Tên mới"


def test_unlocked_edits_must_keep_the_sums(framework, province_manager):
    leaf = framework.criteria.get(code="1.3")
    with pytest.raises(SpreadsheetError) as info:
        update_criterion(leaf, by=province_manager, max_points=D(2))
    assert "cộng lại được 7" in str(info.value)
    update_criterion(
        leaf,
        by=province_manager,
        method="levels",
        params={"levels": [{"label": "Có", "percent": 100}, {"label": "Không", "points": 0}]},
    )
    leaf.refresh_from_db()
    assert leaf.method == "levels" and leaf.params["levels"][0]["key"] == "co"


def test_only_managers_of_the_owner_unit_or_above_may_edit(framework, district_manager_a, officer_a1, tree):
    leaf = framework.criteria.get(code="2.1")
    for user in (district_manager_a, officer_a1):
        with pytest.raises(PermissionDenied):
            update_criterion(leaf, by=user, title="x")
    district_framework = import_framework(small_data(), owner_unit=tree["DA"], by=district_manager_a)
    assert district_framework.can_edit(district_manager_a)
    with pytest.raises(PermissionDenied):
        import_framework(small_data(), owner_unit=tree["P"], by=district_manager_a)


def test_copy_creates_a_new_version_with_mappings_by_code(framework, province_manager):
    lock_framework(framework, by=None, reason="x")
    copy = copy_framework(
        framework, by=province_manager, name="Bộ tiêu chí 2026", valid_from_year=2026, valid_to_year=2030
    )
    assert copy.previous == framework and not copy.is_locked
    assert (copy.valid_from_year, copy.valid_to_year) == (2026, 2030)
    assert copy.criteria.count() == framework.criteria.count()
    assert [b.label for b in copy.bands.order_by("order")] == ["Tốt", "Khá", "Yếu"]
    mapping = {
        m.to_criterion.code: m.from_criterion.code
        for m in CriterionMapping.objects.filter(to_criterion__framework=copy)
    }
    assert mapping == {c.code: c.code for c in framework.criteria.all()}
    assert all(m.from_criterion.framework_id == framework.pk for m in CriterionMapping.objects.all())
    # The copy can be changed; the original cannot.
    update_criterion(
        copy.criteria.get(code="2.1"), by=province_manager, method="manual", params={"step": "0.5"}
    )
    assert Criterion.objects.get(framework=framework, code="2.1").params == {"step": "0.25"}


def test_mapping_can_be_edited_for_renumbered_criteria(framework, province_manager):
    copy = copy_framework(framework, by=province_manager, name="Mới")
    target = copy.criteria.get(code="2.2")
    set_criterion_mapping(target, by=province_manager, from_codes=["2.1", "2.2"])
    assert sorted(target.mappings_in.values_list("from_criterion__code", flat=True)) == ["2.1", "2.2"]
    with pytest.raises(SpreadsheetError, match="Phiên bản trước không có tiêu chí 9.9"):
        set_criterion_mapping(target, by=province_manager, from_codes=["9.9"])
    with pytest.raises(SpreadsheetError, match="không có phiên bản trước"):
        set_criterion_mapping(framework.criteria.get(code="2.2"), by=province_manager, from_codes=["2.2"])


def test_applies_to_checks_unit_kind_and_year(framework, tree):
    assert framework.applies_to(tree["A1"])
    assert not framework.applies_to(tree["DA"])
    assert framework.applies_to(tree["A1"], 2025) and not framework.applies_to(tree["A1"], 2026)
