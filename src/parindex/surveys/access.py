"""Who may run a survey (write permissions and raw data); reads use ``visible_to``.

The **survey operator** is an index manager (Sở / Phòng Nội vụ) at the survey's owner unit or at
one of its ancestors, or an admin — the same people who manage the round the survey feeds, so
the approval can go through the appraisals app's survey import (which asks for a round manager).
Only operators see respondents, raw answers, paper entry and the double-entry check. Members of an
assessed unit see their own unit's aggregates once the survey is approved.
"""

from __future__ import annotations

from parindex.units.models import Membership
from parindex.units.visibility import has_role, scope_for

# Below this many responses a unit sees its criterion scores but not the answer distribution per
# question: with two or three respondents the distribution would tell who answered what.
MIN_RESPONSES_FOR_DETAIL = 5


def is_operator(user, survey) -> bool:
    return has_role(user, survey.owner_unit, Membership.Role.INDEX_MANAGER, inherited=True)


def may_create_for(user, unit) -> bool:
    return has_role(user, unit, Membership.Role.INDEX_MANAGER, inherited=True)


def operator_units(user):
    """Units where the user may create surveys (index manager there; admins: every unit)."""
    from parindex.units.models import Unit

    scope = scope_for(user)
    if scope.is_admin:
        return Unit.objects.all()
    ids = [uid for uid, role in scope.roles if role == Membership.Role.INDEX_MANAGER]
    return Unit.objects.filter(pk__in=ids)


def may_see_distribution(user, survey, received: int) -> bool:
    return is_operator(user, survey) or received >= MIN_RESPONSES_FOR_DETAIL
