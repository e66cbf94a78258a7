from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UnitsConfig(AppConfig):
    name = "parindex.units"
    label = "units"
    verbose_name = _("Units")

    def ready(self):
        from parindex.core.shell import NavItem, register_nav

        register_nav(NavItem("units", _("Units"), "units:list", icon="diagram-3", order=10))
