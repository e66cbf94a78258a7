"""Pages of self-assessment. Every read goes through ``visible_to``/``get_visible_or_404``
(another unit's sheet or evidence answers 404); every write goes through ``actions``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parindex.assessments import access, actions, exports
from parindex.assessments.evidence import write_sheet_zip
from parindex.assessments.forms import (
    AssignForm,
    AttachForm,
    EvidenceUploadForm,
    OfflineUploadForm,
    ReferenceForm,
    ReopenForm,
    RoundForm,
    WithdrawForm,
    manager_units,
)
from parindex.assessments.models import Assessment, Assignment, Evidence, EvidenceLink, Round, Score
from parindex.assessments.offline import write_sheet_xlsx
from parindex.assessments.selectors import round_progress as select_round_progress
from parindex.assessments.selectors import (
    sheet_view,
    sheets_for,
    todo_for,
    zip_entries,
)
from parindex.core.jobs import start_user_job
from parindex.core.spreadsheets import SpreadsheetError, attachment_header, download_response
from parindex.core.text import safe_file_stem
from parindex.units.visibility import get_visible_or_404, scope_for

SHEETS = Assessment.objects.select_related("round__framework", "round__owner_unit", "unit")


def _sheet(request, pk: int) -> Assessment:
    return get_visible_or_404(SHEETS, request.user, pk=pk)


def _message(exc: ValidationError | PermissionDenied) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or _("You may not do this.")


def _denied(request, exc: PermissionDenied):
    return render(request, "assessments/denied.html", {"message": _message(exc)}, status=403)


def _decimal_text(value: str) -> str:
    sep = formats.get_format("DECIMAL_SEPARATOR", lang=translation.get_language())
    return value.replace(".", sep) if value and sep != "." else value


def prepare_leaf(node, posted=None) -> None:
    """Form fields and texts of a leaf: the stored values, or what the user just typed."""
    # A fed leaf following its source shows the source's numbers, never what was just posted.
    node.fields = leaf_fields(node, None if node.fed is not None and node.fed.follows else posted)
    score = node.score
    if posted is not None:
        node.form = {
            "note": posted.get("note", ""),
            "explanation": posted.get("explanation", ""),
            "na": posted.get("not_applicable") == "on",
        }
    else:
        node.form = {
            "note": score.note,
            "explanation": score.missing_evidence_explanation,
            "na": score.not_applicable,
        }


def leaf_fields(node, posted=None) -> list[dict]:
    """The method's inputs of one leaf as form fields with their current (or just typed) values."""
    fields = []
    for spec in node.spec:
        name = spec["name"]
        if posted is not None:
            value = posted.get(f"in_{name}", "")
        else:
            value = node.values.get(name, "")
            if spec.get("type") in ("decimal", "int"):
                value = _decimal_text(value)
        options = []
        if spec.get("type") == "bool":
            options = [
                ("1", str(spec["choices"][0][1]) if spec.get("choices") else _("Yes")),
                ("0", str(spec["choices"][1][1]) if spec.get("choices") else _("No")),
            ]
        elif spec.get("type") == "choice":
            options = [(str(key), str(label)) for key, label in spec.get("choices") or []]
        fields.append(
            {
                "name": f"in_{name}",
                "label": spec.get("label") or name,
                "type": spec.get("type"),
                "value": value,
                "options": [(v, lbl, v == value) for v, lbl in options],
                "step": spec.get("step"),
                "display": dict(options).get(value, value) if options else value,
            }
        )
    return fields


# --- lists and rounds -------------------------------------------------------------------------------


def index(request):
    """My score sheets, and the rounds of the units I manage."""
    scope = scope_for(request.user)
    managed = (
        Round.objects.visible_to(request.user)
        .filter(scope.q("owner_unit"))
        .select_related("framework", "owner_unit")
        .annotate(
            n_sheets=Count("assessments", distinct=True),
            n_submitted=Count(
                "assessments", filter=Q(assessments__status=Assessment.Status.SUBMITTED), distinct=True
            ),
        )
    )
    can_open = manager_units(request.user).exists()
    if request.GET.get("format") == "xlsx":
        from parindex.core.spreadsheets import OutColumn, write_table

        sheets = list(sheets_for(request.user))
        content = write_table(
            [
                OutColumn(_("Round"), 35, value=lambda s: s.round.name),
                OutColumn(_("Unit"), 30, value=lambda s: s.unit.name),
                OutColumn(_("Status"), 15, value=lambda s: s.get_status_display()),
                OutColumn(_("Deadline"), 18, "datetime", value=lambda s: s.deadline),
                OutColumn(_("Submitted at"), 18, "datetime", value=lambda s: s.submitted_at),
            ],
            sheets,
            title=_("My score sheets"),
        )
        return download_response(content, "phieu-tu-cham-diem.xlsx")
    return render(
        request,
        "assessments/index.html",
        {"sheets": sheets_for(request.user), "rounds": managed, "can_open": can_open},
    )


