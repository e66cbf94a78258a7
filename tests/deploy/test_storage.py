"""Object storage for real: the same put/get/stream tests on local files and on SeaweedFS (S3)."""

from __future__ import annotations

import hashlib
import os
import tracemalloc

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from parindex.core.security import safe_file_response

MB = 1024 * 1024
# response.close() fires request_finished, which looks at the database connections.
pytestmark = pytest.mark.django_db


def _write_big(backend: str, name: str, size: int, tmp_path, settings) -> str:
    """Put a ``size``-byte file into the storage without holding it in memory; return its sha256."""
    digest = hashlib.sha256()
    source = tmp_path / "big.bin"
    block = os.urandom(MB)
    with source.open("wb") as handle:
        for index in range(size // MB):
            chunk = block[:-4] + index.to_bytes(4, "big")
            digest.update(chunk)
            handle.write(chunk)
    if backend == "local":
        target = settings.MEDIA_ROOT / name
        target.parent.mkdir(parents=True, exist_ok=True)
        source.replace(target)
    else:
        default_storage.bucket.upload_file(str(source), default_storage._normalize_name(name))
    return digest.hexdigest()


def test_storage_saves_reads_lists_and_deletes_a_file(storage_backend):
    name = default_storage.save("evidence/2024/A1/Yên Thượng-TC1.pdf", ContentFile(b"%PDF-1.4 proof"))
    assert default_storage.exists(name)
    with default_storage.open(name, "rb") as handle:
        assert handle.read() == b"%PDF-1.4 proof"
    assert default_storage.size(name) == len(b"%PDF-1.4 proof")
    directories, files = default_storage.listdir("evidence/2024/A1")
    assert [f for f in files if name.endswith(f)]
    second = default_storage.save(name, ContentFile(b"other"))
    assert second != name, "an existing file is never overwritten"
    default_storage.delete(name)
    default_storage.delete(second)
    assert not default_storage.exists(name)


def test_safe_file_response_streams_in_blocks_with_safe_headers(storage_backend):
    name = default_storage.save("evidence/report.pdf", ContentFile(b"%PDF-1.4 " + b"x" * 200_000))
    response = safe_file_response(
        name, filename='Báo cáo "quý" 1; tháng 3.pdf', content_type="application/pdf"
    )
    assert response.streaming
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith('attachment; filename="Bao cao quy 1 thang 3.pdf"; ')
    assert (
        "filename*=UTF-8''B%C3%A1o%20c%C3%A1o%20%22qu%C3%BD%22%201%3B%20th%C3%A1ng%203.pdf"
        in response["Content-Disposition"]
    )
    assert response["Content-Length"] == str(200_009)
    chunks = list(response.streaming_content)
    assert len(chunks) > 1
    assert b"".join(chunks) == b"%PDF-1.4 " + b"x" * 200_000


def test_a_50_mb_download_is_streamed_not_loaded_into_memory(storage_backend, tmp_path, settings):
    size = 50 * MB
    expected = _write_big(storage_backend, "evidence/big.bin", size, tmp_path, settings)
    tracemalloc.start()
    try:
        response = safe_file_response("evidence/big.bin", filename="big.zip", content_type="application/zip")
        digest = hashlib.sha256()
        received = 0
        for chunk in response.streaming_content:
            digest.update(chunk)
            received += len(chunk)
        response.close()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert received == size
    assert digest.hexdigest() == expected
    assert peak < 5 * MB, f"peak Python memory {peak / MB:.1f} MB while streaming a 50 MB file"


@pytest.mark.parametrize(
    ("content_type", "inline", "expected_type", "expected_disposition"),
    [
        ("image/png", True, "image/png", "inline"),
        ("application/pdf", True, "application/pdf", "inline"),
        ("text/html", True, "application/octet-stream", "attachment"),
        ("image/svg+xml", True, "application/octet-stream", "attachment"),
        ("application/x-msdownload", False, "application/octet-stream", "attachment"),
        ("image/png", False, "image/png", "attachment"),
    ],
)
def test_only_allow_listed_types_are_ever_shown_inline(
    storage_backend, content_type, inline, expected_type, expected_disposition
):
    name = default_storage.save("evidence/file.bin", ContentFile(b"<html><script>alert(1)</script>"))
    response = safe_file_response(name, filename="tệp.bin", content_type=content_type, inline=inline)
    assert response["Content-Type"] == expected_type
    assert response["Content-Disposition"].split(";")[0] == expected_disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    if expected_disposition == "inline" and expected_type == "application/pdf":
        assert "Content-Security-Policy" not in response  # PDF viewers do not run sandboxed
    else:
        assert "sandbox" in response["Content-Security-Policy"]
    response.close()
