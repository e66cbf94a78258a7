"""Workflow steps of a survey: each checks permission, changes state and writes the audit row atomically.

draft (questions, respondents, sample, links) → open (answers online / paper entry) → closed
(paper entry and the double-entry check may go on) → approved (the scores go to the round's
survey leaves through ``appraisals.actions.import_survey``, the one way survey points enter a round).

The respondent's own steps (``save_answer``, ``submit_response``) run without a user: the
one-time link is the credential. Autosaving one answer is progress, not a workflow step, and is not
audited; the submission is (without the answers or anything personal).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import math
import secrets
from collections.abc import Mapping
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from parindex.core.audit import record, snapshot
from parindex.surveys import access, scoring
from parindex.surveys.models import (
    Answer,
    Option,
    PaperBatch,
    Question,
    Respondent,
    Response,
    Survey,
    SurveyUnit,
    Verification,
    hash_token,
)

Status = Survey.Status
TOKEN_BYTES = 24  # 192 bits: guessing a link is hopeless even without the rate limit

logger = logging.getLogger(__name__)


def _deny():
    raise PermissionDenied(_("You may not do this."))


def _operator(by, survey):
    if not access.is_operator(by, survey):
        _deny()


def _locked(survey) -> Survey:
    return Survey.objects.select_for_update(of=("self",)).select_related("owner_unit", "framework", "round").get(pk=survey.pk)


def _require(survey, *statuses, message: str):
    if survey.status not in statuses:
        raise ValidationError(message)


# --- Setting up --------------------------------------------------------------------------------


def create_survey(
    *, by, owner_unit, name: str, year: int, framework, target_group: str, deadline, round=None,
    questionnaire_title: str = "", intro: str = "", margin: Decimal = scoring.DEFAULT_MARGIN,
    retention_days: int = 90, seed: str = "",
) -> Survey:
    if not access.may_create_for(by, owner_unit):
        _deny()
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Give the survey a name."))
    if round is not None and round.framework_id != framework.pk:
        raise ValidationError(_("The round must use the survey's criteria framework."))
    if not (Decimal(0) < Decimal(str(margin)) < Decimal(1)):
        raise ValidationError(_("The margin of error must be between 0 and 1 (e.g. 0.05)."))
    with transaction.atomic():
        survey = Survey.objects.create(
            name=name, year=year, owner_unit=owner_unit, framework=framework, round=round,
            target_group=target_group, deadline=deadline, questionnaire_title=questionnaire_title.strip(),
            intro=intro.strip(), margin=Decimal(str(margin)), retention_days=retention_days,
            seed=(seed or "").strip() or secrets.token_hex(8), created_by=by,
        )
        record(actor=by, action="survey.create", obj=survey, after=snapshot(survey))
    return survey


def default_options() -> list[tuple[str, str, Decimal | None]]:
    return [(key, _(label), weight) for key, label, weight in scoring.DEFAULT_OPTIONS]


def parse_options(text: str) -> list[tuple[str, str, Decimal | None]]:
    """Options typed one a line as ``A | Rất hài lòng | 100`` (empty weight = excluded, like "không biết")."""
    from parindex.core.text import parse_decimal

    options, seen = [], set()
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 3 or len(parts[0]) != 1 or not parts[0].isalpha() or not parts[1]:
            raise ValidationError(
                _("Line %(n)s: write an option as “A | label | weight %%” (the weight may be empty).") % {"n": number}
            )
        key = parts[0].upper()
        if key in seen:
            raise ValidationError(_("Line %(n)s: the key %(key)s is used twice.") % {"n": number, "key": key})
        seen.add(key)
        try:
            weight = parse_decimal(parts[2])
        except ValueError:
            raise ValidationError(_("Line %(n)s: the weight must be a number from 0 to 100.") % {"n": number})
        if weight is not None and not (0 <= weight <= 100):
            raise ValidationError(_("Line %(n)s: the weight must be a number from 0 to 100.") % {"n": number})
        options.append((key, parts[1], weight))
    if len([o for o in options if o[2] is not None]) < 2:
        raise ValidationError(_("A question needs at least two options with a weight."))
    return options


def add_question(
    *, survey, by, text: str, area: str = "", criterion=None, weight: Decimal = Decimal(1), options=None,
) -> Question:
    _operator(by, survey)
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Write the question."))
    if criterion is not None and (
        criterion.framework_id != survey.framework_id or not criterion.is_leaf or not criterion.is_survey
    ):
        raise ValidationError(_("The question must measure a survey criterion of the survey's framework."))
    if weight is None or weight <= 0:
        raise ValidationError(_("The weight of a question must be greater than 0."))
    options = list(options) if options else default_options()
    with transaction.atomic():
        survey = _locked(survey)
        _require(survey, Status.DRAFT, message=_("Questions can only be changed while the survey is a draft."))
        order = (survey.questions.aggregate(m=Max("order"))["m"] or 0) + 1
        question = Question.objects.create(
            survey=survey, order=order, area=(area or "").strip(), text=text, criterion=criterion, weight=weight
        )
        Option.objects.bulk_create([
            Option(question=question, key=key, label=label, weight=w, order=i)
            for i, (key, label, w) in enumerate(options)
        ])
        record(actor=by, action="survey.question.add", obj=question,
               after={**snapshot(question, ["order", "area", "text", "criterion_id", "weight"]),
                      "options": [[k, lab, w] for k, lab, w in options]})
    return question


def import_questions(*, survey, source, by) -> int:
    """Add the questions of an .xlsx file after the existing ones (all rows valid, or nothing written)."""
    from parindex.surveys.spreadsheets import read_questions

    _operator(by, survey)
    _require(survey, Status.DRAFT, message=_("Questions can only be changed while the survey is a draft."))
    rows = read_questions(survey, source)
    with transaction.atomic():
        for row in rows:
            add_question(survey=survey, by=by, text=row["text"], area=row["area"], criterion=row["criterion"],
                         weight=row["weight"] or Decimal(1), options=row["options"])
    return len(rows)


def update_survey(*, survey, by, deadline=None, round=None, retention_days: int | None = None,
                  clear_round: bool = False) -> Survey:
    """Change the deadline (e.g. extend it while open), the round the results feed, or the retention."""
    _operator(by, survey)
    with transaction.atomic():
        survey = _locked(survey)
        if survey.status == Status.APPROVED:
            raise ValidationError(_("An approved survey can no longer change."))
        before = snapshot(survey, ["deadline", "round_id", "retention_days"])
        if deadline is not None:
            if survey.status == Status.OPEN and deadline <= timezone.now():
                raise ValidationError(_("The deadline has already passed."))
            survey.deadline = deadline
        if round is not None or clear_round:
            if round is not None and round.framework_id != survey.framework_id:
                raise ValidationError(_("The round must use the survey's criteria framework."))
            if round is not None:
                outside = survey.survey_units.exclude(unit_id__in=round.assessments.values("unit_id"))
                if outside.exists():
                    raise ValidationError(_("Some units of the survey are not in this round: %(list)s.") % {
                        "list": ", ".join(outside.values_list("unit__name", flat=True)[:5])})
            survey.round = round
        if retention_days is not None:
            survey.retention_days = retention_days
        survey.save(update_fields=["deadline", "round", "retention_days"])
        record(actor=by, action="survey.update", obj=survey, before=before,
               after=snapshot(survey, ["deadline", "round_id", "retention_days"]))
    return survey


def delete_question(*, question, by) -> None:
    survey = question.survey
    _operator(by, survey)
    with transaction.atomic():
        survey = _locked(survey)
        _require(survey, Status.DRAFT, message=_("Questions can only be changed while the survey is a draft."))
        before = snapshot(question, ["order", "area", "text", "criterion_id"])
        record(actor=by, action="survey.question.delete", obj=question, before=before)
        question.delete()


# --- Respondents, sample, links -------------------------------------------------------------------


def import_respondents(*, survey, source, by) -> int:
    """Replace the survey's list of respondents from .xlsx (all rows valid, or nothing written)."""
    from parindex.surveys.spreadsheets import read_respondents

    _operator(by, survey)
    _require(survey, Status.DRAFT, message=_("Respondents can only be imported while the survey is a draft."))
    rows = read_respondents(survey, source)
    with transaction.atomic():
        survey = _locked(survey)
        _require(survey, Status.DRAFT, message=_("Respondents can only be imported while the survey is a draft."))
        survey.respondents.all().delete()
        survey.survey_units.all().delete()
        units = {}
        for row in rows:
            units.setdefault(row["unit"].pk, [row["unit"], 0])[1] += 1
        SurveyUnit.objects.bulk_create([
            SurveyUnit(survey=survey, unit=unit, population=count) for unit, count in units.values()
        ])
        Respondent.objects.bulk_create([
            Respondent(survey=survey, unit=row["unit"], number=i, group=row.get("group") or "",
                       sex=row.get("sex") or "", age_band=row.get("age_band") or "",
                       position=row.get("position") or "", contact=row.get("contact") or "",
                       external_ref=row.get("ref") or "")
            for i, row in enumerate(rows, start=1)
        ], batch_size=1000)
        record(actor=by, action="survey.respondents.import", obj=survey,
               after={"respondents": len(rows), "units": len(units)})
    return len(rows)


