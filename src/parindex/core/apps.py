from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "parindex.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from django.apps import apps

        from parindex.core import security  # noqa: F401 — connects the two-step-login hook to user_logged_in
        from parindex.core.shell import NavItem, register_nav
        from parindex.core.validators import install_model_validators

        # Every one-line text field of every parindex model refuses line breaks (issue 24).
        install_model_validators(m for m in apps.get_models() if m.__module__.startswith("parindex."))

        register_nav(NavItem("home", _("Home"), "home", icon="house", order=0))
        register_nav(NavItem("audit", _("Audit log"), "audit_log", icon="clock-history", order=900))
