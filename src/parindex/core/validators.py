"""One-line text: no line breaks or other control characters (issue 24, finding 5).

A request number ``"INJ/1\\r\\nBcc: …"`` once went into every reminder's subject and broke
every e-mail. Text that is one line by nature — numbers and symbols, names, titles,
subjects, codes — refuses control characters wherever it is typed:

* **models**: every ``CharField`` of a parindex model (without ``choices``) gets
  ``validate_single_line`` when the apps are ready (``install_model_validators``, called by
  ``CoreConfig.ready``), so Django admin and every ``ModelForm`` refuse them. The rule is
  "a CharField is one line; text that may hold line breaks is a TextField" — a new field
  is covered without anyone remembering to add it. The validator is not written into
  migrations (validators never change the schema);
* **forms**: ``SingleLineCharField`` for every one-line ``forms.CharField``;
* **API**: ``parindex.api.common.Line``/``Filled`` (the JSON schema carries the pattern, so
  clients and the fuzzer know it).

``tests/security/test_single_line_fields.py`` walks every model and form field, so a
one-line field that slips through fails the tests.
"""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# C0 controls (line feed, carriage return, tab, NUL…), DEL, C1 controls, and the Unicode
# line and paragraph separators: nothing a one-line field needs, all of which can end a
# line somewhere (an e-mail header, a CSV row, a log line).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# The same rule as a JSON-schema / HTML pattern (ECMA-262 syntax).
SINGLE_LINE_PATTERN = r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029]*$"
MESSAGE = _(
    "This field must be written on one line: line breaks, tabs and other control characters are not allowed."
)


def validate_single_line(value) -> None:
    if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
        raise ValidationError(MESSAGE, code="control_characters")


def single_line_error(value: str) -> str | None:
    """The message if ``value`` is not one line, else None (for non-Django validators)."""
    if CONTROL_CHARACTERS.search(value):
        return str(MESSAGE)
    return None


class SingleLineCharField(forms.CharField):
    """A one-line text input that refuses line breaks and other control characters."""

    default_validators = [validate_single_line]


def install_model_validators(models) -> int:
    """Give every ``CharField`` (without choices) of ``models`` the one-line validator.

    Set on the field instance's ``default_validators`` (not ``validators=``), so the field's
    deconstruction — and so the migrations — stay as they are. Returns the fields changed.
    """
    from django.db.models import CharField

    changed = 0
    for model in models:
        for field in model._meta.local_fields:
            if not isinstance(field, CharField) or field.choices:
                continue
            if validate_single_line in field.default_validators:
                continue
            field.default_validators = [*field.default_validators, validate_single_line]
            field.__dict__.pop("validators", None)  # the cached list, if anything read it already
            changed += 1
    return changed
