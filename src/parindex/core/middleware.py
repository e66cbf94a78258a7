"""Session limits: an absolute lifetime (default 8 h) and an idle timeout (default 1 h)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

_TOUCH_EVERY = 60  # seconds: don't write the session on every request


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = timezone.now().timestamp()
            session = request.session
            login_at = session.setdefault("parindex_login_at", now)
            seen_at = session.get("parindex_seen_at", now)
            expired = (now - login_at > settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds()) or (
                now - seen_at > settings.SESSION_IDLE_TIMEOUT.total_seconds()
            )
            if expired:
                logout(request)
                messages.info(request, _("Your session has expired. Please log in again."))
                if request.headers.get("HX-Request"):
                    response = self.get_response(request)
                    response["HX-Redirect"] = settings.LOGIN_URL
                    return response
                return redirect(f"{redirect('login').url}?next={request.path}")
            if now - seen_at > _TOUCH_EVERY:
                session["parindex_seen_at"] = now
        return self.get_response(request)
