"""Home-page panels of the foundation ("what I have to do now")."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef
from django.template.loader import render_to_string

from parindex.units.imports import can_import
from parindex.units.models import Membership, Unit
from parindex.units.visibility import OVERSIGHT_ROLES, scope_for

MEMBER_ROLES = (Membership.Role.UNIT_HEAD, Membership.Role.UNIT_OFFICER)


def scope_panel(request) -> str:
    """For admins, managers, appraisers and viewers: the units they oversee, by type."""
    scope = scope_for(request.user)
    roles = {role for _unit, role in scope.roles}
    if not (scope.is_admin or roles & {*OVERSIGHT_ROLES, Membership.Role.VIEWER}):
        return ""
    counts = (
        Unit.objects.visible_to(request.user)
        .active_on()
        .values("kind")
        .annotate(n=Count("pk"))
        .order_by("kind")
    )
    labels = dict(Unit.Kind.choices)
    rows = [(c["kind"], labels.get(c["kind"], c["kind"]), c["n"]) for c in counts]
    importer = can_import(request.user)
    unstaffed = unstaffed_units(Unit.objects.visible_to(request.user)).count() if importer else 0
    return render_to_string(
        "units/panels/scope.html",
        {"rows": rows, "total": sum(n for _k, _l, n in rows), "can_import": importer, "unstaffed": unstaffed},
        request=request,
    )


def unstaffed_units(units):
    """Units in operation (not the province itself) where nobody holds an officer or head role yet."""
    staffed = Membership.objects.active().filter(unit=OuterRef("pk"), role__in=MEMBER_ROLES)
    return units.active_on().exclude(kind=Unit.Kind.PROVINCE).filter(~Exists(staffed))


def my_unit_panel(request) -> str:
    """For unit heads and officers: their unit(s), with the people and the audit log one click away."""
    memberships = [
        m
        for m in Membership.objects.active()
        .filter(user=request.user, role__in=MEMBER_ROLES)
        .select_related("unit")
    ]
    if not memberships:
        return ""
    return render_to_string("units/panels/my_unit.html", {"memberships": memberships}, request=request)
