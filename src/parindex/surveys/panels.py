"""Menu visibility and the operator's home panel ("surveys open now")."""

from __future__ import annotations

from django.template.loader import render_to_string

from parindex.units.visibility import scope_for


def has_any_role(request) -> bool:
    return bool(scope_for(request.user).roles) or scope_for(request.user).is_admin


def operator_panel(request) -> str:
    from parindex.surveys import selectors

    scope = scope_for(request.user)
    if not (scope.is_admin or any(role == "index_manager" for _u, role in scope.roles)):
        return ""
    rows = selectors.open_surveys_for_operator(request.user)
    if not rows:
        return ""
    return render_to_string("surveys/_home_panel.html", {"rows": rows}, request=request)
