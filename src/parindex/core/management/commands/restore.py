"""``parindex restore IN_DIR``: bring back a ``parindex backup`` into an empty installation.

Steps, each refusing to go on when something is wrong:

1. read ``manifest.json`` and check the SHA-256 of the database dump and of every file
   (a damaged or incomplete backup is refused before anything is changed); an encrypted
   backup (``….age``) needs the operator's key (``--key-file``, ``PARINDEX_BACKUP_KEY_FILE``
   or ``PARINDEX_BACKUP_KEY``): the dump is decrypted and checked first, so a missing or
   wrong key is refused with a clear message before anything is changed;
2. ``migrate`` (the schema of this version; older backups load through the same models);
3. refuse when the database already holds users or units, unless ``--flush`` (which
   empties every table first — the data is gone afterwards);
4. copy every file into the default storage under its original name (an existing object
   with the same checksum is kept; a different one stops the restore);
5. ``loaddata`` the dump in one transaction (sequences are reset by loaddata).

Run it with the application stopped (no gunicorn, no worker) so nothing writes meanwhile.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path

from django.apps import apps
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from parindex.core import backup_crypto
from parindex.core.management.commands.backup import CHUNK, DB_FILE, FORMAT, safe_relative, sha256_of
from parindex.core.security import open_stream


def stored_sha256(storage, name: str) -> str:
    digest = hashlib.sha256()
    source, _ = open_stream(name, storage)
    try:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
    finally:
        source.close()
    return digest.hexdigest()


class Command(BaseCommand):
    help = "Restore a backup made by `parindex backup` into an empty database and storage."

    def add_arguments(self, parser):
        parser.add_argument("in_dir", help="a directory written by `parindex backup`")
        parser.add_argument(
            "--flush",
            action="store_true",
            help="empty a database that already holds data first (destructive)",
        )
        parser.add_argument(
            "--key-file", help="age identity file of an encrypted backup (PARINDEX_BACKUP_KEY_FILE)"
        )

    def handle(self, *args, in_dir, flush=False, key_file=None, **options):
        source = Path(in_dir)
        manifest_path = source / "manifest.json"
        if not manifest_path.exists():
            raise CommandError(f"{manifest_path} is missing: not a parindex backup.")
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("format") != FORMAT:
            raise CommandError("manifest.json is not a parindex backup manifest.")
        encryption = manifest.get("encryption")
        suffix = backup_crypto.SUFFIX if encryption else ""
        checksum = "encrypted_sha256" if encryption else "sha256"
        database = manifest["database"]
        db_path = source / (DB_FILE + suffix)
        if not db_path.exists() or sha256_of(db_path) != database[checksum]:
            raise CommandError(f"{db_path} is missing or damaged (checksum differs from the manifest).")
        for entry in manifest["files"]:
            path = source / "files" / safe_relative(entry["name"] + suffix)
            if not path.exists() or sha256_of(path) != entry[checksum]:
                raise CommandError(f"backup file {entry['name']!r} is missing or damaged (checksum differs).")
        identities = []
        if encryption:
            identities = backup_crypto.configured_identities(key_file)
            if not identities:
                raise CommandError(
                    "This backup is encrypted (for "
                    + ", ".join(encryption.get("recipients", []))
                    + "): give its key with --key-file, PARINDEX_BACKUP_KEY_FILE or PARINDEX_BACKUP_KEY."
                )

        with contextlib.ExitStack() as stack:
            if encryption:
                # Decrypted (and checked) before anything changes: a wrong key stops here.
                plain_db = stack.enter_context(
                    backup_crypto.decrypted_copy(
                        db_path, identities, expected_sha256=database["sha256"], label=DB_FILE
                    )
                )
                dump = stack.enter_context(_named_copy(plain_db))
            else:
                dump = db_path
            self.stdout.write(
                f"Backup of {manifest['created_at']} verified: {len(manifest['files'])} files"
                + (" (decrypted)." if encryption else ".")
            )
            self._restore(source, manifest, dump, identities, flush=flush, suffix=suffix)

    def _restore(
        self, source: Path, manifest: dict, dump: Path, identities: list, *, flush: bool, suffix: str
    ):
        call_command("migrate", interactive=False, verbosity=0)
        User = apps.get_model("accounts", "User")
        Unit = apps.get_model("units", "Unit")
        if User.objects.exists() or Unit.objects.exists():
            if not flush:
                raise CommandError(
                    "The database already holds users or units. Restore into an empty database, "
                    "or pass --flush to delete everything in it first."
                )
            call_command("flush", interactive=False, verbosity=0)

        for entry in manifest["files"]:
            name = entry["name"]
            if default_storage.exists(name):
                if stored_sha256(default_storage, name) != entry["sha256"]:
                    raise CommandError(
                        f"the storage already holds a different {name!r}; restore into empty storage."
                    )
                continue
            path = source / "files" / safe_relative(name + suffix)
            with contextlib.ExitStack() as stack:
                if suffix:
                    handle = stack.enter_context(
                        backup_crypto.decrypted_copy(
                            path, identities, expected_sha256=entry["sha256"], label=name
                        )
                    )
                else:
                    handle = stack.enter_context(path.open("rb"))
                saved = default_storage.save(name, File(handle, name=name))
            if saved != name:
                default_storage.delete(saved)
                raise CommandError(f"the storage renamed {name!r} to {saved!r}; restore into empty storage.")

        with transaction.atomic():
            call_command("loaddata", str(dump), verbosity=0)
        counts = manifest["database"].get("counts", {})
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {sum(counts.values())} rows and {len(manifest['files'])} files from {source}."
            )
        )


@contextlib.contextmanager
def _named_copy(handle):
    """The decrypted dump as a private named file for ``loaddata`` (which reads a path), removed afterwards."""
    import os
    import shutil
    import tempfile

    directory = Path(tempfile.mkdtemp(prefix="parindex-restore-"))  # 0700
    path = directory / DB_FILE
    try:
        with backup_crypto.open_private(path) as out:
            shutil.copyfileobj(handle, out, CHUNK)
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        directory.rmdir()
