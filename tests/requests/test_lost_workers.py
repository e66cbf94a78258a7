"""A worker that dies in the middle of a job (killed, host lost, database restarted): its jobs are
failed cleanly by the next worker that notices, the user is told, and the operation can be started
again. Found by the fault drill (`make drill`, docs/deployment.md): before, such a job stayed
"running" for ever and the round's publish button stayed blocked."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.utils import timezone
from django_tasks.backends.database.management.commands.db_worker import Worker
from django_tasks.backends.database.models import DBTaskResult

from parindex.core import jobs
from parindex.requests.models import Notification, UserJob
from tests.requests.test_jobs import vietnamese

LOST = (
    "The background worker running this operation stopped before it finished (a restart or a crash). "
    "Its changes were saved completely or not at all: check the result, then start the operation again "
    "if it is needed."
)


def _started_import(user, worker_id: str) -> UserJob:
    """An import job the worker ``worker_id`` had claimed and started when it died."""
    job = jobs.start_user_job(
        user=user,
        label="Nhập đơn vị",
        func_path="tests.requests.test_jobs.import_job",
        kwargs={"fail": False},
        input_file=b"12345",
    )
    DBTaskResult.objects.get(pk=job.task_id).claim(worker_id)
    UserJob.objects.filter(pk=job.pk).update(status=UserJob.Status.RUNNING, started_at=timezone.now())
    job.refresh_from_db()
    return job


@pytest.mark.django_db(transaction=True)
def test_a_job_whose_worker_was_killed_is_failed_cleanly_and_can_be_started_again(
    officer_a1, worker_queue, client
):
    job = _started_import(officer_a1, "killed-worker")
    storage, input_name = job.input_file.storage, job.input_file.name
    assert storage.exists(input_name)
    jobs.beat("killed-worker", now=timezone.now() - dt.timedelta(minutes=10))

    worker_queue()  # another worker starts (or ticks) and notices the silent one

    job.refresh_from_db()
    assert job.status == UserJob.Status.FAILED and job.finished_at is not None
    assert job.error == vietnamese(LOST)
    assert not job.input_file and not storage.exists(input_name)
    task = DBTaskResult.objects.get(pk=job.task_id)
    assert task.status == "FAILED" and task.exception_class_path == "parindex.core.jobs.WorkerLost"
    note = Notification.objects.get(user=officer_a1)
    assert note.level == "danger" and vietnamese(LOST) in note.body
    client.force_login(officer_a1)
    page = client.get(f"/requests/jobs/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert "Thao tác không thành công" in page and vietnamese(LOST) in page

    again = jobs.start_user_job(
        user=officer_a1,
        label="Nhập đơn vị",
        func_path="tests.requests.test_jobs.import_job",
        kwargs={"fail": False},
        input_file=b"12345",
    )
    worker_queue()
    again.refresh_from_db()
    assert again.status == UserJob.Status.SUCCEEDED and again.message == "đọc 5 byte"


@pytest.mark.django_db(transaction=True)
def test_a_worker_restarted_under_its_own_id_fails_the_job_it_left_running(officer_a1, worker_queue):
    job = _started_import(officer_a1, "test-worker")  # the id worker_queue runs under
    jobs.beat("test-worker")  # its heartbeat is fresh: the previous process died seconds ago

    worker_queue()

    job.refresh_from_db()
    assert job.status == UserJob.Status.FAILED and job.error == vietnamese(LOST)
    assert DBTaskResult.objects.get(pk=job.task_id).status == "FAILED"


@pytest.mark.django_db(transaction=True)
def test_the_job_of_a_live_worker_is_left_running(officer_a1, worker_queue):
    job = _started_import(officer_a1, "busy-worker")
    jobs.beat("busy-worker")

    worker_queue()

    job.refresh_from_db()
    assert job.status == UserJob.Status.RUNNING and job.input_file
    assert DBTaskResult.objects.get(pk=job.task_id).status == "RUNNING"
    assert not Notification.objects.filter(user=officer_a1).exists()


@pytest.mark.django_db(transaction=True)
def test_the_worker_keeps_running_when_the_database_restarts_and_fails_the_job_it_was_running(
    officer_a1, settings, monkeypatch
):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.database.DatabaseBackend", "ENQUEUE_ON_COMMIT": False}
    }
    job = jobs.start_user_job(
        user=officer_a1,
        label="Nhập đơn vị",
        func_path="tests.requests.test_jobs.import_job",
        kwargs={"fail": False},
        input_file=b"12345",
    )
    calls = []

    def run(worker):
        calls.append(worker.worker_id)
        if len(calls) == 1:
            # The worker had claimed the job when PostgreSQL restarted under it.
            DBTaskResult.objects.get(pk=job.task_id).claim(worker.worker_id)
            UserJob.objects.filter(pk=job.pk).update(status=UserJob.Status.RUNNING)
            raise OperationalError("server closed the connection unexpectedly")
        worker.running = False  # stopped by SIGTERM, the normal way out

    monkeypatch.setattr(Worker, "run", run)
    monkeypatch.setattr(Worker, "configure_signals", lambda worker: None)
    monkeypatch.setattr("parindex.core.management.commands.worker.RECONNECT_DELAYS", (0,))

    call_command("worker", "--no-scheduler", "--worker-id", "w-db", "--tick", "3600")

    assert calls == ["w-db", "w-db"]
    job.refresh_from_db()
    assert job.status == UserJob.Status.FAILED and job.error == vietnamese(LOST)
