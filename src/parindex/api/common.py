"""Pieces every router shares: id/year types with bounds, error responses, pagination."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated, Any

from django.db.models import QuerySet
from django.utils import timezone
from ninja import Field, Schema
from ninja.pagination import PaginationBase
from ninja.schema import DjangoGetter
from pydantic import AfterValidator, BeforeValidator, model_validator

from parindex.core.validators import single_line_error

# Database ids and years are bounded so that a huge number answers 422, never a database
# overflow (SQLite integers are 64-bit; PostgreSQL "integer" columns 32-bit).
MAX_ID = 2_147_483_647
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Year = Annotated[int, Field(ge=1900, le=2200)]
# No NUL characters in any text: PostgreSQL refuses them in a string (a 500 otherwise).
NO_NUL = r"^[^\x00]*$"


# One-line text (numbers, names, titles, subjects): no line breaks, tabs or other control
# characters (issue 24: a CR/LF in a request number broke every reminder e-mail). The JSON
# schema carries the pattern; the check before it gives the user a readable message.
_CONTROLS = "\\x00-\\x1f\\x7f-\\x9f\u2028\u2029"
SINGLE_LINE = f"^[^{_CONTROLS}]*$"
FILLED_LINE = f"^[^{_CONTROLS}]*[^{_CONTROLS}\\s][^{_CONTROLS}]*$"


def _one_line(value):
    if isinstance(value, str) and (message := single_line_error(value)):
        raise ValueError(message)
    return value


def Str(max_length: int, min_length: int = 0):  # noqa: N802 — a type factory, used like a type
    """Text that may span several lines (a body, a note, a reason); no NUL characters."""
    return Annotated[str, Field(min_length=min_length, max_length=max_length, pattern=NO_NUL)]


def Line(max_length: int, min_length: int = 0):  # noqa: N802 — a type factory, used like a type
    """One-line text: no line breaks or other control characters."""
    return Annotated[
        str,
        Field(min_length=min_length, max_length=max_length, pattern=SINGLE_LINE),
        BeforeValidator(_one_line),
    ]


Text = Line(200)


def Filled(max_length: int):  # noqa: N802 — a type factory, used like a type
    """One-line text that must not be blank (at least one character other than spaces).

    The control characters excluded by the pattern include the separators U+001C–U+001F and
    U+0085 that Python's ``str.strip()`` counts as spaces and ECMA ``\\s`` does not.
    """
    return Annotated[
        str, Field(min_length=1, max_length=max_length, pattern=FILLED_LINE), BeforeValidator(_one_line)
    ]


def FilledText(max_length: int):  # noqa: N802 — a type factory, used like a type
    r"""Text of several lines that must not be blank (at least one character other than spaces).

    "Space" as Python's ``str.strip()`` means it, which the apps use: the schema's regular
    expression (ECMA ``\s``) lacks the separators U+001C–U+001F and U+0085, so they are named.
    """
    return Annotated[
        str,
        Field(min_length=1, max_length=max_length, pattern=r"^[^\x00]*[^\x00\s\x1c-\x1f\x85][^\x00]*$"),
    ]


def _plausible_date(value: dt.date) -> dt.date:
    if not 1900 <= value.year <= 2200:
        raise ValueError("a year between 1900 and 2200")
    return value


def _local_aware(value: dt.datetime) -> dt.datetime:
    """A datetime without an offset is local time (Asia/Ho_Chi_Minh), as on the pages."""
    _plausible_date(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_default_timezone())
    return value


def _text_not_number(value):
    """JSON dates are ISO 8601 text, as the schema says; pydantic would read a number as a Unix
    time (``"completion_date": 0`` became 01/01/1970: a schema-violating request accepted)."""
    if isinstance(value, int | float):
        raise ValueError("a date as text (YYYY-MM-DD)")
    return value


# Dates and times of documents and deadlines: years 1900–2200 (a year 9999 would overflow
# when converted to UTC); a time without an offset is local time.
Date = Annotated[dt.date, BeforeValidator(_text_not_number), AfterValidator(_plausible_date)]
# A date the workflow step checks itself (e.g. "not in the future", with its own message).
DateText = Annotated[dt.date, BeforeValidator(_text_not_number)]
DateTime = Annotated[dt.datetime, BeforeValidator(_text_not_number), AfterValidator(_local_aware)]


class Input(Schema):
    """A JSON request body: an object, as the schema says. (django-ninja's Schema reads the
    attributes of anything, so ``[null, null]`` became a body with every field unset.)"""

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, value):
        # django-ninja's own root validator may already have wrapped the value.
        raw = value._obj if isinstance(value, DjangoGetter) else value
        if not isinstance(raw, dict):
            raise ValueError("a JSON object")
        return value


def api_choices(name: str, choices) -> type[enum.StrEnum]:
    """A model's ``TextChoices`` under a name of its own in the OpenAPI schema.

    Several models call their choices ``Status``; as schema components they would all be
    ``#/components/schemas/Status`` and the last one would describe every ``status`` filter
    (issue 24: ``GET /plans?status=cannot`` was schema-valid and answered 422). Members are
    ``str``, equal to the model's values.
    """
    return enum.StrEnum(name, {member.name: member.value for member in choices})


class ErrorOut(Schema):
    detail: str
    code: str | None = None
    errors: list[Any] | None = None


ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def responses(ok_schema, *codes: int, status: int = 200) -> dict:
    """{status: ok_schema} plus the error answers (401 and 422 always)."""
    wanted = {401, 422, *codes}
    ok = {} if ok_schema is None else {status: ok_schema}
    return {**ok, **{code: ERRORS[code] for code in sorted(wanted)}}


class Pages(PaginationBase):
    """?page=1&page_size=50 (at most 200); answers {"items": [...], "count": N}."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=100_000)
        page_size: int = Field(50, ge=1, le=200)

    class Output(Schema):
        items: list[Any]
        count: int

    items_attribute = "items"

    def paginate_queryset(self, queryset, pagination: Input, **params):
        offset = (pagination.page - 1) * pagination.page_size
        if isinstance(queryset, QuerySet):
            count = queryset.count()
        else:
            queryset = list(queryset)
            count = len(queryset)
        return {"items": queryset[offset : offset + pagination.page_size], "count": count}
