"""Results pages: peer-group ranking with charts, unit page, lost-points statistics, review and publication,
and the public (no login, embeddable) pages. Every read goes through ``UnitResult.objects.visible_to``
(or ``published()`` on the public pages); query counts do not depend on the number of units.

Computing and publishing a round run on the worker (``results.jobs``); so do the .xlsx tables of
more than ``exports.EXPORT_DIRECT_MAX_ROWS`` units when asked for from the pages."""

from __future__ import annotations

import datetime as dt

from csp.decorators import csp_replace
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_POST

from parindex.core.jobs import last_heartbeat, start_user_job
from parindex.core.spreadsheets import download_response
from parindex.core.text import safe_file_stem
from parindex.results import actions, exports, jobs, selectors
from parindex.results.forms import ApprovalForm, ComputeForm
from parindex.results.models import Publication, UnitResult
from parindex.units.models import Unit

GROUP_PAGE_SIZE = 50  # units per page of a peer group's ranking, charts and heat map
REVIEW_PAGE_SIZE = 100  # units per page of the review table
# A running compute/publish job older than this is taken as lost (its worker died): it no longer
# blocks the review page's buttons.
JOB_STALE_AFTER = dt.timedelta(hours=6)


def chart_value(value):
    """A figure for the charts, rounded once here (half-up, 2 places) from the exact value: the charts'
    labels must read as the tables do (the browser rounding 10,075 as a float gives 10,07)."""
    return None if value is None else float(selectors._half_up(value))


def _chart_data(rows, heat, distribution):
    return {
        "units": [r.unit_name for r in rows],
        "index": [chart_value(r.index_percent) for r in rows],
        "heat": {"areas": [a["code"] for a in heat["areas"]], "units": heat["units"], "cells": heat["cells"]},
        "classes": [{"name": label, "value": n} for label, n in distribution],
        "labels": {"index": _("Index (%)"), "share": _("Share of maximum (%)")},
    }


def _sort(request) -> str:
    sort = request.GET.get("sort", "rank")
    return sort if sort in selectors.GROUP_SORTS else "rank"


def _group_context(request, queryset, publication_id, peer_key):
    """One page of a peer group: its ranking rows, charts and heat map; the class distribution and the
    counts cover the whole group. A fixed number of queries whatever the size of the group."""
    sort = _sort(request)
    group_rows = selectors.group_queryset(queryset, publication_id, peer_key, sort=sort)
    paginator = Paginator(group_rows, GROUP_PAGE_SIZE)
    if not paginator.count:
        raise Http404
    page = paginator.get_page(request.GET.get("page"))
    rows = list(page.object_list)
    heat = selectors.heatmap(rows)
    distribution = selectors.class_counts(group_rows)
    publication = Publication.objects.get(pk=publication_id)
    return {
        "publication": publication,
        "peer_key": peer_key,
        "peer_label": rows[0].peer_label,
        "rows": rows,
        "page": page,
        "sort": sort,
        "units_total": paginator.count,
        "paginated": paginator.num_pages > 1,
        "large": paginator.count > exports.EXPORT_DIRECT_MAX_ROWS,
        "heat": heat,
        "distribution": distribution,
        "chart": _chart_data(rows, heat, distribution),
    }


def index(request):
    from parindex.units.visibility import scope_for

    groups = selectors.peer_groups(UnitResult.objects.visible_to(request.user))
    own_units = Unit.objects.filter(pk__in=list(scope_for(request.user).own_unit_ids)).order_by("path")
    return render(request, "results/index.html", {"groups": groups, "own_units": own_units})


