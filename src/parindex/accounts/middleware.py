"""Hold a user whose password was set by someone else at the password page (first login).

The flag is ``User.must_change_password`` (see ``parindex.accounts.actions``). It is read
from ``request.user``, which the authentication middleware has already loaded: no query.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

PASSWORD_CHANGE_REQUIRED = _(
    "You must change the password you were given before using parindex: "
    "log in on the web site and choose a new password."
)

# The pages a flagged user may still open, besides every page open to anonymous visitors
# (public results, survey links, the login page): see ``ForcePasswordChangeMiddleware``.
EXEMPT_URL_NAMES = frozenset(
    {
        "password_change",
        "password_change_done",
        "logout",
        "set_language",
        "healthz",
        "login",
        "two_factor_setup",
        "two_factor_verify",
    }
)
API_NAMESPACE = "api:v1"


class ForcePasswordChangeMiddleware:
    """Send a logged-in user flagged ``must_change_password`` to the password page.

    Runs after the authentication, login-required and two-step-login middleware (the
    second factor comes first). Exempt: the password page itself, logout, the language
    switch, /healthz, the two-step login pages, static files and every view open to
    anonymous visitors (``login_not_required``). The API answers 403 JSON instead of a
    redirect (calls with a personal token are refused by ``parindex.api.auth.TokenAuth``);
    HTMX requests get an ``HX-Redirect`` so the whole page goes to the password form, except
    the fragments of the password page itself (204, nothing: no reload loop).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not getattr(user, "must_change_password", False):
            return None
        match = request.resolver_match
        if match is not None and match.namespace.startswith(API_NAMESPACE):
            from parindex.api.urls import negotiated_language

            with translation.override(negotiated_language(request)):
                return JsonResponse({"detail": str(PASSWORD_CHANGE_REQUIRED)}, status=403)
        if match is not None and match.url_name in EXEMPT_URL_NAMES:
            return None
        if request.path_info.startswith(settings.STATIC_URL):
            return None
        if not getattr(view_func, "login_required", True):  # public pages, survey links
            return None
        target = reverse("password_change")
        if request.headers.get("HX-Request"):
            # A fragment the password page itself loads (the notification bell) gets nothing:
            # redirecting it would reload the password page forever.
            response = HttpResponse(status=204)
            if urlsplit(request.headers.get("HX-Current-URL", "")).path != target:
                response["HX-Redirect"] = target
            return response
        return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
