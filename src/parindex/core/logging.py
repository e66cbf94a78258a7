"""Structured logs: one JSON object a line, UTC timestamps, for a log shipper to index.

Two streams besides Django's own:

* ``parindex.request`` — one line per request (``RequestLogMiddleware``): user, unit,
  method, path, status, duration, client address and a request id (``X-Request-ID`` from
  the proxy when present, else generated, and echoed in the response).
* ``parindex.audit`` — one line per audit entry, written by ``core.audit.record`` once the
  transaction that wrote the entry has committed (a rolled-back change logs nothing).

Structured fields travel in ``extra={"data": {...}}`` so plain-text formatting still works
(``PARINDEX_LOG_FORMAT=plain``). Query strings are never logged (they may carry search
terms about people); bodies never are.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import time
import uuid

from django.conf import settings

request_logger = logging.getLogger("parindex.request")
audit_logger = logging.getLogger("parindex.audit")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def utc_timestamp(seconds: float | None = None) -> str:
    """ISO 8601 in UTC with milliseconds and a ``Z``: ``2026-11-22T19:23:05.123Z``."""
    moment = dt.datetime.fromtimestamp(time.time() if seconds is None else seconds, tz=dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class JsonFormatter(logging.Formatter):
    """``{"ts": …, "level": …, "logger": …, "msg": …, **data}`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": utc_timestamp(record.created),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        data = getattr(record, "data", None)
        if isinstance(data, dict):
            entry.update(data)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _client_ip(request) -> str:
    # Behind the reverse proxy the socket peer is the proxy; the proxy appends the real
    # client as the last X-Forwarded-For hop (earlier hops are client-controlled).
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def _unit_of(request):
    """The unit a request acts for: set by a view as ``request.log_unit``, else the user's
    single own unit when the visibility scope was already computed (never an extra query)."""
    unit = getattr(request, "log_unit", None)
    if unit is not None:
        return getattr(unit, "code", None) or str(unit)
    user = getattr(request, "user", None)
    scope = getattr(user, "_parindex_scope", None) if user is not None else None
    if scope is not None and len(scope.own_unit_ids) == 1:
        return next(iter(scope.own_unit_ids))
    return None


class RequestLogMiddleware:
    """Log one structured line per request (static files are served before it and skipped)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.monotonic()
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        user = getattr(request, "user", None)
        authenticated = bool(user is not None and user.is_authenticated)
        status = response.status_code
        request_logger.log(
            logging.WARNING if status >= 500 else logging.INFO,
            "%s %s %s",
            request.method,
            request.path,
            status,
            extra={
                "data": {
                    "event": "request",
                    "request_id": request.request_id,
                    "user": user.get_username() if authenticated else None,
                    "user_id": user.pk if authenticated else None,
                    "unit": _unit_of(request),
                    "method": request.method,
                    "path": request.path,
                    "status": status,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                    "ip": _client_ip(request),
                    "htmx": bool(request.headers.get("HX-Request")),
                }
            },
        )
        return response


def log_audit_entry(entry) -> None:
    """One ``parindex.audit`` line for a committed AuditEntry (values are not logged, only
    which fields changed: the database row keeps the before/after values)."""
    before = entry.before if isinstance(entry.before, dict) else {}
    after = entry.after if isinstance(entry.after, dict) else {}
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    audit_logger.info(
        "%s %s %s",
        entry.actor_name,
        entry.action,
        entry.object_repr,
        extra={
            "data": {
                "event": "audit",
                "audit_id": entry.pk,
                "at": entry.at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "user": entry.actor_name,
                "user_id": entry.actor_id,
                "unit": entry.unit_id,
                "action": entry.action,
                "object_type": entry.content_type.model if entry.content_type_id else None,
                "object_id": entry.object_id or None,
                "changed": changed,
            }
        },
    )