def draw_sample(*, survey, by) -> dict[int, int]:
    """Per unit, n = N / (1 + N·e²) respondents drawn from the list with the survey's seed.

    The same list and seed always draw the same people (reproducible for an inspector).
    Returns unit id → n.
    """
    _operator(by, survey)
    with transaction.atomic():
        survey = _locked(survey)
        _require(survey, Status.DRAFT, message=_("The sample can only be drawn while the survey is a draft."))
        by_unit: dict[int, list[int]] = {}
        for pk, unit_id in survey.respondents.values_list("pk", "unit_id"):
            by_unit.setdefault(unit_id, []).append(pk)
        if not by_unit:
            raise ValidationError(_("Import the list of respondents first."))
        chosen, sizes = [], {}
        for unit_id, ids in by_unit.items():
            n = scoring.sample_size(len(ids), survey.margin)
            sizes[unit_id] = n
            chosen += scoring.draw(ids, n, f"{survey.seed}/{unit_id}")
        survey.respondents.update(in_sample=False, token_hash=None, link_issued_at=None)
        Respondent.objects.filter(pk__in=chosen).update(in_sample=True)
        for su in survey.survey_units.all():
            su.population, su.sample_size = len(by_unit.get(su.unit_id, [])), sizes.get(su.unit_id, 0)
            su.save(update_fields=["population", "sample_size"])
        record(actor=by, action="survey.sample.draw", obj=survey,
               after={"seed": survey.seed, "margin": survey.margin, "sample": len(chosen)})
    return sizes


