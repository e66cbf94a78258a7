"""The demo province: realistic, deterministic and idempotent."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from parindex.units import demo
from parindex.units.models import Membership, Unit, UnitChange

pytestmark = pytest.mark.django_db
User = get_user_model()
K = Unit.Kind


def snapshot():
    return (
        sorted(
            Unit.objects.values_list(
                "code", "name", "kind", "grade", "parent__code", "valid_from", "valid_to", "path"
            )
        ),
        sorted(User.objects.values_list("username", "full_name", "email")),
        sorted(Membership.objects.values_list("user__username", "unit__code", "role", "title")),
        sorted(
            (c.kind, c.effective_on, tuple(sorted(c.predecessors.values_list("code", flat=True))))
            for c in UnitChange.objects.all()
        ),
    )


def seed() -> str:
    """The units step alone (fast); ``seed_demo`` itself is run by the idempotency test below."""
    from django.core.management.base import OutputWrapper
    from django.core.management.color import no_style

    out = io.StringIO()
    demo.build(stdout=OutputWrapper(out), style=no_style())
    return out.getvalue()


def seed_command() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_builds_a_realistic_province_and_prints_the_logins():
    out = seed()
    assert "mat-khau-demo" in out and "xa.yenthuong.canbo" in out
    assert Unit.objects.get(code="06").name == "Tỉnh Bắc Kạn"
    assert Unit.objects.filter(kind=K.DISTRICT).count() == 8
    assert Unit.objects.filter(kind=K.DISTRICT_OFFICE).count() == 24
    assert Unit.objects.filter(kind=K.DEPARTMENT).count() >= 6
    communes = Unit.objects.filter(kind__in=[K.COMMUNE, K.WARD])
    assert 100 <= communes.count() <= 120
    assert all(len(code) == 5 and code.isdigit() for code in communes.values_list("code", flat=True))
    for name in ("Xã Yên Thượng", "Xã Bằng Lãng"):
        assert Unit.objects.get(name=name, parent__name="Huyện Chợ Đồn")
    assert Unit.objects.get(name="Xã Quang Thuận").parent.name == "Huyện Bạch Thông"
    assert Unit.objects.get(name="Sở Nội vụ").parent.code == "06"


def test_every_role_exists_and_the_demo_password_works():
    seed()
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == set(Membership.Role.values)
    manager = User.objects.get(username="snv.quanly")
    assert manager.check_password(demo.PASSWORD)
    assert manager.memberships.get().unit.code == demo.PROVINCE_CODE  # oversees the whole province
    district = User.objects.get(username="huyen.chodon.noivu").memberships.get()
    assert (district.unit.name, district.role) == ("Huyện Chợ Đồn", "index_manager")
    head = User.objects.get(username="xa.yenthuong.chutich")
    assert head.memberships.get().unit.name == "Xã Yên Thượng"
    assert all(u.isascii() for u in User.objects.values_list("username", flat=True))
    # one hash reused for everyone: hashing hundreds of times would make seeding slow
    assert User.objects.values("password").distinct().count() == 1


def test_the_2025_merger_links_three_old_communes_to_the_new_one():
    seed()
    merged = Unit.objects.get(code=demo.MERGED_CODE)
    assert merged.parent.code == demo.PROVINCE_CODE
    assert str(merged.valid_from) == "2025-07-01"
    lineage = {u.name for u in merged.lineage()}
    assert lineage == {"Xã Nam Cường", "Xã Xuân Lạc", "Xã Đồng Lạc"}
    old = [u for u in merged.lineage() if u.pk != merged.pk]
    assert {str(u.valid_to) for u in old} == {"2025-06-30"}


def test_seed_demo_twice_changes_nothing():
    seed_command()
    first = snapshot()
    out = seed_command()
    assert snapshot() == first
    assert "(0 new)" in out


def test_the_units_step_alone_is_idempotent_too():
    seed()
    first = snapshot()
    assert "(0 new)" in seed()
    assert snapshot() == first


def test_generated_people_are_the_same_in_every_process():
    here = demo.user_rows()
    code = (
        "import django; django.setup(); from parindex.units.demo import user_rows; "
        "print(repr([(r['username'], r['full_name']) for r in user_rows()]))"
    )
    env = {
        **os.environ,
        "PYTHONHASHSEED": "12345",
        "DJANGO_SETTINGS_MODULE": "parindex.settings",
        "PARINDEX_LOG_LEVEL": "ERROR",
    }
    other = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env, check=True
    )
    assert other.stdout.strip() == repr([(r["username"], r["full_name"]) for r in here])
