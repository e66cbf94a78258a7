"""``parindex verify_evidence``: every evidence file against its checksum, and the orphans.

For every ``Evidence`` row with a file: the object must exist in the storage and its
SHA-256 and size must equal those recorded at upload (read as a stream, never whole).
Then every object under ``evidence/`` that no row references is reported as orphaned;
objects younger than ``--grace-minutes`` are skipped (an upload writes its file just
before its row commits). Nothing is changed or deleted, unless ``--delete-orphans``.

Orphans come from an upload whose process died between storing the file and committing its
row (a web server killed, see `make drill`); the user saw an error and nothing points at the
file. ``sweep_orphaned_evidence()`` (the daily periodic job ``assessments.sweep_orphaned_evidence``)
and ``--delete-orphans`` delete them once older than the grace period (default 60 minutes:
no upload takes that long between storing and committing). Evidence rows are never deleted
by the application, so an unreferenced object under ``evidence/`` has no other owner.

Exit status: 1 when a file is missing or damaged (and, with ``--fail-on-orphans``, when
orphans exist), so cron or a monitoring job can alert on it. ``--json`` prints a report
for machines. Pattern after paperless-ngx's sanity checker.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json as json_module
import logging

from django.apps import apps
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from parindex.core.management.commands.backup import CHUNK, walk_storage
from parindex.core.security import open_stream

logger = logging.getLogger("parindex.storage")

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
    report["orphaned"] = [{"file": name} for name in orphans(storage, referenced, grace=grace)]
    return report


def orphans(
    storage, referenced: set[str], *, grace: dt.timedelta, now: dt.datetime | None = None
) -> list[str]:
    """Objects under ``evidence/`` that no row references and that are older than ``grace``."""
    cutoff = (now or timezone.now()) - grace
    found = []
    for name in walk_storage(storage, EVIDENCE_PREFIX):
        if name in referenced:
            continue
        try:
            modified = storage.get_modified_time(name)
        except (NotImplementedError, OSError):
            modified = None
        if modified is not None and modified > cutoff:
            continue
        found.append(name)
    return found


def referenced_evidence() -> set[str]:
    Evidence = apps.get_model("assessments", "Evidence")
    return set(Evidence.objects.exclude(file="").values_list("file", flat=True))


def delete_orphans(storage, names: list[str]) -> list[str]:
    """Delete ``names`` unless a row started referencing one meanwhile; returns the deleted ones."""
    Evidence = apps.get_model("assessments", "Evidence")
    deleted = []
    for name in names:
        if Evidence.objects.filter(file=name).exists():
            continue
        storage.delete(name)
        deleted.append(name)
    return deleted


def sweep_orphaned_evidence(*, now: dt.datetime | None = None, grace: dt.timedelta = dt.timedelta(hours=1)):
    """The daily periodic job: delete orphaned evidence files older than ``grace``."""
    deleted = delete_orphans(
        default_storage, orphans(default_storage, referenced_evidence(), grace=grace, now=now)
    )
    for name in deleted:
        logger.warning("deleted orphaned evidence file %s (no row references it)", name)
    return deleted


class Command(BaseCommand):
    help = "Check every stored evidence file against its SHA-256; report missing, damaged and orphaned files."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument("--fail-on-orphans", action="store_true", help="exit 1 when orphaned files exist")
        parser.add_argument(
            "--delete-orphans",
            action="store_true",
            dest="delete",
            help="delete the orphaned files found (older than the grace period)",
        )
        parser.add_argument(
            "--grace-minutes",
            type=int,
            default=60,
            help="ignore unreferenced files younger than this (default 60)",
        )

    def handle(
        self,
        *args,
        json: bool = False,
        fail_on_orphans: bool = False,
        delete: bool = False,
        grace_minutes: int = 60,
        **options,
    ):
        report = verify(grace=dt.timedelta(minutes=grace_minutes))
        if delete:
            deleted = set(delete_orphans(default_storage, [o["file"] for o in report["orphaned"]]))
            for item in report["orphaned"]:
                item["deleted"] = item["file"] in deleted
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
                self.stdout.write(f"{'DELETED ' if item.get('deleted') else 'ORPHANED'} {item['file']}")
        problems = len(report["missing"]) + len(report["damaged"])
        left = [item for item in report["orphaned"] if not item.get("deleted")]
        if problems or (fail_on_orphans and left):
            raise CommandError(
                f"{problems} evidence file(s) missing or damaged, {len(report['orphaned'])} orphaned."
            )
