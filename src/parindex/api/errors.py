"""How the apps' exceptions become HTTP answers (the same messages as the pages show).

* ``Http404`` / ``ObjectDoesNotExist`` → 404 (an object outside the caller's scope is
  indistinguishable from one that does not exist);
* ``PermissionDenied`` → 403 (the caller sees the object but may not do the step);
* ``ValidationError`` → 409 when the step is refused because of the object's state —
  a stale edit (``code="stale"``) or an out-of-order transition (the codes below) — and
  422 for invalid input;
* ``SpreadsheetError`` → 422 with every row error;
* ``FrameworkLocked`` → 409.

There is deliberately no catch-all handler: an unexpected exception is a bug to fix, not
to hide (the fuzz run in ``make api-fuzz`` looks for them).
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from parindex.core.spreadsheets import SpreadsheetError

# ValidationError codes the apps use for "not now, because of the state" (409).
CONFLICT_CODES = frozenset({"stale", "closed", "submitted", "locked", "deadline", "state", "conflict"})


def _codes(exc: ValidationError) -> set[str]:
    codes = set()
    if hasattr(exc, "error_list"):
        codes = {e.code for e in exc.error_list if getattr(e, "code", None)}
    elif getattr(exc, "code", None):
        codes = {exc.code}
    return codes


class Conflict(Exception):
    """A workflow step refused because of the object's state (submit twice, withdraw a draft):
    raised by transition endpoints around the action, answered 409 with the action's message."""

    def __init__(self, error: ValidationError):
        self.error = error
        super().__init__(" ".join(error.messages))


def step_refused(exc: ValidationError) -> Exception:
    """For a workflow-step endpoint: a refusal about the object's state (a plain message, e.g.
    "a cancelled task cannot be marked done") is a 409; errors tied to an input field (a
    ValidationError with a field dict, e.g. a completion date in the future) stay 422, and so
    does a plain message whose code names an input problem (``evidence_file``: a refused upload)."""
    if hasattr(exc, "error_dict"):
        return exc
    codes = _codes(exc)
    if codes and not codes & CONFLICT_CODES:
        return exc
    return Conflict(exc)


def validation_status(exc: ValidationError) -> int:
    return 409 if _codes(exc) & CONFLICT_CODES else 422


def install(api: NinjaAPI) -> None:
    def not_found(request, exc):
        return api.create_response(request, {"detail": _("Not found.")}, status=404)

    def forbidden(request, exc):
        return api.create_response(request, {"detail": str(exc) or _("You may not do this.")}, status=403)

    def invalid(request, exc: ValidationError):
        codes = sorted(_codes(exc))
        body = {"detail": " ".join(exc.messages), "code": codes[0] if codes else None}
        return api.create_response(request, body, status=validation_status(exc))

    def spreadsheet(request, exc: SpreadsheetError):
        body = {
            "detail": _("The file has errors; nothing was written."),
            "errors": [str(e) for e in exc.errors],
        }
        return api.create_response(request, body, status=422)

    def unauthenticated(request, exc):
        return api.create_response(
            request,
            {"detail": _("Authentication required: an API token or a logged-in session.")},
            status=401,
        )

    def http_error(request, exc: HttpError):
        detail = str(exc)
        if exc.status_code == 400 and detail.startswith("Cannot parse request body"):
            # django-ninja's message for a body that is not JSON (or not the form): say it in
            # the caller's language, and as the documented 400 (``main.ParindexAPI``).
            detail = _(
                "The request body cannot be read: send JSON (Content-Type: application/json) or the form described."
            )
        return api.create_response(request, {"detail": detail}, status=exc.status_code)

    def bad_input(request, exc: NinjaValidationError):
        return api.create_response(request, {"detail": _("Invalid input."), "errors": exc.errors}, status=422)

    def conflict(request, exc: Conflict):
        codes = sorted(_codes(exc.error))
        return api.create_response(
            request, {"detail": str(exc), "code": codes[0] if codes else None}, status=409
        )

    def two_factor_required(request, exc):
        from parindex.api.actions import TWO_FACTOR_REQUIRED

        return api.create_response(request, {"detail": str(exc), "code": TWO_FACTOR_REQUIRED}, status=403)

    from parindex.api.auth import TwoFactorRequired

    api.add_exception_handler(TwoFactorRequired, two_factor_required)
    api.add_exception_handler(Conflict, conflict)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(ObjectDoesNotExist, not_found)
    api.add_exception_handler(PermissionDenied, forbidden)
    api.add_exception_handler(ValidationError, invalid)
    api.add_exception_handler(SpreadsheetError, spreadsheet)
    api.add_exception_handler(AuthenticationError, unauthenticated)
    api.add_exception_handler(HttpError, http_error)
    api.add_exception_handler(NinjaValidationError, bad_input)
    try:
        from parindex.frameworks.actions import FrameworkLocked
    except ImportError:  # pragma: no cover
        return

    def locked(request, exc):
        return api.create_response(request, {"detail": str(exc)}, status=409)

    api.add_exception_handler(FrameworkLocked, locked)