def group(request, publication_id: int, peer_key: str):
    fmt = request.GET.get("format")
    if fmt in ("xlsx", "heatmap"):
        # The whole group (every page). Large groups are offered as a background job on the page;
        # this direct link still works for them (scripts, bookmarks).
        rows = selectors.group_results(UnitResult.objects.visible_to(request.user), publication_id, peer_key)
        if not rows:
            raise Http404
        publication = Publication.objects.get(pk=publication_id)
        title = f"{publication.title} — {rows[0].peer_label}"
        if fmt == "xlsx":
            return download_response(exports.ranking_xlsx(rows, title=title), f"{safe_file_stem(title)}.xlsx")
        heat = selectors.heatmap(rows)
        return download_response(
            exports.heatmap_xlsx(heat, title=title), f"{safe_file_stem(title)} - linh vuc.xlsx"
        )
    context = _group_context(request, UnitResult.objects.visible_to(request.user), publication_id, peer_key)
    return render(request, "results/group.html", context)


EXPORT_LABELS = {
    "ranking": gettext_lazy("Ranking (.xlsx)"),
    "heatmap": gettext_lazy("Areas (.xlsx)"),
    "stats": gettext_lazy("Statistics (.xlsx)"),
}


@require_POST
def group_export(request, publication_id: int, peer_key: str, kind: str):
    """Prepare a peer group's table (.xlsx) on the worker: for groups too large to build in a request."""
    if kind not in EXPORT_LABELS:
        raise Http404
    rows = UnitResult.objects.visible_to(request.user).filter(
        publication_id=publication_id, peer_key=peer_key
    )
    first = rows.select_related("publication").first()
    if first is None:
        raise Http404
    back = reverse("results:stats" if kind == "stats" else "results:group", args=[publication_id, peer_key])
    job = start_user_job(
        user=request.user,
        label=f"{EXPORT_LABELS[kind]}: {first.publication.title} — {first.peer_label}",
        func_path=jobs.EXPORT,
        kwargs={"kind": kind, "publication_id": publication_id, "peer_key": peer_key},
        back_url=back,
    )
    return redirect("requests:job_status", job.pk)


def stats(request, publication_id: int, peer_key: str):
    rows = selectors.group_results(UnitResult.objects.visible_to(request.user), publication_id, peer_key)
    if not rows:
        raise Http404
    title = exports.stats_title(rows)
    if request.GET.get("format") == "xlsx":
        lost = selectors.lost_points([r.pk for r in rows])
        content = exports.group_lost_points_xlsx(
            lost, selectors.lost_matrix(rows), [r.unit_name for r in rows], title=title
        )
        return download_response(content, f"{safe_file_stem(title)}.xlsx")
    lost = selectors.lost_points([r.pk for r in rows])
    gaps = Paginator(selectors.gaps(rows), GROUP_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "results/stats.html",
        {
            "rows": rows,
            "lost": lost,
            "most": selectors.most_lost(lost),
            "gaps": gaps,
            "page": gaps,
            "title": title,
            "publication_id": publication_id,
            "peer_key": peer_key,
            "large": len(rows) > exports.EXPORT_DIRECT_MAX_ROWS,
        },
    )


def unit(request, unit_id: int):
    unit_obj = get_object_or_404(Unit, pk=unit_id)
    history = selectors.unit_history(unit_obj, user=request.user)
    if not history and not Unit.objects.visible_to(request.user).filter(pk=unit_id).exists():
        raise Http404
    own = [r for r in history if r.unit_id == unit_obj.pk]
    latest = own[-1] if own else None
    lost = selectors.lost_points([latest.pk]) if latest else []
    if request.GET.get("format") == "xlsx" and latest:
        title = _("Statistics of criteria with points deducted — %(unit)s %(year)s") % {
            "unit": latest.unit_name,
            "year": latest.year,
        }
        return download_response(exports.lost_points_xlsx(lost, title=title), f"{safe_file_stem(title)}.xlsx")
    areas = list(latest.areas.all()) if latest else []
    trend = {
        "years": [r.year for r in history],
        "units": [r.unit_name for r in history],
        "index": [chart_value(r.index_percent) for r in history],
        "rank": [r.rank for r in history],
        "labels": {"index": _("Index (%)"), "rank": _("Rank")},
    }
    return render(
        request,
        "results/unit.html",
        {
            "unit": unit_obj,
            "latest": latest,
            "history": history,
            "areas": areas,
            "lost": [r for r in lost if r.total_lost],
            "trend": trend,
        },
    )


