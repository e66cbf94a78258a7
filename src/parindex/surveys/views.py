"""Survey pages: the operator's pages, the assessed unit's aggregates, paper entry, and the public
answer page reached through a one-time link (no account)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from parindex.core.import_jobs import start_import
from parindex.core.spreadsheets import download_response
from parindex.core.text import safe_file_stem
from parindex.surveys import access, actions, exports, ratelimit, selectors
from parindex.surveys.forms import BatchForm, QuestionForm, SurveyEditForm, SurveyForm, UploadForm
from parindex.surveys.models import PaperBatch, Question, Respondent, Response, Survey, SurveyUnit, hash_token
from parindex.units.visibility import get_visible_or_404


def _errors(request, exc):
    for message in getattr(exc, "messages", [str(exc)]):
        messages.error(request, message)


def _survey(request, survey_id):
    return get_visible_or_404(
        Survey.objects.select_related("owner_unit", "framework", "round"), request.user, pk=survey_id
    )


def _operated(request, survey_id):
    """The survey, if the user operates it: 404 when invisible, 403 when visible but not the operator."""
    survey = _survey(request, survey_id)
    if not access.is_operator(request.user, survey):
        raise PermissionDenied
    return survey


def _back(survey, anchor: str = ""):
    return redirect(reverse("surveys:detail", args=[survey.pk]) + anchor)


# --- Lists and the operator's page ----------------------------------------------------------------


def index(request):
    surveys = list(Survey.objects.visible_to(request.user).select_related("owner_unit", "framework")[:200])
    counts = selectors.survey_counts(surveys)
    rows = [{"survey": s, **counts[s.pk]} for s in surveys]
    if request.GET.get("format") == "xlsx":
        return download_response(exports.survey_list_xlsx(rows), f"{_('Surveys')}.xlsx")
    return render(request, "surveys/index.html", {
        "rows": rows, "can_create": access.operator_units(request.user).exists(),
    })


def create(request):
    if not access.operator_units(request.user).exists():
        raise PermissionDenied
    form = SurveyForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            survey = actions.create_survey(by=request.user, **form.cleaned_data)
            messages.success(request, _("Survey created."))
            return _back(survey)
        except ValidationError as exc:
            _errors(request, exc)
    return render(request, "surveys/create.html", {"form": form})


def detail(request, survey_id: int):
    survey = _survey(request, survey_id)
    if not access.is_operator(request.user, survey):
        units = list(SurveyUnit.objects.visible_to(request.user).filter(survey=survey).select_related("unit"))
        if len(units) == 1:
            return redirect("surveys:unit", survey_id=survey.pk, unit_id=units[0].unit_id)
        return render(request, "surveys/units.html", {"survey": survey, "units": units})
    questions = selectors.questions_of(survey)
    return render(request, "surveys/detail.html", {
        "survey": survey, "questions": questions, "progress": selectors.respondent_progress(survey),
        "units": list(survey.survey_units.select_related("unit").order_by("unit__path")),
        "question_form": QuestionForm(survey=survey), "upload_form": UploadForm(),
        "batches": selectors.batch_statuses(survey), "problems": selectors.check_problems(survey)
        if survey.status == Survey.Status.CLOSED else [],
        "unmapped": [q for q in questions if not q.criterion_id],
    })


def _step(request, survey_id, step, success: str, anchor: str = ""):
    survey = _operated(request, survey_id)
    try:
        step(survey=survey, by=request.user)
        messages.success(request, success)
    except ValidationError as exc:
        _errors(request, exc)
    return _back(survey, anchor)


def edit(request, survey_id: int):
    survey = _operated(request, survey_id)
    from django.utils import timezone

    initial = {"deadline": timezone.localtime(survey.deadline), "round": survey.round,
               "retention_days": survey.retention_days}
    form = SurveyEditForm(request.POST or None, initial=initial, user=request.user, survey=survey)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.update_survey(survey=survey, by=request.user, deadline=data["deadline"], round=data["round"],
                                  clear_round=data["round"] is None, retention_days=data["retention_days"])
            messages.success(request, _("Saved."))
            return _back(survey)
        except ValidationError as exc:
            _errors(request, exc)
    return render(request, "surveys/edit.html", {"survey": survey, "form": form})


def questions_template(request, survey_id: int):
    survey = _operated(request, survey_id)
    return download_response(exports.questions_template_xlsx(survey), f"{safe_file_stem(survey.name)} - cau hoi.xlsx")


def _start_import(request, survey, *, label: str, func_path: str, anchor: str):
    """Check the upload at once; the rows are checked and imported in the background (``surveys.jobs``)."""
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        for error in form.errors.get("file", [_("Choose an .xlsx file.")]):
            messages.error(request, error)
        return _back(survey, anchor)
    return start_import(
        request, form.cleaned_data["file"], label=f"{label}: {survey.name}", func_path=func_path,
        kwargs={"survey_id": survey.pk}, back_url=reverse("surveys:detail", args=[survey.pk]) + anchor,
    )


@require_POST
def questions_import(request, survey_id: int):
    survey = _operated(request, survey_id)
    return _start_import(request, survey, label=_("Import questions"),
                         func_path="parindex.surveys.jobs.import_questions", anchor="#questions")


@require_POST
def open_(request, survey_id: int):
    return _step(request, survey_id, actions.open_survey, _("The survey is open: the links can be used."))


@require_POST
def close(request, survey_id: int):
    return _step(request, survey_id, actions.close_survey, _("The survey is closed."))


@require_POST
def approve(request, survey_id: int):
    return _step(request, survey_id, actions.approve_survey,
                 _("The results are approved and entered as the points of the survey criteria."))


@require_POST
def purge(request, survey_id: int):
    return _step(request, survey_id, actions.purge_personal_data, _("The respondents' personal data are deleted."))


@require_POST
def draw(request, survey_id: int):
    return _step(request, survey_id, actions.draw_sample, _("The sample is drawn."), "#respondents")


@require_POST
def question_add(request, survey_id: int):
    survey = _operated(request, survey_id)
    form = QuestionForm(request.POST, survey=survey)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.add_question(survey=survey, by=request.user, text=data["text"], area=data["area"],
                                 criterion=data["criterion"], weight=data["weight"],
                                 options=actions.parse_options(data["options"]))
            messages.success(request, _("Question added."))
        except ValidationError as exc:
            _errors(request, exc)
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return _back(survey, "#questions")


@require_POST
def question_delete(request, survey_id: int, question_id: int):
    survey = _operated(request, survey_id)
    question = get_object_or_404(Question, pk=question_id, survey=survey)
    try:
        actions.delete_question(question=question, by=request.user)
        messages.success(request, _("Question deleted."))
    except ValidationError as exc:
        _errors(request, exc)
    return _back(survey, "#questions")


def respondents_template(request, survey_id: int):
    survey = _operated(request, survey_id)
    return download_response(exports.respondents_template_xlsx(), f"{safe_file_stem(survey.name)} - nguoi tra loi.xlsx")


@require_POST
def respondents_import(request, survey_id: int):
    survey = _operated(request, survey_id)
    return _start_import(request, survey, label=_("Import list"),
                         func_path="parindex.surveys.jobs.import_respondents", anchor="#respondents")


@require_POST
def links(request, survey_id: int):
    """Issue the one-time links and download them at once (the tokens are not kept)."""
    survey = _operated(request, survey_id)
    try:
        issued = actions.issue_links(survey=survey, by=request.user)
    except ValidationError as exc:
        _errors(request, exc)
        return _back(survey, "#respondents")
    base = request.build_absolute_uri("/").rstrip("/")
    from django.conf import settings

    base = getattr(settings, "PARINDEX_SITE_URL", "") or base
    if request.POST.get("email"):
        sent, refused = actions.email_links(survey=survey, issued=issued, base_url=base)
        messages.success(request, _("%(n)s links sent by e-mail.") % {"n": sent})
        if refused:
            messages.error(
                request,
                _(
                    "%(n)s e-mails cannot be sent (the survey's title or the address cannot be written in "
                    "an e-mail); hand those links out from the downloaded list."
                )
                % {"n": refused},
            )
    content = exports.links_xlsx(survey, issued, base)
    return download_response(content, f"{safe_file_stem(survey.name)} - lien ket.xlsx")


def respondents_xlsx(request, survey_id: int):
    survey = _operated(request, survey_id)
    rows = Respondent.objects.visible_to(request.user).filter(survey=survey).select_related("unit", "response")
    return download_response(exports.respondents_xlsx(survey, rows), f"{safe_file_stem(survey.name)} - danh sach.xlsx")


def answers_xlsx(request, survey_id: int):
    """Raw answers: the operator only."""
    survey = _operated(request, survey_id)
    responses = (
        Response.objects.visible_to(request.user).filter(survey=survey).submitted()
        .select_related("unit", "batch").prefetch_related("answers__option")
    )
    return download_response(
        exports.answers_xlsx(survey, selectors.questions_of(survey), responses),
        f"{safe_file_stem(survey.name)} - phieu tra loi.xlsx",
    )


# --- Results ------------------------------------------------------------------------------------------------


def results(request, survey_id: int):
    survey = _operated(request, survey_id)
    unit_results = selectors.results(survey)
    if request.GET.get("format") == "xlsx":
        return download_response(exports.results_xlsx(survey, unit_results), f"{safe_file_stem(survey.name)} - ket qua.xlsx")
    leaves = unit_results[0].leaves if unit_results else []
    return render(request, "surveys/results.html", {
        "survey": survey, "results": unit_results, "leaves": leaves,
        "chart": exports.overview_chart(unit_results),
    })


def unit_results(request, survey_id: int, unit_id: int):
    """One unit's aggregates: its members see them once approved; the operator always. Never raw answers."""
    survey = _survey(request, survey_id)
    operator = access.is_operator(request.user, survey)
    survey_unit = get_visible_or_404(SurveyUnit.objects.select_related("unit"), request.user, survey=survey, unit_id=unit_id)
    if not operator and survey.status != Survey.Status.APPROVED:
        raise Http404
    result = selectors.results(survey, unit_ids=[survey_unit.unit_id])[0]
    detail = access.may_see_distribution(request.user, survey, result.received)
    if not detail:
        result.questions = []
    if request.GET.get("format") == "xlsx":
        return download_response(exports.results_xlsx(survey, [result]),
                                 f"{safe_file_stem(survey.name)} - {safe_file_stem(survey_unit.unit.name)}.xlsx")
    return render(request, "surveys/unit.html", {
        "survey": survey, "result": result, "operator": operator, "chart": exports.unit_chart(result),
        "detail": detail, "minimum": access.MIN_RESPONSES_FOR_DETAIL,
    })


