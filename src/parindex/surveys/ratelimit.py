"""A small rate limit on the public answer pages: too many unknown tokens from one address → 429.

Tokens have 192 bits, so guessing is hopeless anyway; the limit keeps scanners from hammering
the database. Counted in the shared cache (database cache by default, so it holds across app
servers); a cache outage never blocks a respondent. Behind a proxy, set PARINDEX_BEHIND_PROXY so
REMOTE_ADDR is the client (the proxy must overwrite X-Forwarded-For).
"""

from __future__ import annotations

import logging

from django.core.cache import cache

logger = logging.getLogger(__name__)
FAILURE_LIMIT = 20
WINDOW_SECONDS = 15 * 60


def _client(request) -> str:
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    from django.conf import settings

    if forwarded and getattr(settings, "USE_X_FORWARDED_HOST", False):
        return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _key(request) -> str:
    return f"surveys:badtoken:{_client(request)}"


def is_blocked(request) -> bool:
    try:
        return (cache.get(_key(request)) or 0) >= FAILURE_LIMIT
    except Exception:  # noqa: BLE001 — a cache outage must not lock respondents out
        logger.warning("survey rate limit: cache unavailable")
        return False


def note_failure(request) -> None:
    key = _key(request)
    try:
        if not cache.add(key, 1, WINDOW_SECONDS):
            cache.incr(key)
    except Exception:  # noqa: BLE001
        logger.warning("survey rate limit: cache unavailable")
