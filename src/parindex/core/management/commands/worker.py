"""``parindex worker``: the django-tasks database worker plus the periodic scheduler.

One process runs both: a daemon thread (heartbeat, recovery of lost workers' tasks and,
unless ``--no-scheduler``, ``schedule_due_jobs`` every ``--tick`` seconds) and the queue
worker in the main thread (so Ctrl-C / SIGTERM stop it gracefully through django-tasks' own
signal handling). Any number of workers may run at once: periods are claimed with a unique
row, tasks with a row lock.

Faults (exercised by ``make drill``, docs/deployment.md): at start-up the worker fails the
tasks still marked running under its own id (a restart after a kill); every tick it fails
the tasks of workers silent for ``PARINDEX_WORKER_LOST_SECONDS`` (``core.jobs``). When the
database goes away (PostgreSQL restarted or failed over) the queue loop does not exit: it
waits (1, 2, 5, 10, then every 30 s), reconnects, fails the task it was running when the
connection broke, and goes on.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.management.base import BaseCommand
from django.db import InterfaceError, OperationalError, close_old_connections, connection
from django_tasks.backends.database.management.commands.db_worker import Worker
from django_tasks.utils import get_random_id

from parindex.core import jobs

logger = logging.getLogger("parindex.jobs")

RECONNECT_DELAYS = (1, 2, 5, 10, 30)  # seconds between attempts while the database is away


def scheduler_tick(worker_id: str, *, schedule: bool = True) -> list[str]:
    """One pass: heartbeat, fail the tasks of lost workers, enqueue the periodic jobs due now."""
    jobs.beat(worker_id)
    jobs.recover_lost_tasks()
    return jobs.schedule_due_jobs(worker_id=worker_id) if schedule else []


class Command(BaseCommand):
    help = "Run background tasks and the periodic scheduler (reminders, exports, …)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds between queue polls when idle."
        )
        parser.add_argument("--tick", type=float, default=15.0, help="Seconds between scheduler passes.")
        parser.add_argument("--no-scheduler", action="store_true", help="Only run queued tasks.")
        parser.add_argument(
            "--queue-name", default="default", help="Queues to process, comma-separated ('*' = all)."
        )
        parser.add_argument(
            "--once",
            action="store_true",
            help="One scheduler pass, then run every queued task and exit (for cron and tests).",
        )
        parser.add_argument("--worker-id", default=None, help="Unique id of this worker (default: random).")

    def handle(self, *args, **options):
        worker_id = (options["worker_id"] or get_random_id())[:64]
        schedule = not options["no_scheduler"]
        # Whatever is still "running" under this id was left by a previous process (killed).
        jobs.recover_lost_tasks(own_worker_id=worker_id)
        if options["once"]:
            enqueued = scheduler_tick(worker_id, schedule=schedule)
            if schedule:
                self.stdout.write(f"scheduled: {', '.join(enqueued) or '-'}")
            stop = threading.Event()
            beating = self._start_ticks(worker_id, options["tick"], schedule=False, stop=stop)
            try:
                self._worker(options, worker_id, batch=True).run()
            finally:
                stop.set()
                beating.join(timeout=5)
            return
        stop = threading.Event()
        self._start_ticks(worker_id, options["tick"], schedule=schedule, stop=stop, first_now=True)
        self.stdout.write(f"parindex worker {worker_id} started (scheduler: {'on' if schedule else 'off'})")
        worker = self._worker(options, worker_id, batch=False)
        worker.configure_signals()
        try:
            self._run_through_database_loss(worker)
        finally:
            stop.set()

    def _run_through_database_loss(self, worker: Worker) -> None:
        """Run the queue loop; when the database connection breaks, wait, reconnect and go on."""
        failures = 0
        while worker.running:
            try:
                worker.run()
                return
            except (OperationalError, InterfaceError) as exc:
                delay = RECONNECT_DELAYS[min(failures, len(RECONNECT_DELAYS) - 1)]
                failures += 1
                logger.warning("database unavailable (%s); worker retries in %s s", exc, delay)
                self._forget_connections()
                time.sleep(delay)
            try:
                # This worker runs one task at a time: the one it held when the connection broke
                # is lost (its transaction was rolled back by the database).
                jobs.recover_lost_tasks(own_worker_id=worker.worker_id)
                failures = 0
            except (OperationalError, InterfaceError):
                self._forget_connections()

    @staticmethod
    def _forget_connections() -> None:
        try:
            connection.close()
        except Exception:  # noqa: BLE001 — a broken connection may fail to close; it is dropped anyway
            connection.connection = None

    def _start_ticks(self, worker_id: str, tick: float, *, schedule: bool, stop, first_now: bool = False):
        thread = threading.Thread(
            target=self._tick_loop,
            args=(worker_id, tick, schedule, stop, first_now),
            name="parindex-scheduler",
            daemon=True,
        )
        thread.start()
        return thread

    def _worker(self, options, worker_id: str, *, batch: bool) -> Worker:
        return Worker(
            queue_names=options["queue_name"].split(","),
            interval=options["interval"],
            batch=batch,
            backend_name="default",
            startup_delay=not batch,
            max_tasks=None,
            worker_id=worker_id[:64],
        )

    def _tick_loop(self, worker_id: str, tick: float, schedule: bool, stop, first_now: bool) -> None:
        if not first_now and stop.wait(tick):
            return
        while not stop.is_set():
            try:
                close_old_connections()
                scheduler_tick(worker_id, schedule=schedule)
            except (OperationalError, InterfaceError) as exc:
                logger.warning("scheduler pass skipped: database unavailable (%s)", exc)
            except Exception:  # noqa: BLE001 — a bad pass must not kill the thread
                logger.exception("scheduler pass failed")
            finally:
                connection.close()
            if stop.wait(tick):
                return