def issue_links(*, survey, by) -> list[tuple[Respondent, str]]:
    """New one-time tokens for every sampled respondent who has not submitted yet.

    Tokens are shown once (the printable list); only their hash is kept, so issuing again
    replaces the earlier links of those respondents (answers already saved stay with them).
    """
    _operator(by, survey)
    with transaction.atomic():
        survey = _locked(survey)
        _require(survey, Status.DRAFT, Status.OPEN, message=_("Links can only be issued before the survey closes."))
        respondents = list(
            survey.respondents.filter(in_sample=True).exclude(response__status=Response.Status.SUBMITTED)
            .select_related("unit").order_by("unit__path", "number")
        )
        if not respondents:
            raise ValidationError(_("Nobody in the sample is waiting for a link: draw the sample first."))
        now = timezone.now()
        issued = []
        for respondent in respondents:
            token = secrets.token_urlsafe(TOKEN_BYTES)
            respondent.token_hash, respondent.link_issued_at = hash_token(token), now
            issued.append((respondent, token))
        Respondent.objects.bulk_update(respondents, ["token_hash", "link_issued_at"], batch_size=1000)
        record(actor=by, action="survey.links.issue", obj=survey, after={"links": len(issued)})
    return issued


def email_links(*, survey, issued, base_url: str) -> tuple[int, int]:
    """E-mail each link to the respondents whose contact is an e-mail address (after the commit).

    Called right after ``issue_links`` with its result: the tokens exist only then. Returns
    ``(queued, refused)``: the messages queued, and those that could never be sent (a subject with
    a line break saved before the one-line check existed, an address that cannot be written).
    Those are built and checked here, before any backend is touched, as the reminders do
    (``requests.reminders.compose``): no retry could cure them, and one of them must not stop the
    others. Phone numbers are left to the printed list (SMS is not built in).
    """
    from django.core.mail import BadHeaderError, EmailMessage, get_connection
    from django.core.validators import validate_email
    from django.urls import reverse

    # surveys -> requests is a one-way dependency (requests never imports surveys).
    from parindex.requests.reminders import compose

    messages, refused = [], 0
    for respondent, token in issued:
        address = (respondent.contact or "").strip()
        try:
            validate_email(address)
        except ValidationError:
            continue
        link = base_url.rstrip("/") + reverse("surveys:answer", args=[token])
        body = _(
            "Dear Sir or Madam,\n\nYou are invited to answer the questionnaire “%(title)s” about %(unit)s. "
            "Your answers are anonymous.\n\nOpen this personal link (it works once, until %(deadline)s):\n%(link)s\n"
        ) % {"title": survey.questionnaire_title or survey.name, "unit": respondent.unit.name, "link": link,
             "deadline": timezone.localtime(survey.deadline).strftime("%H:%M %d/%m/%Y")}
        message = EmailMessage(subject=survey.questionnaire_title or survey.name, body=body, to=[address])
        try:
            compose(message)
        except (BadHeaderError, ValueError) as exc:
            logger.warning("survey %s: link e-mail to respondent %s cannot be sent: %s", survey.pk, respondent.pk, exc)
            refused += 1
            continue
        messages.append(message)

    def send():
        try:
            get_connection().send_messages(messages)
        except Exception:  # the links are already issued and downloaded: log, never fail the page
            logger.exception("survey %s: sending %s link e-mails failed", survey.pk, len(messages))

    if messages:
        transaction.on_commit(send)
    return len(messages), refused


