"""Reads shared by the template screens and their export."""

from __future__ import annotations

from parindex.documents.actions import can_manage_templates
from parindex.documents.models import DocumentTemplate
from parindex.units.models import Membership, Unit
from parindex.units.visibility import scope_for


def manageable_units(user):
    """Units whose templates the user may change: where they are index manager (and subtrees), or all for admins."""
    scope = scope_for(user)
    if scope.is_admin:
        return Unit.objects.all()
    manager_ids = [unit_id for unit_id, role in scope.roles if role == Membership.Role.INDEX_MANAGER]
    if not manager_ids:
        return Unit.objects.none()
    paths = Unit.objects.filter(pk__in=manager_ids).values_list("path", flat=True)
    from django.db.models import Q

    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(path__startswith=path)
    return Unit.objects.filter(condition)


def templates_for(user):
    return DocumentTemplate.objects.visible_to(user).select_related("owner_unit", "uploaded_by")


def may_use_screen(user) -> bool:
    scope = scope_for(user)
    return scope.is_admin or any(role == Membership.Role.INDEX_MANAGER for _unit, role in scope.roles)


__all__ = ["can_manage_templates", "manageable_units", "may_use_screen", "templates_for"]
