"""Who may appraise, explain and manage appraisal (write permissions; reads use ``visible_to``).

* Appraisers and index managers at an *ancestor* of the sheet's unit are the appraisal side.
  An index manager may appraise any leaf of a sheet under them. An appraiser may appraise the
  leaves their ``AppraiserAssignment`` rows cover (a unit, an area across every unit, or one
  area of one unit); when a round has no assignments at all, every appraiser above may appraise.
* Nobody appraises a sheet their own unit scored: members of the sheet's unit are refused,
  whatever other roles they hold (admins included).
* Officers and the head of the unit answer explanations and submit them.
"""

from __future__ import annotations

from parindex.units.models import Membership
from parindex.units.visibility import has_role, scope_for

Role = Membership.Role
APPRAISAL_ROLES = (Role.APPRAISER, Role.INDEX_MANAGER)
UNIT_ROLES = (Role.UNIT_OFFICER, Role.UNIT_HEAD)


def is_member_of(user, unit) -> bool:
    return unit.pk in scope_for(user).own_unit_ids


def _above(user, unit, *roles) -> bool:
    scope = scope_for(user)
    ancestors = set(unit.ancestor_ids())
    return any(uid in ancestors and role in roles for uid, role in scope.roles)


def is_round_manager(user, round_) -> bool:
    return has_role(user, round_.owner_unit, Role.INDEX_MANAGER, inherited=True)


def is_appraisal_side(user, unit) -> bool:
    """Appraiser or index manager above ``unit`` (or admin), and not a member of it."""
    if is_member_of(user, unit):
        return False
    return scope_for(user).is_admin or _above(user, unit, *APPRAISAL_ROLES)


def scored_by_own_lead_unit(user, sheet, criterion) -> bool:
    """Whether one of the user's units scored ``criterion`` on the sheet as a lead department.

    Covers an assignment of the leaf itself or of an ancestor (area, criterion) of it.
    """
    from parindex.assessments.models import Assignment

    own = scope_for(user).own_unit_ids
    if not own or criterion is None:
        return False
    covered = Assignment.objects.filter(assessment_id=sheet.assessment_id, lead_unit_id__in=list(own)).values_list(
        "criterion__sort_key", flat=True
    )
    return any(criterion.sort_key == key or criterion.sort_key.startswith(key + ".") for key in covered)


def may_appraise(user, sheet, criterion=None, *, assignments=None) -> bool:
    """Whether ``user`` may enter appraised points on ``sheet`` (for ``criterion``, if given).

    Nobody appraises what their own unit scored: members of the sheet's unit are refused for
    the whole sheet, members of a lead department for the leaves that department scored.
    """
    unit = sheet.assessment.unit
    if not is_appraisal_side(user, unit):
        return False
    if criterion is not None and criterion.is_leaf and scored_by_own_lead_unit(user, sheet, criterion):
        return False
    scope = scope_for(user)
    if scope.is_admin or _above(user, unit, Role.INDEX_MANAGER):
        return True
    from parindex.appraisals.models import AppraiserAssignment

    if assignments is None:
        assignments = list(
            AppraiserAssignment.objects.filter(round_id=sheet.assessment.round_id).values(
                "appraiser_id", "unit_id", "area_id"
            )
        )
    if not assignments:
        return True
    area_id = criterion.area_id if criterion is not None else None
    for row in assignments:
        if row["appraiser_id"] != user.pk:
            continue
        if row["unit_id"] not in (None, unit.pk):
            continue
        if criterion is None or row["area_id"] in (None, area_id):
            return True
    return False


def may_explain(user, sheet) -> bool:
    return has_role(user, sheet.assessment.unit, *UNIT_ROLES)