def open_survey(*, survey, by) -> Survey:
    _operator(by, survey)
    with transaction.atomic():
        survey = _locked(survey)
        _require(survey, Status.DRAFT, message=_("Only a draft survey can be opened."))
        if not survey.questions.exists():
            raise ValidationError(_("Add at least one question first."))
        if survey.deadline <= timezone.now():
            raise ValidationError(_("The deadline has already passed."))
        survey.status, survey.opened_at = Status.OPEN, timezone.now()
        survey.save(update_fields=["status", "opened_at"])
        record(actor=by, action="survey.open", obj=survey, before={"status": Status.DRAFT},
               after={"status": survey.status})
    return survey


def close_survey(*, survey, by) -> Survey:
    """No more online answers; paper entry and its check may go on until the approval."""
    _operator(by, survey)
    with transaction.atomic():
        survey = _locked(survey)
        _require(survey, Status.OPEN, message=_("Only an open survey can be closed."))
        survey.status, survey.closed_at = Status.CLOSED, timezone.now()
        survey.save(update_fields=["status", "closed_at"])
        record(actor=by, action="survey.close", obj=survey, before={"status": Status.OPEN},
               after={"status": survey.status})
    return survey


# --- Answering online ---------------------------------------------------------------------------------


class LinkClosed(ValidationError):
    """The link can no longer be used (submitted, survey closed, deadline passed)."""


def _check_link(respondent, survey):
    if not survey.is_accepting():
        raise LinkClosed(_("This survey is closed. Thank you for your interest."))
    response = getattr(respondent, "response", None)
    if response is not None and response.status == Response.Status.SUBMITTED:
        raise LinkClosed(_("This questionnaire has already been submitted. Each link can be used once."))


def _option_for(question, key: str):
    key = (key or "").strip().upper()
    for option in question.options.all():
        if option.key == key:
            return option
    raise ValidationError(_("Question %(n)s: “%(key)s” is not one of its answers.") % {"n": question.order, "key": key})


