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
