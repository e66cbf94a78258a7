from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemediationConfig(AppConfig):
    name = "parindex.remediation"
    label = "remediation"
    verbose_name = _("Remediation of shortcomings")

    def ready(self):
        from parindex.core.shell import HomePanel, NavItem, register_home_panel, register_nav
        from parindex.remediation import deliverables
        from parindex.remediation.views import awaiting_approval_panel, overdue_items_panel

        register_nav(NavItem("remediation", _("Remediation"), "remediation:index", icon="tools", order=45))
        register_home_panel(HomePanel("remediation.overdue", overdue_items_panel, order=35))
        register_home_panel(HomePanel("remediation.awaiting", awaiting_approval_panel, order=36))
        deliverables.register()
        try:  # the assessments feed registry (runs our prefill inside submit_assessment)
            from parindex.assessments.feeds import register_feed
        except ImportError:  # pragma: no cover — older tree without the registry
            return
        from parindex.remediation.integration import FEED, remediation_leaf_inputs, remediation_url

        register_feed(
            FEED,
            inputs=remediation_leaf_inputs,
            label=_("the remediation of shortcomings"),
            source_url=remediation_url,
            action="remediation.prefill_remediation_leaf",
        )
