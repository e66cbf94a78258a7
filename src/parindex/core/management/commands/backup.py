"""``parindex backup OUT_DIR``: the database and every stored file, with a checksummed manifest.

Layout of OUT_DIR (created; must not exist or be empty)::

    manifest.json        what is in the backup: UTC time, database vendor, row counts per
                         model, and name, size and SHA-256 of every file (the database dump too)
    database.jsonl.gz    Django's dumpdata (JSON Lines) of every app (natural keys for content types and
                         permissions), portable between SQLite and PostgreSQL
    files/<name>         every object of the default storage (local or S3) under its own name

Why dumpdata and not pg_dump: one format for both databases (a commune's SQLite trial can
be restored into the province's PostgreSQL), restored through the same migrations and
checked by the same code. For a large PostgreSQL installation, operators should *also*
run pg_dump / continuous archiving (docs/deployment.md); this command is the logical,
application-level backup that ``parindex restore`` and its test guarantee.

Consistency: the dump is read in one transaction (REPEATABLE READ on PostgreSQL, a read
snapshot on SQLite); files are copied afterwards. Evidence files are write-once under
unique keys, so a file added while the backup runs is at worst an extra file in the
backup; a file the database references but the storage lacks is listed as missing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from parindex.core.security import open_stream

FORMAT = "parindex-backup"
VERSION = 1
DB_FILE = "database.jsonl.gz"  # JSON Lines: loaddata reads it line by line, not whole
# Rebuilt by `migrate` (content types, permissions) or worthless after a restore (sessions).
EXCLUDED_MODELS = ["contenttypes", "auth.permission", "sessions.session"]
CHUNK = 1024 * 1024


def walk_storage(storage, path: str = ""):
    """Every file name in ``storage`` below ``path`` (recursively, sorted)."""
    try:
        directories, files = storage.listdir(path)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{path}/{name}" if path else name
    for directory in sorted(directories):
        yield from walk_storage(storage, f"{path}/{directory}" if path else directory)


def safe_relative(name: str) -> PurePosixPath:
    """A storage name as a relative path that cannot leave the backup directory."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise CommandError(f"refusing unsafe file name in storage or manifest: {name!r}")
    return path


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def copy_out(storage, name: str, target: Path) -> tuple[int, str]:
    """Stream one stored file to ``target``; return (size, sha256)."""
    digest = hashlib.sha256()
    size = 0
    target.parent.mkdir(parents=True, exist_ok=True)
    source, _ = open_stream(name, storage)
    try:
        with target.open("wb") as out:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
    finally:
        source.close()
    return size, digest.hexdigest()


def model_counts() -> dict[str, int]:
    excluded = {"contenttypes.contenttype", "auth.permission", "sessions.session"}
    counts = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in excluded or not model._meta.managed or model._meta.proxy:
            continue
        counts[label] = model._base_manager.count()
    return counts


class Command(BaseCommand):
    help = "Back up the database and every stored file (evidence…) into OUT_DIR with a checksummed manifest."

    def add_arguments(self, parser):
        parser.add_argument("out_dir", help="directory to create (must not exist or be empty)")
        parser.add_argument(
            "--no-files", action="store_true", help="database only (files are backed up elsewhere)"
        )

    def handle(self, *args, out_dir, no_files=False, **options):
        out = Path(out_dir)
        if out.exists() and any(out.iterdir()):
            raise CommandError(f"{out} is not empty; give a new directory for each backup.")
        out.mkdir(parents=True, exist_ok=True)
        os.chmod(out, 0o700)  # the dump holds password hashes and personal data
        db_path = out / DB_FILE
        outermost = not connection.in_atomic_block
        with transaction.atomic():
            # One snapshot for the whole dump (only possible as the transaction's first statement).
            if connection.vendor == "postgresql" and outermost:
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            counts = model_counts()
            call_command(
                "dumpdata",
                format="jsonl",
                exclude=EXCLUDED_MODELS,
                natural_foreign=True,
                use_base_manager=True,
                output=str(db_path),
                verbosity=0,
            )
        files = []
        if not no_files:
            for name in walk_storage(default_storage):
                size, digest = copy_out(default_storage, name, out / "files" / safe_relative(name))
                files.append({"name": name, "size": size, "sha256": digest})
        Evidence = apps.get_model("assessments", "Evidence")
        stored = {entry["name"] for entry in files}
        missing = (
            []
            if no_files
            else sorted(
                name
                for name in Evidence.objects.exclude(file="").values_list("file", flat=True).iterator()
                if name not in stored
            )
        )
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "database": {
                "vendor": connection.vendor,
                "file": DB_FILE,
                "size": db_path.stat().st_size,
                "sha256": sha256_of(db_path),
                "counts": counts,
            },
            "files_included": not no_files,
            "files": files,
            "missing_files": missing,
        }
        (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
        total = sum(entry["size"] for entry in files)
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {out}: {sum(counts.values())} rows, {len(files)} files ({total / 1048576:.1f} MB)."
            )
        )
        if missing:
            self.stderr.write(
                self.style.WARNING(
                    f"{len(missing)} evidence file(s) referenced by the database are missing from storage."
                )
            )
