"""Screens of remediation: plans (Phụ lục I/II), items, inspections, compilation, targets.

Reads go through ``visible_to`` / ``get_visible_or_404`` (another unit's plan answers 404); writes
are checked again in ``actions`` (a visible object the user may not change answers 403).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parindex.core.spreadsheets import download_response
from parindex.core.text import safe_file_stem
from parindex.remediation import access, actions, documents, forms, selectors
from parindex.remediation.models import Inspection, MaintenanceItem, RemediationItem, RemediationPlan
from parindex.units.models import Unit
from parindex.units.visibility import get_visible_or_404


def _year(request, default: int | None = None) -> int:
    value = request.GET.get("year", "")
    return (
        int(value)
        if value.isdigit() and 2000 <= int(value) <= 2100
        else (default or timezone.localdate().year)
    )


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _flash(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _plan(request, pk: int) -> RemediationPlan:
    return get_visible_or_404(
        RemediationPlan.objects.select_related("unit", "result__publication", "framework", "decided_by"),
        request.user,
        pk=pk,
    )


def _item(request, pk: int) -> RemediationItem:
    return get_visible_or_404(selectors.items_queryset(), request.user, pk=pk)


def _back(item: RemediationItem):
    return redirect("remediation:item", item.pk)


# --- plans ---------------------------------------------------------------------------------------


def index(request):
    year = _year(request, timezone.localdate().year)
    plans = list(
        RemediationPlan.objects.visible_to(request.user)
        .filter(year=year)
        .select_related("unit")
        .order_by("unit__path")
    )
    counts = selectors.counts_by_unit([p.unit_id for p in plans], year)
    return render(
        request,
        "remediation/index.html",
        {
            "year": year,
            "rows": [(p, counts.get(p.unit_id, selectors.Counts())) for p in plans],
            "years": range(timezone.localdate().year + 1, timezone.localdate().year - 5, -1),
            "generatable": selectors.generatable_results(request.user),
            "oversees": access.manager_units(request.user).exists(),
            "can_target": access.editable_units(request.user).exists(),
        },
    )


@require_POST
def generate(request):
    from parindex.results.models import UnitResult

    result_id = request.POST.get("result", "")
    if not result_id.isdigit():
        raise Http404
    result = get_visible_or_404(
        UnitResult.objects.select_related("unit", "publication"), request.user, pk=int(result_id)
    )
    try:
        plan = actions.generate_plan(result=result, by=request.user)
    except ValidationError as exc:
        _flash(request, exc)
        return redirect("remediation:index")
    messages.success(
        request,
        _("The draft plan was generated: %(m)s criteria to keep, %(r)s to remedy.")
        % {"m": plan.maintenance_items.count(), "r": plan.remediation_items.count()},
    )
    return redirect("remediation:plan", plan.pk)


def plan_detail(request, pk: int):
    plan = _plan(request, pk)
    maintain, remediate = selectors.plan_lists(plan)
    user = request.user
    return render(
        request,
        "remediation/plan_detail.html",
        {
            "plan": plan,
            "maintain": maintain,
            "remediate": remediate,
            "others": selectors.other_items(plan),
            "can_edit": access.can_edit(user, plan.unit) and plan.is_editable,
            "is_head": access.is_head(user, plan.unit),
            "can_decide": access.manages_above(user, plan.unit),
            "comment_form": forms.CommentForm(),
            "reason_form": forms.ReasonForm(),
            "add_form": forms.AddItemForm(plan=plan) if plan.framework_id else None,
        },
    )


def plan_edit(request, pk: int):
    plan = _plan(request, pk)
    if not access.can_edit(request.user, plan.unit):
        raise PermissionDenied
    form = forms.PlanForm(request.POST or None, instance=RemediationPlan.objects.get(pk=plan.pk))
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_plan(
                plan, by=request.user, **{k: form.cleaned_data[k] for k in actions.PLAN_FIELDS}
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The plan was saved."))
            return redirect("remediation:plan", plan.pk)
    return render(request, "remediation/form.html", {"form": form, "plan": plan, "title": _("Edit plan")})


@require_POST
def plan_step(request, pk: int, step: str):
    plan = _plan(request, pk)
    try:
        if step == "submit":
            actions.submit_plan(plan, by=request.user)
            messages.success(request, _("The plan was submitted for approval."))
        elif step == "approve":
            actions.approve_plan(plan, by=request.user)
            messages.success(request, _("The plan was approved."))
        elif step == "return":
            actions.return_plan(plan, by=request.user, comment=request.POST.get("comment", ""))
            messages.success(request, _("The plan was returned to the unit."))
        elif step == "reopen":
            actions.reopen_plan(plan, by=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, _("The plan was reopened."))
        elif step == "report":
            actions.report_results(plan, by=request.user)
            messages.success(request, _("The results report was sent."))
        else:
            raise Http404
    except ValidationError as exc:
        _flash(request, exc)
    return redirect("remediation:plan", plan.pk)


def plan_add_item(request, pk: int):
    plan = _plan(request, pk)
    if not access.can_edit(request.user, plan.unit) or not plan.framework_id:
        raise PermissionDenied
    form = forms.AddItemForm(request.POST or None, plan=plan)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.add_item(
                plan,
                by=request.user,
                criterion=data["criterion"],
                solution=data["solution"],
                deadline=data["deadline"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The criterion was added to Phụ lục II."))
            return redirect("remediation:plan", plan.pk)
    return render(
        request,
        "remediation/form.html",
        {"form": form, "plan": plan, "title": _("Add a criterion to remedy")},
    )


def plan_download(request, pk: int, kind: str, fmt: str):
    if kind not in ("plan", "results") or fmt not in ("docx", "xlsx"):
        raise Http404
    plan = _plan(request, pk)
    maintain, remediate = selectors.plan_lists(plan)
    stem = safe_file_stem(plan.unit.name)
    if kind == "plan":
        if fmt == "docx":
            return download_response(
                documents.plan_docx(plan, maintain, remediate),
                f"{stem} - KH khac phuc {plan.year}.docx",
                documents.DOCX,
            )
        return download_response(
            documents.plan_xlsx(plan, maintain, remediate), f"{stem} - Phu luc I II {plan.year}.xlsx"
        )
    items = remediate + selectors.other_items(plan)
    if fmt == "docx":
        return download_response(
            documents.results_report_docx(plan.unit, plan.year, items),
            f"{stem} - BC ket qua khac phuc {plan.year}.docx",
            documents.DOCX,
        )
    return download_response(
        documents.results_report_xlsx(plan.unit, plan.year, items),
        f"{stem} - Ket qua khac phuc {plan.year}.xlsx",
    )


def plan_import(request, pk: int):
    """Phụ lục II filled in Excel: download the workbook, upload it back (checked and written in the
    background, ``remediation.jobs``: all rows or nothing)."""
    from parindex.core.import_jobs import start_import
    from parindex.remediation import spreadsheets

    plan = _plan(request, pk)
    if not access.can_edit(request.user, plan.unit):
        raise PermissionDenied
    if request.GET.get("format") == "xlsx":
        items = list(plan.remediation_items.order_by("number"))
        return download_response(
            spreadsheets.items_xlsx(plan, items),
            f"{safe_file_stem(plan.unit.name)} - Phu luc II {plan.year} (nhap).xlsx",
        )
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        return start_import(
            request,
            form.cleaned_data["file"],
            label=_("Fill Phụ lục II in Excel: %(unit)s %(year)s")
            % {"unit": plan.unit.name, "year": plan.year},
            func_path="parindex.remediation.jobs.import_items",
            kwargs={"plan_id": plan.pk},
        )
    return render(
        request, "remediation/import.html", {"plan": plan, "form": form}, status=400 if form.errors else 200
    )


def maintenance_edit(request, pk: int):
    item = get_visible_or_404(MaintenanceItem.objects.select_related("plan__unit"), request.user, pk=pk)
    if not access.can_edit(request.user, item.plan.unit):
        raise PermissionDenied
    form = forms.MaintenanceForm(request.POST or None, instance=MaintenanceItem.objects.get(pk=item.pk))
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_maintenance_item(
                item, by=request.user, **{k: form.cleaned_data[k] for k in actions.MAINTENANCE_FIELDS}
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("remediation:plan", item.plan_id)
    return render(
        request,
        "remediation/form.html",
        {"form": form, "plan": item.plan, "title": f"{item.code} — {item.title[:80]}"},
    )


# --- items ---------------------------------------------------------------------------------------


def item_detail(request, pk: int):
    item = _item(request, pk)
    user = request.user
    return render(
        request,
        "remediation/item_detail.html",
        {
            "item": item,
            "notes": item.notes.select_related("created_by"),
            "can_edit": access.can_edit(user, item.unit) and (item.plan is None or item.plan.is_editable),
            "can_report": access.can_report(user, item) and not item.is_verified,
            "can_verify": access.manages_above(user, item.unit)
            and item.status == "done"
            and not item.is_verified,
            "progress_form": forms.ProgressForm(),
            "result_form": forms.ResultForm(),
            "reason_form": forms.ReasonForm(),
            "verify_form": forms.VerifyForm(),
        },
    )


def item_edit(request, pk: int):
    item = _item(request, pk)
    if not access.can_edit(request.user, item.unit):
        raise PermissionDenied
    form = forms.ItemForm(request.POST or None, instance=RemediationItem.objects.get(pk=item.pk))
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_item(
                item, by=request.user, **{k: form.cleaned_data[k] for k in actions.ITEM_FIELDS}
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return _back(item)
    return render(
        request,
        "remediation/form.html",
        {"form": form, "item": item, "plan": item.plan, "title": f"{item.label} — {item.title[:80]}"},
    )


@require_POST
def item_step(request, pk: int, step: str):
    item = _item(request, pk)
    try:
        if step == "progress":
            form = forms.ProgressForm(request.POST)
            form.is_valid()
            actions.update_progress(
                item,
                by=request.user,
                status=form.cleaned_data.get("status") or None,
                note=form.cleaned_data.get("note", ""),
            )
            messages.success(request, _("The progress was recorded."))
        elif step == "result":
            form = forms.ResultForm(request.POST, request.FILES)
            if not form.is_valid():
                for errors in form.errors.values():
                    for error in errors:
                        messages.error(request, error)
                return _back(item)
            data = form.cleaned_data
            uploads = [(data["file"], data["short_name"])] if data.get("file") else []
            item = actions.record_result(
                item,
                by=request.user,
                result_text=data["result_text"],
                completed_on=data["completed_on"],
                uploads=uploads,
            )
            messages.success(request, _("The result was recorded."))
        elif step == "cannot":
            actions.mark_cannot(item, by=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, _("The shortcoming was marked as cannot be done."))
        elif step == "verify":
            actions.verify_item(item, by=request.user, note=request.POST.get("note", ""))
            messages.success(request, _("The result was verified."))
        else:
            raise Http404
    except ValidationError as exc:
        _flash(request, exc)
    return _back(item)


def evidence_download(request, pk: int, evidence_id: int):
    item = _item(request, pk)
    evidence = item.evidence.filter(pk=evidence_id).first()
    if evidence is None or not evidence.file:
        raise Http404
    from parindex.core.security import safe_file_response

    try:
        return safe_file_response(
            evidence.file, filename=evidence.generated_name or "file", content_type=evidence.content_type
        )
    except FileNotFoundError:
        raise Http404


def unit_items(request, unit_id: int):
    """The unit's whole remediation list of a year (Phụ lục II items and inspection findings)."""
    unit = Unit.objects.data_visible_to(request.user).filter(pk=unit_id).first()
    if unit is None:
        raise Http404
    year = _year(request)
    items = list(
        selectors.items_queryset().visible_to(request.user).filter(unit=unit, year=year).order_by("number")
    )
    if request.GET.get("format") == "xlsx":
        return download_response(
            documents.results_report_xlsx(unit, year, items),
            f"{safe_file_stem(unit.name)} - Ket qua khac phuc {year}.xlsx",
        )
    if request.GET.get("format") == "docx":
        return download_response(
            documents.results_report_docx(unit, year, items),
            f"{safe_file_stem(unit.name)} - BC ket qua khac phuc {year}.docx",
            documents.DOCX,
        )
    return render(request, "remediation/unit_items.html", {"unit": unit, "year": year, "items": items})


