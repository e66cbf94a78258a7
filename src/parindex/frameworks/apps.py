from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FrameworksConfig(AppConfig):
    name = "parindex.frameworks"
    label = "frameworks"
    verbose_name = _("Criteria frameworks")

    def ready(self):
        from parindex.core.shell import HomePanel, NavItem, register_home_panel, register_nav
        from parindex.frameworks.panels import drafts_panel

        register_nav(
            NavItem("frameworks", _("Criteria frameworks"), "frameworks:list", icon="list-check", order=20)
        )
        register_home_panel(HomePanel("frameworks.drafts", drafts_panel, order=40))