# --- Paper entry ------------------------------------------------------------------------------------------------


def paper(request, survey_id: int):
    survey = _operated(request, survey_id)
    form = BatchForm(request.POST or None, survey=survey)
    if request.method == "POST" and form.is_valid():
        try:
            batch = actions.create_batch(survey=survey, by=request.user, **form.cleaned_data)
            return redirect("surveys:batch", survey_id=survey.pk, batch_id=batch.pk)
        except ValidationError as exc:
            _errors(request, exc)
    return render(request, "surveys/paper.html", {
        "survey": survey, "form": form, "batches": selectors.batch_statuses(survey),
    })


def _batch(request, survey_id, batch_id):
    survey = _operated(request, survey_id)
    batch = get_object_or_404(PaperBatch.objects.visible_to(request.user).select_related("unit"), pk=batch_id, survey=survey)
    batch.survey = survey
    return survey, batch


def _keyed(request, questions) -> dict[int, str]:
    return {q.pk: request.POST.get(f"q_{q.pk}", "") for q in questions}


def batch(request, survey_id: int, batch_id: int, response_id: int | None = None):
    """Key one paper sheet after another (or correct one with ``response_id``)."""
    survey, batch = _batch(request, survey_id, batch_id)
    questions = selectors.questions_of(survey)
    editing = get_object_or_404(Response, pk=response_id, batch=batch) if response_id else None
    values = {}
    if request.method == "POST":
        values = _keyed(request, questions)
        try:
            number = int(request.POST.get("sheet_number") or 0)
        except ValueError:
            number = 0
        try:
            actions.enter_paper_sheet(batch=batch, sheet_number=editing.sheet_number if editing else number,
                                      answers=values, by=request.user, response=editing)
            messages.success(request, _("Sheet %(n)s saved.") % {"n": editing.sheet_number if editing else number})
            return redirect("surveys:batch", survey_id=survey.pk, batch_id=batch.pk)
        except ValidationError as exc:
            _errors(request, exc)
    elif editing is not None:
        values = {a.question_id: a.option.key for a in editing.answers.select_related("option")}
    status = next(s for s in selectors.batch_statuses(survey) if s.batch.pk == batch.pk)
    sheets = list(batch.responses.select_related("verification").order_by("sheet_number"))
    next_number = (max((r.sheet_number for r in sheets), default=0) + 1) if editing is None else editing.sheet_number
    return render(request, "surveys/batch.html", {
        "survey": survey, "batch": batch, "status": status, "sheets": sheets, "editing": editing,
        "rows": [(q, values.get(q.pk, "")) for q in questions], "next_number": request.POST.get("sheet_number") or next_number,
        "mode": "edit" if editing else "first",
    })


