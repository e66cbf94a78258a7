"""/api/v1/ (the API) and /api/tokens/ (the personal token page)."""

from __future__ import annotations

import functools

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.urls import URLPattern, URLResolver, path, re_path
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt

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


@csrf_exempt
def not_found(request, rest: str = ""):
    """Any other URL under /api/v1/ — an id that is not a whole number, a typo — answers the
    API's JSON 404, never Django's HTML page (issue 24)."""
    return JsonResponse({"detail": gettext("Not found."), "code": None, "errors": None}, status=404)


urlpatterns = [
    path("v1/", (_wrap(api_patterns), "v1", "v1")),
    re_path(r"^v1/(?P<rest>.*)$", api_view(not_found), name="v1_not_found"),
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
