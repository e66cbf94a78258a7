"""Background work: periodic jobs, worker heartbeats and long operations started by users.

Everything runs on ``django-tasks`` (database backend by default; ``parindex worker``
executes the queue). Three pieces:

* **Periodic jobs.** Apps call ``register_periodic(name, "dotted.path", every=timedelta)``
  in ``AppConfig.ready()``. Each worker's scheduler loop calls ``schedule_due_jobs()``
  every few seconds; for every job it computes the current period (time floored to a
  multiple of ``every`` since the Unix epoch) and tries to insert ``JobRun(name,
  period_start)``. The unique constraint lets exactly one worker win each period, so
  any number of workers enqueue each job once per period. Jobs themselves must be
  idempotent (a crash between claim and run loses one period, never doubles one).
* **Heartbeat.** ``beat(worker_id)`` updates one row per worker; ``last_heartbeat()``
  is what a health endpoint reads ("is any worker alive?").
* **Lost workers.** A worker killed in the middle of a task (SIGKILL, out of memory, host
  lost, database restarted under it) leaves the task marked running. ``recover_lost_tasks()``
  runs at every worker's start-up and heartbeat: a task is *lost* when the worker that
  claimed it has not beaten for ``PARINDEX_WORKER_LOST_SECONDS`` (120 s), or when it was
  claimed under the id of the worker now starting (a restart under a fixed id, or this very
  worker after its database connection broke: a worker runs one task at a time). A lost
  task is marked failed (``WorkerLost``); its user job is failed with a message saying so,
  the user is notified, its uploaded input and any half-stored result are deleted. It is
  never re-run by itself: every job writes all or nothing in one transaction, so the user
  (or the next period of a periodic job) starts it again on a clean state, and nothing can
  be done twice.
* **User jobs.** ``start_user_job(user=…, label=…, func_path=…, kwargs=…)`` stores a
  ``UserJob`` row and enqueues it. The function runs on the worker as
  ``func(job, **kwargs)``; it reports progress with ``job.progress(done, total,
  message)`` and returns a ``JobOutcome`` (a message, optionally a file or a link).
  The page polls ``requests:job_status`` (template partial
  ``requests/_job_progress.html``) for a progress bar; at the end the user gets a
  notification with the result or the error.

  An import passes the uploaded file as ``input_file=`` (stored privately under
  ``jobs/<id>/input/``, deleted when the job ends; the function reads ``job.input_bytes()``).
  ``back_url=`` is the page the operation was started from ("Back" on the job page).
  A function that raises ``SpreadsheetError`` or ``ValidationError`` fails the job with its
  row errors / messages listed on the job page (nothing was written: imports are atomic);
  any other exception is logged with its traceback and shown to the user by its message only.
  ``JobOutcome.details`` lists lines under the message (what an import created, …);
  ``JobOutcome.once=True`` deletes the result file at its first download (one-time passwords).
  ``JobOutcome.extra`` (JSON) is stored as ``UserJob.result`` for API clients
  (``GET /api/v1/jobs/{id}``), e.g. the id of the framework an import created.
  An import reads its file through ``core.limits.run_limited`` (a child process with a
  time and a memory limit), so a hostile file fails its job instead of holding the worker.

Tests run user jobs inline (tests/conftest.py sets django-tasks' ImmediateBackend); the
tests under tests/*/test_*jobs*.py also run them through the database queue and
``parindex worker --once``, the way production does.

The models live in the requests app (``parindex.requests.models``), see its docstring.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django_tasks import task

logger = logging.getLogger("parindex.jobs")

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
JOBRUN_KEEP = dt.timedelta(days=7)
HEARTBEAT_KEEP = dt.timedelta(days=1)
LOST_WORKER_ERROR = "parindex.core.jobs.WorkerLost"


class WorkerLost(Exception):
    """The worker running a task stopped before finishing it (recorded on the task's row)."""


USERJOB_KEEP = dt.timedelta(days=30)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    func_path: str
    every: dt.timedelta


PERIODIC: dict[str, PeriodicJob] = {}


def register_periodic(name: str, func_path: str, *, every: dt.timedelta) -> None:
    """Run ``func_path`` (a dotted path to a no-argument function) once per ``every``."""
    if every < dt.timedelta(seconds=10):
        raise ValueError("periodic jobs run at most every 10 seconds")
    PERIODIC[name] = PeriodicJob(name, func_path, every)


def period_start(now: dt.datetime, every: dt.timedelta) -> dt.datetime:
    """The start of the period containing ``now`` (periods are aligned on the Unix epoch)."""
    elapsed = (now - EPOCH) // every
    return EPOCH + elapsed * every


@task()
def run_periodic(name: str) -> None:
    """The django-tasks task that runs one registered periodic job."""
    job = PERIODIC.get(name)
    if job is None:
        logger.warning("periodic job %s is not registered in this process", name)
        return
    with translation.override(settings.LANGUAGE_CODE):
        import_string(job.func_path)()


def schedule_due_jobs(*, now: dt.datetime | None = None, worker_id: str = "") -> list[str]:
    """Claim the current period of every registered job and enqueue the ones this call won."""
    from parindex.requests.models import JobRun

    now = now or timezone.now()
    enqueued = []
    for job in list(PERIODIC.values()):
        start = period_start(now, job.every)
        try:
            with transaction.atomic():
                run = JobRun.objects.create(name=job.name, period_start=start, claimed_by=worker_id[:100])
                result = run_periodic.enqueue(job.name)
                JobRun.objects.filter(pk=run.pk).update(task_id=str(result.id)[:64])
        except IntegrityError:
            continue  # another worker claimed this period
        enqueued.append(job.name)
    return enqueued


def beat(worker_id: str, *, now: dt.datetime | None = None) -> None:
    """Record that ``worker_id`` is alive."""
    from parindex.requests.models import WorkerHeartbeat

    now = now or timezone.now()
    updated = WorkerHeartbeat.objects.filter(worker_id=worker_id).update(last_seen=now)
    if not updated:
        try:
            with transaction.atomic():
                WorkerHeartbeat.objects.create(
                    worker_id=worker_id,
                    hostname=socket.gethostname()[:200],
                    pid=os.getpid(),
                    started_at=now,
                    last_seen=now,
                )
        except IntegrityError:
            WorkerHeartbeat.objects.filter(worker_id=worker_id).update(last_seen=now)


def lost_after() -> dt.timedelta:
    """How long a worker may stay silent before its running tasks count as lost."""
    return dt.timedelta(seconds=getattr(settings, "PARINDEX_WORKER_LOST_SECONDS", 120))


def recover_lost_tasks(*, own_worker_id: str = "", now: dt.datetime | None = None) -> list[str]:
    """Fail the running tasks whose worker is gone (see the module docstring); returns their ids.

    ``own_worker_id``: the id of the calling worker, which runs no task at this moment (it is
    starting, or its database connection just broke), so a task running under it is lost too.
    Safe in several workers at once: each task row is taken with a lock, skipping locked rows.
    """
    from django_tasks.backends.database.models import DBTaskResult
    from django_tasks.task import ResultStatus

    from parindex.requests.models import WorkerHeartbeat

    now = now or timezone.now()
    limit = now - lost_after()
    running = list(DBTaskResult.objects.running().values_list("pk", "worker_ids", "started_at"))
    if not running:
        return []
    workers = {worker for _pk, ids, _started in running for worker in ids[-1:]}
    seen = dict(WorkerHeartbeat.objects.filter(worker_id__in=workers).values_list("worker_id", "last_seen"))
    lost = []
    for pk, ids, started_at in running:
        worker = ids[-1] if ids else ""
        last_sign = seen.get(worker) or started_at
        if worker != own_worker_id[:64] and last_sign is not None and last_sign >= limit:
            continue
        with transaction.atomic():
            task = (
                DBTaskResult.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, status=ResultStatus.RUNNING)
                .first()
            )
            if task is None:
                continue  # finished meanwhile, or another worker is recovering it
            task.status = ResultStatus.FAILED
            task.finished_at = now
            task.exception_class_path = LOST_WORKER_ERROR
            task.traceback = (
                f"WorkerLost: worker {worker or '?'} stopped running this task "
                f"(last sign of life {last_sign.isoformat() if last_sign else 'never'})"
            )
            task.return_value = None
            task.save(
                update_fields=["status", "finished_at", "exception_class_path", "traceback", "return_value"]
            )
            if task.task_path == f"{__name__}.run_user_job" and task.args_kwargs.get("args"):
                _fail_lost_user_job(str(task.args_kwargs["args"][0]), now)
        logger.warning("task %s (%s) failed: its worker %s stopped", pk, task.task_path, worker or "?")
        lost.append(str(pk))
    return lost


