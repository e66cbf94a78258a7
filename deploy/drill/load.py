"""The drill's users: HTTP through the reverse proxy on 127.0.0.1 only, bounded in count and time.

* ``Http``: one request per connection (so a killed upstream shows as the error a browser would
  see), JSON and multipart bodies, a cookie jar for the web pages (session + CSRF).
* ``Load``: threads that save leaves (API, ``PUT /api/v1/sheets/<id>/scores/<id>``) and upload
  evidence (API, multipart ``POST …/evidence``) until their deadline or request budget; each
  thread owns its leaf, so a 409 means "my previous save did land although I saw an error".
"""

from __future__ import annotations

import http.client
import json
import random
import re
import threading
import time
import uuid
from collections import Counter
from urllib.parse import urlencode

HOST = "127.0.0.1"  # never anything else
MAX_SECONDS = 120
MAX_REQUESTS_PER_THREAD = 400


class Http:
    def __init__(self, port: int, *, token: str = "", timeout: float = 60):
        self.port, self.token, self.timeout = port, token, timeout
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, *, body: bytes | None = None, headers: dict | None = None):
        """(status, headers, body); status 0 when the connection itself failed."""
        conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
        head = {"Host": f"{HOST}:{self.port}", **(headers or {})}
        if self.token:
            head["Authorization"] = f"Bearer {self.token}"
        if self.cookies:
            head["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            conn.request(method, path, body=body, headers=head)
            response = conn.getresponse()
            data = response.read()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key.strip()] = rest.split(";", 1)[0]
            return response.status, dict(response.getheaders()), data
        except (OSError, http.client.HTTPException) as exc:
            return 0, {}, str(exc).encode()
        finally:
            conn.close()

    def json(self, method: str, path: str, payload=None):
        body = None if payload is None else json.dumps(payload).encode()
        status, headers, data = self.request(
            method, path, body=body, headers={"Content-Type": "application/json"} if body else {}
        )
        try:
            return status, json.loads(data) if data else None
        except ValueError:
            return status, None

    def multipart(self, path: str, fields: dict, files: dict, *, extra: dict | None = None):
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in fields.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            )
        for name, (filename, content, ctype) in files.items():
            parts.append(
                (
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                    f"Content-Type: {ctype}\r\n\r\n"
                ).encode()
                + content
                + b"\r\n"
            )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}", **(extra or {})}
        return self.request("POST", path, body=body, headers=headers)

    # --- web pages (session) ---------------------------------------------------------------

    def csrf(self, path: str) -> str:
        status, _headers, data = self.request("GET", path)
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', data)
        if not match:
            raise RuntimeError(f"no CSRF token on {path} ({status})")
        return match.group(1).decode()

    def login(self, username: str, password: str) -> None:
        token = self.csrf("/accounts/login/")
        status, headers, data = self.form(
            "/accounts/login/", {"username": username, "password": password}, token
        )
        if status != 302:
            raise RuntimeError(f"login of {username} answered {status}: {data[:300]!r}")

    def form(self, path: str, fields: dict, token: str):
        body = urlencode({**fields, "csrfmiddlewaretoken": token}).encode()
        return self.request(
            "POST",
            path,
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://{HOST}:{self.port}{path}",
                "Origin": f"http://{HOST}:{self.port}",
            },
        )


def pdf(size: int, seed: int) -> bytes:
    """A small valid PDF of about ``size`` bytes (the padding is a PDF comment)."""
    body = b"1 0 obj<</Type/Catalog>>endobj\n"
    pad = (b"% drill " + str(seed).encode() + b" ") * max(1, size // 16)
    return b"%PDF-1.4\n" + body + pad[:size] + b"\ntrailer<</Root 1 0 R>>\n%%EOF\n"


class Load:
    """Score saves and evidence uploads from several threads; call ``run(seconds)`` per phase."""

    def __init__(self, port: int, *, savers: list[dict], uploaders: list[dict]):
        # savers: {"token", "sheet", "score", "version"}; uploaders: {"token", "sheet", "score"}
        self.port, self.savers, self.uploaders = port, savers, uploaders
        self.acknowledged: dict[int, tuple[int, object]] = {}  # score id -> (version, value)
        self.uploaded: list[int] = []  # evidence ids answered 201
        self.lock = threading.Lock()
        self.stop = threading.Event()  # set by the drill when it aborts

    def run(self, seconds: float, *, savers: int | None = None, uploaders: int | None = None) -> dict:
        seconds = min(seconds, MAX_SECONDS)
        deadline = time.monotonic() + seconds
        self.stop.clear()
        stats = {"requests": 0, "errors": 0, "statuses": Counter(), "conflicts": 0}
        threads = [
            threading.Thread(target=self._saver, args=(s, deadline, stats), daemon=True)
            for s in self.savers[: savers if savers is not None else len(self.savers)]
        ] + [
            threading.Thread(target=self._uploader, args=(u, i, deadline, stats), daemon=True)
            for i, u in enumerate(
                self.uploaders[: uploaders if uploaders is not None else len(self.uploaders)]
            )
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=seconds + 180)
        return stats

    def _count(self, stats, status: int, *, error: bool) -> None:
        with self.lock:
            stats["requests"] += 1
            if error:
                stats["errors"] += 1
                stats["statuses"][status or "no answer"] += 1

    def _saver(self, leaf: dict, deadline: float, stats) -> None:
        client = Http(self.port, token=leaf["token"], timeout=30)
        path = f"/api/v1/sheets/{leaf['sheet']}/scores/{leaf['score']}"
        rng = random.Random(leaf["score"])
        for _ in range(MAX_REQUESTS_PER_THREAD):
            if time.monotonic() >= deadline or self.stop.is_set():
                return
            value = rng.choice([True, False])
            status, body = client.json("PUT", path, {"version": leaf["version"], "inputs": {"value": value}})
            if status == 200 and body:
                leaf["version"] = body["version"]
                with self.lock:
                    self.acknowledged[leaf["score"]] = (body["version"], value)
                self._count(stats, status, error=False)
            elif status == 409:
                # The previous save landed although its answer was lost: read the version again.
                self._count(stats, status, error=False)
                with self.lock:
                    stats["conflicts"] += 1
                self._refresh(client, leaf)
            else:
                self._count(stats, status, error=True)
                time.sleep(0.3)
                self._refresh(client, leaf)
            time.sleep(0.05)

    def _refresh(self, client: Http, leaf: dict) -> None:
        status, body = client.json("GET", f"/api/v1/sheets/{leaf['sheet']}")
        if status == 200 and body:
            for node in body.get("leaves", []):
                if node.get("score_id") == leaf["score"]:
                    leaf["version"] = node["version"]
                    return

    def _uploader(self, leaf: dict, index: int, deadline: float, stats) -> None:
        client = Http(self.port, token=leaf["token"], timeout=60)
        path = f"/api/v1/sheets/{leaf['sheet']}/scores/{leaf['score']}/evidence"
        for n in range(MAX_REQUESTS_PER_THREAD):
            if time.monotonic() >= deadline or self.stop.is_set():
                return
            content = pdf(150_000 + 1000 * (n % 50), seed=index * 1000 + n)
            status, _headers, data = client.multipart(
                path,
                {"short_name": f"Tài liệu diễn tập {index}-{n}"},
                {"file": (f"bao-cao-{index}-{n}.pdf", content, "application/pdf")},
            )
            if status == 201:
                with self.lock:
                    self.uploaded.append(json.loads(data)["id"])
                self._count(stats, status, error=False)
            else:
                self._count(stats, status, error=True)
                time.sleep(0.3)
            time.sleep(0.05)
