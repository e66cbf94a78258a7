"""Evidence upload, download and ZIP through the real views, on local files and on SeaweedFS (S3)."""

from __future__ import annotations

import hashlib
import io
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from parindex.assessments.evidence import content_bytes, store_upload
from parindex.assessments.models import Evidence, EvidenceLink
from tests.assessments.factories import make_framework, open_test_round
from tests.deploy import samples

MB = 1024 * 1024


@pytest.fixture
def sheet_a1(tree, district_manager_a):
    round_ = open_test_round(make_framework(tree["P"]), district_manager_a, tree["DA"])
    return round_.assessments.get(unit=tree["A1"])


def upload_through_the_page(client, sheet, data: bytes, name: str, short_name: str):
    score = sheet.scores.get(criterion__code="1.1")
    return client.post(
        reverse("assessments:add_evidence", args=[sheet.pk, score.pk]),
        {"kind": "upload", "file": SimpleUploadedFile(name, data), "short_name": short_name},
    )


@pytest.mark.django_db
def test_evidence_uploaded_on_the_page_is_stored_downloaded_and_zipped(
    storage_backend, client, sheet_a1, head_a1
):
    client.force_login(head_a1)
    document = samples.pdf("Kế hoạch CCHC năm 2024")
    picture = samples.png(4, 4)
    upload_through_the_page(client, sheet_a1, document, "Kế hoạch.pdf", "Ke hoach CCHC")
    upload_through_the_page(client, sheet_a1, picture, "ảnh.png", "Anh chup")
    stored = {e.generated_name: e for e in Evidence.objects.filter(unit=sheet_a1.unit)}
    assert len(stored) == 2, "both uploads were accepted"

    for evidence, data in zip(
        sorted(stored.values(), key=lambda e: e.content_type), [document, picture], strict=True
    ):
        assert evidence.sha256 == hashlib.sha256(data).hexdigest()
        response = client.get(reverse("assessments:evidence_download", args=[evidence.pk]))
        assert response.status_code == 200
        assert response.streaming
        assert b"".join(response.streaming_content) == data
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith("attachment;")
        assert evidence.generated_name.rsplit(".", 1)[0] in response["Content-Disposition"]

    response = client.get(reverse("assessments:evidence_zip", args=[sheet_a1.pk]))
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    contents = {name.rsplit("/", 1)[-1]: archive.read(name) for name in archive.namelist()}
    for name, evidence in stored.items():
        assert hashlib.sha256(contents[name]).hexdigest() == evidence.sha256


@pytest.mark.django_db
def test_a_50_mb_evidence_download_is_streamed(storage_backend, client, sheet_a1, head_a1):
    data = samples.pdf("big") + b"0" * (50 * MB - 200)
    evidence = store_upload(
        unit=sheet_a1.unit,
        year=2023,
        uploaded_file=content_bytes(data, "big.pdf"),
        short_name="Tai lieu lon",
        purpose="1.1",
        by=head_a1,
    )
    EvidenceLink.objects.create(score=sheet_a1.scores.get(criterion__code="1.1"), evidence=evidence)
    expected = hashlib.sha256(data).hexdigest()
    del data
    client.force_login(head_a1)
    tracemalloc.start()
    try:
        response = client.get(reverse("assessments:evidence_download", args=[evidence.pk]))
        digest = hashlib.sha256()
        for chunk in response.streaming_content:
            digest.update(chunk)
        response.close()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert digest.hexdigest() == expected
    assert peak < 8 * MB, f"peak Python memory {peak / MB:.1f} MB for a 50 MB download"
