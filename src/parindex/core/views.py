from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from parindex.core.forms import SpreadsheetUploadForm
from parindex.core.models import AuditEntry
from parindex.core.shell import panels_for
from parindex.core.spreadsheets import download_response
from parindex.units.models import Membership, Unit


def home(request):
    memberships = Membership.objects.active().filter(user=request.user).select_related("unit")
    return render(request, "core/home.html", {"memberships": memberships, "panels": panels_for(request)})


WORKER_STALE_AFTER = 120  # seconds without a worker heartbeat before the worker counts as "stale"


def _storage_probe() -> bool:
    """Write, read back and delete a small object in the default storage (local or S3)."""
    import uuid

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    payload = uuid.uuid4().hex.encode()
    name = default_storage.save(f"healthz/probe-{payload.decode()}.txt", ContentFile(payload))
    try:
        with default_storage.open(name, "rb") as handle:
            return handle.read() == payload
    finally:
        default_storage.delete(name)


_PROBE_TTL = 10.0  # seconds; /healthz is public, so a flood of probes must not become a flood of writes
_last_probe: dict = {}


def _cached_storage_probe() -> bool:
    """The storage probe at most once per ``_PROBE_TTL`` per process and storage configuration."""
    import time

    from django.conf import settings

    key = repr((settings.STORAGES.get("default"), str(settings.MEDIA_ROOT)))
    now = time.monotonic()
    cached = _last_probe.get(key)
    if cached is not None and now - cached[0] < _PROBE_TTL:
        return cached[1]
    try:
        ok = _storage_probe()
    except Exception:  # noqa: BLE001 — any failure means "not ready"
        ok = False
    _last_probe.clear()
    _last_probe[key] = (now, ok)
    return ok


def _worker_status() -> dict:
    try:
        from parindex.core.jobs import last_heartbeat
    except ImportError:
        return {"status": "unknown", "last_heartbeat": None}
    try:
        seen = last_heartbeat()
    except Exception:  # noqa: BLE001 — a missing table etc. means we cannot tell
        return {"status": "unknown", "last_heartbeat": None}
    if seen is None:
        return {"status": "unknown", "last_heartbeat": None}
    age = (timezone.now() - seen).total_seconds()
    return {"status": "ok" if age <= WORKER_STALE_AFTER else "stale", "last_heartbeat": seen.isoformat()}


@login_not_required
@never_cache
def healthz(request):
    """Readiness for the load balancer: the database answers and the storage works.

    A missing or stale worker is reported ("degraded") but keeps status 200: the web
    process itself can still serve, and restarting it would not bring a worker back.
    Answers carry booleans and a timestamp only, nothing about the configuration.
    """
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = True
    except Exception:  # noqa: BLE001 — any failure means "not ready"
        checks["database"] = False
    try:
        checks["storage"] = _cached_storage_probe()
    except Exception:  # noqa: BLE001
        checks["storage"] = False
    worker = _worker_status()
    ready = checks["database"] and checks["storage"]
    status = "error" if not ready else ("ok" if worker["status"] == "ok" else "degraded")
    return JsonResponse({"status": status, **checks, "worker": worker}, status=200 if ready else 503)


def _audit_entries(request):
    """The audit entries the user may see, with the page's filters (unit, object, action)."""
    entries = AuditEntry.objects.visible_to(request.user).select_related("unit", "content_type")
    unit_id = request.GET.get("unit")
    unit = None
    if unit_id and unit_id.isdigit():
        unit = Unit.objects.data_visible_to(request.user).filter(pk=unit_id).first()
        entries = entries.filter(unit=unit) if unit else entries.none()
    if request.GET.get("object_type") and request.GET.get("object_id"):
        entries = entries.filter(
            content_type__model=request.GET["object_type"], object_id=request.GET["object_id"]
        )
    if request.GET.get("action"):
        entries = entries.filter(action__startswith=request.GET["action"])
    return entries, unit


def audit_log(request):
    """The audit log, scoped by the visibility rule; filter by unit, object and action."""
    entries, unit = _audit_entries(request)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "core/audit_log.html", {"page": page, "unit": unit})


def audit_log_export(request):
    """The filtered audit log as .xlsx (newest first, at most ``AUDIT_EXPORT_MAX_ROWS`` rows).

    Up to ``AUDIT_DIRECT_MAX_ROWS`` entries: downloaded at once. More: the page's button
    (POST) prepares the file on the worker (``core.audit_jobs``); a GET goes back to the
    log with a message.
    """
    from django.contrib import messages
    from django.shortcuts import redirect
    from django.urls import reverse

    from parindex.core import audit_jobs
    from parindex.core.jobs import start_user_job

    entries, unit = _audit_entries(request)
    if entries[: audit_jobs.AUDIT_DIRECT_MAX_ROWS + 1].count() <= audit_jobs.AUDIT_DIRECT_MAX_ROWS:
        return download_response(*audit_jobs.audit_workbook(entries, unit))
    query = request.GET.urlencode()
    back_url = reverse("audit_log") + (f"?{query}" if query else "")
    if request.method != "POST":
        messages.info(request, _("Many entries match: prepare the file in the background with the button."))
        return redirect(back_url)
    job = start_user_job(
        user=request.user,
        label=_("Audit log") + (f" — {unit.name}" if unit else "") + " (.xlsx)",
        func_path="parindex.core.audit_jobs.export_audit_log",
        kwargs={"filters": audit_jobs.audit_filters(request.GET)},
        back_url=back_url,
    )
    return redirect("requests:job_status", job.pk)


def import_page(request, *, title, intro, template_url, label, func_path, kwargs=None):
    """The shared upload page of the .xlsx imports of units and users.

    The form is checked at once (file, size, type); the import itself runs in the background
    (``func_path(job, **kwargs)``, see ``core.import_jobs``) and the user lands on the job page.
    """
    from parindex.core.import_jobs import start_import

    form = SpreadsheetUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        return start_import(
            request, form.cleaned_data["file"], label=label, func_path=func_path, kwargs=kwargs
        )
    context = {"title": title, "intro": intro, "template_url": template_url, "form": form}
    return render(request, "core/import_page.html", context, status=400 if form.errors else 200)
