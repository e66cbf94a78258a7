"""Shared fixtures: a small unit tree and the personas every permission test uses.

Tree (codes in brackets)::

    Tỉnh Bắc Kạn [P]
    ├── Sở Nội vụ [P-SNV]                  (department)
    ├── Huyện Chợ Đồn [DA]                 (district)
    │   ├── Phòng Nội vụ huyện Chợ Đồn [DA-NV]
    │   ├── Xã Yên Thượng [A1]
    │   └── Xã Bằng Lãng [A2]
    └── Huyện Bạch Thông [DB]
        └── Xã Quang Thuận [B1]

Personas (fixtures returning users): ``officer_a1``, ``head_a1`` (unit head of A1),
``officer_a2`` (the outsider next door), ``officer_b1``, ``district_manager_a``
(index manager of DA), ``appraiser_province`` (appraiser at P), ``province_manager``
(index manager at P), ``viewer_province``, ``admin_user``.
"""

from __future__ import annotations

import pytest

from parindex.units.models import Membership, Unit

Role = Membership.Role


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.LANGUAGE_CODE = "vi"
    # Background jobs run inline (django-tasks' test backend); tests/*/test_*jobs*.py run them
    # through the database queue and `parindex worker --once` as production does.
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "ENQUEUE_ON_COMMIT": False}
    }


@pytest.fixture
def tree(db):
    K = Unit.Kind
    p = Unit.objects.create(code="P", name="Tỉnh Bắc Kạn", short_name="Bắc Kạn", kind=K.PROVINCE)
    snv = Unit.objects.create(code="P-SNV", name="Sở Nội vụ", kind=K.DEPARTMENT, parent=p)
    da = Unit.objects.create(code="DA", name="Huyện Chợ Đồn", short_name="Chợ Đồn", kind=K.DISTRICT, parent=p)
    da_nv = Unit.objects.create(
        code="DA-NV", name="Phòng Nội vụ huyện Chợ Đồn", kind=K.DISTRICT_OFFICE, parent=da
    )
    a1 = Unit.objects.create(code="A1", name="Xã Yên Thượng", short_name="Yên Thượng", kind=K.COMMUNE, parent=da)
    a2 = Unit.objects.create(code="A2", name="Xã Bằng Lãng", short_name="Bằng Lãng", kind=K.COMMUNE, parent=da)
    db_ = Unit.objects.create(code="DB", name="Huyện Bạch Thông", short_name="Bạch Thông", kind=K.DISTRICT, parent=p)
    b1 = Unit.objects.create(code="B1", name="Xã Quang Thuận", short_name="Quang Thuận", kind=K.COMMUNE, parent=db_)
    return {"P": p, "P-SNV": snv, "DA": da, "DA-NV": da_nv, "A1": a1, "A2": a2, "DB": db_, "B1": b1}


def make_user(username: str, full_name: str, memberships=(), **extra):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(
        username=username, password="mat-khau-thu-nghiem", full_name=full_name, **extra
    )
    for unit, role in memberships:
        Membership.objects.create(user=user, unit=unit, role=role)
    return user


@pytest.fixture
def officer_a1(tree):
    return make_user("canbo.a1", "Nguyễn Văn An", [(tree["A1"], Role.UNIT_OFFICER)])


@pytest.fixture
def head_a1(tree):
    return make_user("chutich.a1", "Trần Thị Bình", [(tree["A1"], Role.UNIT_HEAD)])


@pytest.fixture
def officer_a2(tree):
    return make_user("canbo.a2", "Lê Văn Cường", [(tree["A2"], Role.UNIT_OFFICER)])


@pytest.fixture
def officer_b1(tree):
    return make_user("canbo.b1", "Phạm Thị Dung", [(tree["B1"], Role.UNIT_OFFICER)])


@pytest.fixture
def district_manager_a(tree):
    return make_user("noivu.da", "Hoàng Văn Em", [(tree["DA"], Role.INDEX_MANAGER)])


@pytest.fixture
def appraiser_province(tree):
    return make_user("thamdinh.p", "Vũ Thị Giang", [(tree["P"], Role.APPRAISER)])


@pytest.fixture
def province_manager(tree):
    return make_user("snv.p", "Đặng Văn Hùng", [(tree["P"], Role.INDEX_MANAGER)])


@pytest.fixture
def viewer_province(tree):
    return make_user("bcd.p", "Bùi Thị Lan", [(tree["P"], Role.VIEWER)])


@pytest.fixture
def admin_user(tree):
    return make_user("quantri", "Quản trị hệ thống", [(tree["P"], Role.ADMIN)])


@pytest.fixture
def personas(
    officer_a1, head_a1, officer_a2, officer_b1, district_manager_a, appraiser_province, province_manager,
    viewer_province, admin_user,
):
    return {
        "officer_a1": officer_a1,
        "head_a1": head_a1,
        "officer_a2": officer_a2,
        "officer_b1": officer_b1,
        "district_manager_a": district_manager_a,
        "appraiser_province": appraiser_province,
        "province_manager": province_manager,
        "viewer_province": viewer_province,
        "admin_user": admin_user,
    }


@pytest.fixture
def worker_queue(settings):
    """Jobs go through django-tasks' database queue; call the fixture's value to run
    ``parindex worker --once`` (needs ``django_db(transaction=True)``: the worker commits)."""
    from django.core.management import call_command

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.database.DatabaseBackend", "ENQUEUE_ON_COMMIT": False}
    }

    def run() -> None:
        call_command("worker", "--once", "--no-scheduler", "--worker-id", "test-worker")

    return run