def _response_for(respondent, survey) -> Response:
    response = Response.objects.filter(respondent=respondent).first()
    if response is None:
        response = Response.objects.create(survey=survey, unit_id=respondent.unit_id, respondent=respondent,
                                           channel=Response.Channel.ONLINE)
    return response


def _set_answer(response, question, option) -> None:
    Answer.objects.update_or_create(response=response, question=question, defaults={"option": option})


def save_answer(*, respondent, question, key: str) -> Response:
    """Autosave one answer of an online respondent (progress kept between visits)."""
    with transaction.atomic():
        respondent = Respondent.objects.select_for_update().get(pk=respondent.pk)
        survey = Survey.objects.get(pk=respondent.survey_id)
        _check_link(respondent, survey)
        if question.survey_id != survey.pk:
            raise ValidationError(_("This question is not on the questionnaire."))
        option = _option_for(question, key)
        response = _response_for(respondent, survey)
        _set_answer(response, question, option)
    return response


def submit_response(*, respondent, answers: Mapping[int, str]) -> Response:
    """Save the answers given and submit: every question must be answered (“không biết” counts)."""
    with transaction.atomic():
        respondent = Respondent.objects.select_for_update().get(pk=respondent.pk)
        survey = Survey.objects.get(pk=respondent.survey_id)
        _check_link(respondent, survey)
        questions = list(survey.questions.prefetch_related("options"))
        response = _response_for(respondent, survey)
        for question in questions:
            key = answers.get(question.pk)
            if key:
                _set_answer(response, question, _option_for(question, key))
        answered = set(response.answers.values_list("question_id", flat=True))
        missing = [str(q.order) for q in questions if q.pk not in answered]
        if not missing:
            response.status, response.submitted_at = Response.Status.SUBMITTED, timezone.now()
            response.save(update_fields=["status", "submitted_at"])
            record(actor=None, action="survey.response.submit", obj=response, unit=survey.owner_unit,
                   after={"channel": response.channel, "unit": respondent.unit_id})
    if missing:  # raised after the commit: the answers given are kept as progress
        raise ValidationError(
            _("Please answer every question (choose “Don't know” if you cannot say). Missing: %(list)s.")
            % {"list": ", ".join(missing)}
        )
    return response


# --- Paper entry and the double-entry check ------------------------------------------------------------


def create_batch(*, survey, unit, name: str, by, check_share: int = 10) -> PaperBatch:
    _operator(by, survey)
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Give the batch a name (e.g. the box or the commune)."))
    if not 1 <= int(check_share) <= 100:
        raise ValidationError(_("The share to re-enter must be between 1 and 100 %."))
    if not unit.path.startswith(survey.owner_unit.path) or (
        survey.round_id and not survey.round.assessments.filter(unit=unit).exists()
    ):
        raise ValidationError(_("This unit is not assessed by the survey."))
    with transaction.atomic():
        survey = _locked(survey)
        _require(survey, Status.OPEN, Status.CLOSED, message=_("Paper forms are entered while the survey is open or closed."))
        SurveyUnit.objects.get_or_create(survey=survey, unit=unit)
        batch = PaperBatch.objects.create(survey=survey, unit=unit, name=name, check_share=check_share, created_by=by)
        record(actor=by, action="survey.batch.create", obj=batch, after=snapshot(batch, ["name", "unit_id", "check_share"]))
    return batch


def _parse_sheet(questions, answers: Mapping[int, str]) -> dict:
    """question → Option or None (blank); every problem of the sheet in one ValidationError."""
    parsed, errors = {}, []
    for question in questions:
        key = (answers.get(question.pk) or "").strip().upper()
        if key in ("", "-"):
            parsed[question] = None
            continue
        try:
            parsed[question] = _option_for(question, key)
        except ValidationError as exc:
            errors += exc.messages
    if errors:
        raise ValidationError(errors)
    return parsed


