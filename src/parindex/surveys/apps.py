from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "parindex.surveys"
    label = "surveys"
    verbose_name = _("Surveys")

    def ready(self):
        from parindex.core.shell import HomePanel, NavItem, register_home_panel, register_nav
        from parindex.surveys import panels

        register_nav(NavItem(key="surveys", label=_("Surveys"), url_name="surveys:index", icon="ui-checks",
                             order=55, visible=panels.has_any_role))
        register_home_panel(HomePanel("surveys-operator", panels.operator_panel, order=40))
