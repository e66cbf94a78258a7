"""core.jobs: periodic scheduling once per period across workers, heartbeats, user jobs with progress."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import gettext

from parindex.core import jobs
from parindex.requests.models import JobRun, Notification, UserJob
from tests.requests.conftest import local

RUNS: list[str] = []


def vietnamese(msgid: str) -> str:
    """The Vietnamese of a core.jobs message (core's catalogue owns the wording)."""
    with translation.override("vi"):
        text = gettext(msgid)
    assert text != msgid, f"untranslated: {msgid}"
    return text


def count_run() -> None:
    RUNS.append("run")


def broken_job(job, **kwargs):
    job.progress(1, 4, "bắt đầu")
    raise RuntimeError("ổ đĩa đầy")


def slow_job(job, *, n: int):
    for i in range(1, n + 1):
        job.progress(i, n)
    return jobs.JobOutcome(message="xong", content=b"abc", filename="kết quả.txt")


@pytest.fixture
def only_test_job(monkeypatch):
    RUNS.clear()
    monkeypatch.setattr(jobs, "PERIODIC", {})
    jobs.register_periodic("test.count", "tests.requests.test_jobs.count_run", every=dt.timedelta(minutes=5))


def test_each_period_is_claimed_by_exactly_one_of_several_workers(db, only_test_job):
    now = local(2024, 3, 12, 7, 2)
    assert jobs.schedule_due_jobs(now=now, worker_id="w1") == ["test.count"]
    assert jobs.schedule_due_jobs(now=now + dt.timedelta(seconds=30), worker_id="w2") == []
    assert jobs.schedule_due_jobs(now=now, worker_id="w1") == []
    assert RUNS == ["run"]
    # The next period runs again, once.
    assert jobs.schedule_due_jobs(now=now + dt.timedelta(minutes=5), worker_id="w2") == ["test.count"]
    assert RUNS == ["run", "run"]
    assert JobRun.objects.filter(name="test.count").count() == 2


def test_periods_are_aligned_on_the_clock():
    every = dt.timedelta(minutes=5)
    assert jobs.period_start(dt.datetime(2024, 3, 12, 0, 7, 31, tzinfo=dt.UTC), every) == dt.datetime(
        2024, 3, 12, 0, 5, tzinfo=dt.UTC
    )


def test_heartbeat_is_recorded_and_readable(db):
    assert jobs.last_heartbeat() is None
    jobs.beat("w1", now=local(2024, 3, 12, 7))
    jobs.beat("w2", now=local(2024, 3, 12, 7, 1))
    jobs.beat("w1", now=local(2024, 3, 12, 7, 2))
    assert jobs.last_heartbeat() == local(2024, 3, 12, 7, 2)


@pytest.mark.django_db(transaction=True)
def test_worker_command_once_schedules_and_runs_the_queue_on_the_database_backend(settings, only_test_job):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.database.DatabaseBackend", "ENQUEUE_ON_COMMIT": False}
    }
    call_command("worker", "--once", "--worker-id", "test-worker")
    assert RUNS == ["run"]
    assert jobs.last_heartbeat() is not None
    # A second worker started in the same period finds nothing to schedule.
    call_command("worker", "--once", "--worker-id", "other-worker")
    assert RUNS == ["run"]


def test_a_user_job_reports_progress_stores_its_file_and_notifies_the_user(officer_a1):
    job = jobs.start_user_job(
        user=officer_a1, label="Thử", func_path="tests.requests.test_jobs.slow_job", kwargs={"n": 3}
    )
    job.refresh_from_db()
    assert job.status == UserJob.Status.SUCCEEDED and job.percent == 100
    assert job.result_file.read() == b"abc" and job.result_name == "kết quả.txt"
    note = Notification.objects.get(user=officer_a1)
    assert note.title == vietnamese("Ready: %(label)s") % {"label": "Thử"} and note.level == "success"