@require_POST
def batch_draw(request, survey_id: int, batch_id: int):
    survey, batch = _batch(request, survey_id, batch_id)
    try:
        sheets = actions.draw_check_sample(batch=batch, by=request.user)
        messages.success(request, _("Sheets to re-enter: %(list)s.") % {"list": ", ".join(map(str, sheets))})
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("surveys:batch", survey_id=survey.pk, batch_id=batch.pk)


def second_entry(request, survey_id: int, batch_id: int, response_id: int):
    """Key a drawn sheet a second time, without seeing the first entry."""
    survey, batch = _batch(request, survey_id, batch_id)
    response = get_object_or_404(Response, pk=response_id, batch=batch)
    questions = selectors.questions_of(survey)
    values = {}
    if request.method == "POST":
        values = _keyed(request, questions)
        try:
            verification = actions.enter_second_entry(response=response, answers=values, by=request.user)
            if verification.mismatches:
                messages.warning(request, _("Sheet %(n)s: %(m)s differences with the first entry.")
                                 % {"n": response.sheet_number, "m": len(verification.mismatches)})
            else:
                messages.success(request, _("Sheet %(n)s: both entries agree.") % {"n": response.sheet_number})
            return redirect("surveys:batch", survey_id=survey.pk, batch_id=batch.pk)
        except ValidationError as exc:
            _errors(request, exc)
    return render(request, "surveys/batch.html", {
        "survey": survey, "batch": batch, "editing": response, "mode": "second",
        "rows": [(q, values.get(q.pk, "")) for q in questions], "next_number": response.sheet_number,
        "status": next(s for s in selectors.batch_statuses(survey) if s.batch.pk == batch.pk),
        "sheets": list(batch.responses.select_related("verification").order_by("sheet_number")),
    })