def _fail_lost_user_job(job_id: str, now: dt.datetime) -> None:
    from django.utils.translation import gettext as _

    from parindex.requests.models import UserJob

    job = UserJob.objects.select_for_update().select_related("user").filter(pk=job_id).first()
    if job is None or job.finished:
        return
    with translation.override(settings.LANGUAGE_CODE):
        reason = _(
            "The background worker running this operation stopped before it finished (a restart or a "
            "crash). Its changes were saved completely or not at all: check the result, then start the "
            "operation again if it is needed."
        )
        UserJob.objects.filter(pk=job.pk).update(
            status=UserJob.Status.FAILED, finished_at=now, error=reason, details=[]
        )
        # A result stored just before the worker died belongs to no finished job: remove it
        # with the upload (both live under jobs/<id>/, see start_user_job and run_user_job).
        if _delete_job_files(job):
            UserJob.objects.filter(pk=job.pk).update(result_file="", input_file="")
        _notify(
            job.user,
            _("Did not finish: %(label)s") % {"label": job.label},
            _("The operation stopped with an error: %(error)s") % {"error": reason},
            _job_url(job),
            "danger",
        )


def _delete_job_files(job) -> bool:
    """Delete every stored file of a user job (its upload, a result stored or half-stored).

    False when the storage could not be reached: the job keeps its file names, and prune()
    deletes them with the job's row later."""
    from django.core.files.storage import default_storage

    names = {name for name in (job.input_file.name, job.result_file.name) if name}
    folder = f"jobs/{job.pk}"
    complete = True
    for sub in ("", "/input"):
        try:
            _dirs, files = default_storage.listdir(folder + sub)
        except (FileNotFoundError, NotADirectoryError):
            continue
        except Exception:  # noqa: BLE001 — storage unreachable: reported, retried by prune()
            logger.exception("could not list the files of user job %s", job.pk)
            complete = False
            continue
        names.update(f"{folder}{sub}/{name}" for name in files)
    for name in sorted(names):
        try:
            default_storage.delete(name)
        except Exception:  # noqa: BLE001 — storage unreachable: reported, retried by prune()
            logger.exception("could not delete %s of user job %s", name, job.pk)
            complete = False
    return complete