# --- inspections ---------------------------------------------------------------------------------


def inspection_list(request):
    inspections = (
        Inspection.objects.visible_to(request.user).select_related("owner_unit").prefetch_related("units")
    )
    return render(
        request,
        "remediation/inspection_list.html",
        {"inspections": inspections[:200], "can_create": access.manager_units(request.user).exists()},
    )


def inspection_create(request):
    owners = access.manager_units(request.user)
    if not owners.exists():
        raise PermissionDenied
    form = forms.InspectionForm(request.POST or None, owner_units=owners)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            inspection = actions.record_inspection(
                owner_unit=data["owner_unit"],
                by=request.user,
                decision_number=data["decision_number"],
                decision_date=data["decision_date"],
                inspected_on=data["inspected_on"],
                units=data["units"],
                title=data["title"],
                conclusion=data["conclusion"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The inspection was recorded; now add its findings."))
            return redirect("remediation:inspection", inspection.pk)
    return render(request, "remediation/form.html", {"form": form, "title": _("Record an inspection")})


def inspection_detail(request, pk: int):
    inspection = get_visible_or_404(Inspection.objects.select_related("owner_unit"), request.user, pk=pk)
    can_record = access.can_inspect(request.user, inspection.owner_unit)
    form = forms.FindingForm(request.POST or None, inspection=inspection)
    if request.method == "POST":
        if not can_record:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.add_finding(
                    inspection,
                    unit=data["unit"],
                    by=request.user,
                    shortcoming=data["shortcoming"],
                    deadline=data["deadline"],
                    solution=data["solution"],
                    number=data.get("number"),
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("The finding was added to the unit's remediation list."))
                return redirect("remediation:inspection", inspection.pk)
    findings = (
        selectors.items_queryset()
        .visible_to(request.user)
        .filter(inspection=inspection)
        .order_by("unit__path", "finding_number")
    )
    return render(
        request,
        "remediation/inspection_detail.html",
        {
            "inspection": inspection,
            "findings": findings,
            "form": form,
            "can_record": can_record,
            # Only the inspected units the user may see by name (an officer sees their own unit).
            "units": inspection.units.filter(
                pk__in=Unit.objects.visible_to(request.user).values("pk")
            ).order_by("path"),
        },
    )


# --- compilation ---------------------------------------------------------------------------------


def _root(request):
    if request.GET.get("unit", "").isdigit():
        root = Unit.objects.data_visible_to(request.user).filter(pk=int(request.GET["unit"])).first()
        if root is None:
            raise Http404
        return root
    managed = list(access.manager_units(request.user).order_by("depth"))
    if not managed:
        raise Http404
    return managed[0]


def compilation(request):
    root = _root(request)
    if not access.manages_above(request.user, root) and not access.can_inspect(request.user, root):
        raise Http404
    year = _year(request)
    rows = selectors.compilation_rows(request.user, year, root=root)
    fmt = request.GET.get("format")
    if fmt == "xlsx":
        return download_response(
            documents.compilation_xlsx(rows, year), f"Tong hop khac phuc ton tai {year}.xlsx"
        )
    by = "lead" if request.GET.get("by") == "lead" else "area"
    if fmt in ("general-docx", "general-xlsx"):
        maintain, remediate = selectors.general_plan_items(root, year, request.user)
        stem = f"{safe_file_stem(root.name)} - Ke hoach chung {year}"
        if fmt == "general-docx":
            return download_response(
                documents.general_plan_docx(root, year, maintain, remediate, by=by),
                f"{stem}.docx",
                documents.DOCX,
            )
        return download_response(
            documents.general_plan_xlsx(root, year, maintain, remediate, by=by), f"{stem}.xlsx"
        )
    maintain, remediate = selectors.general_plan_items(root, year, request.user)
    key = selectors.lead_key if by == "lead" else (lambda i: i.area_title)
    return render(
        request,
        "remediation/compilation.html",
        {
            "root": root,
            "year": year,
            "rows": rows,
            "by": by,
            "groups": selectors.group_rows(remediate, key),
            "maintain_count": len(maintain),
            "years": range(timezone.localdate().year + 1, timezone.localdate().year - 5, -1),
        },
    )


# --- targets -------------------------------------------------------------------------------------


def target_edit(request):
    units = access.editable_units(request.user).order_by("path")
    if not units.exists():
        raise PermissionDenied
    form = forms.TargetForm(
        request.POST or None,
        units=units,
        initial={"year": timezone.localdate().year + 1, "unit": units.first()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.set_target(
                unit=data["unit"],
                year=data["year"],
                by=request.user,
                index_percent=data["index_percent"],
                class_label=data["class_label"],
                rank=data["rank"],
                commitments=data["commitments"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The target was saved."))
            return redirect("remediation:index")
    rows = []
    for unit in units[:20]:
        rows += selectors.target_rows(unit, request.user)
    return render(request, "remediation/targets.html", {"form": form, "rows": rows})


# --- home panels ---------------------------------------------------------------------------------


def overdue_items_panel(request) -> str:
    if not request.user.is_authenticated:
        return ""
    items = selectors.overdue_items_for(request.user)
    if not items:
        return ""
    return render_to_string("remediation/_panel_overdue.html", {"items": items}, request=request)


def awaiting_approval_panel(request) -> str:
    if not request.user.is_authenticated:
        return ""
    plans = selectors.awaiting_approval_for(request.user)
    if not plans:
        return ""
    return render_to_string("remediation/_panel_awaiting.html", {"plans": plans}, request=request)
