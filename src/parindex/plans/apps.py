from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "parindex.plans"
    label = "plans"
    verbose_name = _("Reform plans")

    def ready(self):
        from parindex.assessments.feeds import register_feed
        from parindex.core.shell import HomePanel, NavItem, register_home_panel, register_nav
        from parindex.plans.integration import FEED, plan_leaf_inputs, plan_url
        from parindex.plans.views import my_tasks_panel

        register_feed(
            FEED,
            inputs=plan_leaf_inputs,
            label=_("the annual reform plan"),
            source_url=plan_url,
            action="plans.prefill_plan_leaf",
        )

        register_nav(NavItem("plans", _("Reform plans"), "plans:list", icon="list-check", order=30))
        register_home_panel(HomePanel("plans.my_tasks", my_tasks_panel, order=30))
