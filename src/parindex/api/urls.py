"""/api/v1/ (the API) and /api/tokens/ (the personal token page)."""

from __future__ import annotations

import functools

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.urls import URLPattern, URLResolver, path
from django.utils import translation

from parindex.api import views
from parindex.api.main import api

app_name = "api"


def negotiated_language(request) -> str:
    """The language of API messages: the UI language cookie when the call rides on a browser
    session, otherwise ``Accept-Language`` (vi or en), otherwise Vietnamese."""
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if cookie and settings.SESSION_COOKIE_NAME in request.COOKIES:
        try:
            return translation.get_supported_language_variant(cookie)
        except LookupError:
            pass
    header = request.headers.get("Accept-Language", "")
    for code, _q in translation.trans_real.parse_accept_lang_header(header):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def api_view(view):
    """Skip LoginRequiredMiddleware (the API answers 401 itself) and speak the caller's language."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        language = negotiated_language(request)
        with translation.override(language):
            request.LANGUAGE_CODE = language
            response = view(request, *args, **kwargs)
        response.headers.setdefault("Content-Language", language)
        return response

    return login_not_required(wrapped)


def _wrap(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _wrap(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            pattern.callback = api_view(pattern.callback)
    return patterns


api_patterns, _app, _namespace = api.urls

urlpatterns = [
    path("v1/", (_wrap(api_patterns), "v1", "v1")),
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
