"""The one visibility rule (units/visibility.py), unit by unit and role by role."""

from __future__ import annotations

import datetime as dt

import pytest

from parindex.core.models import AuditEntry
from parindex.units.models import Membership, Unit, UnitChange
from parindex.units.visibility import get_visible_or_404, has_role, scope_for
from tests.conftest import make_user

Role = Membership.Role
pytestmark = pytest.mark.django_db


def codes(queryset) -> set[str]:
    return set(queryset.values_list("code", flat=True))


def data_codes(user) -> set[str]:
    return codes(Unit.objects.data_visible_to(user))


def test_officer_sees_only_own_unit(officer_a1):
    assert codes(Unit.objects.visible_to(officer_a1)) == {"A1"}
    assert data_codes(officer_a1) == {"A1"}


def test_unit_head_sees_only_own_unit(head_a1):
    assert codes(Unit.objects.visible_to(head_a1)) == {"A1"}


def test_district_manager_sees_the_district_subtree_and_nothing_else(district_manager_a):
    expected = {"DA", "DA-NV", "A1", "A2"}
    assert codes(Unit.objects.visible_to(district_manager_a)) == expected
    assert data_codes(district_manager_a) == expected


def test_province_appraiser_sees_every_unit_and_its_data(appraiser_province, tree):
    assert codes(Unit.objects.visible_to(appraiser_province)) == set(tree)
    assert data_codes(appraiser_province) == set(tree)


def test_viewer_sees_units_of_the_subtree_but_not_their_data(viewer_province, tree):
    assert codes(Unit.objects.visible_to(viewer_province)) == set(tree)
    assert data_codes(viewer_province) == {"P"}  # own unit only (read-only role)


def test_admin_sees_everything(admin_user, tree):
    assert scope_for(admin_user).is_admin
    assert codes(Unit.objects.visible_to(admin_user)) == set(tree)


def test_superuser_without_membership_is_admin(tree):
    boss = make_user("root", "Root")
    boss.is_superuser = True
    boss.save()
    assert codes(Unit.objects.visible_to(boss)) == set(tree)


def test_outsider_without_membership_sees_nothing(tree):
    nobody = make_user("khach", "Khách")
    assert not Unit.objects.visible_to(nobody).exists()
    assert not Unit.objects.data_visible_to(nobody).exists()


def test_anonymous_sees_nothing(tree):
    from django.contrib.auth.models import AnonymousUser

    assert not Unit.objects.visible_to(AnonymousUser()).exists()
    assert not AuditEntry.objects.visible_to(AnonymousUser()).exists()


def test_inactive_user_sees_nothing(officer_a1):
    officer_a1.is_active = False
    officer_a1.save()
    assert not Unit.objects.visible_to(officer_a1).exists()


@pytest.mark.parametrize(
    ("valid_from", "valid_to"),
    [(None, dt.date(2020, 1, 1)), (dt.date(2999, 1, 1), None)],
    ids=["ended", "not-yet-started"],
)
def test_memberships_outside_their_dates_are_ignored(tree, valid_from, valid_to):
    user = make_user("cu", "Cán bộ cũ")
    Membership.objects.create(
        user=user, unit=tree["DA"], role=Role.INDEX_MANAGER, valid_from=valid_from, valid_to=valid_to
    )
    assert not Unit.objects.visible_to(user).exists()


def test_scoped_queryset_filters_rows_by_their_unit(tree, officer_a1, district_manager_a):
    from django.db import transaction

    from parindex.core.audit import record

    with transaction.atomic():
        for code in ("A1", "A2", "B1"):
            record(actor=None, action="test", obj=tree[code])
    assert {e.unit.code for e in AuditEntry.objects.visible_to(officer_a1)} == {"A1"}
    assert {e.unit.code for e in AuditEntry.objects.visible_to(district_manager_a)} == {"A1", "A2"}


def test_another_units_object_is_404_not_403(tree, officer_a1):
    from django.http import Http404

    assert get_visible_or_404(Unit.objects, officer_a1, pk=tree["A1"].pk) == tree["A1"]
    with pytest.raises(Http404):
        get_visible_or_404(Unit.objects, officer_a1, pk=tree["A2"].pk)


def test_has_role_is_exact_unless_inherited(tree, district_manager_a, officer_a1, admin_user):
    assert has_role(district_manager_a, tree["DA"], Role.INDEX_MANAGER)
    assert not has_role(district_manager_a, tree["A1"], Role.INDEX_MANAGER)
    assert has_role(district_manager_a, tree["A1"], Role.INDEX_MANAGER, inherited=True)
    assert not has_role(district_manager_a, tree["B1"], Role.INDEX_MANAGER, inherited=True)
    assert not has_role(officer_a1, tree["A1"], Role.UNIT_HEAD)
    assert has_role(admin_user, tree["B1"], Role.UNIT_HEAD)


def test_members_of_a_merged_unit_see_its_predecessors_data(tree):
    merged = Unit.objects.create(
        code="M", name="Xã Mới", kind=Unit.Kind.COMMUNE, parent=tree["P"], valid_from=dt.date(2025, 7, 1)
    )
    change = UnitChange.objects.create(kind=UnitChange.Kind.MERGE, effective_on=dt.date(2025, 7, 1))
    change.predecessors.set([tree["A1"], tree["A2"]])
    change.successors.set([merged])
    officer = make_user("canbo.moi", "Cán bộ xã mới", [(merged, Role.UNIT_OFFICER)])
    assert data_codes(officer) == {"M", "A1", "A2"}
    assert codes(Unit.objects.visible_to(officer)) == {"M", "A1", "A2"}
    # ...but not the other way round: an officer of an old commune does not see the new one.
    old = make_user("canbo.cu", "Cán bộ xã cũ", [(tree["A1"], Role.UNIT_OFFICER)])
    assert data_codes(old) == {"A1"}
