from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from parindex.core.spreadsheets import download_response
from parindex.core.views import import_page
from parindex.units.imports import can_import, example_workbook, export_units
from parindex.units.models import Membership, Unit
from parindex.units.panels import unstaffed_units
from parindex.units.visibility import get_visible_or_404, scope_for


def _filtered_units(request):
    units = Unit.objects.visible_to(request.user).select_related("parent")
    query = request.GET.get("q", "").strip()
    if query:
        units = units.search(query)
    kind = request.GET.get("kind", "")
    if kind in Unit.Kind.values:
        units = units.filter(kind=kind)
    if request.GET.get("unstaffed") == "1":
        units = unstaffed_units(units)
    return units, query, kind


def unit_list(request):
    """Units the user may see, searchable without diacritics ("thach chau" finds "Thạch Châu")."""
    units, query, kind = _filtered_units(request)
    page = Paginator(units, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "units/unit_list.html",
        {
            "page": page,
            "query": query,
            "kind": kind,
            "kinds": Unit.Kind.choices,
            "can_import": can_import(request.user),
        },
    )


def unit_export(request):
    """The units list (same filters) as .xlsx, in the layout the import reads."""
    units, _query, _kind = _filtered_units(request)
    return download_response(export_units(units), f"{_('Units')}.xlsx")


def unit_detail(request, pk: int):
    unit = get_visible_or_404(Unit.objects.select_related("parent"), request.user, pk=pk)
    children = Unit.objects.visible_to(request.user).filter(parent=unit)
    sees_data = Unit.objects.data_visible_to(request.user).filter(pk=unit.pk).exists()
    memberships = (
        Membership.objects.active()
        .filter(unit=unit)
        .select_related("user")
        .order_by("role", "user__full_name")
        if sees_data
        else Membership.objects.none()
    )
    # Names of predecessors/successors are always shown; links only where the user may open them.
    predecessors = list(Unit.objects.filter(successor_changes__successors=unit).distinct())
    successors = list(Unit.objects.filter(predecessor_changes__predecessors=unit).distinct())
    related_ids = [u.pk for u in predecessors + successors]
    visible_ids = set(
        Unit.objects.visible_to(request.user).filter(pk__in=related_ids).values_list("pk", flat=True)
    )
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
            "visible_ids": visible_ids,
        },
    )


def unit_import(request):
    if not can_import(request.user):
        raise PermissionDenied
    return import_page(
        request,
        title=_("Import units"),
        intro=_(
            "One row per unit: code, name, short name, type, class, parent code, valid from, valid to, e-mail and "
            "the codes of predecessor units. Existing codes are updated. Nothing is written if any row is wrong."
        ),
        template_url=reverse("units:import_template"),
        label=_("Import units"),
        func_path="parindex.units.jobs.import_units",
    )


def unit_import_template(request):
    if not can_import(request.user):
        raise PermissionDenied
    return download_response(example_workbook(), "mau-nhap-don-vi.xlsx")
