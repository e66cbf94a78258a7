"""The REST API at /api/v1/ (django-ninja): one NinjaAPI, its routers and the error mapping.

Every operation authenticates itself (``auth.AUTH``: a personal token or the browser
session with CSRF); the Django-level ``LoginRequiredMiddleware`` is skipped for API views
(``urls.py``) so that a call without credentials answers 401 JSON, never a redirect.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI  # noqa: F401 — the base class, for readers

from parindex.api import errors
from parindex.api.actions import TWO_FACTOR_REQUIRED
from parindex.api.auth import AUTH, TokenAuth, TwoFactorRequired


def docs_login_required(view):
    """The interactive docs and the schema: for logged-in users (a token works for the schema)."""

    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            header = request.headers.get("Authorization", "")
            if header.lower().startswith("bearer "):
                try:
                    TokenAuth().authenticate(request, header[7:].strip())
                except TwoFactorRequired as exc:
                    return JsonResponse({"detail": str(exc), "code": TWO_FACTOR_REQUIRED}, status=403)
        if not request.user.is_authenticated:
            if request.path.endswith(".json"):
                return JsonResponse(
                    {"detail": _("Authentication required: an API token or a logged-in session.")}, status=401
                )
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped


ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}
COMMON_ERRORS = {
    400: "Malformed request body (not JSON, or not the multipart form described)",
    401: "Not authenticated: no or an unknown, expired or revoked token, or a session still waiting for its two-step-login code",
    403: "Not allowed (also: first-login password not yet changed; a token made without the two-step login the role requires)",
    404: "Not found, or not yours (also any id that is not a whole number from 1)",
}


class ParindexAPI(NinjaAPI):
    """The NinjaAPI whose OpenAPI schema lists the error answers every operation can give.

    Some answers do not depend on the operation's own code, so its decorator does not list
    them: every operation can answer 401 and 403 (authentication runs first), every one with
    a path id 404 (an id outside the caller's scope, or not a whole number: the JSON catch-all
    of ``urls.py``), and every one with a request body 400 (a body that cannot be parsed).
    The schema says so, so that a client (and ``make api-fuzz``) sees every code it can get.
    """

    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        for path, operations in schema.get("paths", {}).items():
            for operation in operations.values():
                answers = operation.setdefault("responses", {})
                wanted = [401, 403]
                if "{" in path:
                    wanted.append(404)
                if "requestBody" in operation:
                    wanted.append(400)
                for code in wanted:
                    if code not in answers and str(code) not in answers:
                        answers[code] = {
                            "description": COMMON_ERRORS[code],
                            "content": {"application/json": {"schema": ERROR_REF}},
                        }
        return schema


api = ParindexAPI(
    title="parindex API",
    version="1",
    description=(
        "REST API of parindex (PAR Index). Authenticate with `Authorization: Bearer <token>` "
        "(personal tokens: /api/tokens/) or the browser session (+ X-CSRFToken for writes). "
        "Every read is scoped by the same visibility rule as the pages: objects outside your "
        "scope answer 404. Errors: 401 unauthenticated, 403 not allowed, 404 not found or not "
        "yours, 409 stale edit or out-of-order step, 422 invalid input. Messages follow "
        "Accept-Language (vi, en). Points are exact decimals, serialised as strings."
    ),
    auth=AUTH,
    urls_namespace="api:v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
    docs_decorator=docs_login_required,
)
errors.install(api)


def _mount() -> None:
    from parindex.api.routers import (
        appraisals,
        assessments,
        frameworks,
        jobs,
        plans,
        requests,
        results,
        units,
    )

    api.add_router("", units.router)
    api.add_router("", frameworks.router)
    api.add_router("", assessments.router)
    api.add_router("", appraisals.router)
    api.add_router("", results.router)
    api.add_router("", plans.router)
    api.add_router("", requests.router)
    api.add_router("", jobs.router)
    if apps.is_installed("parindex.remediation"):
        from parindex.api.routers import remediation

        api.add_router("", remediation.router)


_mount()
