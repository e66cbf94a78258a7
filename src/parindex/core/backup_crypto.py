"""Encryption of backups with the operator's key (the age format, https://age-encryption.org).

Why age (through ``pyrage``, the Python binding of the Rust implementation ``rage``): it
streams (64 KB authenticated chunks, so a large dump or evidence file never has to fit in
memory), it is a published format that operators can also open without parindex
(``age -d -i backup.key file.age``, Debian package ``age``), and it separates the public
*recipient* (``age1…``, enough to write a backup) from the secret *identity*
(``AGE-SECRET-KEY-1…``, needed only to restore). A backup host therefore needs no secret.

Configuration (settings, from the environment; a command option overrides it):

* ``PARINDEX_BACKUP_KEY_FILE`` — an identity file as ``age-keygen`` writes it (``#`` comment
  lines and one or more ``AGE-SECRET-KEY-1…`` lines); used to encrypt (its public half) and
  to decrypt;
* ``PARINDEX_BACKUP_KEY`` — the same identity given directly (e.g. from a secret store);
* ``PARINDEX_BACKUP_RECIPIENTS`` — comma-separated ``age1…`` public keys: encrypt only.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

SUFFIX = ".age"
FORMAT = "age"


def _pyrage():
    import pyrage

    return pyrage


def parse_identities(text: str, *, source: str) -> list:
    from pyrage import IdentityError, x25519

    lines = [line.strip() for line in text.splitlines()]
    keys = [line for line in lines if line and not line.startswith("#")]
    if not keys:
        raise CommandError(f"{source} holds no backup key (an AGE-SECRET-KEY-1… line, as age-keygen writes).")
    identities = []
    for key in keys:
        try:
            identities.append(x25519.Identity.from_str(key))
        except IdentityError:
            raise CommandError(f"{source} is not an age secret key (AGE-SECRET-KEY-1…).")
    return identities


def configured_identities(key_file: str | None = None) -> list:
    """The operator's secret key(s): ``--key-file``, else PARINDEX_BACKUP_KEY_FILE, else PARINDEX_BACKUP_KEY."""
    path = key_file or getattr(settings, "PARINDEX_BACKUP_KEY_FILE", "")
    if path:
        try:
            text = Path(path).read_text()
        except OSError as exc:
            raise CommandError(f"cannot read the backup key file {path}: {exc.strerror}.")
        return parse_identities(text, source=f"the backup key file {path}")
    value = getattr(settings, "PARINDEX_BACKUP_KEY", "")
    if value:
        return parse_identities(value, source="PARINDEX_BACKUP_KEY")
    return []


def configured_recipients(*, key_file: str | None = None, recipients: list[str] | None = None) -> list:
    """Public keys to encrypt to: given ``recipients``, else the configured ones, plus the
    public half of the configured identity. Empty when nothing is configured (no encryption)."""
    from pyrage import RecipientError, x25519

    wanted = list(recipients or getattr(settings, "PARINDEX_BACKUP_RECIPIENTS", ()) or ())
    found = []
    for value in wanted:
        try:
            found.append(x25519.Recipient.from_str(value.strip()))
        except RecipientError:
            raise CommandError(f"{value!r} is not an age public key (age1…).")
    found.extend(identity.to_public() for identity in configured_identities(key_file))
    unique = {str(r): r for r in found}
    return list(unique.values())


def encrypt_file(plain: Path, recipients: list) -> Path:
    """Encrypt ``plain`` into ``plain.age`` (mode 0600) and remove ``plain``."""
    target = plain.with_name(plain.name + SUFFIX)
    with plain.open("rb") as source, open_private(target) as out:
        _pyrage().encrypt_io(source, out, recipients)
    plain.unlink()
    return target


def open_private(path: Path):
    """Create ``path`` for writing, readable and writable by its owner only (0600)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return os.fdopen(fd, "wb")


def decrypted_copy(encrypted: Path, identities: list, *, expected_sha256: str, label: str):
    """Decrypt ``encrypted`` into an anonymous temporary file and check its SHA-256.

    Returns the open temporary file (at position 0); it disappears when closed. A wrong key
    and a damaged file are told apart in the message.
    """
    pyrage = _pyrage()
    plain = tempfile.TemporaryFile()  # noqa: SIM115 — returned to the caller, who closes it
    try:
        with encrypted.open("rb") as source:
            pyrage.decrypt_io(source, plain, identities)
    except pyrage.DecryptError as exc:
        plain.close()
        if "No matching keys" in str(exc):
            raise CommandError(
                "The backup key does not open this backup: it was encrypted for another key "
                f"({label}). Give the key it was made with (--key-file or PARINDEX_BACKUP_KEY_FILE)."
            )
        raise CommandError(f"{label} cannot be decrypted: the file is damaged ({exc}).")
    plain.seek(0)
    digest = hashlib.sha256()
    while chunk := plain.read(1024 * 1024):
        digest.update(chunk)
    if digest.hexdigest() != expected_sha256:
        plain.close()
        raise CommandError(f"{label} is damaged: its checksum after decryption differs from the manifest.")
    plain.seek(0)
    return plain
