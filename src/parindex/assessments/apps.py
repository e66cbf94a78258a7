import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "parindex.assessments"
    label = "assessments"
    verbose_name = _("Assessments")

    def ready(self):
        from parindex.assessments import panels
        from parindex.core.shell import HomePanel, NavItem, register_home_panel, register_nav

        register_nav(
            NavItem(
                "assessments",
                _("Self-assessment"),
                "assessments:index",
                icon="clipboard-check",
                order=30,
                visible=panels.has_any_role,
            )
        )
        register_home_panel(HomePanel("assessments-todo", panels.todo_panel, order=20))
        register_home_panel(HomePanel("assessments-head", panels.head_panel, order=21))
        register_home_panel(HomePanel("assessments-manager", panels.manager_panel, order=22))
        try:
            from parindex.core.jobs import register_periodic
        except ImportError:  # pragma: no cover — the job runner is optional
            return
        register_periodic(
            "assessments.lock_overdue",
            "parindex.assessments.actions.run_lock_overdue",
            every=dt.timedelta(minutes=5),
        )
        # Files of uploads killed between storing and committing (core verify_evidence).
        register_periodic(
            "assessments.sweep_orphaned_evidence",
            "parindex.core.management.commands.verify_evidence.sweep_orphaned_evidence",
            every=dt.timedelta(days=1),
        )
