"""Strings Django shows from the settings module, which no app's makemessages run sees.

``settings.LANGUAGES`` names are translated through the core catalogue so the language
menu reads "Tiếng Việt" / "Tiếng Anh" in Vietnamese whatever Django's own catalogue holds.
"""

from django.utils.translation import gettext_noop

LANGUAGE_NAMES = (gettext_noop("Vietnamese"), gettext_noop("English"))
