"""Django strings whose Vietnamese translation Django's own catalogue lacks.

Django 5.2 changed MinimumLengthValidator's message to "%d" placeholders; its Vietnamese
catalogue still has the old "%(min_length)d" msgid, so the error showed in English. This
function is never called: it only puts the msgids into the accounts catalogue.
"""

from django.utils.translation import ngettext


def _django_messages_for_makemessages() -> None:  # pragma: no cover
    ngettext(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        1,
    )
