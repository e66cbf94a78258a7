from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from parindex.core.models import AuditEntry
from parindex.core.shell import panels_for
from parindex.units.models import Membership, Unit


def home(request):
    memberships = Membership.objects.active().filter(user=request.user).select_related("unit")
    return render(request, "core/home.html", {"memberships": memberships, "panels": panels_for(request)})


@login_not_required
@never_cache
def healthz(request):
    """Liveness and readiness: the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        db_ok = True
    except Exception:  # noqa: BLE001 — any failure means "not ready"
        db_ok = False
    return JsonResponse({"status": "ok" if db_ok else "error", "database": db_ok}, status=200 if db_ok else 503)


def audit_log(request):
    """The audit log, scoped by the visibility rule; filter by unit, object and action."""
    entries = AuditEntry.objects.visible_to(request.user).select_related("unit", "content_type")
    unit_id = request.GET.get("unit")
    unit = None
    if unit_id and unit_id.isdigit():
        unit = Unit.objects.data_visible_to(request.user).filter(pk=unit_id).first()
        entries = entries.filter(unit=unit) if unit else entries.none()
    if request.GET.get("object_type") and request.GET.get("object_id"):
        entries = entries.filter(content_type__model=request.GET["object_type"], object_id=request.GET["object_id"])
    if request.GET.get("action"):
        entries = entries.filter(action__startswith=request.GET["action"])
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "core/audit_log.html", {"page": page, "unit": unit})
