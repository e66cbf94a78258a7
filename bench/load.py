"""A small threaded HTTP load generator (standard library only) for bench/run.py.

``run(spec, host, port, users=20, seconds=30)``: ``users`` threads, each with its own keep-alive
connection to 127.0.0.1, pick requests from the weighted mix in ``spec``, waiting a random
0.5–1.5 × ``think`` seconds between two requests like a person reading the page (0: no pause, a
stress test rather than users) (written by
bench/measure.py: page URLs with the session of the user who opens them, and leaf saves with
a CSRF token) until ``seconds`` have passed. Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import http.client
import random
import statistics
import threading
import time
from collections import Counter
from urllib.parse import urlencode

MAX_SECONDS = 60


def _pct(values, q):
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def run(
    spec: dict, *, port: int, users: int = 20, seconds: float = 30, think: float = 1.0, seed: int = 1
) -> dict:
    host = "127.0.0.1"  # never anything else
    seconds = min(float(seconds), MAX_SECONDS)
    mix = [(r["weight"], r) for r in spec["requests"]]
    save = spec.get("save")
    if save and save["urls"]:
        mix.append((save["weight"], {"name": "save one leaf", "save": True}))
    total_weight = sum(w for w, _ in mix)
    lock = threading.Lock()
    latencies: list[float] = []
    by_name: dict[str, list[float]] = {}
    errors: Counter = Counter()
    deadline = time.monotonic() + seconds

    def worker(index: int):
        rng = random.Random(seed * 1000 + index)
        conn = http.client.HTTPConnection(host, port, timeout=60)
        # Each thread owns one leaf of the draft sheet, so its saves never collide with another thread's.
        own_leaf = list(save["urls"][index % len(save["urls"])]) if save and save["urls"] else None
        values = ["0.25", "0.5"]
        while time.monotonic() < deadline:
            pick = rng.uniform(0, total_weight)
            request = mix[-1][1]
            for weight, candidate in mix:
                request = candidate
                pick -= weight
                if pick <= 0:
                    break
            headers = {"Host": f"{host}:{port}"}
            try:
                started = time.perf_counter()
                if request.get("save"):
                    url, version = own_leaf
                    body = urlencode({"version": version, "in_value": values[version % 2], "note": "load"})
                    headers.update(
                        {
                            "Cookie": f"{spec['session_cookie']}={save['session']}; {spec['csrf_cookie']}={spec['csrf']}",
                            "X-CSRFToken": spec["csrf"],
                            "HX-Request": "true",
                            "Content-Type": "application/x-www-form-urlencoded",
                        }
                    )
                    conn.request("POST", url, body=body, headers=headers)
                else:
                    headers["Cookie"] = f"{spec['session_cookie']}={request['session']}"
                    conn.request("GET", request["url"], headers=headers)
                response = conn.getresponse()
                while response.read(256 * 1024):
                    pass
                elapsed = time.perf_counter() - started
                ok = response.status == 200
                if request.get("save") and ok:
                    own_leaf[1] += 1
            except (OSError, http.client.HTTPException) as exc:
                elapsed, ok = time.perf_counter() - started, False
                errors[f"{request['name']}: {type(exc).__name__}"] += 1
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=60)
            else:
                if not ok:
                    errors[f"{request['name']}: HTTP {response.status}"] += 1
            with lock:
                latencies.append(elapsed)
                by_name.setdefault(request["name"], []).append(elapsed)
            if think:
                time.sleep(min(rng.uniform(0.5, 1.5) * think, max(0.0, deadline - time.monotonic())))
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(users)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 90)
    elapsed = time.monotonic() - started
    return {
        "users": users,
        "think": think,
        "seconds": round(elapsed, 1),
        "requests": len(latencies),
        "throughput": len(latencies) / elapsed if elapsed else 0,
        "median": statistics.median(latencies) if latencies else None,
        "p95": _pct(latencies, 95),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "by_request": {
            name: {"n": len(v), "median": statistics.median(v), "p95": _pct(v, 95)}
            for name, v in sorted(by_name.items())
        },
    }
