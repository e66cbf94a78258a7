"""Who may do what on rounds and score sheets (write permissions; reads use ``visible_to``).

* Index managers (at the round's owner unit or an ancestor) open rounds, follow progress
  and reopen sheets; managers above a sheet's unit may reopen it too.
* Officers and the head of a sheet's unit edit every self-scored leaf of the sheet.
* Officers (and heads) of a lead department assigned on the sheet edit the assigned leaves
  (a leaf, or every leaf of an assigned area) and nothing else.
* Only the unit head submits, withdraws and assigns.
"""

from __future__ import annotations

from collections.abc import Iterable

from parindex.units.models import Membership
from parindex.units.visibility import has_role, scope_for

Role = Membership.Role
EDITOR_ROLES = (Role.UNIT_OFFICER, Role.UNIT_HEAD)


def can_manage_round(user, round_) -> bool:
    return has_role(user, round_.owner_unit, Role.INDEX_MANAGER, inherited=True)


def can_manage_sheet(user, assessment) -> bool:
    """Round managers and index managers above the unit (reopen, follow-up)."""
    return can_manage_round(user, assessment.round) or has_role(
        user, assessment.unit, Role.INDEX_MANAGER, inherited=True
    )


def is_unit_editor(user, unit) -> bool:
    return has_role(user, unit, *EDITOR_ROLES)


def is_unit_head(user, unit) -> bool:
    return has_role(user, unit, Role.UNIT_HEAD)


def lead_unit_ids(user) -> set[int]:
    """Units where the user is an officer or head (and could act as a lead department)."""
    scope = scope_for(user)
    return {unit_id for unit_id, role in scope.roles if role in EDITOR_ROLES}


def assigned_criterion_ids(user, assignments: Iterable) -> set[int]:
    """Criteria (leaves or areas) given to the user personally or to one of their lead units."""
    units = lead_unit_ids(user)
    return {
        a.criterion_id
        for a in assignments
        if (a.officer_id and a.officer_id == user.pk) or (a.lead_unit_id and a.lead_unit_id in units)
    }


def lead_criterion_ids(user, assignments: Iterable) -> set[int]:
    """Criteria given to a lead department the user belongs to (what an outsider may edit)."""
    units = lead_unit_ids(user)
    return {a.criterion_id for a in assignments if a.lead_unit_id and a.lead_unit_id in units}


def may_edit_leaf(user, assessment, criterion, assignments: Iterable) -> bool:
    """Write permission on one leaf of a sheet (state and deadline are checked by the action)."""
    if is_unit_editor(user, assessment.unit):
        return True
    allowed = lead_criterion_ids(user, assignments)
    return criterion.pk in allowed or (criterion.area_id is not None and criterion.area_id in allowed)
