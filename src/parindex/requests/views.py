"""Views of requests, tracking, notifications and user jobs.

Naming: ``request`` is always Django's HTTP request; a ``Request`` (the letter) is ``item``.
Every read goes through ``visible_to``/``get_visible_or_404`` (another unit's object → 404);
writes go through ``actions`` (which check roles → 403).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parindex.core import jobs
from parindex.core.security import safe_file_response
from parindex.core.spreadsheets import download_response
from parindex.core.text import safe_file_stem
from parindex.requests import actions, planner, selectors
from parindex.requests.deliverables import get_deliverable, round_model
from parindex.requests.docx import reminder_letter
from parindex.requests.forms import PreferencesForm, ReportForm, RequestForm, ScheduleFields
from parindex.requests.models import Notification, ReportSubmission, Request, RequestRecipient, UserJob
from parindex.units.visibility import get_visible_or_404, has_role, scope_for

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def request_list(request):
    issued = (
        Request.objects.issued_visible_to(request.user)
        .select_related("issuing_unit")
        .annotate(n_recipients=Count("recipients"))
        .order_by("status", "-deadline")
    )
    page = Paginator(issued, 30).get_page(request.GET.get("page"))
    received = selectors.open_received(request.user)
    return render(
        request,
        "requests/request_list.html",
        {
            "page": page,
            "received": received,
            "can_issue": selectors.issuing_units(request.user).exists(),
        },
    )


def request_create(request):
    if not selectors.issuing_units(request.user).exists():
        raise Http404
    form = RequestForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = actions.issue_request(
                by=request.user,
                issuing_unit=data["issuing_unit"],
                number=data["number"],
                subject=data["subject"],
                body=data["body"],
                issued_on=data["issued_on"],
                deliverable=data["deliverable"],
                round_id=data.get("round_id"),
                deadline=data["deadline"],
                recipient_units=data["recipient_units"],
                days_before=data["remind_days_before"],
                overdue_every=data["remind_overdue_every"],
                overdue_max=data["remind_overdue_max"],
            )
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(
                request, _("The request was issued to %(n)s unit(s).") % {"n": len(data["recipient_units"])}
            )
            return redirect("requests:detail", item.pk)
    return render(request, "requests/request_form.html", {"form": form})


def request_detail(request, pk: int):
    """The issuer's tracking page; recipients are sent to their own page for the request."""
    item = get_visible_or_404(
        Request.objects.select_related("issuing_unit", "created_by"), request.user, pk=pk
    )
    if not Request.objects.issued_visible_to(request.user).filter(pk=pk).exists():
        mine = RequestRecipient.objects.filter(request=item).filter(scope_for(request.user).q("unit")).first()
        if mine is None:
            raise Http404
        return redirect("requests:recipient", mine.pk)
    sort = request.GET.get("sort", "status")
    rows = selectors.tracking_rows(item, sort=sort)
    counts = selectors.status_counts(rows)
    return render(
        request,
        "requests/request_detail.html",
        {
            "item": item,
            "rows": rows,
            "counts": counts,
            "sort": sort,
            "deliverable": get_deliverable(item.deliverable),
            "deadline": planner.format_deadline(item.deadline),
            "can_manage": has_role(request.user, item.issuing_unit, *selectors.ISSUER_ROLES),
            "statuses": planner.TrackStatus,
            "round": _round_label(item),
            "email_problems": sum(r.email_problems for r in rows),
            "overdue": counts[planner.TrackStatus.OVERDUE],
        },
    )


def _round_label(item) -> str:
    model = round_model()
    if model is None or item.round_id is None:
        return ""
    found = model.objects.filter(pk=item.round_id).first()
    return str(found) if found else ""


def _get_issued_or_404(request, pk):
    try:
        return Request.objects.issued_visible_to(request.user).select_related("issuing_unit").get(pk=pk)
    except Request.DoesNotExist:
        raise Http404