def _compare(first: dict[int, str], second: dict[int, str], questions) -> list[dict]:
    return [
        {"question": q.pk, "number": q.order, "first": first.get(q.pk, ""), "second": second.get(q.pk, "")}
        for q in questions if first.get(q.pk, "") != second.get(q.pk, "")
    ]


def _keys_of(response) -> dict[int, str]:
    return {a.question_id: a.option.key for a in response.answers.select_related("option")}


def enter_paper_sheet(*, batch, sheet_number: int, answers: Mapping[int, str], by, response=None) -> Response:
    """Key in (or correct, with ``response``) one paper sheet: keys A/B/C/D/K, blank or "-" for no answer."""
    survey = batch.survey
    _operator(by, survey)
    if not sheet_number or sheet_number < 1:
        raise ValidationError(_("Enter the sheet number written on the form."))
    with transaction.atomic():
        survey = _locked(survey)
        _require(survey, Status.OPEN, Status.CLOSED, message=_("Paper forms are entered while the survey is open or closed."))
        questions = list(survey.questions.prefetch_related("options"))
        parsed = _parse_sheet(questions, answers)
        if response is None:
            if Response.objects.filter(batch=batch, sheet_number=sheet_number).exists():
                raise ValidationError(_("This sheet number is already entered in this batch."))
            response = Response.objects.create(
                survey=survey, unit_id=batch.unit_id, channel=Response.Channel.PAPER, batch=batch,
                sheet_number=sheet_number, status=Response.Status.SUBMITTED, submitted_at=timezone.now(), entered_by=by,
            )
            before = None
        else:
            if response.batch_id != batch.pk:
                raise ValidationError(_("This sheet is not in this batch."))
            before = _keys_of(response)
            response.entered_by = by
            response.save(update_fields=["entered_by"])
        response.answers.all().delete()
        Answer.objects.bulk_create([
            Answer(response=response, question=q, option=o) for q, o in parsed.items() if o is not None
        ])
        keys = {q.pk: o.key for q, o in parsed.items() if o is not None}
        verification = Verification.objects.filter(response=response).first()
        if verification is not None:
            second = {int(k): v for k, v in verification.answers.items()}
            verification.mismatches = _compare(keys, second, questions)
            verification.save(update_fields=["mismatches"])
        record(actor=by, action="survey.paper.enter" if before is None else "survey.paper.correct", obj=response,
               before=before, after={"sheet": sheet_number, "answers": keys})
    return response


def draw_check_sample(*, batch, by) -> list[int]:
    """Draw the sheets to re-enter (phúc tra): the batch's share, at least one, reproducible from the seed."""
    survey = batch.survey
    _operator(by, survey)
    with transaction.atomic():
        batch = PaperBatch.objects.select_for_update().get(pk=batch.pk)
        numbers = list(batch.responses.values_list("sheet_number", flat=True))
        if not numbers:
            raise ValidationError(_("Enter the paper forms of the batch first."))
        size = max(1, math.ceil(len(numbers) * batch.check_share / 100))
        batch.check_sheets = scoring.draw(numbers, size, f"{survey.seed}/batch/{batch.pk}")
        batch.save(update_fields=["check_sheets"])
        record(actor=by, action="survey.batch.check_sample", obj=batch, after={"sheets": batch.check_sheets})
    return batch.check_sheets


def enter_second_entry(*, response, answers: Mapping[int, str], by) -> Verification:
    """Key the sheet a second time; differences from the first entry are listed as mismatches."""
    batch = PaperBatch.objects.filter(pk=response.batch_id).first()  # fresh: the drawn sheets may have changed
    survey = response.survey
    _operator(by, survey)
    if batch is None or response.sheet_number not in (batch.check_sheets or []):
        raise ValidationError(_("This sheet was not drawn for the second entry."))
    with transaction.atomic():
        survey = _locked(survey)
        _require(survey, Status.OPEN, Status.CLOSED, message=_("Paper forms are entered while the survey is open or closed."))
        questions = list(survey.questions.prefetch_related("options"))
        parsed = _parse_sheet(questions, answers)
        second = {q.pk: o.key for q, o in parsed.items() if o is not None}
        verification, _created = Verification.objects.update_or_create(
            response=response,
            defaults={"answers": {str(k): v for k, v in second.items()}, "entered_by": by,
                      "entered_at": timezone.now(), "mismatches": _compare(_keys_of(response), second, questions)},
        )
        record(actor=by, action="survey.paper.second_entry", obj=response,
               after={"sheet": response.sheet_number, "mismatches": len(verification.mismatches)})
    return verification


