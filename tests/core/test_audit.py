"""The audit log mechanism (core/audit.py) and its page."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse

from parindex.core.audit import record, snapshot
from parindex.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)
def test_record_refuses_to_run_outside_a_transaction(tree, officer_a1):
    with pytest.raises(RuntimeError, match="inside transaction.atomic"):
        record(actor=officer_a1, action="unit.update", obj=tree["A1"])
    assert not AuditEntry.objects.exists()


def test_record_keeps_who_what_before_and_after(tree, officer_a1):
    unit = tree["A1"]
    before = snapshot(unit, ["name", "valid_from"])
    with transaction.atomic():
        unit.name = "Xã Yên Thượng (mới)"
        unit.valid_from = dt.date(2025, 7, 1)
        unit.save()
        entry = record(
            actor=officer_a1,
            action="unit.update",
            obj=unit,
            before=before,
            after=snapshot(unit, ["name", "valid_from"]),
            note="đổi tên",
        )
    entry.refresh_from_db()
    assert entry.actor == officer_a1
    assert entry.actor_name == "Nguyễn Văn An"
    assert entry.unit == unit  # from Unit.audit_unit()
    assert entry.object_id == str(unit.pk)
    assert entry.content_type.model == "unit"
    assert entry.before == {"name": "Xã Yên Thượng", "valid_from": None}
    assert entry.after == {"name": "Xã Yên Thượng (mới)", "valid_from": "2025-07-01"}
    assert entry.changes() == [
        ("name", "Xã Yên Thượng", "Xã Yên Thượng (mới)"),
        ("valid_from", None, "2025-07-01"),
    ]


def test_decimals_are_stored_exactly(tree):
    with transaction.atomic():
        entry = record(actor=None, action="score.set", obj=tree["A1"], after={"points": Decimal("0.25")})
    entry.refresh_from_db()
    assert entry.after == {"points": "0.25"}
    assert entry.actor_name == "system"


def test_audit_row_rolls_back_with_the_change(tree):
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        record(actor=None, action="unit.update", obj=tree["A1"])
        1 / 0  # noqa: B018
    assert not AuditEntry.objects.exists()


def _entries(tree, codes=("A1", "A2", "B1")):
    with transaction.atomic():
        for code in codes:
            record(actor=None, action=f"test.{code}", obj=tree[code])


def test_audit_page_shows_only_visible_units(client, tree, officer_a1):
    _entries(tree)
    client.force_login(officer_a1)
    page = client.get(reverse("audit_log")).content.decode()
    assert "test.A1" in page
    assert "test.A2" not in page and "test.B1" not in page


def test_audit_page_filtered_by_another_units_id_shows_nothing(client, tree, officer_a1):
    _entries(tree)
    client.force_login(officer_a1)
    page = client.get(reverse("audit_log"), {"unit": tree["A2"].pk}).content.decode()
    assert "test.A2" not in page
    assert "Chưa có bản ghi nào." in page


def test_audit_page_filters_by_object(client, tree, district_manager_a):
    _entries(tree)
    client.force_login(district_manager_a)
    page = client.get(
        reverse("audit_log"), {"object_type": "unit", "object_id": tree["A2"].pk}
    ).content.decode()
    assert "test.A2" in page and "test.A1" not in page


def test_audit_export_contains_only_the_visible_filtered_entries(client, tree, district_manager_a):
    from openpyxl import load_workbook

    _entries(tree)
    client.force_login(district_manager_a)
    response = client.get(reverse("audit_log_export"), {"action": "test."})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    actions = {row[3] for row in sheet.iter_rows(min_row=4, values_only=True)}
    assert actions == {"test.A1", "test.A2"}
    assert sheet["A1"].value == "Nhật ký thay đổi"


def test_the_export_button_posts_the_pages_filters(client, tree, officer_a1):
    client.force_login(officer_a1)
    page = client.get(reverse("audit_log"), {"action": "test."}).content.decode()
    assert f'<form method="post" action="{reverse("audit_log_export")}?action=test.">' in page
    response = client.post(reverse("audit_log_export") + "?action=test.")
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment;")


def _xlsx_actions(content: bytes) -> list[str]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(content)).active
    return sorted(row[3] for row in sheet.iter_rows(min_row=4, values_only=True))


def _job_actions(job) -> list[str]:
    from parindex.requests.models import UserJob

    job.refresh_from_db()
    assert job.status == UserJob.Status.SUCCEEDED, job.error
    with job.result_file.open("rb") as handle:
        return _xlsx_actions(handle.read())


@pytest.fixture
def small_direct_limit(monkeypatch):
    """Above one entry, the export runs as a job (the real limit is 2,000)."""
    from parindex.core import audit_jobs

    monkeypatch.setattr(audit_jobs, "AUDIT_DIRECT_MAX_ROWS", 1)


def test_a_large_audit_export_runs_as_a_job_with_the_users_visibility(
    client, tree, officer_a1, district_manager_a, small_direct_limit
):
    from parindex.requests.models import UserJob

    _entries(tree, codes=("A1", "A1", "A2", "B1"))
    url = reverse("audit_log_export") + "?action=test."
    client.force_login(officer_a1)
    response = client.post(url)
    job = UserJob.objects.get(user=officer_a1)
    assert response["Location"] == reverse("requests:job_status", args=[job.pk])
    assert job.kwargs == {"filters": {"action": "test."}}
    assert job.back_url == reverse("audit_log") + "?action=test."
    # The commune's official gets its own unit's entries, not its neighbour's or another district's.
    assert _job_actions(job) == ["test.A1", "test.A1"]
    assert (job.done, job.total) == (2, 2)

    client.force_login(district_manager_a)
    client.post(url)
    assert _job_actions(UserJob.objects.get(user=district_manager_a)) == ["test.A1", "test.A1", "test.A2"]
    download = client.get(
        reverse("requests:job_download", args=[UserJob.objects.get(user=district_manager_a).pk])
    )
    assert download.streaming
    assert _xlsx_actions(b"".join(download.streaming_content)) == ["test.A1", "test.A1", "test.A2"]


def test_a_get_of_a_large_export_goes_back_to_the_log_without_starting_a_job(
    client, tree, district_manager_a, small_direct_limit
):
    from parindex.requests.models import UserJob

    _entries(tree, codes=("A1", "A2"))
    client.force_login(district_manager_a)
    response = client.get(reverse("audit_log_export"), {"action": "test."}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("audit_log") + "?action=test."
    assert "chuẩn bị tệp trong nền" in response.content.decode()
    assert not UserJob.objects.exists()


def test_the_audit_export_job_applies_the_filters_again_for_its_user(tree, officer_a1):
    """Filter parameters are the only input: another unit's id gives nothing, not its entries."""
    from parindex.core.jobs import start_user_job

    _entries(tree, codes=("A1", "A2", "B1"))
    path = "parindex.core.audit_jobs.export_audit_log"
    other = start_user_job(
        user=officer_a1, label="x", func_path=path, kwargs={"filters": {"unit": str(tree["A2"].pk)}}
    )
    assert _job_actions(other) == []
    own = start_user_job(user=officer_a1, label="x", func_path=path, kwargs={"filters": {"action": "test."}})
    assert _job_actions(own) == ["test.A1"]


@pytest.mark.django_db(transaction=True)
def test_the_audit_export_job_runs_through_the_database_queue_and_the_worker(
    client, tree, district_manager_a, small_direct_limit, worker_queue
):
    from parindex.requests.models import UserJob

    _entries(tree, codes=("A1", "A2", "B1"))
    client.force_login(district_manager_a)
    client.post(reverse("audit_log_export") + "?action=test.")
    job = UserJob.objects.get(user=district_manager_a)
    assert job.status == UserJob.Status.QUEUED
    worker_queue()
    assert _job_actions(job) == ["test.A1", "test.A2"]


def test_logout_is_labelled_in_vietnamese(client, officer_a1):
    client.force_login(officer_a1)
    assert "Đăng xuất" in client.get(reverse("home")).content.decode()
