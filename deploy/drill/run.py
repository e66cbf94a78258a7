"""`make drill`: the production topology on loopback, a bounded load, one fault at a time.

Starts SeaweedFS (S3), an SMTP sink, two gunicorn servers behind nginx, two `parindex worker`s,
all on 127.0.0.1 with free ports, and a fresh PostgreSQL database (``--database``, default
``drill``) on the cluster at 127.0.0.1:5432. Loads a small generated province
(`parindex generate_load`), then runs the phases of docs/deployment.md §9 and prints the table:
fault, requests, errors the user saw, what was lost or doubled (must be 0), how interrupted jobs
ended. Exit status 0 only when nothing was lost or doubled. Every process it started is stopped at
the end and PostgreSQL is left running. About 5 minutes; never part of `make test`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import platform
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load as loadmod  # noqa: E402 — the drill's own modules, beside this file
import smtp_sink  # noqa: E402
import table  # noqa: E402
import topology as topo  # noqa: E402
from topology import Proc, wait_for  # noqa: E402

PASSWORD = "mat-khau-thu-nghiem"  # noqa: S105 — the generated users' password (parindex.loadgen)
IMPORT_UNITS = 20
SAVERS, UPLOADERS = 6, 4


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC] {message}", flush=True)


class Drill:
    def __init__(self, args):
        self.args = args
        self.base = Path(tempfile.mkdtemp(prefix="parindex-drill-"))
        self.logs = self.base / "logs"
        self.logs.mkdir()
        self.proxy_port, web1, web2, self.smtp_port = topo.free_ports(4)
        self.web_ports = [web1, web2]
        self.mail_file = str(self.base / "mail.jsonl")
        self.env = {
            "PATH": f"{topo.BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": os.environ.get("HOME", "/root"),
            "LANG": "C.UTF-8",
            "DJANGO_SETTINGS_MODULE": "parindex.settings",
            "DATABASE_URL": f"postgres://postgres@{topo.PG_HOST}:{topo.PG_PORT}/{args.database}",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PARINDEX_DATA_DIR": str(self.base / "data"),
            "PARINDEX_BEHIND_PROXY": "1",
            "PARINDEX_SITE_URL": f"http://127.0.0.1:{self.proxy_port}",
            "PARINDEX_LOG_LEVEL": "WARNING",
            "PARINDEX_WORKER_LOST_SECONDS": "10",
            "PARINDEX_WEB_WORKERS": "2",
            "PARINDEX_WEB_TIMEOUT": "60",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.smtp_port),
            "EMAIL_TIMEOUT": "5",
        }
        if os.environ.get("PYTHONPATH"):  # e.g. another checkout's src/ to drill older code
            self.env["PYTHONPATH"] = os.environ["PYTHONPATH"]
        self.s3 = topo.SeaweedFS(self.base / "seaweed", self.env, self.logs)
        self.env.update(
            {
                "PARINDEX_STORAGE": "s3",
                "PARINDEX_S3_ENDPOINT": self.s3.endpoint,
                "PARINDEX_S3_BUCKET": self.s3.BUCKET,
                "PARINDEX_S3_ACCESS_KEY": self.s3.ACCESS_KEY,
                "PARINDEX_S3_SECRET_KEY": self.s3.SECRET_KEY,
            }
        )
        self.webs: list[Proc] = []
        self.workers: dict[str, Proc] = {}
        self.smtp: Proc | None = None
        self.nginx: topo.Nginx | None = None
        self.phases: list[table.Phase] = []
        self.extra_requests = 0

    # --- start-up -------------------------------------------------------------------------------

    def parindex(self, *argv: str, check: bool = True) -> str:
        result = subprocess.run(
            [str(topo.BIN / "parindex"), *argv], env=self.env, cwd=topo.ROOT, capture_output=True, text=True
        )
        if check and result.returncode:
            raise RuntimeError(
                f"parindex {' '.join(argv)} failed:\n{result.stdout[-2000:]}{result.stderr[-3000:]}"
            )
        return result.stdout

    def setup(self) -> None:
        topo.ensure_debian_packages()
        topo.ensure_postgres()
        log(f"working directory {self.base}")
        self.s3.start(create_bucket=True)
        log(f"SeaweedFS S3 on {self.s3.endpoint}")
        topo.recreate_database(self.args.database)
        self.parindex("migrate", "--noinput", "-v0")
        self.parindex("createcachetable")
        self.parindex(
            "generate_load",
            "--provinces=1",
            f"--communes-per-province={self.args.communes}",
            "--departments-per-province=12",
            "--years=2",
            "--evidence=0",
            "--heavy-evidence=0",
            "--no-national",
        )
        log(f"database {self.args.database}: migrated, load data generated")
        os.environ.update(self.env)
        import logging

        import django

        django.setup()
        for name in ("parindex", "parindex.audit", "parindex.request"):  # the drill's own writes: quiet
            logging.getLogger(name).setLevel(logging.WARNING)
        self.prepare_data()
        self.smtp = self.smtp_proc().start()
        wait_for(lambda: _port_open(self.smtp_port), seconds=30, what="SMTP sink")
        for i, port in enumerate(self.web_ports, start=1):
            self.webs.append(self.web_proc(i, port).start())
        self.nginx = topo.Nginx(self.base / "nginx", self.proxy_port, self.web_ports, self.env, self.logs)
        self.nginx.start()
        for worker_id in ("drill-w1", "drill-w2"):
            self.workers[worker_id] = self.worker_proc(worker_id).start()
        wait_for(self.workers_beating, seconds=60, what="two workers' heartbeats")
        log(
            f"nginx on 127.0.0.1:{self.proxy_port} -> gunicorn {self.web_ports}; 2 workers; SMTP sink :{self.smtp_port}"
        )

    def smtp_proc(self) -> Proc:
        argv = [
            sys.executable,
            str(Path(smtp_sink.__file__)),
            "--port",
            str(self.smtp_port),
            "--out",
            self.mail_file,
        ]
        return Proc("smtp", argv, env=self.env, logdir=self.logs)

    def web_proc(self, index: int, port: int) -> Proc:
        env = {
            **self.env,
            "PARINDEX_BIND": f"127.0.0.1:{port}",
            # Its database sessions carry its name, so the drill can see which server waits on a lock.
            "DATABASE_URL": f"{self.env['DATABASE_URL']}?application_name=web{index}",
        }
        argv = [str(topo.BIN / "gunicorn"), "-c", str(topo.ROOT / "deploy" / "gunicorn.conf.py")]
        return Proc(f"web{index}", argv, env=env, logdir=self.logs)

    def worker_proc(self, worker_id: str) -> Proc:
        argv = [
            str(topo.BIN / "parindex"),
            "worker",
            "--worker-id",
            worker_id,
            "--tick",
            "2",
            "--interval",
            "0.2",
        ]
        return Proc(worker_id, argv, env=self.env, logdir=self.logs)

    def workers_beating(self) -> bool:
        from parindex.requests.models import WorkerHeartbeat

        fresh = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=10)
        alive = [w for w, p in self.workers.items() if p.alive]
        return (
            len(alive) == 2
            and WorkerHeartbeat.objects.filter(worker_id__in=alive, last_seen__gte=fresh).count() == 2
        )

    def prepare_data(self) -> None:
        """Pick the users, leaves and rounds the load uses; API tokens; e-mail addresses."""
        from django.contrib.auth import get_user_model

        from parindex.api.actions import create_token
        from parindex.assessments.models import Assessment, Round, Score
        from parindex.results.models import Publication
        from parindex.units.models import Membership, Unit

        User = get_user_model()
        province = Unit.objects.get(code="LG01")
        self.province_id = province.pk
        self.manager = User.objects.get(username="lg01-manager")
        self.manager_token = create_token(user=self.manager, name="drill", expires_in_days=1)[1]
        year = Round.objects.order_by("-year").values_list("year", flat=True).first()
        # The publication: last year's commune round, fully appraised. The generator published it;
        # the drill takes that publication out of its own database (as bench/measure.py does) so
        # the round can be computed, approved and published again through the pages.
        self.publish_round = next(
            r
            for r in Round.objects.filter(owner_unit=province, year=year - 1).select_related("framework")
            if "commune" in r.framework.unit_kinds
        )
        Publication.objects.filter(round=self.publish_round).delete()
        Round.objects.filter(pk=self.publish_round.pk).update(status=Round.Status.APPRAISAL)
        sheets = list(
            Assessment.objects.filter(
                round__year=year,
                status=Assessment.Status.DRAFT,
                unit__kind__in=["commune", "ward", "special_zone"],
            )
            .select_related("unit")
            .order_by("unit__code")[: SAVERS + UPLOADERS]
        )
        leaves = []
        for sheet in sheets:
            score = (
                Score.objects.filter(assessment=sheet, criterion__method="binary")
                .exclude(criterion__source="survey")
                .order_by("criterion__code")
                .first()
            )
            officer = User.objects.get(username=f"{sheet.unit.code.lower()}-officer")
            token = create_token(user=officer, name="drill", expires_in_days=1)[1]
            leaves.append({"token": token, "sheet": sheet.pk, "score": score.pk, "version": score.version})
        self.load = loadmod.Load(self.proxy_port, savers=leaves[:SAVERS], uploaders=leaves[SAVERS:])
        # Reminder e-mails go to the communes' heads and officers.
        roles = [Membership.Role.UNIT_HEAD, Membership.Role.UNIT_OFFICER]
        ids = Membership.objects.filter(
            unit__parent=province, unit__kind__in=["commune", "ward", "special_zone"], role__in=roles
        ).values("user_id")
        for user in User.objects.filter(pk__in=ids):
            user.email = f"{user.username}@drill.example"
            user.email_notifications = True
            user.save(update_fields=["email", "email_notifications"])

    # --- helpers ----------------------------------------------------------------------------------

    def db(self):
        """A fresh connection for the drill's own checks (PostgreSQL may have restarted)."""
        from django.db import connection

        try:
            connection.close()
        except Exception:  # noqa: BLE001
            connection.connection = None
        return connection

    def manager_session(self) -> loadmod.Http:
        client = loadmod.Http(self.proxy_port, timeout=60)
        client.login(self.manager.username, PASSWORD)
        self.extra_requests += 2
        return client

    def wait_job(self, job_id, statuses: tuple[str, ...], seconds: float = 90):
        from parindex.requests.models import UserJob

        def done():
            self.db()
            job = UserJob.objects.get(pk=job_id)
            return job if job.status in statuses else None

        try:
            return wait_for(done, seconds=seconds, what=f"job {job_id} to be {'/'.join(statuses)}", every=0.3)
        except RuntimeError:
            self.db()
            return UserJob.objects.get(pk=job_id)  # still queued/running: reported as stuck

    @staticmethod
    def ended(job, seconds: int) -> str:
        return job.status if job.finished else f"still {job.status} {seconds} s later (stuck)"

    def job_from_redirect(self, status: int, headers: dict, data: bytes):
        if status != 302 or "/requests/jobs/" not in headers.get("Location", ""):
            raise RuntimeError(f"expected a redirect to a job page, got {status}: {data[:500]!r}")
        return headers["Location"].rstrip("/").split("/")[-1]

    def claimed_by(self, job_id) -> str:
        from django_tasks.backends.database.models import DBTaskResult

        from parindex.requests.models import UserJob

        def worker():
            self.db()
            job = UserJob.objects.get(pk=job_id)
            if job.status != UserJob.Status.RUNNING or not job.task_id:
                return None
            task = DBTaskResult.objects.get(pk=job.task_id)
            return task.worker_ids[-1] if task.status == "RUNNING" and task.worker_ids else None

        return wait_for(worker, seconds=60, what=f"a worker to start job {job_id}", every=0.05)

    def blocked_on_lock(self) -> bool:
        out = topo.psql("SELECT count(*) FROM pg_locks WHERE NOT granted", self.args.database)
        return int(out.strip() or 0) > 0

    def lock(self, sql: str):
        import psycopg

        conn = psycopg.connect(
            f"host={topo.PG_HOST} port={topo.PG_PORT} user=postgres dbname={self.args.database}"
        )
        conn.execute(sql)
        return conn  # the transaction stays open until conn.rollback()

    def restart_worker(self, old_id: str, new_id: str) -> None:
        proc = self.workers.pop(old_id)
        if proc.alive:
            proc.kill()
        self.workers[new_id] = self.worker_proc(new_id).start()

    def background_load(self, seconds: float, **kwargs):
        import threading

        box = {}
        thread = threading.Thread(target=lambda: box.update(self.load.run(seconds, **kwargs)), daemon=True)
        thread.start()
        return thread, box

    # --- checks -----------------------------------------------------------------------------------

    def damage(self, *, imported: int | None = None) -> dict[str, int]:
        from django.apps import apps
        from django.db import models
        from django_tasks.backends.database.models import DBTaskResult

        from parindex.assessments.models import Round, Score
        from parindex.requests.models import UserJob
        from parindex.results.models import Publication

        self.db()
        stored = {
            pk: (version, (inputs or {}).get("value"))
            for pk, version, inputs in Score.objects.filter(pk__in=list(self.load.acknowledged)).values_list(
                "pk", "version", "inputs"
            )
        }
        published = Publication.objects.filter(status=Publication.Status.PUBLISHED)
        half = published.exclude(round__status=Round.Status.CLOSED).exclude(round__isnull=True).count()
        half += (
            Round.objects.filter(status=Round.Status.CLOSED)
            .exclude(pk__in=published.values("round_id"))
            .filter(pk=self.publish_round.pk)
            .count()
        )
        referenced = set()
        for model in apps.get_models():
            for f in model._meta.concrete_fields:
                if isinstance(f, models.FileField):
                    referenced.update(
                        n for n in model.objects.exclude(**{f.name: ""}).values_list(f.name, flat=True) if n
                    )
        keys = self.s3.keys()
        stale = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=60)
        stuck = UserJob.objects.filter(status__in=[UserJob.Status.QUEUED, UserJob.Status.RUNNING]).count()
        stuck += DBTaskResult.objects.filter(status="RUNNING", started_at__lt=stale).count()
        result = {
            "lost saves": table.lost_saves(self.load.acknowledged, stored),
            "half-published": half,
            "orphaned files": len(table.orphaned_files(keys, referenced, transient=("healthz/",))),
            "rows without files": len(table.rows_without_files(referenced, keys)),
            "jobs stuck": stuck,
        }
        if imported is not None:
            from parindex.units.models import Unit

            result["half-imported"] = table.half_done(
                Unit.objects.filter(code__startswith="LG01-DR").count(), imported
            )
        return result

    def phase(self, fault: str, stats: dict, started: float, **checks) -> table.Phase:
        phase = table.Phase(
            fault=fault,
            requests=stats.get("requests", 0) + self.extra_requests,
            user_errors=stats.get("errors", 0),
            statuses=Counter(stats.get("statuses", {})),
        )
        self.extra_requests = 0
        phase.damage = self.damage(**checks)
        phase.seconds = time.monotonic() - started
        self.phases.append(phase)
        log(
            f"{fault}: {phase.requests} requests, {phase.user_errors} errors seen, damage {phase.damage}, {phase.jobs}"
        )
        return phase

    # --- the faults -------------------------------------------------------------------------------

    def baseline(self) -> None:
        started = time.monotonic()
        stats = self.load.run(6)
        self.phase("none (baseline load)", stats, started)

    def worker_killed_mid_publication(self) -> None:
        from parindex.results.models import Publication

        started = time.monotonic()
        thread, stats = self.background_load(30, uploaders=0)
        web = self.manager_session()
        review = f"/results/round/{self.publish_round.pk}/"
        token = web.csrf(review)
        job_id = self.job_from_redirect(*web.form(review, {"step": "compute", "grouping": "kind"}, token))
        self.wait_job(job_id, ("succeeded",))
        status, _h, data = web.form(
            review,
            {
                "step": "approve",
                "decision_number": "99/QĐ-UBND",
                "decision_date": dt.date.today().isoformat(),
            },
            token,
        )
        self.extra_requests += 3
        publication = Publication.objects.get(round=self.publish_round)
        if publication.status != Publication.Status.APPROVED:
            raise RuntimeError(f"approval not recorded ({status}): {data[:300]!r}")
        # Hold the publication's row lock: the publish job blocks inside its transaction, and the
        # worker is killed there, mid-publication.
        held = self.lock(f"SELECT 1 FROM results_publication WHERE id = {int(publication.pk)} FOR UPDATE")  # noqa: S608 — an integer id
        job_id = self.job_from_redirect(*web.form(review, {"step": "publish"}, token))
        worker = self.claimed_by(job_id)
        wait_for(self.blocked_on_lock, seconds=30, what="the publish job to reach the publication lock")
        log(f"killing {worker} (SIGKILL) while it publishes")
        self.workers[worker].kill()
        held.rollback()
        held.close()
        # The worker comes back under the same id (systemd Restart=always): at start-up it fails
        # the task it left running.
        self.restart_worker(worker, worker)
        first = self.wait_job(job_id, ("failed", "succeeded"), seconds=60)
        outcome = f"publish: {self.ended(first, 60)}"
        if first.status == "failed":
            self.db()
            again = self.job_from_redirect(*web.form(review, {"step": "publish"}, web.csrf(review)))
            self.extra_requests += 2
            second = self.wait_job(again, ("succeeded", "failed"))
            outcome = f"publish: failed cleanly, started again: {self.ended(second, 90)}"
        thread.join()
        phase = self.phase("worker killed mid-publication", stats, started)
        phase.jobs.append(outcome)
        self.db()
        publication.refresh_from_db()
        from parindex.core.models import AuditEntry

        records = AuditEntry.objects.filter(action="results.publish", object_id=str(publication.pk)).count()
        phase.damage["published twice"] = max(0, records - 1)
        phase.notes.append(f"publication {publication.pk}: {publication.status}, {records} publish record(s)")

    def worker_killed_mid_import(self) -> None:
        started = time.monotonic()
        thread, stats = self.background_load(40, uploaders=0)
        web = self.manager_session()
        content = self.units_workbook()
        held = self.lock("LOCK TABLE units_unit IN SHARE MODE")
        page = "/units/import/"
        status, headers, data = web.multipart(
            page,
            {"csrfmiddlewaretoken": web.csrf(page)},
            {
                "file": (
                    "don-vi-dien-tap.xlsx",
                    content,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                )
            },
            extra={"Referer": f"http://127.0.0.1:{self.proxy_port}{page}"},
        )
        job_id = self.job_from_redirect(status, headers, data)
        worker = self.claimed_by(job_id)
        wait_for(self.blocked_on_lock, seconds=30, what="the import job to reach the units table")
        log(f"killing {worker} (SIGKILL) while it imports; the other worker must notice")
        self.workers[worker].kill()
        held.rollback()
        held.close()
        # Not restarted yet: the surviving worker fails the job once the dead one has been silent
        # for PARINDEX_WORKER_LOST_SECONDS (10 s in the drill).
        first = self.wait_job(job_id, ("failed", "succeeded"), seconds=60)
        outcome = f"import: {self.ended(first, 60)}"
        self.restart_worker(worker, f"{worker}-restarted")
        if first.status == "failed":
            status, headers, data = web.multipart(
                page,
                {"csrfmiddlewaretoken": web.csrf(page)},
                {
                    "file": (
                        "don-vi-dien-tap.xlsx",
                        content,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    )
                },
                extra={"Referer": f"http://127.0.0.1:{self.proxy_port}{page}"},
            )
            self.extra_requests += 2
            second = self.wait_job(self.job_from_redirect(status, headers, data), ("succeeded", "failed"))
            outcome = f"import: failed cleanly, started again: {self.ended(second, 90)}"
        thread.join()
        self.extra_requests += 3
        phase = self.phase("worker killed mid-import", stats, started, imported=IMPORT_UNITS)
        phase.jobs.append(outcome)
        from parindex.units.models import Unit

        created = Unit.objects.filter(code__startswith="LG01-DR").count()
        phase.notes.append(f"{created} of {IMPORT_UNITS} units created, once")

    def units_workbook(self) -> bytes:
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.append(["Mã đơn vị", "Tên đơn vị", "Loại đơn vị", "Mã đơn vị cấp trên"])
        for i in range(1, IMPORT_UNITS + 1):
            sheet.append([f"LG01-DR{i:02d}", f"Xã Diễn Tập {i}", "Xã", "LG01"])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    def web_server_killed_during_uploads(self) -> None:
        started = time.monotonic()
        thread, stats = self.background_load(16)
        time.sleep(3)
        # Make sure the kill lands in the worst moment of an upload: its file already stored in S3,
        # its evidence row not committed yet (the INSERT waits on this table lock).
        held = self.lock("LOCK TABLE assessments_evidence IN SHARE MODE")
        try:
            wait_for(self.web1_waiting, seconds=30, what="an upload on web1 to wait for its row")
            caught = True
        except RuntimeError:
            caught = False
        log("killing web1 (gunicorn master and workers, SIGKILL) during uploads")
        self.webs[0].kill()
        held.rollback()
        held.close()
        time.sleep(5)
        self.webs[0] = self.web_proc(1, self.web_ports[0]).start()
        wait_for(
            lambda: topo.http_ok(f"http://127.0.0.1:{self.web_ports[0]}/healthz"),
            seconds=60,
            what="web1 back",
        )
        thread.join()
        before = self.damage()["orphaned files"]
        # The daily sweep (assessments.sweep_orphaned_evidence) deletes files no row references
        # once older than an hour; the drill runs the same code with no grace (no upload in flight).
        out = self.parindex("verify_evidence", "--delete-orphans", "--grace-minutes=0", check=False)
        swept = out.count("DELETED ")
        phase = self.phase("web server killed during uploads", stats, started)
        phase.jobs.append(
            f"uploads killed after storing their file: {before} orphaned file(s), {swept} swept, "
            + ("deleted" if before == swept else "not all deleted")
        )
        if not caught:
            phase.notes.append("no upload was caught waiting on web1: the kill landed at a random moment")

    def web1_waiting(self) -> bool:
        """Whether a database session of web1 waits for a lock."""
        sql = (
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE NOT l.granted AND a.application_name = 'web1'"
        )
        return int(topo.psql(sql, self.args.database).strip() or 0) > 0

    def postgres_restarted_under_load(self) -> None:
        started = time.monotonic()
        thread, stats = self.background_load(18)
        time.sleep(4)
        log("restarting PostgreSQL (pg_ctlcluster restart -m fast) under load")
        topo.pg_ctl("restart")
        wait_for(topo.pg_ready, seconds=60, what="PostgreSQL back")
        thread.join()
        # Both workers must have outlived the restart and still run jobs.
        phase = self.phase("PostgreSQL restarted under load", stats, started)
        dead = [w for w, p in self.workers.items() if not p.alive]
        web = self.manager_session()
        review = f"/results/round/{self.publish_round.pk}/"
        job_id = self.job_from_redirect(*web.form(review, {"step": "export"}, web.csrf(review)))
        self.extra_requests += 2
        job = self.wait_job(job_id, ("succeeded", "failed"), seconds=60)
        phase.jobs.append(f"export after the restart: {self.ended(job, 60)}")
        if dead:
            phase.jobs.append(f"workers that died with the database: {', '.join(dead)}")
        phase.requests += self.extra_requests
        self.extra_requests = 0

    def s3_down_during_uploads(self) -> None:
        started = time.monotonic()
        thread, stats = self.background_load(16)
        time.sleep(3)
        log("stopping SeaweedFS during uploads")
        self.s3.stop()
        time.sleep(5)
        self.s3.start()
        log("SeaweedFS back")
        thread.join()
        self.phase("S3 server down during uploads", stats, started)

    def smtp_down_during_reminders(self) -> None:
        from parindex.requests.models import Delivery

        started = time.monotonic()
        log("stopping the SMTP sink; issuing a request to every commune")
        self.smtp.stop()
        api = loadmod.Http(self.proxy_port, token=self.manager_token)
        deadline = (dt.datetime.now(dt.UTC) + dt.timedelta(days=10)).isoformat()
        status, body = api.json(
            "POST",
            "/api/v1/requests",
            {
                "issuing_unit_id": self.province_id,
                "number": "99/DT-SNV",
                "subject": "Diễn tập: báo cáo CCHC",
                "deadline": deadline,
                "recipient_kinds": ["commune", "ward", "special_zone"],
            },
        )
        if status != 201:
            raise RuntimeError(f"issuing the request answered {status}: {body}")
        request_id = body["id"]
        # Plan and try at once (what the workers' minute job does), while the SMTP server is down.
        out = self.parindex("send_reminders")
        log(f"with SMTP down: {out.strip()}")
        emails = Delivery.objects.filter(
            channel=Delivery.Channel.EMAIL, step__recipient__request_id=request_id
        )
        self.db()
        failed_first = emails.filter(attempts__gte=1).exclude(status=Delivery.Status.SENT).count()
        time.sleep(3)
        self.smtp = self.smtp_proc().start()
        wait_for(lambda: _port_open(self.smtp_port), seconds=30, what="SMTP sink back")
        log("SMTP sink back; waiting for the retries (1 minute back-off, the workers' minute job)")

        def all_sent():
            self.db()
            return not emails.exclude(status=Delivery.Status.SENT).exists()

        try:
            wait_for(all_sent, seconds=200, what="every reminder e-mail to be sent", every=2)
        except RuntimeError as exc:
            log(str(exc))  # counted below as e-mails lost
        time.sleep(3)  # a second, duplicate delivery would arrive now
        self.db()
        expected = [(address, "") for address in emails.values_list("address", flat=True)]
        mine = [(to, subject) for to, subject in smtp_sink.read(self.mail_file) if "99/DT-SNV" in subject]
        received = [(to, "") for to, _subject in mine]
        twice, lost = table.duplicated_messages(mine), table.missing_messages(expected, received)
        stats = {"requests": emails.count() + 1, "errors": 0, "statuses": {}}
        phase = self.phase("SMTP server down during reminders", stats, started)
        phase.damage["e-mails twice"], phase.damage["e-mails lost"] = twice, lost
        phase.notes.append(f"{failed_first} e-mails failed while SMTP was down, all sent after it came back")
        unsent = emails.exclude(status=Delivery.Status.SENT).count()
        phase.jobs.append(
            f"{emails.count()} reminder e-mails: {failed_first} retried, "
            + (f"{unsent} still unsent (stuck)" if unsent else "succeeded")
        )

    # --- run ----------------------------------------------------------------------------------------

    def run(self) -> int:
        begun = time.monotonic()
        try:
            self.setup()
            for step in (
                self.baseline,
                self.worker_killed_mid_publication,
                self.worker_killed_mid_import,
                self.web_server_killed_during_uploads,
                self.postgres_restarted_under_load,
                self.s3_down_during_uploads,
                self.smtp_down_during_reminders,
            ):
                step()
        except Exception as exc:  # noqa: BLE001 — report what was measured, then fail
            log(f"drill aborted: {exc.__class__.__name__}: {exc}")
            import traceback

            traceback.print_exc()
            for proc in [*self.webs, *self.workers.values()]:
                if proc.tail():
                    print(f"--- {proc.name} log (end) ---\n{proc.tail(1500)}", file=sys.stderr)
            self.phases.append(table.Phase(fault=f"aborted: {exc}"[:120], damage={"jobs stuck": 1}))
        finally:
            self.teardown()
        minutes = (time.monotonic() - begun) / 60
        title = (
            f"parindex fault drill — {dt.datetime.now(dt.UTC):%d/%m/%Y %Hh%M} UTC, {platform.node()}, "
            f"{os.cpu_count()} cores, {minutes:.1f} min".replace(".", ",")
        )
        report = table.render(self.phases, title=title)
        print("\n" + report)
        (self.base / "table.md").write_text(table.markdown(self.phases) + "\n")
        print(f"\nlogs: {self.logs}; Markdown table: {self.base / 'table.md'}")
        ok = bool(self.phases) and all(p.ok for p in self.phases)
        if ok and not self.args.keep:
            shutil.rmtree(self.base / "seaweed", ignore_errors=True)
        return 0 if ok else 1

    def teardown(self) -> None:
        if getattr(self, "load", None):
            self.load.stop.set()
            time.sleep(1)
        if self.nginx:
            self.nginx.proc.kill(signal.SIGTERM)
            self.nginx = None
        for proc in [*self.workers.values(), *self.webs]:
            proc.stop()
        if self.nginx:
            self.nginx.proc.kill(signal.SIGTERM)
        if self.smtp:
            self.smtp.stop()
        self.s3.stop()
        if not topo.pg_ready():
            topo.pg_ctl("start")
            wait_for(topo.pg_ready, seconds=60, what="PostgreSQL")
        try:
            from django.db import connection

            connection.close()
        except Exception:  # noqa: BLE001, S110 — the drill's own connection; the database is dropped next
            pass
        if not self.args.keep:
            topo.psql(f'DROP DATABASE IF EXISTS "{self.args.database}" WITH (FORCE)')


def _port_open(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database", default="drill", help="PostgreSQL database to (re)create (default drill)"
    )
    parser.add_argument("--communes", type=int, default=40, help="communes in the generated province")
    parser.add_argument("--keep", action="store_true", help="keep the database and the working directory")
    args = parser.parse_args()
    sys.exit(Drill(args).run())


if __name__ == "__main__":
    main()