# --- Approval: results into the round's survey leaves ------------------------------------------------


def approve_survey(*, survey, by) -> int:
    """Approve a closed survey: its leaf scores become the survey points of the round.

    The scores go in through ``appraisals.actions.import_survey`` (the same import an index manager
    uses for results computed elsewhere), so ``appraisals.SurveyScore`` stays the one place survey
    points live. Refused while a paper batch has no second-entry check or unresolved mismatches.
    Returns the number of (unit, leaf) scores written.
    """
    from parindex.appraisals.actions import import_survey
    from parindex.core.spreadsheets import SpreadsheetError
    from parindex.surveys import selectors

    _operator(by, survey)
    with transaction.atomic():
        survey = _locked(survey)
        _require(survey, Status.CLOSED, message=_("Close the survey before approving its results."))
        if survey.round_id is None:
            raise ValidationError(_("Choose the assessment round the results feed before approving."))
        from parindex.appraisals.access import is_round_manager

        if not is_round_manager(by, survey.round):
            raise ValidationError(_("Only an index manager of the round's managing unit may enter its survey scores."))
        problems = selectors.check_problems(survey)
        if problems:
            raise ValidationError(problems)
        rows = [
            (unit_result.unit.code, leaf.criterion.code, scoring.round_percent(leaf.percent))
            for unit_result in selectors.results(survey)
            for leaf in unit_result.leaves if leaf.percent is not None
        ]
        if not rows:
            raise ValidationError(_("No survey criterion has a score yet: there is nothing to approve."))
        try:
            count = import_survey(round=survey.round, source=_scores_xlsx(rows), by=by)
        except SpreadsheetError as exc:
            raise ValidationError([str(e) for e in exc.errors])
        survey.status, survey.approved_at, survey.approved_by = Status.APPROVED, timezone.now(), by
        survey.save(update_fields=["status", "approved_at", "approved_by"])
        record(actor=by, action="survey.approve", obj=survey, before={"status": Status.CLOSED},
               after={"status": survey.status, "round": survey.round_id, "scores": count})
    return count


def _scores_xlsx(rows) -> bytes:
    """The .xlsx the appraisal import reads (unit code, criterion code, score %); % as exact text."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Mã đơn vị", "Mã tiêu chí", "Điểm (%)"])
    for unit_code, criterion_code, percent in rows:
        sheet.append([unit_code, criterion_code, format(percent, "f")])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- Personal data ---------------------------------------------------------------------------------------


PERSONAL_FIELDS = ["contact", "position", "external_ref"]


def purge_personal_data(*, survey, by=None) -> int:
    """Delete the respondents' personal data of a closed survey (contact, position, list reference)
    and kill the links. Answers stay, anonymous. ``by=None`` is the retention job."""
    if by is not None:
        _operator(by, survey)
    with transaction.atomic():
        survey = _locked(survey)
        _require(survey, Status.CLOSED, Status.APPROVED,
                 message=_("Personal data can be deleted once the survey is closed."))
        count = survey.respondents.update(contact="", position="", external_ref="", token_hash=None)
        survey.personal_data_purged_at = timezone.now()
        survey.save(update_fields=["personal_data_purged_at"])
        record(actor=by, action="survey.purge_personal_data", obj=survey, after={"respondents": count})
    return count


def due_for_purge(now=None):
    """Closed or approved surveys whose retention period after closing has ended, not yet purged."""
    now = now or timezone.now()
    candidates = Survey.objects.filter(
        status__in=[Status.CLOSED, Status.APPROVED], personal_data_purged_at__isnull=True, closed_at__isnull=False
    )
    return [s for s in candidates if s.closed_at + dt.timedelta(days=s.retention_days) <= now]