# --- review and publication (index managers) -----------------------------------------------------


def active_round_job(round_id: int):
    """The compute or publish job of a round that is waiting or running (None if there is none)."""
    from parindex.requests.models import UserJob

    return (
        UserJob.objects.filter(
            func_path__in=jobs.ROUND_JOBS,
            kwargs__round_id=round_id,
            status__in=[UserJob.Status.QUEUED, UserJob.Status.RUNNING],
            created_at__gte=timezone.now() - JOB_STALE_AFTER,
        )
        .select_related("user")
        .order_by("-created_at")
        .first()
    )


def _precheck(step: str, publication) -> str:
    """Why ``step`` cannot start now (an immediate message instead of a job that would fail), or ""."""
    Status = Publication.Status
    if step == "compute" and publication and publication.status != Status.DRAFT:
        return _("These results are approved or published and can no longer be recomputed.")
    if step == "publish":
        if publication is None or publication.status == Status.DRAFT:
            return _("Record the council's approval before publishing.")
        if publication.status == Status.PUBLISHED:
            return _("These results are already published.")
    return ""


def _start_round_job(request, round_, publication, step: str):
    """Compute or publish on the worker; the user follows the job's progress, then comes back here."""
    from parindex.assessments.models import Round

    review_url = reverse("results:review", args=[round_.pk])
    if step == "compute":
        form = ComputeForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a peer group."))
            return redirect(review_url)
        label = _("Compute the results table: %(round)s") % {"round": round_.name}
        func_path, kwargs = jobs.COMPUTE, {"round_id": round_.pk, "grouping": form.cleaned_data["grouping"]}
    else:
        label = _("Publish the results: %(round)s") % {"round": round_.name}
        func_path, kwargs = jobs.PUBLISH, {"round_id": round_.pk, "publication_id": publication.pk}
    with transaction.atomic():
        # Two managers pressing at once: the round's row lock lets one of them start the job.
        Round.objects.select_for_update().filter(pk=round_.pk).first()
        if active_round_job(round_.pk):
            messages.warning(
                request,
                _(
                    "The results of this round are already being computed or published. "
                    "Wait until that finishes."
                ),
            )
            return redirect(review_url)
        job = start_user_job(
            user=request.user, label=label, func_path=func_path, kwargs=kwargs, back_url=review_url
        )
    return redirect("requests:job_status", job.pk)


