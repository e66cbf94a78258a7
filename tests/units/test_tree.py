"""The unit tree: materialised paths, reparenting, cycles, lineage across merges."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from parindex.units.models import Unit, UnitChange

pytestmark = pytest.mark.django_db
K = Unit.Kind


def fresh(unit: Unit) -> Unit:
    return Unit.objects.get(pk=unit.pk)


def test_paths_and_depths_follow_the_tree(tree):
    assert fresh(tree["P"]).path == f"/{tree['P'].pk}/"
    assert fresh(tree["A1"]).path == f"/{tree['P'].pk}/{tree['DA'].pk}/{tree['A1'].pk}/"
    assert [fresh(tree[c]).depth for c in ("P", "DA", "A1")] == [0, 1, 2]
    assert set(Unit.objects.subtree_of(fresh(tree["DA"])).values_list("code", flat=True)) == {
        "DA",
        "DA-NV",
        "A1",
        "A2",
    }


def test_reparenting_moves_the_whole_subtree(tree):
    da = fresh(tree["DA"])
    da.parent = tree["DB"]
    da.save()
    a1 = fresh(tree["A1"])
    assert a1.path == f"/{tree['P'].pk}/{tree['DB'].pk}/{tree['DA'].pk}/{tree['A1'].pk}/"
    assert a1.depth == 3
    assert a1.ancestor_ids() == [tree["P"].pk, tree["DB"].pk, tree["DA"].pk]
    assert set(Unit.objects.subtree_of(fresh(tree["DB"])).values_list("code", flat=True)) == {
        "DB",
        "B1",
        "DA",
        "DA-NV",
        "A1",
        "A2",
    }


def test_moving_a_unit_to_the_top_level_updates_its_descendants(tree):
    da = fresh(tree["DA"])
    da.parent = None
    da.save()
    assert fresh(tree["A2"]).path == f"/{tree['DA'].pk}/{tree['A2'].pk}/"
    assert fresh(tree["A2"]).depth == 1


def test_a_unit_cannot_be_moved_under_its_own_descendant(tree):
    da = fresh(tree["DA"])
    da.parent = tree["A1"]
    with pytest.raises(ValidationError):
        da.full_clean()
    with pytest.raises(ValidationError):
        da.save()
    assert fresh(tree["DA"]).parent_id == tree["P"].pk


def test_end_date_before_start_date_is_refused(tree):
    unit = Unit(
        code="X", name="X", kind=K.COMMUNE, valid_from=dt.date(2025, 7, 1), valid_to=dt.date(2025, 6, 30)
    )
    with pytest.raises(ValidationError) as info:
        unit.full_clean()
    assert "Ngày kết thúc không được trước ngày bắt đầu." in str(info.value)


def test_search_ignores_diacritics_and_case(tree):
    assert list(Unit.objects.search("yen thuong").values_list("code", flat=True)) == ["A1"]
    assert list(Unit.objects.search("BẰNG LÃNG").values_list("code", flat=True)) == ["A2"]
    assert list(Unit.objects.search("b1").values_list("code", flat=True)) == ["B1"]


def test_lineage_reaches_the_old_communes_through_two_reorganisations(tree):
    merged = Unit.objects.create(
        code="M1", name="Xã Mới", kind=K.COMMUNE, parent=tree["P"], valid_from=dt.date(2025, 7, 1)
    )
    first = UnitChange.objects.create(kind=UnitChange.Kind.MERGE, effective_on=dt.date(2025, 7, 1))
    first.predecessors.set([tree["A1"], tree["A2"]])
    first.successors.set([merged])
    renamed = Unit.objects.create(
        code="M2", name="Xã Mới Đổi Tên", kind=K.COMMUNE, parent=tree["P"], valid_from=dt.date(2026, 1, 1)
    )
    second = UnitChange.objects.create(kind=UnitChange.Kind.RENAME, effective_on=dt.date(2026, 1, 1))
    second.predecessors.set([merged])
    second.successors.set([renamed])
    assert {u.code for u in renamed.lineage()} == {"M2", "M1", "A1", "A2"}
    assert {u.code for u in tree["A1"].lineage()} == {"A1"}


def test_active_on_uses_the_validity_dates(tree):
    old = tree["A2"]
    old.valid_to = dt.date(2025, 6, 30)
    old.save()
    assert "A2" in Unit.objects.active_on(dt.date(2025, 6, 30)).values_list("code", flat=True)
    assert "A2" not in Unit.objects.active_on(dt.date(2025, 7, 1)).values_list("code", flat=True)


def test_a_membership_ending_before_it_starts_is_refused(tree, officer_a1):
    from django.db import IntegrityError, transaction

    from parindex.units.models import Membership

    membership = Membership(
        user=officer_a1,
        unit=tree["A2"],
        role="viewer",
        valid_from=dt.date(2025, 7, 1),
        valid_to=dt.date(2025, 1, 1),
    )
    with pytest.raises(ValidationError) as info:
        membership.full_clean()
    assert "Ngày kết thúc không được trước ngày bắt đầu." in str(info.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        membership.save()


@pytest.mark.django_db
def test_paths_stay_consistent_under_any_sequence_of_moves():
    """Property: after any sequence of moves (cycles refused), every path is parent path + own id."""
    from django.db import transaction
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    class Rollback(Exception):
        pass

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        parents=st.lists(st.integers(min_value=-1, max_value=10), min_size=2, max_size=10),
        moves=st.lists(st.tuples(st.integers(0, 9), st.integers(-1, 9)), max_size=12),
    )
    def check(parents, moves):
        try:
            with transaction.atomic():
                units = []
                for index, parent_index in enumerate(parents):
                    parent = units[parent_index] if 0 <= parent_index < len(units) else None
                    units.append(
                        Unit.objects.create(
                            code=f"H{index}", name=f"Đơn vị {index}", kind=K.COMMUNE, parent=parent
                        )
                    )
                for child_index, parent_index in moves:
                    if child_index >= len(units):
                        continue
                    child = Unit.objects.get(pk=units[child_index].pk)
                    child.parent = units[parent_index] if 0 <= parent_index < len(units) else None
                    try:
                        with transaction.atomic():
                            child.save()
                    except ValidationError:
                        pass  # a cycle: refused, nothing changed
                by_pk = {u.pk: u for u in Unit.objects.filter(code__startswith="H")}
                for unit in by_pk.values():
                    parent_path = by_pk[unit.parent_id].path if unit.parent_id else "/"
                    assert unit.path == f"{parent_path}{unit.pk}/"
                    assert unit.depth == unit.path.count("/") - 2
                raise Rollback
        except Rollback:
            pass

    check()
