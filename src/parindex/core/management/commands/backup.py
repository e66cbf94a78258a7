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

Exact: timestamps are written whole (``core.jsonl_exact``; Django's own JSON encoder would
cut them to milliseconds), so a restore gives back every row bit for bit.

Private: the directory is 0700 and every file 0600 (the dump holds password hashes, TOTP
keys and personal data). With an operator key configured (``PARINDEX_BACKUP_KEY_FILE``,
``PARINDEX_BACKUP_KEY`` or ``PARINDEX_BACKUP_RECIPIENTS``; ``--key-file``/``--recipient``)
the dump and every file are encrypted in the age format (``core.backup_crypto``) and named
``….age``; the manifest then records the checksums of both the encrypted and the plain
content, and which public key(s) can open it. ``--no-encrypt`` writes plain files although a
key is configured.

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
from django.core import serializers
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from parindex.core import backup_crypto
from parindex.core.security import open_stream

FORMAT = "parindex-backup"
VERSION = 2  # 2: whole timestamps, optional age encryption (restore reads 1 and 2)
EXACT_FORMAT = "jsonl-exact"
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
    make_private_dirs(target.parent)
    source, _ = open_stream(name, storage)
    try:
        with backup_crypto.open_private(target) as out:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
    finally:
        source.close()
    return size, digest.hexdigest()


def make_private_dirs(path: Path) -> None:
    """Create ``path`` and its missing parents with mode 0700."""
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for directory in reversed(missing):
        directory.mkdir(mode=0o700)
        os.chmod(directory, 0o700)  # mkdir's mode is reduced by the umask


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
        parser.add_argument(
            "--key-file",
            help="age identity file whose public key encrypts the backup (PARINDEX_BACKUP_KEY_FILE)",
        )
        parser.add_argument(
            "--recipient",
            action="append",
            help="age public key (age1…) to encrypt to; repeatable (PARINDEX_BACKUP_RECIPIENTS)",
        )
        parser.add_argument(
            "--no-encrypt", action="store_true", help="write plain files even though a key is configured"
        )

    def handle(
        self, *args, out_dir, no_files=False, key_file=None, recipient=None, no_encrypt=False, **options
    ):
        recipients = (
            [] if no_encrypt else backup_crypto.configured_recipients(key_file=key_file, recipients=recipient)
        )
        out = Path(out_dir)
        if out.exists() and any(out.iterdir()):
            raise CommandError(f"{out} is not empty; give a new directory for each backup.")
        # The dump holds password hashes, TOTP keys and personal data: owner only, whatever the umask.
        previous_umask = os.umask(0o077)
        try:
            make_private_dirs(out)
            os.chmod(out, 0o700)
            self._backup(out, no_files=no_files, recipients=recipients)
        finally:
            os.umask(previous_umask)

    def _backup(self, out: Path, *, no_files: bool, recipients: list) -> None:
        serializers.register_serializer(EXACT_FORMAT, "parindex.core.jsonl_exact")
        db_path = out / DB_FILE
        backup_crypto.open_private(db_path).close()  # 0600 before dumpdata writes into it
        outermost = not connection.in_atomic_block
        with transaction.atomic():
            # One snapshot for the whole dump (only possible as the transaction's first statement).
            if connection.vendor == "postgresql" and outermost:
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            counts = model_counts()
            call_command(
                "dumpdata",
                format=EXACT_FORMAT,
                exclude=EXCLUDED_MODELS,
                natural_foreign=True,
                use_base_manager=True,
                output=str(db_path),
                verbosity=0,
            )
        os.chmod(db_path, 0o600)
        database = {"vendor": connection.vendor, "file": DB_FILE, "size": db_path.stat().st_size}
        database["sha256"] = sha256_of(db_path)
        if recipients:
            encrypted = backup_crypto.encrypt_file(db_path, recipients)
            database["encrypted_sha256"] = sha256_of(encrypted)
        database["counts"] = counts
        files = []
        if not no_files:
            for name in walk_storage(default_storage):
                target = out / "files" / safe_relative(name)
                size, digest = copy_out(default_storage, name, target)
                entry = {"name": name, "size": size, "sha256": digest}
                if recipients:
                    entry["encrypted_sha256"] = sha256_of(backup_crypto.encrypt_file(target, recipients))
                files.append(entry)
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
            "encryption": (
                {"format": backup_crypto.FORMAT, "recipients": [str(r) for r in recipients]}
                if recipients
                else None
            ),
            "database": database,
            "files_included": not no_files,
            "files": files,
            "missing_files": missing,
        }
        with backup_crypto.open_private(out / "manifest.json") as handle:
            handle.write(json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"))
        total = sum(entry["size"] for entry in files)
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {out}: {sum(counts.values())} rows, {len(files)} files ({total / 1048576:.1f} MB)"
                + (", encrypted (age)." if recipients else ".")
            )
        )
        if not recipients:
            self.stderr.write(
                self.style.WARNING(
                    "The backup is not encrypted (files 0600): set PARINDEX_BACKUP_KEY_FILE to encrypt it."
                )
            )
        if missing:
            self.stderr.write(
                self.style.WARNING(
                    f"{len(missing)} evidence file(s) referenced by the database are missing from storage."
                )
            )
