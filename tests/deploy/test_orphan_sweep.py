"""Files left in storage by an upload whose web process was killed between storing the file and
committing its row (found by `make drill`, docs/deployment.md §9) are deleted by a daily sweep once
they are older than the grace period; referenced and fresh files are never touched."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone
from django.utils.module_loading import import_string

from parindex.core import jobs
from parindex.core.management.commands.verify_evidence import verify
from tests.deploy.test_verify_evidence import upload


@pytest.mark.django_db
def test_a_file_left_by_a_killed_upload_is_deleted_by_the_daily_sweep_after_the_grace_period(
    storage_backend, tree, officer_a1
):
    kept = upload(tree["A1"], officer_a1, "Bao cao 1")
    leftover = default_storage.save("evidence/999/2024/killed-upload", ContentFile(b"no row points here"))
    job = jobs.PERIODIC["assessments.sweep_orphaned_evidence"]
    assert job.every == dt.timedelta(days=1)
    sweep = import_string(job.func_path)

    sweep()  # right after the kill: younger than the grace period, it may still get its row
    assert default_storage.exists(leftover)

    deleted = sweep(now=timezone.now() + dt.timedelta(hours=2))

    assert deleted == [leftover]
    assert not default_storage.exists(leftover)
    assert default_storage.exists(kept.file.name)
    report = verify(grace=dt.timedelta(0))
    assert report["orphaned"] == [] and report["ok"] == 1


@pytest.mark.django_db
def test_verify_evidence_deletes_the_orphans_it_reports_when_asked(storage_backend, tree, officer_a1, capsys):
    kept = upload(tree["A1"], officer_a1, "Bao cao 1")
    leftover = default_storage.save("evidence/999/2024/killed-upload", ContentFile(b"no row points here"))

    call_command("verify_evidence", "--delete-orphans", grace_minutes=0)

    out = capsys.readouterr().out
    assert "1 orphaned" in out and f"DELETED  {leftover}" in out
    assert not default_storage.exists(leftover) and default_storage.exists(kept.file.name)
    call_command("verify_evidence", "--fail-on-orphans", grace_minutes=0)
    assert "0 orphaned" in capsys.readouterr().out
