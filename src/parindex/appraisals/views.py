"""Appraisal pages: a round's sheets, the side-by-side sheet view (appraiser and unit), and the POST steps."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from parindex.appraisals import access, actions
from parindex.appraisals.forms import (
    AdjustmentForm,
    AssignmentForm,
    EntryForm,
    ExplanationForm,
    SurveyUploadForm,
)
from parindex.appraisals.models import AppraisalEntry, AppraisalSheet, AppraiserAssignment
from parindex.appraisals.selectors import sheet_rows
from parindex.core.import_jobs import start_import
from parindex.units.visibility import get_visible_or_404


def _errors(request, exc):
    for message in getattr(exc, "messages", [str(exc)]):
        messages.error(request, message)


def _rounds_qs(user):
    from parindex.assessments.models import Round

    return Round.objects.visible_to(user).select_related("framework", "owner_unit")


def round_list(request):
    rounds = _rounds_qs(request.user)[:50]
    return render(request, "appraisals/round_list.html", {"rounds": rounds})


def round_detail(request, round_id: int):
    from parindex.assessments.models import Assessment

    round_ = get_object_or_404(_rounds_qs(request.user), pk=round_id)
    sheets = list(
        Assessment.objects.visible_to(request.user).filter(round=round_).select_related("unit", "appraisal")
        .order_by("unit__path")
    )
    if request.GET.get("format") == "xlsx":
        from parindex.core.spreadsheets import OutColumn, download_response, write_table
        from parindex.core.text import safe_file_stem

        columns = [
            OutColumn(_("Unit code"), 12, "str", lambda s: s.unit.code),
            OutColumn(_("Unit"), 36, "str", lambda s: s.unit.name),
            OutColumn(_("Self-assessment"), 18, "str", lambda s: s.get_status_display()),
            OutColumn(_("Appraisal"), 22, "str",
                      lambda s: s.appraisal.get_status_display() if hasattr(s, "appraisal") else ""),
        ]
        return download_response(write_table(columns, sheets, title=round_.name), f"{safe_file_stem(round_.name)}.xlsx")
    manager = access.is_round_manager(request.user, round_)
    assignments = list(
        AppraiserAssignment.objects.visible_to(request.user).filter(round=round_).select_related("appraiser", "unit", "area")
    )
    return render(request, "appraisals/round_detail.html", {
        "round": round_, "sheets": sheets, "manager": manager, "survey_form": SurveyUploadForm(),
        "assignments": assignments, "assignment_form": AssignmentForm(round=round_) if manager else None,
    })


@require_POST
def assign(request, round_id: int):
    round_ = get_object_or_404(_rounds_qs(request.user), pk=round_id)
    form = AssignmentForm(request.POST, round=round_)
    if form.is_valid():
        try:
            actions.assign_appraiser(round=round_, by=request.user, **form.cleaned_data)
            messages.success(request, _("Saved."))
        except ValidationError as exc:
            _errors(request, exc)
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("appraisals:round", round_id=round_.pk)


@require_POST
def open_phase(request, round_id: int):
    round_ = get_object_or_404(_rounds_qs(request.user), pk=round_id)
    try:
        actions.open_appraisal(round=round_, by=request.user)
        messages.success(request, _("The appraisal phase is open."))
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("appraisals:round", round_id=round_.pk)


@require_POST
def survey_upload(request, round_id: int):
    """Survey results are checked and imported on the worker (``appraisals.jobs``); the
    request only checks the rights, the size and the file type, then shows the job page."""
    round_ = get_object_or_404(_rounds_qs(request.user), pk=round_id)
    if not access.is_round_manager(request.user, round_):
        raise PermissionDenied(_("Only the index managers running the round may import survey results."))
    form = SurveyUploadForm(request.POST, request.FILES)
    if form.is_valid():
        return start_import(
            request,
            form.cleaned_data["file"],
            label=_("Import survey results"),
            func_path="parindex.appraisals.jobs.import_survey_results",
            kwargs={"round_id": round_.pk},
            back_url=reverse("appraisals:round", args=[round_.pk]),
        )
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect("appraisals:round", round_id=round_.pk)


def _assessment(request, assessment_id):
    from parindex.assessments.models import Assessment

    return get_visible_or_404(
        Assessment.objects.select_related("unit", "round__framework", "round__owner_unit"), request.user,
        pk=assessment_id,
    )


def sheet(request, assessment_id: int):
    from parindex.assessments.models import Assessment

    assessment = _assessment(request, assessment_id)
    appraisal = AppraisalSheet.objects.filter(assessment=assessment).first()
    appraiser_side = access.is_appraisal_side(request.user, assessment.unit)
    rows = sheet_rows(appraisal) if appraisal else []
    can_appraise = bool(appraisal and appraisal.current_round and access.may_appraise(request.user, appraisal))
    unit_side = appraisal is not None and access.may_explain(request.user, appraisal)
    if not appraiser_side and not unit_side and appraisal is None:
        # the unit itself before appraisal starts: nothing to show here yet
        pass
    siblings = list(
        Assessment.objects.visible_to(request.user).filter(round_id=assessment.round_id)
        .order_by("unit__path").values_list("pk", flat=True)
    )
    position = siblings.index(assessment.pk) if assessment.pk in siblings else 0
    areas = list(assessment.round.framework.areas()) if can_appraise else []
    if request.GET.get("format") == "xlsx" and appraisal:
        from parindex.appraisals.exports import sheet_xlsx
        from parindex.core.spreadsheets import download_response
        from parindex.core.text import safe_file_stem

        title = _("Appraisal — %(unit)s — %(round)s") % {"unit": assessment.unit.name, "round": assessment.round.name}
        return download_response(sheet_xlsx(rows, title=title), f"{safe_file_stem(title)}.xlsx")
    totals = {
        "self": sum((r.self_points or 0 for r in rows if not r.self_na), 0),
        "final": sum((r.final_points or 0 for r in rows if not r.not_applicable), 0),
    }
    return render(request, "appraisals/sheet.html", {
        "totals": totals,
        "assessment": assessment, "appraisal": appraisal, "rows": rows, "can_appraise": can_appraise,
        "appraiser_side": appraiser_side, "unit_side": unit_side, "areas": areas,
        "previous_id": siblings[position - 1] if position > 0 else None,
        "next_id": siblings[position + 1] if position + 1 < len(siblings) else None,
        "adjustments": list(appraisal.adjustments.select_related("evidence")) if appraisal else [],
        "adjustment_form": AdjustmentForm(), "explanation_form": ExplanationForm(),
        "flagged": [r for r in rows if r.round1 and r.round1.explanation_requested],
    })


def _back(assessment_id):
    return redirect(reverse("appraisals:sheet", args=[assessment_id]))


@require_POST
def start(request, assessment_id: int):
    assessment = _assessment(request, assessment_id)
    try:
        actions.start_appraisal(assessment=assessment, by=request.user)
    except ValidationError as exc:
        _errors(request, exc)
    return _back(assessment_id)


def _appraisal(request, assessment_id):
    assessment = _assessment(request, assessment_id)
    appraisal = get_object_or_404(AppraisalSheet, assessment=assessment)
    return assessment, appraisal


@require_POST
def appraise(request, assessment_id: int, criterion_id: int):
    from parindex.frameworks.models import Criterion

    assessment, appraisal = _appraisal(request, assessment_id)
    criterion = get_object_or_404(Criterion, pk=criterion_id, framework_id=assessment.round.framework_id)
    form = EntryForm(request.POST)
    errors: list[str] = []
    if not form.is_valid():
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
    else:
        data = form.cleaned_data
        try:
            actions.appraise_leaf(sheet=appraisal, criterion=criterion, by=request.user, points=data["points"],
                                  not_applicable=data["not_applicable"], reason=data["reason"], flag=data["flag"],
                                  comment=data["comment"])
        except ValidationError as exc:
            errors = list(exc.messages)
    if request.htmx:
        # Only the leaf's row is re-rendered: appraising 100 leaves does not reload the page 100 times.
        appraisal.refresh_from_db()
        row = next(r for r in sheet_rows(appraisal) if r.criterion.pk == criterion.pk)
        return render(request, "appraisals/_row.html", {
            "r": row, "assessment": assessment, "appraisal": appraisal, "can_appraise": True,
            "row_errors": errors, "row_saved": not errors,
        })
    for error in errors:
        messages.error(request, error)
    if not errors:
        messages.success(request, _("Saved: %(code)s.") % {"code": criterion.code})
    return redirect(reverse("appraisals:sheet", args=[assessment_id]) + f"#leaf-{criterion.code}")


@require_POST
def accept_area(request, assessment_id: int, area_id: int):
    from parindex.frameworks.models import Criterion

    assessment, appraisal = _appraisal(request, assessment_id)
    area = get_object_or_404(Criterion, pk=area_id, framework_id=assessment.round.framework_id, depth=1)
    try:
        accepted, skipped = actions.accept_area(sheet=appraisal, area=area, by=request.user)
        messages.success(request, _("%(accepted)s self scores accepted; %(skipped)s without evidence left to check.")
                         % {"accepted": accepted, "skipped": skipped})
    except ValidationError as exc:
        _errors(request, exc)
    return _back(assessment_id)


@require_POST
def complete(request, assessment_id: int):
    _assessment_obj, appraisal = _appraisal(request, assessment_id)
    try:
        actions.complete_round(sheet=appraisal, by=request.user)
        messages.success(request, _("The appraisal round is completed."))
    except ValidationError as exc:
        _errors(request, exc)
    return _back(assessment_id)


@require_POST
def explain(request, assessment_id: int, entry_id: int):
    _assessment_obj, appraisal = _appraisal(request, assessment_id)
    entry = get_object_or_404(AppraisalEntry, pk=entry_id, sheet=appraisal)
    form = ExplanationForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            files = [form.cleaned_data["file"]] if form.cleaned_data.get("file") else []
            actions.answer_explanation(entry=entry, by=request.user, text=form.cleaned_data["text"], files=files,
                                       short_name=form.cleaned_data.get("short_name") or "")
            messages.success(request, _("Explanation saved: %(code)s.") % {"code": entry.criterion.code})
        except ValidationError as exc:
            _errors(request, exc)
    else:
        messages.error(request, _("Write the explanation."))
    return _back(assessment_id)


@require_POST
def submit_explanation(request, assessment_id: int):
    _assessment_obj, appraisal = _appraisal(request, assessment_id)
    try:
        actions.submit_explanation(sheet=appraisal, by=request.user)
        messages.success(request, _("The explanation was sent to the appraisers."))
    except ValidationError as exc:
        _errors(request, exc)
    return _back(assessment_id)


@require_POST
def adjustment(request, assessment_id: int):
    _assessment_obj, appraisal = _appraisal(request, assessment_id)
    form = AdjustmentForm(request.POST, request.FILES)
    if form.is_valid():
        data = dict(form.cleaned_data)
        upload = data.pop("file", None)
        try:
            actions.add_adjustment(sheet=appraisal, by=request.user, upload=upload, **data)
            messages.success(request, _("Saved."))
        except ValidationError as exc:
            _errors(request, exc)
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return _back(assessment_id)