def round_create(request):
    if not manager_units(request.user).exists():
        return _denied(request, PermissionDenied(_("Only an index manager may open a round.")))
    form = RoundForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            round_ = actions.open_round(
                by=request.user,
                framework=data["framework"],
                owner_unit=data["owner_unit"],
                name=data["name"],
                year=data["year"],
                self_deadline=data["self_deadline"],
                data_cutoff=data["data_cutoff"],
                explanation_deadline=data["explanation_deadline"],
                appraisal_deadline=data["appraisal_deadline"],
                units=list(data["units"]) or None,
                previous=data["previous"],
                evidence_name_template=data["evidence_name_template"],
            )
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, _message(exc))
        else:
            messages.success(
                request,
                _("The round “%(name)s” is open for %(n)s units.")
                % {"name": round_.name, "n": round_.assessments.count()},
            )
            return redirect("assessments:round_progress", round_.pk)
    return render(request, "assessments/round_form.html", {"form": form})


def _round(request, pk: int) -> Round:
    return get_visible_or_404(Round.objects.select_related("framework", "owner_unit"), request.user, pk=pk)


def _too_large(request, round_: Round, n_units: int):
    """A GET of a direct download of a large round: back to the round page, which offers the job."""
    messages.info(
        request,
        _("This round has %(n)s units: prepare the file in the background with the button below.")
        % {"n": n_units},
    )
    return redirect("assessments:round_progress", round_.pk)


def round_progress(request, pk: int):
    """Managers: every unit of the round with status, progress, submitted at and lateness."""
    round_ = _round(request, pk)
    rows = select_round_progress(round_, request.user)
    large = len(rows) > exports.LARGE_ROUND_UNITS
    if request.GET.get("format") == "xlsx":
        if large:
            return _too_large(request, round_, len(rows))
        return download_response(exports.progress_xlsx(round_, rows), exports.progress_filename(round_))
    counts = {
        "total": len(rows),
        "submitted": sum(1 for r in rows if r.sheet.status == Assessment.Status.SUBMITTED),
        "late": sum(1 for r in rows if r.sheet.is_late),
        "locked": sum(1 for r in rows if r.sheet.status == Assessment.Status.LOCKED),
    }
    return render(
        request,
        "assessments/round_progress.html",
        {
            "round": round_,
            "rows": rows,
            "counts": counts,
            "large": large,
            "can_manage": access.can_manage_round(request.user, round_),
        },
    )


def round_summary_download(request, pk: int):
    """Self-assessed points by area of every unit of a (small) round, as .xlsx."""
    round_ = _round(request, pk)
    n_units = Assessment.objects.visible_to(request.user).filter(round=round_).count()
    if n_units > exports.LARGE_ROUND_UNITS:
        return _too_large(request, round_, n_units)
    content = exports.round_summary_xlsx(round_, request.user)
    return download_response(content, exports.round_summary_filename(round_))


@require_POST
def round_export(request, pk: int):
    """Prepare an export of a round (``kind``: progress or summary) in the background."""
    round_ = _round(request, pk)
    kind = request.POST.get("kind", "")
    labels = {
        "progress": _("Progress table of %(round)s (.xlsx)"),
        "summary": _("Self-assessed points by area of %(round)s (.xlsx)"),
    }
    if kind not in labels:
        messages.error(request, _("Unknown export."))
        return redirect("assessments:round_progress", round_.pk)
    job = start_user_job(
        user=request.user,
        label=labels[kind] % {"round": round_.name},
        func_path="parindex.assessments.jobs.round_export",
        kwargs={"round_id": round_.pk, "kind": kind},
        back_url=reverse("assessments:round_progress", args=[round_.pk]),
    )
    return redirect("requests:job_status", job.pk)


