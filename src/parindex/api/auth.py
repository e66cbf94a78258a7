"""How an API call proves who it is: a personal token, or the browser session (with CSRF).

Both set ``request.user`` so that every read goes through the same
``visible_to(request.user)`` as the pages do.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie
from ninja.utils import check_csrf

from parindex.accounts.middleware import PASSWORD_CHANGE_REQUIRED
from parindex.api.actions import authenticate_token, token_refusal

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class TwoFactorRequired(Exception):
    """A valid token of a user whose role requires two-step login, made without it: 403 JSON
    with ``code="two_factor_required"`` (``errors.install``)."""


class TokenAuth(HttpBearer):
    """``Authorization: Bearer pdx_…`` — a personal API token (see ``ApiToken``)."""

    def __call__(self, request: HttpRequest):
        user = super().__call__(request)
        # First login not finished (password given by an administrator): no API until it is changed.
        if user is not None and user.must_change_password:
            raise HttpError(403, str(PASSWORD_CHANGE_REQUIRED))
        return user

    def authenticate(self, request: HttpRequest, token: str):
        found = authenticate_token(token)
        if found is None:
            return None
        refusal = token_refusal(found)
        if refusal is not None:
            raise TwoFactorRequired(refusal)
        request.user = found.user
        request.api_token = found
        return found.user


class SessionCsrfAuth(APIKeyCookie):
    """The logged-in browser session. Unsafe methods need the CSRF token (X-CSRFToken header),
    like the pages; without a session the call is simply unauthenticated (401), not a CSRF 403."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request):
            raise HttpError(403, "CSRF check failed")
        return request.COOKIES.get(self.param_name) or "session"

    def authenticate(self, request: HttpRequest, key):
        user = getattr(request, "user", None)
        if key and user is not None and user.is_authenticated:
            return user
        return None


AUTH = [TokenAuth(), SessionCsrfAuth()]
