"""Who may do what with remediation plans and items (reads go through ``visible_to``).

* the unit's officers and head prepare the plan and report progress, results and evidence;
* the unit head submits the plan (and the results report);
* an index manager of a unit *above* approves, returns, verifies and inspects — never their own
  unit's plan (a district's plan is approved by the province);
* reopening an approved plan: the unit head or the approver;
* the lead official named on an item may report its progress and results.
"""

from __future__ import annotations

from parindex.units.models import Membership
from parindex.units.visibility import has_role, scope_for

Role = Membership.Role


def can_edit(user, unit) -> bool:
    return has_role(user, unit, Role.UNIT_OFFICER, Role.UNIT_HEAD)


def is_head(user, unit) -> bool:
    return has_role(user, unit, Role.UNIT_HEAD)


def manages_above(user, unit) -> bool:
    """Index manager of a unit strictly above ``unit`` (or admin)."""
    scope = scope_for(user)
    if scope.is_admin:
        return True
    return any((uid, Role.INDEX_MANAGER) in scope.roles for uid in unit.ancestor_ids())


def can_report(user, item) -> bool:
    return can_edit(user, item.unit) or (item.lead_official_id is not None and item.lead_official_id == user.pk)


def can_inspect(user, owner_unit) -> bool:
    return has_role(user, owner_unit, Role.INDEX_MANAGER, inherited=True)


def manager_units(user):
    """Units where the user is an index manager (roots of the subtrees they oversee)."""
    from parindex.units.models import Unit

    scope = scope_for(user)
    if scope.is_admin:
        return Unit.objects.filter(parent__isnull=True)
    return Unit.objects.filter(pk__in=[uid for uid, role in scope.roles if role == Role.INDEX_MANAGER])


def editable_units(user):
    from parindex.units.models import Unit

    scope = scope_for(user)
    if scope.is_admin:
        return Unit.objects.all()
    return Unit.objects.filter(
        pk__in=[uid for uid, role in scope.roles if role in (Role.UNIT_OFFICER, Role.UNIT_HEAD)]
    )
