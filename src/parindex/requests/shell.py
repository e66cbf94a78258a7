"""Menu entries, home panels, deliverable kinds and periodic jobs of the requests app.

Wired in ``RequestsConfig.ready()``.
"""

from __future__ import annotations

import datetime as dt

from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

HOME_PANEL_ENTRIES = 5


def _has_membership(request) -> bool:
    from parindex.units.visibility import scope_for

    scope = scope_for(request.user)
    return scope.is_admin or bool(scope.roles)


def issuer_panel(request) -> str:
    from parindex.requests import planner, selectors

    requests = selectors.issued_open_requests(request.user)
    total = requests.count()
    if not total:
        return ""
    entries = []
    for item in requests[:HOME_PANEL_ENTRIES]:
        recipients = list(item.recipients.all())
        states = selectors.resolutions(item, recipients)
        statuses = [s for s, _d in states.values()]
        entries.append(
            {
                "item": item,
                "total": len(recipients),
                "done": sum(1 for s in statuses if planner.is_done(s)),
                "overdue": sum(1 for s in statuses if s == planner.TrackStatus.OVERDUE),
            }
        )
    return render_to_string(
        "requests/_panel_issuer.html", {"entries": entries, "total": total}, request=request
    )


def recipient_panel(request) -> str:
    from parindex.requests import selectors

    rows = selectors.open_received(request.user, limit=10)
    if not rows:
        return ""
    return render_to_string("requests/_panel_recipient.html", {"rows": rows}, request=request)


def register() -> None:
    from parindex.core.jobs import register_periodic
    from parindex.core.shell import HomePanel, NavItem, register_home_panel, register_nav
    from parindex.requests.deliverables import register_defaults

    register_defaults()
    register_nav(
        NavItem(
            "requests",
            _("Requests"),
            "requests:list",
            icon="envelope-paper",
            order=60,
            visible=_has_membership,
        )
    )
    register_home_panel(HomePanel("requests-received", recipient_panel, order=20))
    register_home_panel(HomePanel("requests-issued", issuer_panel, order=30))
    register_periodic(
        "requests.send_reminders",
        "parindex.requests.reminders.send_due_reminders",
        every=dt.timedelta(minutes=1),
    )
    register_periodic("core.prune_jobs", "parindex.core.jobs.prune", every=dt.timedelta(hours=1))
