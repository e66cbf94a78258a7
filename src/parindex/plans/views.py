"""Screens of plans: list, detail (tasks by area with completion), task steps, roll-up, import/export.

Reads go through ``visible_to`` / ``get_visible_or_404`` (another unit's plan answers 404);
writes are checked again in ``actions`` (a visible plan the user may not change answers 403).
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

from parindex.core.import_jobs import start_import
from parindex.core.spreadsheets import download_response
from parindex.core.text import safe_file_stem
from parindex.plans import actions, selectors
from parindex.plans import spreadsheets as plan_xlsx
from parindex.plans.completion import total
from parindex.plans.forms import (
    AssignForm,
    CancelForm,
    DoneForm,
    ImportForm,
    PlanForm,
    TaskForm,
    plan_editor_units,
)
from parindex.plans.models import Plan, PlanTask
from parindex.units.models import Unit
from parindex.units.visibility import get_visible_or_404

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _year(request) -> int:
    """``?year=``, else the latest year (not after this one) with a plan the user may see.

    In November a province still works on this year's plans, but in January the plans of the
    year that just ended are the ones being reported on; the latest visible year covers both.
    """
    value = request.GET.get("year", "")
    if value.isdigit() and 2000 <= int(value) <= 2100:
        return int(value)
    this_year = timezone.localdate().year
    latest = (
        Plan.objects.visible_to(request.user)
        .filter(year__lte=this_year)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    return latest or this_year


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _plan_or_404(request, pk: int) -> Plan:
    return get_visible_or_404(
        Plan.objects.select_related("unit", "framework", "parent_plan__unit"), request.user, pk=pk
    )


def _task_or_404(request, pk: int) -> PlanTask:
    return get_visible_or_404(
        PlanTask.objects.select_related("plan__unit", "plan__framework", "area", "lead_official"),
        request.user,
        pk=pk,
    )


# --- plans -------------------------------------------------------------------------------------


def plan_list(request):
    """Plans of one year (``?year=``), or every year of one unit (``?unit=``), as the user may see them."""
    year = _year(request)
    plans = Plan.objects.visible_to(request.user).select_related("unit", "parent_plan")
    unit = None
    if request.GET.get("unit", "").isdigit():
        unit = get_visible_or_404(Unit.objects, request.user, pk=int(request.GET["unit"]))
        plans = list(plans.filter(unit=unit).order_by("-year"))
        counts = selectors.counts_by_plan(plans)
    else:
        plans = list(plans.filter(year=year))
        counts = selectors.counts_by_plan(plans)
    rows = [(plan, counts.get(plan.pk) or total([])) for plan in plans]
    return render(
        request,
        "plans/plan_list.html",
        {
            "rows": rows,
            "year": year,
            "unit": unit,
            "years": range(timezone.localdate().year + 1, timezone.localdate().year - 5, -1),
            "can_create": plan_editor_units(request.user).exists(),
            "oversees": selectors.oversees_units(request.user),
        },
    )


def plan_create(request):
    units = plan_editor_units(request.user)
    if not units.exists():
        raise PermissionDenied
    form = PlanForm(request.POST or None, editable_units=units, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = actions.create_plan(
                unit=data["unit"],
                year=data["year"],
                by=request.user,
                title=data["title"],
                number=data["number"],
                document_date=data["document_date"],
                parent_plan=data["parent_plan"],
                status=data["status"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The plan was created."))
            return redirect("plans:detail", plan.pk)
    return render(request, "plans/plan_form.html", {"form": form, "plan": None})


def plan_edit(request, pk: int):
    plan = _plan_or_404(request, pk)
    if not selectors.can_edit_plan(request.user, plan.unit):
        raise PermissionDenied
    form = PlanForm(request.POST or None, instance=plan, user=request.user)
    if request.method == "POST" and form.is_valid():
        changes = {
            k: form.cleaned_data[k] for k in ("title", "number", "document_date", "parent_plan", "status")
        }
        plan.refresh_from_db()
        try:
            actions.update_plan(plan, by=request.user, **changes)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The plan was saved."))
            return redirect("plans:detail", plan.pk)
    return render(request, "plans/plan_form.html", {"form": form, "plan": plan})


def _plan_context(request, plan: Plan) -> dict:
    today = timezone.localdate()
    tasks = list(selectors.plan_tasks(plan))
    groups = selectors.group_by_area(tasks, today)
    totals = total(g.counts for g in groups)
    return {"tasks": tasks, "groups": groups, "totals": totals, "today": today}


def plan_detail(request, pk: int):
    plan = _plan_or_404(request, pk)
    context = _plan_context(request, plan)
    context.update(
        plan=plan,
        child_counts=selectors.child_task_counts(
            context["tasks"], context["today"], user=request.user, plan=plan
        ),
        can_edit=selectors.can_edit_plan(request.user, plan.unit),
        has_children=Unit.objects.filter(parent=plan.unit).exists(),
        child_plans=selectors.child_plans(plan, request.user),
    )
    return render(request, "plans/plan_detail.html", context)


def plan_export_xlsx(request, pk: int):
    plan = _plan_or_404(request, pk)
    context = _plan_context(request, plan)
    content = plan_xlsx.export_plan(
        plan, context["tasks"], context["groups"], context["totals"], context["today"], user=request.user
    )
    return download_response(content, f"{safe_file_stem(plan.unit.name)} - KH CCHC {plan.year}.xlsx")


def plan_export_docx(request, pk: int):
    from parindex.plans.docx import plan_report_docx

    plan = _plan_or_404(request, pk)
    context = _plan_context(request, plan)
    content = plan_report_docx(plan, context["groups"], context["totals"], context["today"])
    return download_response(
        content, f"{safe_file_stem(plan.unit.name)} - Bao cao KH CCHC {plan.year}.docx", DOCX_CONTENT_TYPE
    )


def plan_import(request, pk: int):
    """Upload page; the tasks are checked and imported in the background (``plans.jobs``)."""
    plan = _plan_or_404(request, pk)
    if not selectors.can_edit_plan(request.user, plan.unit):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        return start_import(
            request,
            form.cleaned_data["file"],
            label=_("Import tasks: %(plan)s") % {"plan": plan.display_title},
            func_path="parindex.plans.jobs.import_tasks",
            kwargs={"plan_id": plan.pk},
        )
    return render(
        request, "plans/plan_import.html", {"plan": plan, "form": form}, status=400 if form.errors else 200
    )


def import_template(request):
    return download_response(plan_xlsx.template_xlsx(), "Mau nhap nhiem vu KH CCHC.xlsx")


# --- tasks -------------------------------------------------------------------------------------


def _task_fields(data: dict) -> dict:
    fields = {k: data[k] for k in actions.TASK_FIELDS if k in data}
    if fields.get("order") is None:
        fields.pop("order", None)  # numbered automatically (new task) or kept (edit)
    return fields


def task_create(request, plan_pk: int):
    plan = _plan_or_404(request, plan_pk)
    if not selectors.can_edit_plan(request.user, plan.unit):
        raise PermissionDenied
    form = TaskForm(request.POST or None, plan=plan, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.add_task(
                plan,
                by=request.user,
                criteria=data["criteria"],
                coordinating_units=data["coordinating_units"],
                **_task_fields(data),
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The task was added."))
            return redirect("plans:detail", plan.pk)
    return render(request, "plans/task_form.html", {"form": form, "plan": plan, "task": None})


def task_edit(request, pk: int):
    task = _task_or_404(request, pk)
    plan = task.plan
    if not selectors.can_update_task(request.user, task):
        raise PermissionDenied
    editor = selectors.can_edit_plan(request.user, plan.unit)
    form = TaskForm(request.POST or None, instance=task, plan=plan, user=request.user)
    if not editor:  # the lead official only reports progress
        for name in list(form.fields):
            if name != "status":
                form.fields[name].disabled = True
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        kwargs = {}
        if editor:
            kwargs = dict(
                criteria=data["criteria"], coordinating_units=data["coordinating_units"], **_task_fields(data)
            )
        if data.get("status") and data["status"] != task.status:
            kwargs["status"] = data["status"]
        task = PlanTask.objects.get(pk=task.pk)
        try:
            actions.update_task(task, by=request.user, **kwargs)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The task was saved."))
            return redirect("plans:detail", plan.pk)
    return render(
        request, "plans/task_form.html", {"form": form, "plan": plan, "task": task, "editor": editor}
    )


def task_done(request, pk: int):
    task = _task_or_404(request, pk)
    if not selectors.can_update_task(request.user, task):
        raise PermissionDenied
    form = DoneForm(request.POST or None, request.FILES or None, task=task)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        uploads = [(data["file"], data["short_name"])] if data.get("file") else []
        try:
            actions.mark_task_done(
                task,
                by=request.user,
                completion_date=data["completion_date"],
                result_note=data["result_note"],
                evidence=data["evidence"],
                uploads=uploads,
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The task was marked done."))
            return redirect("plans:detail", task.plan_id)
    return render(request, "plans/task_done.html", {"form": form, "task": task, "plan": task.plan})


def task_cancel(request, pk: int):
    task = _task_or_404(request, pk)
    if not selectors.can_edit_plan(request.user, task.plan.unit):
        raise PermissionDenied
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.cancel_task(task, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The task was cancelled."))
            return redirect("plans:detail", task.plan_id)
    return render(request, "plans/task_cancel.html", {"form": form, "task": task, "plan": task.plan})


@require_POST
def task_attach(request, pk: int):
    task = _task_or_404(request, pk)
    try:
        created = actions.attach_evidence_to_leaves(task, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The task's evidence was attached to its criteria on the score sheet (%(count)s new links).")
            % {"count": created},
        )
    return redirect("plans:detail", task.plan_id)


def task_assign(request, pk: int):
    task = _task_or_404(request, pk)
    if not selectors.can_edit_plan(request.user, task.plan.unit):
        raise PermissionDenied
    form = AssignForm(request.POST or None, task=task)
    if request.method == "POST" and form.is_valid():
        try:
            children = actions.assign_task_to_units(
                task,
                units=form.cleaned_data["units"],
                by=request.user,
                due_date=form.cleaned_data["due_date"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request, _("The task was assigned to %(count)s units.") % {"count": len(children)}
            )
            return redirect("plans:detail", task.plan_id)
    assigned = task.child_tasks.select_related("plan__unit").order_by("plan__unit__path")
    return render(
        request,
        "plans/task_assign.html",
        {"form": form, "task": task, "plan": task.plan, "assigned": assigned},
    )


# --- roll-up over units -------------------------------------------------------------------------


def rollup(request):
    if not selectors.oversees_units(request.user):
        raise Http404
    year = _year(request)
    root = None
    if request.GET.get("unit", "").isdigit():
        root = get_visible_or_404(Unit.objects, request.user, pk=int(request.GET["unit"]))
    rows = selectors.rollup_rows(request.user, year, root=root)
    rows = [r for r in rows if r.plan is not None or r.unit.kind != Unit.Kind.PROVINCE]
    totals = total(r.counts for r in rows)
    if request.GET.get("format") == "xlsx":
        return download_response(plan_xlsx.export_rollup(rows, totals, year), f"Tien do KH CCHC {year}.xlsx")
    return render(
        request,
        "plans/rollup.html",
        {
            "rows": rows,
            "totals": totals,
            "year": year,
            "root": root,
            "years": range(timezone.localdate().year + 1, timezone.localdate().year - 5, -1),
        },
    )


# --- home panel ---------------------------------------------------------------------------------


def my_tasks_panel(request) -> str:
    if not request.user.is_authenticated:
        return ""
    mine = selectors.my_tasks(request.user)
    if not mine:
        return ""
    return render_to_string(
        "plans/_my_tasks.html", {"mine": mine, "today": timezone.localdate()}, request=request
    )
