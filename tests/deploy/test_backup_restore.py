"""Backup → empty database and empty storage → restore finds every score, file and login again.

Runs on local files and on SeaweedFS (S3), and on whichever database the suite runs on
(SQLite, and PostgreSQL in CI through DATABASE_URL).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from parindex.assessments.evidence import content_bytes, store_upload
from parindex.assessments.models import Evidence, EvidenceLink, Score
from parindex.core.management.commands.backup import walk_storage
from parindex.frameworks.models import Criterion
from tests.assessments.factories import make_framework, open_test_round
from tests.deploy import samples
from tests.deploy.seaweed import s3_storages

pytestmark = pytest.mark.django_db(transaction=True)


def build_province_data(tree, officer_a1, officer_a2, district_manager_a):
    framework = make_framework(tree["P"])
    round_ = open_test_round(framework, district_manager_a, tree["DA"])
    for sheet in round_.assessments.all():
        for score in sheet.scores.select_related("criterion"):
            if score.criterion.source == Criterion.Source.SURVEY:
                continue
            score.self_points = (score.max_points * Decimal("0.75")).quantize(Decimal("0.0001"))
            score.note = f"Ghi chú {score.criterion.code} — “trích dẫn”"
            score.save()
    for index, (unit, user) in enumerate([(tree["A1"], officer_a1), (tree["A2"], officer_a2)]):
        sheet = round_.assessments.get(unit=unit)
        for number, data in enumerate([samples.pdf(f"{unit.code}-{index}"), samples.png(3 + index, 2)]):
            evidence = store_upload(
                unit=unit,
                year=2023,
                uploaded_file=content_bytes(data, f"Báo cáo số {number}.bin"),
                short_name=f"Báo cáo {number}",
                purpose="1.1",
                by=user,
            )
            EvidenceLink.objects.create(score=sheet.scores.get(criterion__code="1.1"), evidence=evidence)


def snapshot():
    scores = sorted(
        (s.assessment.unit.code, s.criterion.code, str(s.self_points), s.not_applicable, s.note)
        for s in Score.objects.select_related("assessment__unit", "criterion")
    )
    evidence = []
    for item in Evidence.objects.select_related("unit"):
        with default_storage.open(item.file.name, "rb") as handle:
            stored = hashlib.sha256(handle.read()).hexdigest()
        evidence.append((item.unit.code, item.generated_name, item.original_name, item.sha256, stored))
    links = sorted(
        (link.score.assessment.unit.code, link.score.criterion.code, link.evidence.generated_name)
        for link in EvidenceLink.objects.select_related(
            "score__assessment__unit", "score__criterion", "evidence"
        )
    )
    return {"scores": scores, "evidence": sorted(evidence), "links": links}


def empty_storage(request, storage_backend, settings, tmp_path):
    """Point the default storage at a new, empty place (a new directory or S3 prefix)."""
    if storage_backend == "local":
        settings.MEDIA_ROOT = tmp_path / f"media-{uuid.uuid4().hex}"
    else:
        server = request.getfixturevalue("seaweedfs")
        settings.STORAGES = {
            **settings.STORAGES,
            "default": s3_storages(server, f"restored-{uuid.uuid4().hex}"),
        }
    assert list(walk_storage(default_storage)) == []


def test_backup_then_restore_into_empty_database_and_storage_finds_everything_again(
    request, storage_backend, settings, tmp_path, tree, officer_a1, officer_a2, district_manager_a, client
):
    build_province_data(tree, officer_a1, officer_a2, district_manager_a)
    before = snapshot()
    assert len(before["evidence"]) == 4 and len(before["scores"]) == 14
    out = tmp_path / "backup"

    call_command("backup", str(out))

    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["database"]["counts"]["assessments.score"] == 14
    assert {entry["name"] for entry in manifest["files"]} >= {e.file.name for e in Evidence.objects.all()}
    assert manifest["missing_files"] == []

    call_command("flush", interactive=False, verbosity=0)
    empty_storage(request, storage_backend, settings, tmp_path)
    assert Score.objects.count() == 0 and Evidence.objects.count() == 0

    call_command("restore", str(out))

    assert snapshot() == before
    response = client.post(reverse("login"), {"username": "canbo.a1", "password": "mat-khau-thu-nghiem"})
    assert response.status_code == 302 and response.url == reverse("home")
    call_command("verify_evidence", grace_minutes=0)  # every restored file matches its checksum


def test_restore_refuses_a_damaged_backup_before_changing_anything(
    storage_backend, tmp_path, tree, officer_a1, officer_a2, district_manager_a
):
    build_province_data(tree, officer_a1, officer_a2, district_manager_a)
    out = tmp_path / "backup"
    call_command("backup", str(out))
    damaged = next((out / "files").rglob("*"), None)
    while damaged is not None and damaged.is_dir():
        damaged = next(damaged.iterdir())
    damaged.write_bytes(damaged.read_bytes() + b"tampered")
    call_command("flush", interactive=False, verbosity=0)

    with pytest.raises(CommandError, match="missing or damaged"):
        call_command("restore", str(out))
    assert Score.objects.count() == 0


def test_restore_refuses_a_database_that_already_holds_data(
    storage_backend, tmp_path, tree, officer_a1, officer_a2, district_manager_a
):
    build_province_data(tree, officer_a1, officer_a2, district_manager_a)
    out = tmp_path / "backup"
    call_command("backup", str(out))

    with pytest.raises(CommandError, match="already holds users or units"):
        call_command("restore", str(out))


def test_backup_refuses_a_directory_that_is_not_empty(tmp_path, tree):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "manifest.json").write_text("{}")
    with pytest.raises(CommandError, match="not empty"):
        call_command("backup", str(tmp_path / "old"))


# --- Issue 24, finding 10: bit-exact timestamps, private files, encryption with the operator's key ---


def every_timestamp():
    """(model, pk, field, value) of every date-time and time value in the database."""
    from django.apps import apps
    from django.db import models

    values = []
    for model in apps.get_models():
        meta = model._meta
        if not meta.managed or meta.proxy or meta.label_lower in ("sessions.session", "auth.permission"):
            continue
        fields = [
            f.attname for f in meta.concrete_fields if isinstance(f, models.DateTimeField | models.TimeField)
        ]
        if not fields:
            continue
        for row in model._base_manager.order_by("pk").values_list("pk", *fields):
            values.extend(
                (meta.label_lower, row[0], name, value) for name, value in zip(fields, row[1:], strict=True)
            )
    return sorted(values, key=repr)


def test_restore_gives_back_every_timestamp_to_the_microsecond(
    tmp_path, tree, officer_a1, officer_a2, district_manager_a
):
    import datetime as dt
    import shutil

    from parindex.accounts.models import User

    build_province_data(tree, officer_a1, officer_a2, district_manager_a)
    User.objects.filter(pk=officer_a1.pk).update(
        last_login=dt.datetime(2025, 11, 3, 2, 15, 7, 123456, tzinfo=dt.UTC)
    )
    before = every_timestamp()
    assert any(value.microsecond % 1000 for *_, value in before if value is not None)
    out = tmp_path / "backup"
    call_command("backup", str(out))
    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(default_storage.location, ignore_errors=True)

    call_command("restore", str(out))

    assert every_timestamp() == before


def test_backup_files_are_readable_by_their_owner_only(
    tmp_path, tree, officer_a1, officer_a2, district_manager_a
):
    import os

    build_province_data(tree, officer_a1, officer_a2, district_manager_a)
    out = tmp_path / "backup"
    previous = os.umask(0o022)  # a usual umask: new files would be 0644
    try:
        call_command("backup", str(out))
    finally:
        os.umask(previous)
    paths = [out, *out.rglob("*")]
    assert len([p for p in paths if p.is_file()]) >= 6  # manifest, dump, 4 evidence files
    for path in paths:
        mode = path.stat().st_mode & 0o777
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))


def _new_key(path):
    from pyrage import x25519

    identity = x25519.Identity.generate()
    path.write_text(f"# public key: {identity.to_public()}\n{identity}\n")
    return path


def test_an_encrypted_backup_is_unreadable_without_its_key_and_restores_with_it(
    tmp_path, settings, tree, officer_a1, officer_a2, district_manager_a
):
    import shutil

    build_province_data(tree, officer_a1, officer_a2, district_manager_a)
    before = snapshot()
    settings.PARINDEX_BACKUP_KEY_FILE = str(_new_key(tmp_path / "backup.key"))
    out = tmp_path / "backup"
    call_command("backup", str(out))

    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["encryption"]["format"] == "age"
    assert not (out / "database.jsonl.gz").exists() and (out / "database.jsonl.gz.age").exists()
    secret_bits = [officer_a1.password.encode(), b"canbo.a1", b"%PDF"]
    for path in out.rglob("*"):
        if path.is_file() and path.name != "manifest.json":
            assert path.name.endswith(".age")
            content = path.read_bytes()
            assert content.startswith(b"age-encryption.org/v1")
            assert not any(bit in content for bit in secret_bits), path

    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(default_storage.location, ignore_errors=True)
    settings.PARINDEX_BACKUP_KEY_FILE = ""
    with pytest.raises(CommandError, match="encrypted"):
        call_command("restore", str(out))
    settings.PARINDEX_BACKUP_KEY_FILE = str(_new_key(tmp_path / "other.key"))
    with pytest.raises(CommandError, match="does not open this backup"):
        call_command("restore", str(out))
    assert Score.objects.count() == 0 and list(walk_storage(default_storage)) == []  # nothing changed

    call_command("restore", str(out), key_file=str(tmp_path / "backup.key"))
    assert snapshot() == before