# --- The respondent's page (public, one-time link) ----------------------------------------------------------


def _respondent(request, token: str):
    """The respondent of a link, or a 404/429 page; unknown tokens count toward the rate limit."""
    if ratelimit.is_blocked(request):
        return None, render(request, "surveys/public_message.html", {
            "title": _("Too many attempts"), "message": _("Please try again later."),
        }, status=429)
    respondent = None
    if 16 <= len(token) <= 64:
        respondent = (
            Respondent.objects.filter(token_hash=hash_token(token), in_sample=True)
            .select_related("survey", "unit").first()
        )
    if respondent is None:
        ratelimit.note_failure(request)
        return None, render(request, "surveys/public_message.html", {
            "title": _("Link not valid"), "message": _("This link is not valid. Check the address you were given."),
        }, status=404)
    return respondent, None


def _answer_context(respondent, errors=()):
    survey = respondent.survey
    questions = selectors.questions_of(survey)
    response = Response.objects.filter(respondent=respondent).first()
    chosen = {}
    if response is not None:
        chosen = {a.question_id: a.option.key for a in response.answers.select_related("option")}
    groups, current = [], None
    for q in questions:
        if current is None or current["area"] != q.area:
            current = {"area": q.area, "questions": []}
            groups.append(current)
        current["questions"].append((q, chosen.get(q.pk, "")))
    return {"survey": survey, "respondent": respondent, "groups": groups, "answered": len(chosen),
            "total": len(questions), "errors": errors}