def request_edit(request, pk: int):
    item = _get_issued_or_404(request, pk)
    if not has_role(request.user, item.issuing_unit, *selectors.ISSUER_ROLES):
        return HttpResponse(status=403)
    local = timezone.localtime(item.deadline, planner.LOCAL_TZ)
    initial = {
        "deadline_date": local.date(),
        "deadline_time": local.time().replace(second=0, microsecond=0),
        "remind_days_before": ", ".join(str(d) for d in item.remind_days_before),
        "remind_overdue_every": item.remind_overdue_every,
        "remind_overdue_max": item.remind_overdue_max,
    }
    form = ScheduleFields(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.update_request(
                request=item,
                by=request.user,
                deadline=data["deadline"],
                days_before=data["remind_days_before"],
                overdue_every=data["remind_overdue_every"],
                overdue_max=data["remind_overdue_max"],
            )
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(request, _("The deadline and reminder schedule were saved."))
            return redirect("requests:detail", item.pk)
    return render(request, "requests/request_edit.html", {"item": item, "form": form})


@require_POST
def request_close(request, pk: int):
    item = _get_issued_or_404(request, pk)
    try:
        actions.close_request(request=item, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("requests:detail", item.pk)
    messages.success(request, _("The request was closed; no more reminders will be sent."))
    return redirect("requests:detail", item.pk)


@require_POST
def request_remind(request, pk: int):
    item = _get_issued_or_404(request, pk)
    if not has_role(request.user, item.issuing_unit, *selectors.ISSUER_ROLES):
        return HttpResponse(status=403)
    if item.status != Request.Status.OPEN:
        messages.error(request, _("This request is closed."))
        return redirect("requests:detail", item.pk)
    job = jobs.start_user_job(
        user=request.user,
        label=_("Send reminders now: %(number)s") % {"number": item.number},
        func_path="parindex.requests.jobs.remind_all",
        kwargs={"request_id": item.pk},
    )
    return redirect("requests:job_status", job.pk)


@require_POST
def request_export(request, pk: int):
    item = _get_issued_or_404(request, pk)
    job = jobs.start_user_job(
        user=request.user,
        label=_("Tracking table of %(number)s (.xlsx)") % {"number": item.number},
        func_path="parindex.requests.jobs.export_tracking",
        kwargs={"request_id": item.pk},
    )
    return redirect("requests:job_status", job.pk)


def request_export_now(request, pk: int):
    """Direct .xlsx download of the tracking table (small tables; the job is for large ones)."""
    from parindex.requests.exports import tracking_workbook

    item = _get_issued_or_404(request, pk)
    content, filename = tracking_workbook(item, sort=request.GET.get("sort", "unit"))
    return download_response(content, filename)


def request_letter(request, pk: int):
    item = _get_issued_or_404(request, pk)
    overdue = [
        r for r in selectors.tracking_rows(item, sort="unit") if r.status == planner.TrackStatus.OVERDUE
    ]
    if not overdue:
        messages.info(request, _("No recipient is overdue: there is nobody to remind by letter."))
        return redirect("requests:detail", item.pk)
    content = reminder_letter(item, overdue)
    return download_response(content, f"Don doc {safe_file_stem(item.number)}.docx", DOCX_TYPE)


@require_POST
def request_retry(request, pk: int):
    item = _get_issued_or_404(request, pk)
    count = actions.retry_failed_emails(request=item, by=request.user)
    messages.success(request, _("%(n)s e-mail(s) will be sent again now.") % {"n": count})
    return redirect("requests:detail", item.pk)


def recipient_detail(request, pk: int):
    recipient = get_visible_or_404(
        RequestRecipient.objects.select_related("unit", "request__issuing_unit"), request.user, pk=pk
    )
    item = recipient.request
    kind = get_deliverable(item.deliverable)
    can_submit = (
        kind.accepts_reports
        and item.status == Request.Status.OPEN
        and has_role(request.user, recipient.unit, *selectors.RECIPIENT_ROLES)
    )
    form = ReportForm(request.POST or None, request.FILES or None) if can_submit else None
    if request.method == "POST":
        if not can_submit:
            return HttpResponse(status=403)
        if form.is_valid():
            try:
                actions.submit_report(
                    recipient=recipient,
                    by=request.user,
                    uploaded_file=form.cleaned_data["file"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                form.add_error("file", _errors(exc))
            else:
                messages.success(request, _("Your report was sent."))
                return redirect("requests:recipient", recipient.pk)
    status, delivered_at = selectors.resolutions(item, [recipient])[recipient.pk]
    reports = ReportSubmission.objects.filter(recipient=recipient).select_related("submitted_by")
    return render(
        request,
        "requests/recipient_detail.html",
        {
            "recipient": recipient,
            "item": item,
            "kind": kind,
            "form": form,
            "reports": reports,
            "status": planner.TrackStatus(status),
            "badge": planner.STATUS_BADGE[planner.TrackStatus(status)],
            "delivered_at": delivered_at,
            "deadline": planner.format_deadline(item.deadline),
            "is_issuer": Request.objects.issued_visible_to(request.user).filter(pk=item.pk).exists(),
        },
    )


def report_file(request, pk: int):
    report = get_visible_or_404(ReportSubmission.objects.select_related("recipient"), request.user, pk=pk)
    if report.evidence_id:
        from django.apps import apps

        evidence = apps.get_model("assessments", "Evidence").objects.filter(pk=report.evidence_id).first()
        if evidence is None or not evidence.file:
            raise Http404
        handle = evidence.file
    elif report.file:
        handle = report.file
    else:
        raise Http404
    try:
        return safe_file_response(handle, filename=report.original_name or "report", content_type=report.content_type)
    except FileNotFoundError:
        raise Http404


# --- User jobs (progress bar) ---------------------------------------------------------------------


def job_list(request):
    """The operations this user started in the background, newest first."""
    page = Paginator(UserJob.objects.filter(user=request.user), 30).get_page(request.GET.get("page"))
    return render(request, "requests/job_list.html", {"page": page})


def job_status(request, pk):
    job = get_object_or_404(UserJob, pk=pk, user=request.user)
    beat = jobs.last_heartbeat()
    worker_alive = beat is not None and timezone.now() - beat < dt.timedelta(minutes=2)
    context = {"job": job, "worker_alive": worker_alive}
    if request.htmx:
        return render(request, "requests/_job_progress.html", context)
    return render(request, "requests/job_status.html", context)


def job_download(request, pk):
    job = get_object_or_404(UserJob, pk=pk, user=request.user, status=UserJob.Status.SUCCEEDED)
    if not job.result_file:
        raise Http404
    if job.result_once:
        # Secrets (one-time passwords): handed out once, then gone from the server.
        with job.result_file.open("rb") as handle:
            content = handle.read()
        job.result_file.delete(save=False)
        UserJob.objects.filter(pk=job.pk).update(result_file="")
        return download_response(content, job.result_name or "result")
    try:
        return safe_file_response(job.result_file, filename=job.result_name or "result")
    except FileNotFoundError:
        raise Http404


# --- Notifications -----------------------------------------------------------------------------------


def notifications(request):
    items = Notification.objects.for_user(request.user)
    page = Paginator(items, 30).get_page(request.GET.get("page"))
    return render(request, "requests/notifications.html", {"page": page})


def notification_open(request, pk: int):
    note = get_object_or_404(Notification, pk=pk, user=request.user)
    if note.read_at is None:
        Notification.objects.filter(pk=note.pk).update(read_at=timezone.now())
    if note.url and url_has_allowed_host_and_scheme(note.url, allowed_hosts={request.get_host()}):
        return redirect(note.url)
    return redirect("requests:notifications")


@require_POST
def notifications_read_all(request):
    Notification.objects.for_user(request.user).unread().update(read_at=timezone.now())
    if request.htmx:
        return bell(request)
    return redirect("requests:notifications")


def bell(request):
    unread = Notification.objects.for_user(request.user).unread()
    latest = list(unread[:5])
    return render(request, "requests/_bell.html", {"unread_count": unread.count(), "latest": latest})


def preferences(request):
    form = PreferencesForm(
        request.POST if request.method == "POST" else None,
        initial={"email_notifications": request.user.email_notifications},
    )
    if request.method == "POST" and form.is_valid():
        actions.set_email_notifications(user=request.user, enabled=form.cleaned_data["email_notifications"])
        messages.success(request, _("Your notification preferences were saved."))
        return redirect("requests:preferences")
    return render(request, "requests/preferences.html", {"form": form, "has_email": bool(request.user.email)})
