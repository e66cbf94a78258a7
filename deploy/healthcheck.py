"""Container health check: GET /healthz on this container as the reverse proxy would send it.

Exit 0 when parindex answers 200 (database and storage work), 1 otherwise. The Host header
is the first ALLOWED_HOSTS entry and X-Forwarded-Proto says https, so neither the host
check nor the HTTPS redirect gets in the way of a probe that never leaves the container.
"""

import os
import sys
import urllib.error
import urllib.request

host = os.environ.get("ALLOWED_HOSTS", "localhost").split(",")[0].strip()
port = os.environ.get("PARINDEX_BIND", "0.0.0.0:8000").rsplit(":", 1)[-1]
request = urllib.request.Request(
    f"http://127.0.0.1:{port}/healthz", headers={"Host": host, "X-Forwarded-Proto": "https"}
)
try:
    with urllib.request.urlopen(request, timeout=4) as response:  # noqa: S310 — fixed loopback URL
        sys.exit(0 if response.status == 200 else 1)
except (urllib.error.URLError, OSError):
    sys.exit(1)
