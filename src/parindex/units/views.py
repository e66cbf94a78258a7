from django.core.paginator import Paginator
from django.shortcuts import render

from parindex.units.models import Membership, Unit
from parindex.units.visibility import get_visible_or_404, scope_for


def unit_list(request):
    """Units the user may see, searchable without diacritics ("thach chau" finds "Thạch Châu")."""
    units = Unit.objects.visible_to(request.user).select_related("parent")
    query = request.GET.get("q", "").strip()
    if query:
        units = units.search(query)
    kind = request.GET.get("kind", "")
    if kind in Unit.Kind.values:
        units = units.filter(kind=kind)
    page = Paginator(units, 50).get_page(request.GET.get("page"))
    return render(request, "units/unit_list.html", {"page": page, "query": query, "kind": kind, "kinds": Unit.Kind.choices})


def unit_detail(request, pk: int):
    unit = get_visible_or_404(Unit.objects.select_related("parent"), request.user, pk=pk)
    children = Unit.objects.visible_to(request.user).filter(parent=unit)
    sees_data = Unit.objects.data_visible_to(request.user).filter(pk=unit.pk).exists()
    memberships = (
        Membership.objects.active().filter(unit=unit).select_related("user").order_by("role", "user__full_name")
        if sees_data
        else Membership.objects.none()
    )
    predecessors = Unit.objects.filter(successor_changes__successors=unit).distinct()
    successors = Unit.objects.filter(predecessor_changes__predecessors=unit).distinct()
    return render(
        request,
        "units/unit_detail.html",
        {
            "unit": unit,
            "children": children,
            "memberships": memberships,
            "sees_data": sees_data,
            "predecessors": predecessors,
            "successors": successors,
            "ancestors": unit.ancestors(),
            "is_admin": scope_for(request.user).is_admin,
        },
    )