# --- the score sheet ---------------------------------------------------------------------------------


def _sheet_context(request, sheet: Assessment, view) -> dict:
    user = request.user
    is_head = access.is_unit_head(user, sheet.unit)
    open_sheet = sheet.is_editable and not sheet.is_past_deadline()
    for node in view.nodes:
        if node.score is not None:
            prepare_leaf(node)
    areas = [
        (node, view.summary.areas.get(node.criterion.pk)) for node in view.nodes if node.criterion.depth == 1
    ]
    return {
        "sheet": sheet,
        "view": view,
        "areas": areas,
        "is_head": is_head,
        "can_submit": is_head and open_sheet,
        "can_withdraw": is_head
        and sheet.status == Assessment.Status.SUBMITTED
        and sheet.round.status == Round.Status.OPEN
        and not sheet.is_past_deadline(),
        "can_reopen": access.can_manage_sheet(user, sheet)
        and (sheet.status != Assessment.Status.DRAFT or sheet.is_past_deadline())
        and sheet.round.status == Round.Status.OPEN,
        "open_sheet": open_sheet,
        "unit_evidence": Evidence.objects.filter(unit=sheet.unit, year=sheet.round.year)
        .exclude(generated_name="")
        .values_list("generated_name", flat=True)
        if open_sheet
        else [],
    }


def sheet_detail(request, pk: int):
    sheet = _sheet(request, pk)
    view = sheet_view(sheet, request.user)
    return render(request, "assessments/sheet.html", _sheet_context(request, sheet, view))


def _leaf_response(request, sheet: Assessment, score_id: int, *, error: str = "", posted=None, ok: str = ""):
    view = sheet_view(sheet, request.user, only_score_id=score_id)
    node = view.node(score_id)
    if node is None:
        raise Http404
    prepare_leaf(node, posted)
    areas = [(n, view.summary.areas.get(n.criterion.pk)) for n in view.nodes if n.criterion.depth == 1]
    ancestors = [n for n in view.nodes if n.criterion.pk in node.ancestor_ids]
    html = render_to_string(
        "assessments/_leaf_response.html",
        {
            "sheet": sheet,
            "view": view,
            "node": node,
            "error": error,
            "ok": ok,
            "areas": areas,
            "ancestors": ancestors,
            "posted": posted,
            "open_sheet": sheet.is_editable and not sheet.is_past_deadline(),
        },
        request=request,
    )
    return HttpResponse(html)


def _after_leaf_post(request, sheet, score_id, *, error="", posted=None, ok=""):
    if request.htmx:
        return _leaf_response(request, sheet, score_id, error=error, posted=posted, ok=ok)
    if error:
        messages.error(request, error)
    elif ok:
        messages.success(request, ok)
    return redirect(reverse("assessments:sheet", args=[sheet.pk]) + f"#leaf-{score_id}")


@require_POST
def save_score(request, pk: int, score_pk: int):
    sheet = _sheet(request, pk)
    score = get_object_or_404(Score.objects.select_related("criterion"), assessment=sheet, pk=score_pk)
    post = request.POST
    raw = {key[3:]: value for key, value in post.items() if key.startswith("in_")}
    try:
        version = int(post.get("version", ""))
    except ValueError:
        return _after_leaf_post(request, sheet, score.pk, error=_("The form is incomplete; reload the page."))
    try:
        actions.save_score(
            score=score,
            by=request.user,
            expected_version=version,
            raw_inputs=raw,
            not_applicable=post.get("not_applicable") == "on",
            note=post.get("note", ""),
            missing_evidence_explanation=post.get("explanation", ""),
        )
    except actions.StaleEdit as exc:
        return _after_leaf_post(request, sheet, score.pk, error=_message(exc))
    except ValidationError as exc:
        return _after_leaf_post(request, sheet, score.pk, error=_message(exc), posted=post)
    except PermissionDenied as exc:
        return _after_leaf_post(request, sheet, score.pk, error=_message(exc))
    return _after_leaf_post(request, sheet, score.pk, ok=_("Saved."))


