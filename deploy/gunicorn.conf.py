"""gunicorn configuration for parindex: `gunicorn -c deploy/gunicorn.conf.py`.

Every value comes from the environment so the same file serves a laptop, a container and
a province server. Request logging is done by parindex itself (``parindex.request``,
one JSON line per request), so gunicorn's access log is off; its error log goes to stderr.
"""

import multiprocessing
import os

wsgi_app = "parindex.wsgi:application"
bind = [os.environ.get("PARINDEX_BIND", "0.0.0.0:8000")]
# Sync workers: parindex's requests are short and database-bound; long work goes to the
# `parindex worker` processes. Default 2 × cores + 1, capped so small hosts stay small.
workers = int(os.environ.get("PARINDEX_WEB_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 9)))
threads = int(os.environ.get("PARINDEX_WEB_THREADS", "1"))
timeout = int(os.environ.get("PARINDEX_WEB_TIMEOUT", "120"))  # large evidence uploads on slow links
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak can never take a server down.
max_requests = 2000
max_requests_jitter = 200
# Heartbeat files in memory, not on a possibly slow disk (containers).
_SHM = "/dev/shm"  # noqa: S108 — gunicorn's own heartbeat files, not user data
worker_tmp_dir = _SHM if os.path.isdir(_SHM) else None
# The reverse proxy in front is the only client; trust its X-Forwarded-* headers.
forwarded_allow_ips = os.environ.get("PARINDEX_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = None
errorlog = "-"
loglevel = os.environ.get("PARINDEX_LOG_LEVEL", "info").lower()
# Limits against oversized request lines/headers (uploads are bodies, not limited here).
limit_request_line = 8190
limit_request_fields = 100
preload_app = False  # each worker opens its own database connections after the fork
