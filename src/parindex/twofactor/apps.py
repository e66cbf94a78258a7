from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TwoFactorConfig(AppConfig):
    """Which roles must use two-step login (TOTP); the login flow is in ``parindex.core.security``."""

    name = "parindex.twofactor"
    label = "twofactor"
    verbose_name = _("Two-step login")