def test_a_failing_user_job_is_marked_failed_and_the_user_is_told_why(officer_a1, client):
    job = jobs.start_user_job(user=officer_a1, label="Thử", func_path="tests.requests.test_jobs.broken_job")
    job.refresh_from_db()
    assert job.status == UserJob.Status.FAILED and "ổ đĩa đầy" in job.error
    note = Notification.objects.get(user=officer_a1)
    assert (
        note.title == vietnamese("Did not finish: %(label)s") % {"label": "Thử"} and "ổ đĩa đầy" in note.body
    )
    client.force_login(officer_a1)
    page = client.get(f"/requests/jobs/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert "Thao tác không thành công" in page and "ổ đĩa đầy" in page


def test_a_queued_job_page_polls_and_warns_when_no_worker_runs(officer_a1, client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    job = jobs.start_user_job(
        user=officer_a1, label="Thử", func_path="tests.requests.test_jobs.slow_job", kwargs={"n": 1}
    )
    client.force_login(officer_a1)
    page = client.get(f"/requests/jobs/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in page
    assert "chưa có tiến trình xử lý nền nào đang chạy" in page


def test_someone_elses_job_is_404(officer_a1, officer_a2, client):
    job = jobs.start_user_job(
        user=officer_a1, label="Thử", func_path="tests.requests.test_jobs.slow_job", kwargs={"n": 1}
    )
    client.force_login(officer_a2)
    assert client.get(f"/requests/jobs/{job.pk}/").status_code == 404
    assert client.get(f"/requests/jobs/{job.pk}/download").status_code == 404


def test_prune_deletes_old_bookkeeping_but_keeps_recent_rows(officer_a1):
    from parindex.requests.models import WorkerHeartbeat

    jobs.beat("old", now=local(2024, 3, 1))
    jobs.beat("new", now=local(2024, 3, 12))
    JobRun.objects.create(name="x", period_start=local(2024, 3, 1))
    JobRun.objects.create(name="x", period_start=local(2024, 3, 11))
    job = jobs.start_user_job(
        user=officer_a1, label="Thử", func_path="tests.requests.test_jobs.slow_job", kwargs={"n": 1}
    )
    UserJob.objects.filter(pk=job.pk).update(finished_at=local(2024, 1, 1))
    jobs.prune(now=local(2024, 3, 12))
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["new"]
    assert JobRun.objects.count() == 1
    assert not UserJob.objects.exists()


def test_admin_can_open_the_new_request_form(client, admin_user, tree):
    client.force_login(admin_user)
    page = client.get("/requests/new/").content.decode()
    assert "Xã Quang Thuận" in page and "Xã Yên Thượng" in page


def import_job(job, *, fail: bool):
    from parindex.core.spreadsheets import RowError, SpreadsheetError

    data = job.input_bytes()
    if fail:
        raise SpreadsheetError([RowError(3, "Mã", "trùng mã X1"), RowError(5, "Tên", "thiếu tên")])
    return jobs.JobOutcome(
        message=f"đọc {len(data)} byte",
        details=["Thêm 2 đơn vị"],
        content=b"mk",
        filename="mk.txt",
        once=True,
    )


def test_an_import_job_reads_its_upload_lists_details_and_deletes_the_upload(officer_a1, client):
    job = jobs.start_user_job(
        user=officer_a1,
        label="Nhập",
        func_path="tests.requests.test_jobs.import_job",
        kwargs={"fail": False},
        input_file=b"12345",
        back_url="/units/",
    )
    job.refresh_from_db()
    assert job.status == UserJob.Status.SUCCEEDED and job.message == "đọc 5 byte"
    assert job.details == ["Thêm 2 đơn vị"] and not job.input_file
    client.force_login(officer_a1)
    page = client.get(f"/requests/jobs/{job.pk}/").content.decode()
    assert "Thêm 2 đơn vị" in page and 'href="/units/"' in page
    # A one-time result (passwords) is handed out once, then deleted from storage.
    first = client.get(f"/requests/jobs/{job.pk}/download")
    assert first.status_code == 200 and first.content == b"mk"
    assert client.get(f"/requests/jobs/{job.pk}/download").status_code == 404
    job.refresh_from_db()
    assert not job.result_file


def test_a_failed_import_job_lists_the_row_errors_without_a_traceback(officer_a1, client):
    job = jobs.start_user_job(
        user=officer_a1,
        label="Nhập",
        func_path="tests.requests.test_jobs.import_job",
        kwargs={"fail": True},
        input_file=b"12345",
    )
    job.refresh_from_db()
    assert job.status == UserJob.Status.FAILED and "Traceback" not in job.error
    assert job.error == vietnamese("The file has errors; nothing was imported.")
    assert len(job.details) == 2 and "trùng mã X1" in job.details[0] and not job.input_file
    client.force_login(officer_a1)
    page = client.get(f"/requests/jobs/{job.pk}/").content.decode()
    assert "thiếu tên" in page


def test_the_job_list_shows_only_the_users_own_jobs(officer_a1, officer_a2, client):
    jobs.start_user_job(
        user=officer_a1, label="Việc của A1", func_path="tests.requests.test_jobs.slow_job", kwargs={"n": 1}
    )
    jobs.start_user_job(
        user=officer_a2, label="Việc của A2", func_path="tests.requests.test_jobs.slow_job", kwargs={"n": 1}
    )
    client.force_login(officer_a1)
    page = client.get("/requests/jobs/").content.decode()
    assert "Việc của A1" in page and "Việc của A2" not in page


@pytest.mark.django_db(transaction=True)
def test_a_user_job_waits_in_the_database_queue_until_a_worker_runs_it(officer_a1, worker_queue):
    job = jobs.start_user_job(
        user=officer_a1,
        label="Thử",
        func_path="tests.requests.test_jobs.import_job",
        kwargs={"fail": False},
        input_file=b"abc",
    )
    job.refresh_from_db()
    assert job.status == UserJob.Status.QUEUED and job.input_file
    worker_queue()
    job.refresh_from_db()
    assert job.status == UserJob.Status.SUCCEEDED and job.message == "đọc 3 byte" and not job.input_file
    assert Notification.objects.filter(user=officer_a1, level="success").count() == 1