def prune(*, now: dt.datetime | None = None) -> None:
    """Delete old bookkeeping: period claims, dead workers' heartbeats, finished task results
    (a periodic job, so the tables do not grow by a row a minute forever)."""
    from django_tasks.backends.database.models import DBTaskResult

    from parindex.requests.models import JobRun, UserJob, WorkerHeartbeat

    now = now or timezone.now()
    JobRun.objects.filter(period_start__lt=now - JOBRUN_KEEP).delete()
    WorkerHeartbeat.objects.filter(last_seen__lt=now - HEARTBEAT_KEEP).delete()
    DBTaskResult.objects.finished().filter(finished_at__lt=now - JOBRUN_KEEP).delete()
    for job in UserJob.objects.filter(finished_at__lt=now - USERJOB_KEEP):
        if job.result_file:
            job.result_file.delete(save=False)
        if job.input_file:
            job.input_file.delete(save=False)
        job.delete()


def last_heartbeat() -> dt.datetime | None:
    """When any worker last showed a sign of life (None: no worker ever ran)."""
    from parindex.requests.models import WorkerHeartbeat

    return WorkerHeartbeat.objects.order_by("-last_seen").values_list("last_seen", flat=True).first()


# --- Long operations started from the UI --------------------------------------------------------


@dataclass
class JobOutcome:
    """What a user job returns: a message, and optionally a file to download or a link."""

    message: str = ""
    content: bytes | BinaryIO | None = None  # bytes, or an open (temporary) file for large results
    filename: str = ""
    url: str = ""
    details: list[str] = field(default_factory=list)
    once: bool = False
    extra: dict = field(default_factory=dict)


class JobHandle:
    """Given to a user-job function so it can report progress (throttled to keep writes cheap)."""

    def __init__(self, job):
        self.job = job
        self._last_write = None

    @property
    def user(self):
        return self.job.user

    def input_bytes(self) -> bytes:
        """The uploaded file of an import job."""
        if not self.job.input_file:
            raise ValueError("this job has no input file")
        with self.job.input_file.open("rb") as handle:
            return handle.read()

    def progress(self, done: int, total: int | None = None, message: str = "") -> None:
        from parindex.requests.models import UserJob

        self.job.done = done
        if total is not None:
            self.job.total = total
        if message:
            self.job.message = message[:500]
        now = timezone.now()
        last = self._last_write
        if last is None or (now - last) >= dt.timedelta(milliseconds=300) or done == self.job.total:
            UserJob.objects.filter(pk=self.job.pk).update(
                done=self.job.done, total=self.job.total, message=self.job.message
            )
            self._last_write = now


