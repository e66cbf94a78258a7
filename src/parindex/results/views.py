"""Results pages: peer-group ranking with charts, unit page, lost-points statistics, review and publication,
and the public (no login, embeddable) pages. Every read goes through ``UnitResult.objects.visible_to``
(or ``published()`` on the public pages); query counts do not depend on the number of units."""

from __future__ import annotations

from csp.decorators import csp_replace
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt

from parindex.core.spreadsheets import download_response
from parindex.core.text import safe_file_stem
from parindex.results import actions, exports, selectors
from parindex.results.forms import ApprovalForm, ComputeForm
from parindex.results.models import Publication, UnitResult
from parindex.units.models import Unit


def _chart_data(rows, heat, distribution):
    return {
        "units": [r.unit_name for r in rows],
        "index": [float(r.index_percent) if r.index_percent is not None else None for r in rows],
        "heat": {"areas": [a["code"] for a in heat["areas"]], "units": heat["units"], "cells": heat["cells"]},
        "classes": [{"name": label, "value": n} for label, n in distribution],
        "labels": {"index": _("Index (%)"), "share": _("Share of maximum (%)")},
    }


def _group_context(queryset, publication_id, peer_key):
    rows = selectors.group_results(queryset, publication_id, peer_key)
    if not rows:
        raise Http404
    heat = selectors.heatmap(rows)
    distribution = selectors.class_distribution(rows)
    publication = Publication.objects.get(pk=publication_id)
    return {
        "publication": publication, "peer_key": peer_key, "peer_label": rows[0].peer_label, "rows": rows,
        "heat": heat, "distribution": distribution, "chart": _chart_data(rows, heat, distribution),
    }


def index(request):
    from parindex.units.visibility import scope_for

    groups = selectors.peer_groups(UnitResult.objects.visible_to(request.user))
    own_units = Unit.objects.filter(pk__in=list(scope_for(request.user).own_unit_ids)).order_by("path")
    return render(request, "results/index.html", {"groups": groups, "own_units": own_units})


def group(request, publication_id: int, peer_key: str):
    context = _group_context(UnitResult.objects.visible_to(request.user), publication_id, peer_key)
    fmt = request.GET.get("format")
    title = f"{context['publication'].title} — {context['peer_label']}"
    if fmt == "xlsx":
        return download_response(exports.ranking_xlsx(context["rows"], title=title), f"{safe_file_stem(title)}.xlsx")
    if fmt == "heatmap":
        return download_response(exports.heatmap_xlsx(context["heat"], title=title), f"{safe_file_stem(title)} - linh vuc.xlsx")
    return render(request, "results/group.html", context)


def stats(request, publication_id: int, peer_key: str):
    rows = selectors.group_results(UnitResult.objects.visible_to(request.user), publication_id, peer_key)
    if not rows:
        raise Http404
    lost = selectors.lost_points([r.pk for r in rows])
    title = _("Statistics of criteria with points deducted — %(group)s %(year)s") % {
        "group": rows[0].peer_label, "year": rows[0].year}
    if request.GET.get("format") == "xlsx":
        content = exports.group_lost_points_xlsx(
            lost, selectors.lost_matrix(rows), [r.unit_name for r in rows], title=title)
        return download_response(content, f"{safe_file_stem(title)}.xlsx")
    return render(request, "results/stats.html", {
        "rows": rows, "lost": lost, "most": selectors.most_lost(lost), "gaps": selectors.gaps(rows), "title": title,
        "publication_id": publication_id, "peer_key": peer_key,
    })


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
            "unit": latest.unit_name, "year": latest.year}
        return download_response(exports.lost_points_xlsx(lost, title=title), f"{safe_file_stem(title)}.xlsx")
    areas = list(latest.areas.all()) if latest else []
    trend = {
        "years": [r.year for r in history], "units": [r.unit_name for r in history],
        "index": [float(r.index_percent) if r.index_percent is not None else None for r in history],
        "rank": [r.rank for r in history], "labels": {"index": _("Index (%)"), "rank": _("Rank")},
    }
    return render(request, "results/unit.html", {
        "unit": unit_obj, "latest": latest, "history": history, "areas": areas, "lost": [r for r in lost if r.total_lost],
        "trend": trend,
    })


# --- review and publication (index managers) -----------------------------------------------------


def review(request, round_id: int):
    from parindex.assessments.models import Round

    round_ = get_object_or_404(Round.objects.visible_to(request.user).select_related("framework", "owner_unit"), pk=round_id)
    if not actions.can_manage(request.user, round_.owner_unit):
        raise PermissionDenied
    publication = Publication.objects.filter(round=round_).first()
    if request.method == "POST":
        try:
            step = request.POST.get("step")
            if step == "compute":
                form = ComputeForm(request.POST)
                if form.is_valid():
                    actions.compute_results(round=round_, by=request.user, grouping=form.cleaned_data["grouping"])
                    messages.success(request, _("The results table was computed."))
            elif step == "approve" and publication:
                form = ApprovalForm(request.POST)
                if form.is_valid():
                    actions.approve_results(publication=publication, by=request.user, **form.cleaned_data)
                    messages.success(request, _("The council's approval was recorded."))
                else:
                    for errors in form.errors.values():
                        for error in errors:
                            messages.error(request, error)
            elif step == "publish" and publication:
                actions.publish_results(publication=publication, by=request.user)
                messages.success(request, _("The results were published."))
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        return redirect("results:review", round_id=round_.pk)
    rows = list(publication.results.order_by("peer_key", "rank", "unit_name")) if publication else []
    if request.GET.get("format") == "xlsx":
        return download_response(exports.ranking_xlsx(rows, title=round_.name), f"{safe_file_stem(round_.name)}.xlsx")
    return render(request, "results/review.html", {
        "round": round_, "publication": publication, "rows": rows,
        "pending": actions.pending_sheets(publication) if publication else 0,
        "missing": actions.missing_leaves(publication) if publication else [],
        "compute_form": ComputeForm(initial={"grouping": publication.grouping if publication else "kind"}),
        "approval_form": ApprovalForm(),
    })


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
    context = _group_context(UnitResult.objects.published(), publication_id, peer_key)
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
        "years": [r.year for r in history], "units": [r.unit_name for r in history],
        "index": [float(r.index_percent) if r.index_percent is not None else None for r in history],
        "rank": [r.rank for r in history], "labels": {"index": _("Index (%)"), "rank": _("Rank")},
    }
    return render(request, "results/public_unit.html", {
        "unit": unit_obj, "latest": latest, "history": history, "trend": trend, "public": True,
        "areas": list(latest.areas.all()) if latest else [],
    })


