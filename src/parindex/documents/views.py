"""The index manager's template screen: list, upload, activate, revert, downloads."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parindex.core.spreadsheets import OutColumn, download_response, write_table
from parindex.documents import actions, selectors
from parindex.documents.forms import TemplateUploadForm
from parindex.documents.models import DocumentKind, DocumentTemplate
from parindex.documents.pdf import PdfConversionError, PdfUnavailable, pdf_available, to_pdf
from parindex.documents.templates import TemplateError, builtin_template
from parindex.units.visibility import get_visible_or_404

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _require_screen(request) -> None:
    if not selectors.may_use_screen(request.user):
        raise PermissionDenied


def template_list(request):
    _require_screen(request)
    templates = list(selectors.templates_for(request.user))
    if request.GET.get("format") == "xlsx":
        columns = [
            OutColumn(_("Document type"), 40, value=lambda t: t.get_kind_display()),
            OutColumn(_("Unit"), 30, value=lambda t: t.owner_unit.name),
            OutColumn(_("Original file name"), 40, value=lambda t: t.original_name),
            OutColumn(_("Active"), 10, value=lambda t: _("Yes") if t.is_active else _("No")),
            OutColumn(
                _("Uploaded by"), 25, value=lambda t: t.uploaded_by.get_full_name() if t.uploaded_by else ""
            ),
            OutColumn(_("Uploaded at"), 18, kind="datetime", value=lambda t: t.uploaded_at),
        ]
        content = write_table(columns, templates, title=_("Document templates"), sheet_title=_("Templates"))
        return download_response(content, "document-templates.xlsx")
    units = selectors.manageable_units(request.user).order_by("path")
    form = TemplateUploadForm(units=units)
    return render(
        request,
        "documents/template_list.html",
        {
            "templates": templates,
            "form": form,
            "kinds": DocumentKind.choices,
            "pdf_available": pdf_available(),
            "manageable_ids": set(units.values_list("pk", flat=True)),
        },
    )


@require_POST
def template_upload(request):
    _require_screen(request)
    units = selectors.manageable_units(request.user).order_by("path")
    form = TemplateUploadForm(request.POST, request.FILES, units=units)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            actions.upload_template(
                kind=form.cleaned_data["kind"],
                owner_unit=form.cleaned_data["owner_unit"],
                data=upload.read(),
                original_name=upload.name,
                by=request.user,
            )
        except TemplateError as exc:
            for message in exc.messages:
                form.add_error("file", message)
        else:
            messages.success(request, _("The template was uploaded and is now used for this document type."))
            return redirect("documents:templates")
    templates = list(selectors.templates_for(request.user))
    return render(
        request,
        "documents/template_list.html",
        {
            "templates": templates,
            "form": form,
            "kinds": DocumentKind.choices,
            "pdf_available": pdf_available(),
            "manageable_ids": set(units.values_list("pk", flat=True)),
        },
        status=400,
    )


@require_POST
def template_activate(request, pk: int):
    template = get_visible_or_404(DocumentTemplate.objects.select_related("owner_unit"), request.user, pk=pk)
    actions.activate_template(template=template, by=request.user)
    messages.success(request, _("The template is active again."))
    return redirect("documents:templates")


@require_POST
def template_revert(request, pk: int):
    template = get_visible_or_404(DocumentTemplate.objects.select_related("owner_unit"), request.user, pk=pk)
    actions.revert_to_builtin(kind=template.kind, owner_unit=template.owner_unit, by=request.user)
    messages.success(request, _("The built-in layout is used again for this document type."))
    return redirect("documents:templates")


def template_download(request, pk: int):
    template = get_visible_or_404(DocumentTemplate.objects.all(), request.user, pk=pk)
    with template.file.open("rb") as handle:
        content = handle.read()
    return download_response(content, template.original_name or f"{template.kind}.docx", DOCX_CONTENT_TYPE)


def builtin_download(request, kind: str):
    """The built-in layout with sample content, as .docx (or PDF when LibreOffice is installed)."""
    _require_screen(request)
    if kind not in DocumentKind.values:
        raise Http404
    content = builtin_template(kind)
    if request.GET.get("format") == "pdf":
        try:
            return download_response(to_pdf(content), f"{kind}.pdf", "application/pdf")
        except (PdfUnavailable, PdfConversionError) as exc:
            messages.error(request, str(exc))
            return redirect("documents:templates")
    return download_response(content, f"{kind}.docx", DOCX_CONTENT_TYPE)