def review(request, round_id: int):
    from parindex.assessments.models import Round

    round_ = get_object_or_404(
        Round.objects.visible_to(request.user).select_related("framework", "owner_unit"), pk=round_id
    )
    if not actions.can_manage(request.user, round_.owner_unit):
        raise PermissionDenied
    publication = Publication.objects.filter(round=round_).first()
    if request.method == "POST":
        step = request.POST.get("step")
        problem = _precheck(step, publication)
        if problem:
            messages.error(request, problem)
        elif step in ("compute", "publish"):
            return _start_round_job(request, round_, publication, step)
        elif step == "export" and publication:
            job = start_user_job(
                user=request.user,
                label=_("Results table (.xlsx): %(round)s") % {"round": round_.name},
                func_path=jobs.EXPORT,
                kwargs={"kind": "review", "publication_id": publication.pk, "round_id": round_.pk},
                back_url=reverse("results:review", args=[round_.pk]),
            )
            return redirect("requests:job_status", job.pk)
        elif step == "approve" and publication:
            if active_round_job(round_.pk):
                messages.warning(
                    request,
                    _(
                        "The results of this round are already being computed or published. "
                        "Wait until that finishes."
                    ),
                )
                return redirect("results:review", round_id=round_.pk)
            form = ApprovalForm(request.POST)
            if form.is_valid():
                try:
                    actions.approve_results(publication=publication, by=request.user, **form.cleaned_data)
                    messages.success(request, _("The council's approval was recorded."))
                except ValidationError as exc:
                    for message in exc.messages:
                        messages.error(request, message)
            else:
                for errors in form.errors.values():
                    for error in errors:
                        messages.error(request, error)
        return redirect("results:review", round_id=round_.pk)
    if request.GET.get("format") == "xlsx":
        rows = selectors.review_rows(publication) if publication else []
        return download_response(
            exports.ranking_xlsx(rows, title=round_.name), f"{safe_file_stem(round_.name)}.xlsx"
        )
    page = (
        Paginator(selectors.review_queryset(publication), REVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
        if publication
        else None
    )
    job = active_round_job(round_.pk)
    worker_alive = False
    if job:
        beat = last_heartbeat()
        worker_alive = beat is not None and timezone.now() - beat < dt.timedelta(minutes=2)
    return render(
        request,
        "results/review.html",
        {
            "round": round_,
            "publication": publication,
            "rows": list(page.object_list) if page else [],
            "page": page,
            "large": bool(page) and page.paginator.count > exports.EXPORT_DIRECT_MAX_ROWS,
            "pending": actions.pending_sheets(publication) if publication else 0,
            # Only a draft can miss final points (approval refuses them): skip the scan of every leaf row.
            "missing": actions.missing_leaves(publication)
            if publication and publication.status == Publication.Status.DRAFT
            else [],
            "compute_form": ComputeForm(
                initial={"grouping": publication.grouping if publication else "kind"}
            ),
            "approval_form": ApprovalForm(),
            "job": job,
            "worker_alive": worker_alive,
        },
    )


# --- public pages ----------------------------------------------------------------------------------


# The public pages are meant to be embedded in any commune's or province's web site: they alone
# relax X-Frame-Options (xframe_options_exempt) and the CSP frame-ancestors directive.
PUBLIC_FRAME_ANCESTORS = {"frame-ancestors": ["*"]}


def _public_enabled():
    if not getattr(settings, "PARINDEX_PUBLIC_RESULTS", True):
        raise Http404


@login_not_required
@xframe_options_exempt
@csp_replace(PUBLIC_FRAME_ANCESTORS)
def public_index(request):
    _public_enabled()
    groups = selectors.peer_groups(UnitResult.objects.published())
    return render(request, "results/public_index.html", {"groups": groups, "public": True})


@login_not_required
@xframe_options_exempt
@csp_replace(PUBLIC_FRAME_ANCESTORS)
def public_group(request, publication_id: int, peer_key: str):
    _public_enabled()
    context = _group_context(request, UnitResult.objects.published(), publication_id, peer_key)
    return render(request, "results/public_group.html", {**context, "public": True})


@login_not_required
@xframe_options_exempt
@csp_replace(PUBLIC_FRAME_ANCESTORS)
def public_unit(request, code: str):
    _public_enabled()
    unit_obj = get_object_or_404(Unit, code=code)
    history = selectors.unit_history(unit_obj)
    if not history:
        raise Http404
    own = [r for r in history if r.unit_id == unit_obj.pk]
    latest = own[-1] if own else None
    trend = {
        "years": [r.year for r in history],
        "units": [r.unit_name for r in history],
        "index": [chart_value(r.index_percent) for r in history],
        "rank": [r.rank for r in history],
        "labels": {"index": _("Index (%)"), "rank": _("Rank")},
    }
    return render(
        request,
        "results/public_unit.html",
        {
            "unit": unit_obj,
            "latest": latest,
            "history": history,
            "trend": trend,
            "public": True,
            "areas": list(latest.areas.all()) if latest else [],
        },
    )