@require_POST
def add_evidence(request, pk: int, score_pk: int):
    """Upload a file, cite a document without a file, or attach an evidence already uploaded."""
    sheet = _sheet(request, pk)
    score = get_object_or_404(Score, assessment=sheet, pk=score_pk)
    kind = request.POST.get("kind", "upload")
    try:
        if kind == "reference":
            form = ReferenceForm(request.POST)
            if not form.is_valid():
                raise ValidationError([e for errors in form.errors.values() for e in errors])
            actions.add_reference(score=score, by=request.user, **form.cleaned_data)
        elif kind == "attach":
            form = AttachForm(request.POST, sheet=sheet)
            if not form.is_valid():
                raise ValidationError([e for errors in form.errors.values() for e in errors])
            actions.attach_evidence(
                score=score,
                by=request.user,
                evidence=form.cleaned_data["evidence"],
                page_ref=form.cleaned_data["page_ref"],
            )
        else:
            form = EvidenceUploadForm(request.POST, request.FILES)
            if not form.is_valid():
                raise ValidationError([e for errors in form.errors.values() for e in errors])
            data = form.cleaned_data
            actions.upload_evidence(
                score=score,
                by=request.user,
                uploaded_file=data["file"],
                short_name=data["short_name"],
                page_ref=data["page_ref"],
                doc_number=data["doc_number"],
                doc_date=data["doc_date"],
                issuer=data["issuer"],
            )
    except (ValidationError, PermissionDenied) as exc:
        return _after_leaf_post(request, sheet, score.pk, error=_message(exc))
    return _after_leaf_post(request, sheet, score.pk, ok=_("Evidence added."))


@require_POST
def detach_evidence(request, pk: int, link_pk: int):
    sheet = _sheet(request, pk)
    link = get_object_or_404(
        EvidenceLink.objects.select_related("score", "evidence"), score__assessment=sheet, pk=link_pk
    )
    try:
        actions.detach_evidence(link=link, by=request.user)
    except (ValidationError, PermissionDenied) as exc:
        return _after_leaf_post(request, sheet, link.score_id, error=_message(exc))
    return _after_leaf_post(request, sheet, link.score_id, ok=_("Evidence removed from this criterion."))


def evidence_download(request, pk: int):
    """One evidence file, after the visibility check, under its generated name."""
    evidence = get_visible_or_404(Evidence.objects.all(), request.user, pk=pk)
    if not evidence.file:
        raise Http404
    from parindex.core.security import safe_file_response

    try:
        # Streamed block by block from local files or straight from the S3 response.
        return safe_file_response(
            evidence.file, filename=evidence.generated_name, content_type=evidence.content_type
        )
    except FileNotFoundError:
        raise Http404


# A GET of the ZIP URL streams the ZIP itself up to this total of file sizes; above it, the
# confirmation page (the ZIP is then prepared by the worker). See assessments/jobs.py.
ZIP_DIRECT_MAX_BYTES = 20 * 1024 * 1024


def evidence_zip(request, pk: int):
    """All evidence of a sheet, one folder per criterion code, with a contents list.

    POST (the sheet page's button) prepares it in the background; GET streams it directly
    for small sheets and shows a confirmation page for large ones (decision in ``jobs``).
    """
    sheet = _sheet(request, pk)
    if request.method == "POST":
        if not EvidenceLink.objects.filter(score__assessment=sheet).exists():
            messages.info(request, _("This score sheet has no evidence yet: there is nothing to download."))
            return redirect("assessments:sheet", sheet.pk)
        job = start_user_job(
            user=request.user,
            label=_("Evidence of %(unit)s — %(round)s (.zip)")
            % {"unit": sheet.unit.name, "round": sheet.round.name},
            func_path="parindex.assessments.jobs.evidence_zip",
            kwargs={"sheet_id": sheet.pk},
            back_url=reverse("assessments:sheet", args=[sheet.pk]),
        )
        return redirect("requests:job_status", job.pk)
    files, rows = zip_entries(sheet)
    size = sum(entry["evidence"].size for entry in files)
    if size > ZIP_DIRECT_MAX_BYTES:
        return render(
            request,
            "assessments/zip_confirm.html",
            {"sheet": sheet, "files": len(files), "rows": len(rows), "size": size},
        )
    spool = write_sheet_zip(files, exports.zip_contents_xlsx(sheet, rows))
    response = FileResponse(spool, content_type="application/zip")
    response["Content-Disposition"] = attachment_header(exports.zip_filename(sheet))
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- assignment --------------------------------------------------------------------------------------


