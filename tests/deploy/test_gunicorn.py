"""The app really runs under gunicorn with deploy/gunicorn.conf.py and the production settings."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.deploy.test_production_settings import production_env

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_serves_healthz_behind_the_proxy_headers_and_logs_json(tmp_path):
    port = free_port()
    env = production_env(
        tmp_path,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        PARINDEX_STORAGE="local",
        PARINDEX_COLLECTSTATIC="0",
        PARINDEX_BIND=f"127.0.0.1:{port}",
        PARINDEX_WEB_WORKERS="2",
        PYTHONUNBUFFERED="1",
    )
    log = (tmp_path / "gunicorn.log").open("w+")
    server = subprocess.Popen(
        [GUNICORN, "-c", str(ROOT / "deploy" / "gunicorn.conf.py")],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/healthz",
            headers={"Host": "cchc.backan.gov.vn", "X-Forwarded-Proto": "https", "X-Request-ID": "probe-1"},
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 — loopback
                    body = json.loads(response.read())
                    headers = dict(response.headers)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise AssertionError(f"gunicorn did not answer:\n{log.read()[-3000:]}")
                time.sleep(0.3)
        assert body["database"] is True and body["storage"] is True
        assert body["worker"]["status"] == "unknown"
        assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
        assert headers["X-Request-ID"] == "probe-1"

        health = subprocess.run(
            [sys.executable, str(ROOT / "deploy" / "healthcheck.py")],
            env={**env, "ALLOWED_HOSTS": "cchc.backan.gov.vn"},
            timeout=30,
        )
        assert health.returncode == 0

        plain = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": "evil.example"})
        try:
            urllib.request.urlopen(plain, timeout=5)  # noqa: S310 — loopback
            raise AssertionError("a foreign Host header was served")
        except urllib.error.HTTPError as refused:
            assert refused.code == 400
    finally:
        server.terminate()
        server.wait(timeout=30)
    log.seek(0)
    lines = [json.loads(line) for line in log.read().splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("logger") == "parindex.request"]
    assert any(line["request_id"] == "probe-1" and line["status"] == 200 for line in requests)
    assert all(line["ts"].endswith("Z") for line in requests)
