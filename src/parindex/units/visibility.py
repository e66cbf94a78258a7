"""The one visibility rule of parindex.

Every list, detail page, export and API call that shows unit data goes through
``ScopedQuerySet.visible_to(user)`` (or ``Unit.objects.visible_to(user)`` for units
themselves). The rule:

* an admin sees everything;
* every member sees the data of the units they belong to (any role);
* an ``index_manager`` or ``appraiser`` also sees the data of every unit in the subtree
  under the unit they belong to (the units they oversee);
* a ``viewer`` (steering committee) sees the *units* of their subtree but not their
  unpublished data: published results are exposed by the results app as public data,
  never through this rule;
* members of a unit formed by a merge or split also see the data of its predecessors
  (transitively): the 2023 results of three old communes belong to the merged commune
  that succeeded them (``Unit.lineage()``);
* anything else is invisible, and views answer 404 (not 403) so ids cannot be probed.

A membership counts only while it is valid (``valid_from``/``valid_to``); an inactive
user sees nothing.

The scope is computed once per request and cached on the user object.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models
from django.db.models import Q
from django.http import Http404

OVERSIGHT_ROLES = ("index_manager", "appraiser")
SUBTREE_READ_ROLES = ("index_manager", "appraiser", "viewer")


@dataclass(frozen=True)
class Scope:
    is_admin: bool = False
    own_unit_ids: frozenset[int] = field(default_factory=frozenset)
    oversight_paths: tuple[str, ...] = ()  # data visible in these subtrees
    unit_paths: tuple[str, ...] = ()  # units (names, tree) visible in these subtrees
    roles: frozenset[tuple[int, str]] = field(default_factory=frozenset)  # (unit_id, role)

    def q(self, lookup: str, *, paths: tuple[str, ...] | None = None) -> Q:
        """A Q selecting rows whose unit (reached by ``lookup``) is in scope."""
        if self.is_admin:
            return Q()
        prefix = f"{lookup}__" if lookup else ""
        condition = (
            Q(**{f"{prefix}pk__in": list(self.own_unit_ids)}) if lookup else Q(pk__in=list(self.own_unit_ids))
        )
        for path in self.oversight_paths if paths is None else paths:
            condition |= Q(**{f"{prefix}path__startswith": path})
        return condition


NOBODY = Scope()


def scope_for(user) -> Scope:
    """The user's scope, cached on the user object for the rest of the request."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOBODY
    cached = getattr(user, "_parindex_scope", None)
    if cached is not None:
        return cached
    from parindex.units.models import Membership

    memberships = list(
        Membership.objects.active()
        .filter(user=user)
        .select_related("unit")
        .only("role", "unit__id", "unit__path")
    )
    is_admin = user.is_superuser or any(m.role == Membership.Role.ADMIN for m in memberships)
    own_ids = {m.unit_id for m in memberships}
    scope = Scope(
        is_admin=is_admin,
        own_unit_ids=frozenset(own_ids | (_predecessor_ids(own_ids) if own_ids and not is_admin else set())),
        oversight_paths=_minimal_paths(m.unit.path for m in memberships if m.role in OVERSIGHT_ROLES),
        unit_paths=_minimal_paths(m.unit.path for m in memberships if m.role in SUBTREE_READ_ROLES),
        roles=frozenset((m.unit_id, m.role) for m in memberships),
    )
    user._parindex_scope = scope
    return scope


def _predecessor_ids(unit_ids: set[int]) -> set[int]:
    """Ids of every unit the given units succeeded, transitively (one query per generation)."""
    from parindex.units.models import UnitChange

    through = UnitChange.predecessors.through
    successor_through = UnitChange.successors.through
    found: set[int] = set()
    frontier = set(unit_ids)
    while frontier:
        changes = successor_through.objects.filter(unit_id__in=frontier).values("unitchange_id")
        preds = set(through.objects.filter(unitchange_id__in=changes).values_list("unit_id", flat=True))
        frontier = preds - found - unit_ids
        found |= frontier
    return found


def _minimal_paths(paths) -> tuple[str, ...]:
    """Drop paths already covered by a shorter one, so the SQL stays small."""
    result: list[str] = []
    for path in sorted(set(paths), key=len):
        if not any(path.startswith(kept) for kept in result):
            result.append(path)
    return tuple(result)


class ScopedQuerySet(models.QuerySet):
    """Base queryset for every model that belongs to a unit.

    Subclasses set ``scope_lookup`` to the path from the model to its ``Unit``
    (``"unit"``, ``"assessment__unit"``, …).
    """

    scope_lookup = "unit"

    def visible_to(self, user):
        scope = scope_for(user)
        if scope is NOBODY:
            return self.none()
        return self.filter(scope.q(self.scope_lookup))


def get_visible_or_404(queryset, user, **lookup):
    """The object matching ``lookup`` among those ``user`` may see, or 404."""
    try:
        return queryset.visible_to(user).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404


def has_role(user, unit, *roles: str, inherited: bool = False) -> bool:
    """Whether ``user`` holds one of ``roles`` at ``unit`` (or, if ``inherited``, at an ancestor)."""
    scope = scope_for(user)
    if scope.is_admin:
        return True
    if any((unit.pk, role) in scope.roles for role in roles):
        return True
    if inherited:
        ancestor_ids = unit.ancestor_ids()
        return any((uid, role) in scope.roles for uid in ancestor_ids for role in roles)
    return False
