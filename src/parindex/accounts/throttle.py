"""Login throttling: three limits on failed logins (django-axes and its failure log).

1. **User name + address** (django-axes itself): ``PARINDEX_LOGIN_FAILURES`` (5) failures of
   one user name from one address lock that pair for 15 minutes — a colleague mistyping does
   not lock anyone else.
2. **One account from any address** (issue 24): ``PARINDEX_LOGIN_ACCOUNT_FAILURES`` (15)
   failures of one user name within ``PARINDEX_LOGIN_ACCOUNT_WINDOW_HOURS`` (6) lock the
   account everywhere until the oldest failures leave the window. This stops guessing from
   many addresses, which limit 1 never sees.
3. **One address, any accounts** (issue 24): ``PARINDEX_LOGIN_ADDRESS_FAILURES`` (10)
   failures from one address within ``PARINDEX_LOGIN_ADDRESS_WINDOW_MINUTES`` (30) lock the
   address for every user name. This stops password spraying (one try at each of many
   accounts), which limit 1 never sees either.

Limits 2 and 3 count the rows of axes' own failure log (``AccessFailureLog``, enabled by
``AXES_ENABLE_ACCESS_FAILURE_LOG``): one indexed count each, in the database every process
shares, so they hold across gunicorn workers and servers. A refused login is answered with
the lock-out page naming which limit was reached (in Vietnamese by default). An
administrator lifts a lock by deleting the rows in Django admin (*Axes → Access failures*
and *Access attempts*), or ``parindex axes_reset`` for all of them.

The limits are only as good as the client address: behind a reverse proxy every request
comes from the proxy, so ``client_ip`` reads the address the proxy appends to
``X-Forwarded-For`` when ``PARINDEX_BEHIND_PROXY=1`` (``PARINDEX_PROXY_HOPS`` proxies in a
row; docs/deployment.md). Without that every user would share the proxy's address and
limit 3 would lock everybody at once.
"""

from __future__ import annotations

import datetime as dt

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessFailureLog
from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

PAIR, ACCOUNT, ADDRESS = "pair", "account", "address"


def client_ip(request) -> str:
    """The client's address: the socket peer, or behind ``PARINDEX_PROXY_HOPS`` trusted proxies
    the address the nearest of them appended to ``X-Forwarded-For`` (earlier entries are
    whatever the client sent and are never trusted)."""
    hops = getattr(settings, "PARINDEX_PROXY_HOPS", 0)
    if hops:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "") or ""


def wider_lock(request, credentials=None) -> str | None:
    """ACCOUNT or ADDRESS when limit 2 or 3 is reached for this login attempt, else None."""
    now = timezone.now()
    username = get_client_username(request, credentials)
    if username:
        window = dt.timedelta(hours=settings.PARINDEX_LOGIN_ACCOUNT_WINDOW_HOURS)
        failures = AccessFailureLog.objects.filter(username=username, attempt_time__gte=now - window).count()
        if failures >= settings.PARINDEX_LOGIN_ACCOUNT_FAILURES:
            return ACCOUNT
    address = client_ip(request)
    if address:
        window = dt.timedelta(minutes=settings.PARINDEX_LOGIN_ADDRESS_WINDOW_MINUTES)
        failures = AccessFailureLog.objects.filter(ip_address=address, attempt_time__gte=now - window).count()
        if failures >= settings.PARINDEX_LOGIN_ADDRESS_FAILURES:
            return ADDRESS
    return None


class LoginThrottleHandler(AxesDatabaseHandler):
    """axes' database handler plus limits 2 and 3 (``AXES_HANDLER``)."""

    def is_locked(self, request, credentials=None) -> bool:
        if super().is_locked(request, credentials):
            request.parindex_lock = PAIR
            return True
        reason = wider_lock(request, credentials)
        if reason:
            request.parindex_lock = reason
            return True
        return False

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        # axes decides the lock-out of a failed login from its own counter only; the failure
        # just logged may reach limit 2 or 3 as well.
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or getattr(request, "axes_locked_out", False):
            return
        reason = wider_lock(request, credentials)
        if reason:
            request.parindex_lock = reason
            request.axes_locked_out = True
            request.axes_credentials = credentials


def lockout_response(request, original_response=None, credentials=None):
    """The lock-out page (``AXES_LOCKOUT_CALLABLE``), saying which limit was reached."""
    reason = getattr(request, "parindex_lock", PAIR)
    if reason == ACCOUNT:
        message = _(
            "Too many failed login attempts for this account from different places. It is locked "
            "for up to %(hours)s hours; ask your administrator to unlock it."
        ) % {"hours": settings.PARINDEX_LOGIN_ACCOUNT_WINDOW_HOURS}
    elif reason == ADDRESS:
        message = _(
            "Too many failed login attempts from this network address. Logins from it are paused "
            "for up to %(minutes)s minutes; try again later or ask your administrator."
        ) % {"minutes": settings.PARINDEX_LOGIN_ADDRESS_WINDOW_MINUTES}
    else:
        message = _(
            "Too many failed login attempts. Your account is locked for 15 minutes; try again later "
            "or ask your administrator."
        )
    return render(
        request, "accounts/locked_out.html", {"message": message}, status=settings.AXES_HTTP_RESPONSE_CODE
    )
