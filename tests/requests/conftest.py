"""Fixtures of the requests tests: tasks run inline, a fake clock, a request from district A."""

from __future__ import annotations

import datetime as dt

import pytest

from parindex.requests import actions
from parindex.requests.planner import LOCAL_TZ
from parindex.units.models import Membership
from tests.conftest import make_user


@pytest.fixture(autouse=True)
def _inline_tasks(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "ENQUEUE_ON_COMMIT": False}
    }


def local(year, month, day, hour=0, minute=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=LOCAL_TZ)


# "chậm nhất 10h00' ngày 19/3/2024" — the deadline of seed 001.
DEADLINE = local(2024, 3, 19, 10, 0)
ISSUED_AT = local(2024, 3, 5, 9, 0)


@pytest.fixture
def head_a2(tree):
    return make_user(
        "chutich.a2", "Ngô Thị Hạnh", [(tree["A2"], Membership.Role.UNIT_HEAD)], email="hanh@a2.example"
    )


@pytest.fixture
def issued(tree, district_manager_a, officer_a1, head_a1, officer_a2, head_a2):
    """Request 15/UBND-NV of district A to communes A1 and A2, issued 05/03/2024 09h00, due 10h00 19/03/2024."""
    for user, email in (
        (officer_a1, "an@a1.example"),
        (head_a1, "binh@a1.example"),
        (officer_a2, "cuong@a2.example"),
    ):
        user.email = email
        user.save(update_fields=["email"])
    return actions.issue_request(
        by=district_manager_a,
        issuing_unit=tree["DA"],
        number="15/UBND-NV",
        subject="Xây dựng kế hoạch khắc phục tồn tại, hạn chế năm 2023",
        deadline=DEADLINE,
        recipient_units=[tree["A1"], tree["A2"]],
        body="Đề nghị các xã báo cáo kết quả.",
        now=ISSUED_AT,
        issued_on=ISSUED_AT.date(),
    )