def assignments(request, pk: int):
    sheet = _sheet(request, pk)
    is_head = access.is_unit_head(request.user, sheet.unit)
    form = AssignForm(request.POST or None, sheet=sheet) if is_head else None
    if request.method == "POST":
        if not is_head:
            return _denied(request, PermissionDenied(_("Only the head of the unit may assign criteria.")))
        if "delete" in request.POST:
            assignment = get_object_or_404(Assignment, assessment=sheet, pk=request.POST.get("delete"))
            try:
                actions.unassign(assignment=assignment, by=request.user)
            except (ValidationError, PermissionDenied) as exc:
                messages.error(request, _message(exc))
            return redirect("assessments:assignments", sheet.pk)
        if form.is_valid():
            try:
                actions.assign(assessment=sheet, by=request.user, **form.cleaned_data)
            except (ValidationError, PermissionDenied) as exc:
                form.add_error(None, _message(exc))
            else:
                messages.success(request, _("Assigned."))
                return redirect("assessments:assignments", sheet.pk)
    rows = sheet.assignments.select_related("criterion", "officer", "lead_unit")
    if request.GET.get("format") == "xlsx":
        from parindex.core.spreadsheets import OutColumn, write_table

        content = write_table(
            [
                OutColumn(_("Code"), 10, value=lambda a: a.criterion.code),
                OutColumn(_("Criterion or area"), 60, value=lambda a: a.criterion.title),
                OutColumn(_("Assigned to"), 35, value=lambda a: a.assignee_name),
            ],
            rows,
            title=f"{_('Assignments')} — {sheet.unit.name} — {sheet.round.name}",
        )
        return download_response(content, f"{safe_file_stem(sheet.unit.name)}-phan-cong.xlsx")
    return render(
        request,
        "assessments/assignments.html",
        {"sheet": sheet, "rows": rows, "form": form, "is_head": is_head},
    )


# --- workflow -----------------------------------------------------------------------------------------


def submit(request, pk: int):
    """Confirmation (empty leaves, leaves without evidence, total), then submission by the head."""
    sheet = _sheet(request, pk)
    if not access.is_unit_head(request.user, sheet.unit):
        return _denied(request, PermissionDenied(_("Only the head of the unit may submit the score sheet.")))
    if request.method == "POST":
        try:
            actions.submit_assessment(assessment=sheet, by=request.user)
        except PermissionDenied as exc:
            return _denied(request, exc)
        except ValidationError as exc:
            messages.error(request, _message(exc))
        else:
            messages.success(request, _("The score sheet has been submitted for appraisal."))
            return redirect("assessments:sheet", sheet.pk)
    check = actions.pending_submission(sheet)
    return render(
        request,
        "assessments/submit_confirm.html",
        {"sheet": sheet, "check": check, "open_sheet": sheet.is_editable and not sheet.is_past_deadline()},
    )


@require_POST
def withdraw(request, pk: int):
    sheet = _sheet(request, pk)
    form = WithdrawForm(request.POST)
    form.is_valid()
    try:
        actions.withdraw_assessment(
            assessment=sheet, by=request.user, reason=form.cleaned_data.get("reason", "")
        )
    except PermissionDenied as exc:
        return _denied(request, exc)
    except ValidationError as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, _("The score sheet is back in draft."))
    return redirect("assessments:sheet", sheet.pk)


def reopen(request, pk: int):
    sheet = _sheet(request, pk)
    if not access.can_manage_sheet(request.user, sheet):
        return _denied(request, PermissionDenied(_("Only an index manager may reopen a score sheet.")))
    form = ReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.reopen_assessment(
                assessment=sheet,
                by=request.user,
                reason=form.cleaned_data["reason"],
                until=form.cleaned_data["until"],
            )
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, _message(exc))
        else:
            messages.success(request, _("The score sheet has been reopened."))
            return redirect("assessments:round_progress", sheet.round_id)
    return render(request, "assessments/reopen.html", {"sheet": sheet, "form": form})


# --- offline scoring and summary ---------------------------------------------------------------------