def start_user_job(
    *, user, label: str, func_path: str, kwargs: dict | None = None, input_file=None, back_url: str = ""
):
    """Queue ``func_path(job, **kwargs)`` on the worker for ``user``; returns the ``UserJob`` row.

    ``input_file``: an uploaded file (or bytes) the job reads with ``job.input_bytes()``.
    """
    from parindex.requests.models import UserJob

    import_string(func_path)  # fail now, in the request, if the path is wrong
    with transaction.atomic():
        job = UserJob.objects.create(
            user=user, label=label[:300], func_path=func_path, kwargs=kwargs or {}, back_url=back_url[:500]
        )
        if input_file is not None:
            name = getattr(input_file, "name", "") or "upload"
            content = input_file if hasattr(input_file, "read") else ContentFile(input_file)
            job.input_file.save(f"jobs/{job.pk}/input/{os.path.basename(name)[-100:]}", content, save=False)
            UserJob.objects.filter(pk=job.pk).update(input_file=job.input_file.name)
        result = run_user_job.enqueue(str(job.pk))
        UserJob.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
    job.refresh_from_db()
    return job


def _notify(user, title: str, body: str, url: str, level: str) -> None:
    from parindex.requests.models import Notification

    Notification.objects.create(user=user, title=title[:300], body=body, url=url[:500], level=level)


@task()
def run_user_job(job_id: str) -> None:
    """The django-tasks task behind ``start_user_job``."""
    from django.utils.translation import gettext as _

    from parindex.requests.models import UserJob

    job = UserJob.objects.select_related("user").filter(pk=job_id).first()
    if job is None or job.finished:
        return  # already done (a re-delivered task must not run twice)
    claimed = UserJob.objects.filter(pk=job.pk, status=UserJob.Status.QUEUED).update(
        status=UserJob.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return
    job.refresh_from_db()
    with translation.override(settings.LANGUAGE_CODE):
        try:
            func: Callable = import_string(job.func_path)
            outcome = func(JobHandle(job), **job.kwargs) or JobOutcome()
            job.refresh_from_db()
            if outcome.content is not None:
                content = outcome.content
                content = File(content) if hasattr(content, "read") else ContentFile(content)
                job.result_file.save(f"jobs/{job.pk}/{outcome.filename or 'result'}", content, save=False)
                job.result_name = outcome.filename or "result"
            job.result_url = outcome.url[:500]
            job.result_once = outcome.once
            job.details = [str(line) for line in outcome.details]
            job.result = dict(outcome.extra)
            job.message = (outcome.message or job.message)[:500]
            job.status = UserJob.Status.SUCCEEDED
            job.finished_at = timezone.now()
            if job.total:
                job.done = job.total
            job.save()
        except Exception as exc:  # noqa: BLE001 — any failure is reported to the user, never lost
            reason, details = _explain(exc)
            UserJob.objects.filter(pk=job.pk).update(
                status=UserJob.Status.FAILED, finished_at=timezone.now(), error=reason[:2000], details=details
            )
            _notify(
                job.user,
                _("Did not finish: %(label)s") % {"label": job.label},
                _("The operation stopped with an error: %(error)s") % {"error": reason},
                _job_url(job),
                "danger",
            )
            return
        finally:
            _drop_input(job)
        _notify(job.user, _("Ready: %(label)s") % {"label": job.label}, job.message, _job_url(job), "success")


def _explain(exc: Exception) -> tuple[str, list[str]]:
    """The user's message and detail lines for a failed job; unexpected errors are logged in full."""
    from django.core.exceptions import PermissionDenied, ValidationError
    from django.utils.translation import gettext as _

    from parindex.core.spreadsheets import SpreadsheetError

    if isinstance(exc, SpreadsheetError):
        return _("The file has errors; nothing was imported."), [str(error) for error in exc.errors][:500]
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)[:2000], list(exc.messages)[:500]
    if isinstance(exc, PermissionDenied):
        return str(exc) or _("You are not allowed to do this."), []
    logger.error("user job failed: %s\n%s", exc, traceback.format_exc())
    return str(exc) or exc.__class__.__name__, []


def _drop_input(job) -> None:
    from parindex.requests.models import UserJob

    if job.input_file:
        try:
            job.input_file.delete(save=False)
        except Exception:  # noqa: BLE001 — prune() retries later; the result matters more
            logger.exception("could not delete the input of user job %s", job.pk)
            return
        UserJob.objects.filter(pk=job.pk).update(input_file="")


def _job_url(job) -> str:
    from django.urls import reverse

    try:
        return reverse("requests:job_status", args=[job.pk])
    except Exception:  # noqa: BLE001 — a broken URLconf must not lose the notification
        logger.exception("no URL for user job %s", job.pk)
        return ""
