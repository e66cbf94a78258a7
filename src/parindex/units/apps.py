from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UnitsConfig(AppConfig):
    name = "parindex.units"
    label = "units"
    verbose_name = _("Units")

    def ready(self):
        from parindex.core.shell import HomePanel, NavItem, register_home_panel, register_nav
        from parindex.units import panels

        register_nav(NavItem("units", _("Units"), "units:list", icon="diagram-3", order=10))
        register_home_panel(HomePanel("units_my_unit", panels.my_unit_panel, order=10))
        register_home_panel(HomePanel("units_scope", panels.scope_panel, order=20))