def offline_download(request, pk: int):
    sheet = _sheet(request, pk)
    name = f"{safe_file_stem(sheet.unit.name)}-{safe_file_stem(sheet.round.name)}.xlsx"
    return download_response(write_sheet_xlsx(sheet), name)


def _offline_limits(sheet: Assessment) -> dict:
    from parindex.assessments.offline import OFFLINE_MAX_BYTES, max_rows
    from parindex.core.text import format_decimal

    return {"max_rows": max_rows(sheet), "max_mb": format_decimal(OFFLINE_MAX_BYTES / 1024 / 1024)}


def offline_upload(request, pk: int):
    """Upload a filled-in sheet. The request only checks the size and the declared row count
    (``offline.check_upload``); the worker checks every row (``jobs.check_offline_sheet``) and
    its result page is the preview (``offline_preview``)."""
    from django.core.files.base import ContentFile

    from parindex.assessments.offline import check_upload

    sheet = _sheet(request, pk)
    open_sheet = sheet.is_editable and not sheet.is_past_deadline()
    form = OfflineUploadForm(request.POST or None, request.FILES or None)
    errors: list = []
    if request.method == "POST" and open_sheet and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            data = check_upload(sheet, upload)
        except SpreadsheetError as exc:
            errors = exc.errors
        else:
            name = getattr(upload, "name", "") or "bang-cham-diem.xlsx"
            job = start_user_job(
                user=request.user,
                label=_("Check of the offline score sheet of %(unit)s (%(name)s)")
                % {"unit": sheet.unit.name, "name": name},
                func_path="parindex.assessments.jobs.check_offline_sheet",
                kwargs={"sheet_id": sheet.pk, "file_name": name},
                input_file=ContentFile(data, name=name),
                back_url=reverse("assessments:offline_upload", args=[sheet.pk]),
            )
            return redirect("requests:job_status", job.pk)
    return render(
        request,
        "assessments/offline_upload.html",
        {
            "sheet": sheet,
            "form": form,
            "errors": errors,
            "changes": None,
            "open_sheet": open_sheet,
            **_offline_limits(sheet),
        },
    )


def offline_preview(request, pk: int, upload_pk):
    """The changes of a checked upload (only its uploader sees them), then applied at once."""
    from parindex.assessments.models import OfflineUpload

    sheet = _sheet(request, pk)
    upload = get_object_or_404(OfflineUpload, pk=upload_pk, assessment=sheet, user=request.user)
    if request.method == "POST":
        try:
            count = actions.apply_offline_upload(upload=upload, by=request.user)
        except PermissionDenied as exc:
            return _denied(request, exc)
        except ValidationError as exc:
            messages.error(request, _message(exc))
            return redirect("assessments:offline_upload", sheet.pk)
        messages.success(request, _("%(n)s criteria updated from the file.") % {"n": count})
        return redirect("assessments:sheet", sheet.pk)
    return render(
        request,
        "assessments/offline_upload.html",
        {
            "sheet": sheet,
            "form": None,
            "errors": [],
            "changes": upload.changes,
            "upload": upload,
            "open_sheet": sheet.is_editable and not sheet.is_past_deadline(),
            **_offline_limits(sheet),
        },
    )


def summary_download(request, pk: int, fmt: str):
    """Bảng tổng hợp kết quả tự đánh giá as .xlsx (every criterion) or .docx (official report)."""
    sheet = _sheet(request, pk)
    view = sheet_view(sheet, request.user)
    stem = f"Bang tong hop ket qua tu danh gia-{safe_file_stem(sheet.unit.name)}-{sheet.round.year}"
    if fmt == "docx":
        from parindex.units.models import Membership

        head = (
            Membership.objects.active()
            .filter(unit=sheet.unit, role=Membership.Role.UNIT_HEAD)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        content = exports.summary_docx(view, signer_name=head.user.get_full_name() if head else "")
        return download_response(
            content, f"{stem}.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        )
    return download_response(exports.summary_xlsx(view), f"{stem}.xlsx")


def todo(request):
    items = todo_for(request.user)
    if request.GET.get("format") == "xlsx":
        return download_response(exports.todo_xlsx(items), "viec-can-lam-tu-cham-diem.xlsx")
    return render(request, "assessments/todo.html", {"items": items})
