"""Reads shared by views, exports and other apps."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q

from parindex.frameworks.models import Criterion, Framework
from parindex.units.models import Unit
from parindex.units.visibility import scope_for


def frameworks_for(user):
    """Frameworks the user may read (every logged-in user), with criterion counts, newest first."""
    return (
        Framework.objects.visible_to(user)
        .select_related("owner_unit", "previous")
        .annotate(
            criteria_count=Count("criteria", distinct=True),
            leaf_count=Count("criteria", filter=Q(criteria__is_leaf=True), distinct=True),
        )
        .order_by("-valid_from_year", "name", "pk")
    )


def managed_units(user):
    """Units that may own a framework created by ``user``: where the user is index manager
    (and their subtrees' provinces/districts), or every province and district for an admin."""
    scope = scope_for(user)
    issuing = (Unit.Kind.PROVINCE, Unit.Kind.DISTRICT)
    if scope.is_admin:
        return Unit.objects.filter(kind__in=issuing)
    ids = [uid for uid, role in scope.roles if role == "index_manager"]
    if not ids:
        return Unit.objects.none()
    condition = Q(pk__in=ids)
    for path in Unit.objects.filter(pk__in=ids).values_list("path", flat=True):
        condition |= Q(path__startswith=path, kind__in=issuing)
    return Unit.objects.filter(condition)


def can_create_frameworks(user) -> bool:
    return managed_units(user).exists()


@dataclass
class Node:
    criterion: Criterion
    children: list[Node] = field(default_factory=list)
    method_text: str = ""


def framework_tree(framework: Framework) -> list[Node]:
    """The criteria as nested nodes in tree order — one query whatever the size."""
    nodes: dict[int, Node] = {}
    roots: list[Node] = []
    for criterion in framework.criteria.order_by("sort_key"):
        node = Node(criterion, method_text=criterion.describe_method())
        nodes[criterion.pk] = node
        parent = nodes.get(criterion.parent_id)
        if parent is None:
            roots.append(node)
        else:
            parent.children.append(node)
    return roots