def _closed_page(request, survey, exc):
    return render(request, "surveys/public_message.html", {"title": survey.questionnaire_title or survey.name,
                                                            "message": exc.messages[0]}, status=410)


def _token_out_of_logs(view):
    """The request log and error reports print ``request.path``: keep the secret token out of them."""
    from functools import wraps

    @wraps(view)
    def wrapper(request, token: str, *args, **kwargs):
        try:
            return view(request, token, *args, **kwargs)
        finally:
            request.path = request.path.replace(token, "…")
            request.path_info = request.path_info.replace(token, "…")

    return wrapper


@login_not_required
@never_cache
@_token_out_of_logs
def answer(request, token: str):
    respondent, refusal = _respondent(request, token)
    if refusal is not None:
        return refusal
    survey = respondent.survey
    try:
        actions._check_link(respondent, survey)
    except actions.LinkClosed as exc:
        return _closed_page(request, survey, exc)
    if request.method == "POST":
        answers = {}
        for key, value in request.POST.items():
            if key.startswith("q_") and key[2:].isdigit():
                answers[int(key[2:])] = value
        try:
            actions.submit_response(respondent=respondent, answers=answers)
            return render(request, "surveys/public_message.html", {
                "title": _("Thank you!"), "message": _("Your answers have been received."), "thanks": True,
            })
        except actions.LinkClosed as exc:
            return _closed_page(request, survey, exc)
        except ValidationError as exc:
            return render(request, "surveys/answer.html", _answer_context(respondent, exc.messages), status=400)
    return render(request, "surveys/answer.html", _answer_context(respondent))


@login_not_required
@never_cache
@require_POST
@_token_out_of_logs
def answer_one(request, token: str):
    """HTMX autosave of one answer; returns the small "saved" mark and the progress counter."""
    respondent, refusal = _respondent(request, token)
    if refusal is not None:
        return refusal
    # htmx posts the whole form (every answer so far); the header names the radio that changed.
    fields = [(k, v) for k, v in request.POST.items() if k.startswith("q_") and k[2:].isdigit()]
    trigger = request.headers.get("HX-Trigger-Name", "")
    if trigger:
        fields = [(k, v) for k, v in fields if k == trigger]
    if len(fields) != 1:
        return HttpResponse(_("Choose one answer."), status=400)
    question = get_object_or_404(Question.objects.prefetch_related("options"), pk=int(fields[0][0][2:]),
                                 survey_id=respondent.survey_id)
    try:
        response = actions.save_answer(respondent=respondent, question=question, key=fields[0][1])
    except actions.LinkClosed as exc:
        return HttpResponse(exc.messages[0], status=410)
    except ValidationError as exc:
        return HttpResponse(exc.messages[0], status=400)
    return render(request, "surveys/_saved.html", {
        "question": question, "answered": response.answers.count(), "total": respondent.survey.questions.count(),
    })
