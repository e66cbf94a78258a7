"""Screens of criteria frameworks.

Reading (list, detail tree, downloads) is open to every logged-in user; changing is for
index managers of the owner unit or an ancestor, and admins (others get 403: the
framework itself is public, only the action is forbidden).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from parindex.core.import_jobs import start_import
from parindex.core.spreadsheets import OutColumn, SpreadsheetError, download_response, write_table
from parindex.frameworks import actions
from parindex.frameworks.forms import (
    CopyForm,
    CriterionForm,
    FrameworkForm,
    ImportForm,
    MappingForm,
    ReplaceForm,
)
from parindex.frameworks.models import Criterion, Framework
from parindex.frameworks.paramtext import parse_params
from parindex.frameworks.scoring import ScoringError
from parindex.frameworks.selectors import can_create_frameworks, framework_tree, frameworks_for, managed_units
from parindex.frameworks.transfer import export_bytes
from parindex.units.visibility import get_visible_or_404

YAML_CONTENT_TYPE = "application/yaml; charset=utf-8"
DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _framework(request, pk: int) -> Framework:
    return get_visible_or_404(Framework.objects.select_related("owner_unit", "previous"), request.user, pk=pk)


def _editable(request, pk: int) -> Framework:
    framework = _framework(request, pk)
    if not framework.can_edit(request.user):
        raise PermissionDenied(_("Only index managers of the issuing unit may change this framework."))
    return framework


def framework_list(request):
    frameworks = list(frameworks_for(request.user))
    if request.GET.get("format") == "xlsx":
        content = write_table(
            [
                OutColumn(_("Name"), 50, value=lambda f: f.name),
                OutColumn(_("Decision"), 20, value=lambda f: f.decision_number),
                OutColumn(_("Decision date"), 12, kind="date", value=lambda f: f.decision_date),
                OutColumn(_("Issuing unit"), 25, value=lambda f: f.owner_unit.name),
                OutColumn(_("Unit types"), 25, value=lambda f: f.get_unit_kinds_display()),
                OutColumn(_("From year"), 8, kind="int", value=lambda f: f.valid_from_year),
                OutColumn(_("To year"), 8, kind="int", value=lambda f: f.valid_to_year),
                OutColumn(_("Maximum total"), 10, kind="decimal", value=lambda f: f.max_total),
                OutColumn(_("Scored criteria"), 10, kind="int", value=lambda f: f.leaf_count),
                OutColumn(_("Locked"), 10, value=lambda f: _("Yes") if f.is_locked else _("No")),
            ],
            frameworks,
            title=_("Criteria frameworks"),
            sheet_title=_("Criteria frameworks"),
        )
        return download_response(content, f"{_('Criteria frameworks')}.xlsx")
    return render(
        request,
        "frameworks/framework_list.html",
        {"frameworks": frameworks, "can_create": can_create_frameworks(request.user)},
    )


def framework_detail(request, pk: int):
    framework = _framework(request, pk)
    return render(
        request,
        "frameworks/framework_detail.html",
        {
            "framework": framework,
            "tree": framework_tree(framework),
            "bands": list(framework.bands.order_by("order", "-lower_bound")),
            "can_edit": framework.can_edit(request.user),
            "next_versions": list(
                framework.next_versions.only("pk", "name", "valid_from_year", "valid_to_year")
            ),
        },
    )


def framework_download(request, pk: int, fmt: str):
    framework = _framework(request, pk)
    stem = framework.name  # attachment_header makes any name safe
    if fmt in ("xlsx", "yaml"):
        content = export_bytes(framework, f"x.{fmt}")
        content_type = YAML_CONTENT_TYPE if fmt == "yaml" else None
        filename = f"{stem}.{fmt}"
        if content_type:
            return download_response(content, filename, content_type)
        return download_response(content, filename)
    if fmt == "docx":
        from parindex.frameworks.docx import framework_docx

        return download_response(framework_docx(framework), f"{stem}.docx", DOCX_CONTENT_TYPE)
    raise Http404


@require_http_methods(["GET", "POST"])
def framework_import(request):
    """Upload page; the file is checked and imported in the background (``frameworks.jobs``)."""
    units = list(managed_units(request.user).order_by("path"))
    if not units:
        raise PermissionDenied(_("Only index managers may import frameworks."))
    form = ImportForm(
        request.POST or None, request.FILES or None, units=managed_units(request.user).order_by("path")
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        return start_import(
            request,
            upload,
            label=_("Import a framework"),
            func_path="parindex.frameworks.jobs.import_framework",
            kwargs={"owner_unit_id": form.cleaned_data["owner_unit"].pk, "filename": upload.name},
        )
    status = 400 if form.errors else 200
    return render(request, "frameworks/framework_import.html", {"form": form, "errors": []}, status=status)


@require_http_methods(["GET", "POST"])
def framework_replace(request, pk: int):
    """Re-import a draft framework from a file; runs in the background (``frameworks.jobs``)."""
    framework = _editable(request, pk)
    form = ReplaceForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if framework.is_locked:
        errors = [str(actions.FrameworkLocked(framework))]
    elif request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        return start_import(
            request,
            upload,
            label=_("Replace from a file: %(name)s") % {"name": framework.name},
            func_path="parindex.frameworks.jobs.replace_framework",
            kwargs={"framework_id": framework.pk, "filename": upload.name},
        )
    status = 400 if (errors or form.errors) and request.method == "POST" else 200
    return render(
        request,
        "frameworks/framework_replace.html",
        {"framework": framework, "form": form, "errors": errors},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def framework_copy(request, pk: int):
    framework = _editable(request, pk)
    span = framework.valid_to_year - framework.valid_from_year
    initial = {
        "name": framework.name,
        "valid_from_year": framework.valid_to_year + 1,
        "valid_to_year": framework.valid_to_year + 1 + span,
    }
    form = CopyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        copy = actions.copy_framework(
            framework,
            by=request.user,
            name=data["name"],
            valid_from_year=data["valid_from_year"],
            valid_to_year=data["valid_to_year"],
            decision_number=data["decision_number"],
            decision_date=data["decision_date"],
        )
        messages.success(request, _("A new version was created. Edit it before any round uses it."))
        return redirect("frameworks:detail", copy.pk)
    return render(request, "frameworks/framework_copy.html", {"framework": framework, "form": form})


@require_http_methods(["GET", "POST"])
def framework_edit(request, pk: int):
    framework = _editable(request, pk)
    form = FrameworkForm(request.POST or None, instance=Framework.objects.get(pk=framework.pk))
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}
        changes = {k: v for k, v in changes.items() if not form.fields[k].disabled}
        try:
            actions.update_framework(framework, by=request.user, **changes)
        except SpreadsheetError as exc:
            errors = [str(error) for error in exc.errors]
        except actions.FrameworkLocked as exc:
            errors = [str(exc)]
        else:
            messages.success(request, _("The framework was saved."))
            return redirect("frameworks:detail", framework.pk)
    status = 400 if errors or form.errors else 200
    return render(
        request,
        "frameworks/framework_edit.html",
        {"framework": framework, "form": form, "errors": errors},
        status=status,
    )


def _criterion(request, pk: int) -> Criterion:
    criterion = get_visible_or_404(
        Criterion.objects.select_related("framework__owner_unit", "framework__previous"), request.user, pk=pk
    )
    if not criterion.framework.can_edit(request.user):
        raise PermissionDenied(_("Only index managers of the issuing unit may change this framework."))
    return criterion


@require_http_methods(["GET", "POST"])
def criterion_edit(request, pk: int):
    criterion = _criterion(request, pk)
    framework = criterion.framework
    form = CriterionForm(request.POST or None, criterion=criterion)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes = {
            name: data[name]
            for name in ("title", "rule_text", "evidence_text", "lead_text", "coordinators_text")
            if name in form.changed_data
        }
        if not form.fields["max_points"].disabled and "max_points" in form.changed_data:
            changes["max_points"] = data["max_points"]
        try:
            if criterion.is_leaf and not form.fields["method"].disabled:
                method = data["method"]
                params = parse_params(method, data["params_text"]) if method else {}
                if method != criterion.method or params != criterion.params:
                    changes["method"], changes["params"] = method, params
                for name in ("source", "allow_not_applicable"):
                    if name in form.changed_data:
                        changes[name] = data[name]
            actions.update_criterion(criterion, by=request.user, **changes)
        except ScoringError as exc:
            form.add_error("params_text", str(exc))
        except SpreadsheetError as exc:
            errors = [str(error) for error in exc.errors]
        except actions.FrameworkLocked as exc:
            errors = [str(exc)]
        else:
            messages.success(request, _("Criterion %(code)s was saved.") % {"code": criterion.code})
            return redirect(f"{framework.get_absolute_url()}#c{criterion.pk}")
    status = 400 if errors or form.errors else 200
    mapping_form = None
    if framework.previous_id:
        codes = ", ".join(
            criterion.mappings_in.order_by("from_criterion__sort_key").values_list(
                "from_criterion__code", flat=True
            )
        )
        mapping_form = MappingForm(initial={"from_codes": codes})
    return render(
        request,
        "frameworks/criterion_edit.html",
        {
            "criterion": criterion,
            "framework": framework,
            "form": form,
            "errors": errors,
            "mapping_form": mapping_form,
        },
        status=status,
    )


@require_http_methods(["POST"])
def criterion_mapping(request, pk: int):
    criterion = _criterion(request, pk)
    form = MappingForm(request.POST)
    if form.is_valid():
        codes = [c for c in form.cleaned_data["from_codes"].replace(";", ",").split(",")]
        try:
            actions.set_criterion_mapping(criterion, by=request.user, from_codes=codes)
        except SpreadsheetError as exc:
            for error in exc.errors:
                messages.error(request, error.message)
        else:
            messages.success(
                request, _("The mapping of criterion %(code)s was saved.") % {"code": criterion.code}
            )
    return redirect("frameworks:criterion_edit", criterion.pk)


def example_download(request, name: str):
    """The shipped filled examples (.xlsx), as a starting point for a new framework."""
    from parindex.frameworks.demo import EXAMPLES_DIR

    if name not in ("commune", "department_district"):
        raise Http404
    content = (EXAMPLES_DIR / f"{name}.xlsx").read_bytes()
    return download_response(content, f"bo-tieu-chi-minh-hoa-{name}.xlsx")
