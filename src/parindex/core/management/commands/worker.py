"""``parindex worker``: the django-tasks database worker plus the periodic scheduler.

One process runs both: the scheduler in a daemon thread (heartbeat + ``schedule_due_jobs``
every ``--tick`` seconds) and the queue worker in the main thread (so Ctrl-C / SIGTERM
stop it gracefully through django-tasks' own signal handling). Any number of workers
may run at once: periods are claimed with a unique row, tasks with a row lock.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection
from django_tasks.backends.database.management.commands.db_worker import Worker
from django_tasks.utils import get_random_id

from parindex.core import jobs

logger = logging.getLogger("parindex.jobs")


def scheduler_tick(worker_id: str) -> list[str]:
    """One scheduler pass: heartbeat, then enqueue the periodic jobs due now."""
    jobs.beat(worker_id)
    return jobs.schedule_due_jobs(worker_id=worker_id)


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
        worker_id = options["worker_id"] or get_random_id()
        if options["once"]:
            if not options["no_scheduler"]:
                enqueued = scheduler_tick(worker_id)
                self.stdout.write(f"scheduled: {', '.join(enqueued) or '-'}")
            self._worker(options, worker_id, batch=True).run()
            return
        if not options["no_scheduler"]:
            thread = threading.Thread(
                target=self._scheduler_loop,
                args=(worker_id, options["tick"]),
                name="parindex-scheduler",
                daemon=True,
            )
            thread.start()
        self.stdout.write(
            f"parindex worker {worker_id} started (scheduler: {'off' if options['no_scheduler'] else 'on'})"
        )
        worker = self._worker(options, worker_id, batch=False)
        worker.configure_signals()
        worker.run()

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

    def _scheduler_loop(self, worker_id: str, tick: float) -> None:
        while True:
            try:
                close_old_connections()
                scheduler_tick(worker_id)
            except Exception:  # noqa: BLE001 — a bad pass must not kill the scheduler
                logger.exception("scheduler pass failed")
            finally:
                connection.close()
            time.sleep(tick)
