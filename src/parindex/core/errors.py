"""Error pages that never need the database.

``server_error`` is the project's ``handler500``. Django calls it inside the ``except`` block of the
request that failed, so ``sys.exc_info()`` still holds the error: when it is the database being
unreachable or restarting (``OperationalError``/``InterfaceError``) or the object storage not
answering, the answer is **503 with ``Retry-After``** ("try again in a minute": nothing was saved
by the failed request, every write is one transaction) instead of a 500 that reads like a bug.
Both pages are rendered without a request context: the context processors read the database
(the bell, the user's units), which may be the very thing that is down. Under ``/api/`` the answer
is JSON like every other API error.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _

RETRY_AFTER_SECONDS = 60


def _unavailable_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [OperationalError, InterfaceError]
    try:  # object storage (django-storages / boto3) unreachable or failing
        from botocore.exceptions import BotoCoreError, ClientError

        errors += [BotoCoreError, ClientError]
    except ImportError:  # pragma: no cover - botocore is a dependency of the S3 storage
        pass
    return tuple(errors)


def is_unavailable(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or what caused it) is a backing service that is down, not a bug."""
    unavailable = _unavailable_errors()
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, unavailable):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def server_error(request, template_name: str = "500.html"):
    exc = sys.exc_info()[1]
    unavailable = is_unavailable(exc)
    status = 503 if unavailable else 500
    if unavailable:
        message = _(
            "The system is busy or restarting. Nothing was saved by this request; try again in a minute."
        )
    else:
        message = _(
            "An unexpected error occurred. It has been recorded; try again, or tell the administrator."
        )
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"detail": message, "code": "unavailable" if unavailable else "server_error"}, status=status
        )
    else:
        body = loader.get_template("core/error.html").render({"status": status, "message": message})
        response = HttpResponse(body, status=status)
    if unavailable:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
