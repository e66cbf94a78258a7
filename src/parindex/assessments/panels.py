"""Home-page panels ("what I have to do now") and the nav visibility test."""

from __future__ import annotations

from django.db.models import Count, Q
from django.template.loader import render_to_string

from parindex.assessments.models import Assessment, Round
from parindex.assessments.selectors import todo_for
from parindex.units.models import Membership
from parindex.units.visibility import scope_for


def has_any_role(request) -> bool:
    scope = scope_for(request.user)
    return scope.is_admin or bool(scope.roles)


def todo_panel(request) -> str:
    """Officers: leaves assigned to them that still miss a score, evidence or an explanation."""
    items = todo_for(request.user)
    if not items:
        return ""
    return render_to_string(
        "assessments/_panel_todo.html", {"items": items[:8], "count": len(items)}, request=request
    )


def head_panel(request) -> str:
    """Unit heads: draft sheets of their units waiting to be submitted."""
    scope = scope_for(request.user)
    unit_ids = [uid for uid, role in scope.roles if role == Membership.Role.UNIT_HEAD]
    if not unit_ids:
        return ""
    sheets = list(
        Assessment.objects.filter(
            unit_id__in=unit_ids, status=Assessment.Status.DRAFT, round__status=Round.Status.OPEN
        )
        .select_related("unit", "round")
        .order_by("round__self_deadline")
    )
    if not sheets:
        return ""
    return render_to_string("assessments/_panel_head.html", {"sheets": sheets}, request=request)


def manager_panel(request) -> str:
    """Index managers: open rounds with how many sheets were submitted."""
    scope = scope_for(request.user)
    if not scope.is_admin and not any(role == Membership.Role.INDEX_MANAGER for _u, role in scope.roles):
        return ""
    rounds = list(
        Round.objects.filter(scope.q("owner_unit"), status=Round.Status.OPEN)
        .annotate(
            n_sheets=Count("assessments", distinct=True),
            n_submitted=Count(
                "assessments", filter=Q(assessments__status=Assessment.Status.SUBMITTED), distinct=True
            ),
        )
        .order_by("self_deadline")[:10]
    )
    if not rounds:
        return ""
    return render_to_string("assessments/_panel_manager.html", {"rounds": rounds}, request=request)
