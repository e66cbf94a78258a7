"""``parindex verify_evidence``: every evidence file against its checksum, and the orphans.

For every ``Evidence`` row with a file: the object must exist in the storage and its
SHA-256 and size must equal those recorded at upload (read as a stream, never whole).
Then every object under ``evidence/`` that no row references is reported as orphaned;
objects younger than ``--grace-minutes`` are skipped (an upload writes its file just
before its row commits). Nothing is changed or deleted.

Exit status: 1 when a file is missing or damaged (and, with ``--fail-on-orphans``, when
orphans exist), so cron or a monitoring job can alert on it. ``--json`` prints a report
for machines. Pattern after paperless-ngx's sanity checker.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json as json_module

from django.apps import apps
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from parindex.core.management.commands.backup import CHUNK, walk_storage
from parindex.core.security import open_stream

EVIDENCE_PREFIX = "evidence"


def file_digest(storage, name: str) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    source, _ = open_stream(name, storage)
    try:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    finally:
        source.close()
    return digest.hexdigest(), size


def verify(storage=None, *, grace: dt.timedelta = dt.timedelta(hours=1)) -> dict:
    """The check itself, as data: ``{"checked", "ok", "missing", "damaged", "orphaned"}``."""
    storage = storage or default_storage
    Evidence = apps.get_model("assessments", "Evidence")
    report = {"checked": 0, "ok": 0, "missing": [], "damaged": [], "orphaned": []}
    referenced = set()
    rows = (
        Evidence.objects.exclude(file="")
        .select_related("unit")
        .only("pk", "file", "sha256", "size", "generated_name", "unit__code")
    )
    for evidence in rows.iterator(chunk_size=500):
        name = evidence.file.name
        referenced.add(name)
        report["checked"] += 1
        where = {"id": evidence.pk, "unit": evidence.unit.code, "name": evidence.generated_name, "file": name}
        if not storage.exists(name):
            report["missing"].append(where)
            continue
        digest, size = file_digest(storage, name)
        if digest != evidence.sha256 or size != evidence.size:
            report["damaged"].append({**where, "expected_sha256": evidence.sha256, "actual_sha256": digest})
            continue
        report["ok"] += 1
    cutoff = timezone.now() - grace
    for name in walk_storage(storage, EVIDENCE_PREFIX):
        if name in referenced:
            continue
        try:
            modified = storage.get_modified_time(name)
        except (NotImplementedError, OSError):
            modified = None
        if modified is not None and modified > cutoff:
            continue
        report["orphaned"].append({"file": name})
    return report


class Command(BaseCommand):
    help = "Check every stored evidence file against its SHA-256; report missing, damaged and orphaned files."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument("--fail-on-orphans", action="store_true", help="exit 1 when orphaned files exist")
        parser.add_argument(
            "--grace-minutes",
            type=int,
            default=60,
            help="ignore unreferenced files younger than this (default 60)",
        )

    def handle(
        self, *args, json: bool = False, fail_on_orphans: bool = False, grace_minutes: int = 60, **options
    ):
        report = verify(grace=dt.timedelta(minutes=grace_minutes))
        if json:
            self.stdout.write(json_module.dumps(report, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(
                f"Checked {report['checked']} evidence files: {report['ok']} ok, "
                f"{len(report['missing'])} missing, {len(report['damaged'])} damaged, "
                f"{len(report['orphaned'])} orphaned."
            )
            for item in report["missing"]:
                self.stdout.write(f"MISSING  #{item['id']} {item['unit']} {item['name']} ({item['file']})")
            for item in report["damaged"]:
                self.stdout.write(f"DAMAGED  #{item['id']} {item['unit']} {item['name']} ({item['file']})")
            for item in report["orphaned"]:
                self.stdout.write(f"ORPHANED {item['file']}")
        problems = len(report["missing"]) + len(report["damaged"])
        if problems or (fail_on_orphans and report["orphaned"]):
            raise CommandError(
                f"{problems} evidence file(s) missing or damaged, {len(report['orphaned'])} orphaned."
            )
