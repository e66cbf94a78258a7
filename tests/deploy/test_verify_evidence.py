"""`parindex verify_evidence` finds damaged, missing and orphaned evidence files (local and S3)."""

from __future__ import annotations

import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError

from parindex.assessments.evidence import content_bytes, store_upload
from tests.deploy import samples


def upload(unit, user, text):
    return store_upload(
        unit=unit,
        year=2024,
        uploaded_file=content_bytes(samples.pdf(text), f"{text}.pdf"),
        short_name=text,
        purpose="1.1",
        by=user,
    )


def overwrite(name: str, data: bytes) -> None:
    """Change a stored object in place (what bit rot or a careless operator does)."""
    if hasattr(default_storage, "bucket"):
        default_storage.bucket.put_object(Key=default_storage._normalize_name(name), Body=data)
    else:
        with open(default_storage.path(name), "wb") as handle:
            handle.write(data)


@pytest.mark.django_db
def test_all_files_intact_passes(storage_backend, tree, officer_a1, capsys):
    upload(tree["A1"], officer_a1, "Bao cao 1")
    upload(tree["A1"], officer_a1, "Bao cao 2")
    call_command("verify_evidence", grace_minutes=0)
    assert "Checked 2 evidence files: 2 ok, 0 missing, 0 damaged, 0 orphaned." in capsys.readouterr().out


@pytest.mark.django_db
def test_damaged_missing_and_orphaned_files_are_reported(storage_backend, tree, officer_a1, capsys):
    intact = upload(tree["A1"], officer_a1, "Bao cao 1")
    damaged = upload(tree["A1"], officer_a1, "Bao cao 2")
    missing = upload(tree["A1"], officer_a1, "Bao cao 3")
    overwrite(damaged.file.name, samples.pdf("changed after upload"))
    default_storage.delete(missing.file.name)
    orphan = default_storage.save("evidence/999/2024/leftover", ContentFile(b"no row points here"))

    with pytest.raises(CommandError, match="2 evidence file"):
        call_command("verify_evidence", "--json", grace_minutes=0)

    report = json.loads(capsys.readouterr().out)
    assert report["checked"] == 3 and report["ok"] == 1
    assert [item["id"] for item in report["damaged"]] == [damaged.pk]
    assert [item["id"] for item in report["missing"]] == [missing.pk]
    assert report["orphaned"] == [{"file": orphan}]
    assert intact.pk not in {item["id"] for item in report["damaged"] + report["missing"]}


@pytest.mark.django_db
def test_fresh_unreferenced_files_are_not_orphans_yet(storage_backend, tree, officer_a1, capsys):
    default_storage.save("evidence/1/2024/upload-in-progress", ContentFile(b"row not committed yet"))
    call_command("verify_evidence", "--fail-on-orphans")
    assert "0 orphaned" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("verify_evidence", "--fail-on-orphans", grace_minutes=0)
