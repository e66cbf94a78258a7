"""Request middleware of parindex: session limits (8 h absolute, 1 h idle) and the UI language."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect, resolve_url
from django.utils import timezone, translation

_TOUCH_EVERY = 60  # seconds: don't write the session on every request

LOGIN_AT = "parindex_login_at"
SEEN_AT = "parindex_seen_at"


def session_expired(session, now: float) -> bool:
    """Whether a session started at ``LOGIN_AT`` and last used at ``SEEN_AT`` is over either limit."""
    login_at = session.get(LOGIN_AT, now)
    seen_at = session.get(SEEN_AT, now)
    return (now - login_at > settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds()) or (
        now - seen_at > settings.SESSION_IDLE_TIMEOUT.total_seconds()
    )


class SessionTimeoutMiddleware:
    """Log out sessions older than the absolute limit or idle longer than the idle limit.

    The expiry notice is carried by ``?expired=1`` on the login URL (the login page shows
    it) rather than by the messages framework: this middleware runs before
    ``MessageMiddleware`` and the session that would carry a message has just been flushed.
    HTMX requests get an ``HX-Redirect`` header so the whole page goes to the login form.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = timezone.now().timestamp()
            session = request.session
            if LOGIN_AT not in session:
                session[LOGIN_AT] = now
            if SEEN_AT not in session:
                session[SEEN_AT] = now
            if session_expired(session, now):
                logout(request)
                login_url = resolve_url(settings.LOGIN_URL)
                target = f"{login_url}?{urlencode({'next': request.get_full_path(), 'expired': '1'})}"
                if request.headers.get("HX-Request"):
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = target
                    return response
                return redirect(target)
            if now - session[SEEN_AT] > _TOUCH_EVERY:
                session[SEEN_AT] = now
        return self.get_response(request)


class LanguageMiddleware(LocaleMiddleware):
    """Vietnamese unless the user chose otherwise (the language cookie set by the footer switch).

    Django's ``LocaleMiddleware`` would follow the browser's Accept-Language, so an
    official whose Chrome is in English would get an English UI; parindex is Vietnamese
    by default, with English one click away. URL language prefixes are not used.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        try:
            language = (
                translation.get_supported_language_variant(chosen) if chosen else settings.LANGUAGE_CODE
            )
        except LookupError:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
