"""Workflow steps of self-assessment. Each step is one keyword-only function that checks the
permission, changes the state and writes the audit row in ONE transaction.

Errors: ``PermissionDenied`` when the user may not do the step; ``ValidationError`` with a
translated, user-facing message when the step is refused (deadline passed, already
submitted, bad input); ``StaleEdit`` (a ValidationError) when someone else saved the
same leaf since the user loaded it — it carries the current score so the page can show it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from parindex.assessments import access
from parindex.assessments.logic import (
    InputError,
    check_inputs,
    comparable_inputs,
    inputs_to_json,
    is_survey,
    parse_inputs,
    submission_check,
)
from parindex.assessments.models import Assessment, Assignment, Evidence, EvidenceLink, Round, Score
from parindex.core.audit import record, snapshot
from parindex.core.text import format_decimal
from parindex.units.models import Membership, Unit
from parindex.units.visibility import has_role

SCORE_FIELDS = ("inputs", "self_points", "not_applicable", "note", "missing_evidence_explanation", "version")
SHEET_FIELDS = ("status", "submitted_at", "submitted_by_id", "deadline_override", "locked_at", "version")


class StaleEdit(ValidationError):
    """The leaf was saved by someone else after the user loaded it."""

    def __init__(self, current: Score):
        self.current = current
        who = current.updated_by.get_full_name() if current.updated_by_id and current.updated_by else ""
        points = format_decimal(current.self_points) if current.self_points is not None else "—"
        if current.not_applicable:
            points = _("not applicable")
        super().__init__(
            _(
                "Someone else (%(who)s) changed this criterion after you opened it; your change was not saved. "
                "Current value: %(points)s points. Check it and enter your change again."
            )
            % {"who": who or _("another user"), "points": points},
            code="stale",
        )


# --- rounds --------------------------------------------------------------------------------


def eligible_units(framework, owner_unit, *, on: dt.date | None = None):
    """Units of the framework's kinds in the owner unit's subtree, active on ``on`` (default today)."""
    return (
        Unit.objects.subtree_of(owner_unit)
        .filter(kind__in=list(framework.unit_kinds or []))
        .active_on(on)
        .order_by("path")
    )


def open_round(
    *,
    by,
    framework,
    owner_unit: Unit,
    name: str,
    year: int,
    self_deadline: dt.datetime,
    data_cutoff: dt.date | None = None,
    explanation_deadline: dt.datetime | None = None,
    appraisal_deadline: dt.datetime | None = None,
    units: Iterable[Unit] | None = None,
    previous: Round | None = None,
    evidence_name_template: str | None = None,
) -> Round:
    """Open a round: one score sheet per unit, one score row per self-assessed or survey leaf.

    ``units`` defaults to every unit of the framework's kinds in the manager's subtree; a
    chosen subset must lie inside it. With ``previous`` (an earlier round, usually round 1
    of the same year), each unit's sheet starts from its values there: inputs, points,
    notes, explanations, evidence links and assignments, matched by criterion code. The
    framework is locked (its scoring can no longer change).
    """
    if not has_role(by, owner_unit, Membership.Role.INDEX_MANAGER, inherited=True):
        raise PermissionDenied(_("Only an index manager of this unit may open a round."))
    if not name.strip():
        raise ValidationError(_("Give the round a name."))
    if not (framework.valid_from_year <= year <= framework.valid_to_year):
        raise ValidationError(
            _("The framework is valid from %(start)s to %(end)s, not for %(year)s.")
            % {"start": framework.valid_from_year, "end": framework.valid_to_year, "year": year}
        )
    for later, label in ((explanation_deadline, _("explanation")), (appraisal_deadline, _("appraisal"))):
        if later is not None and later < self_deadline:
            raise ValidationError(
                _("The %(what)s deadline must not be before the self-assessment deadline.") % {"what": label}
            )
    # Units that existed on the data cut-off date (default: today), e.g. before or after a merger.
    eligible = list(eligible_units(framework, owner_unit, on=data_cutoff))
    if units is not None:
        chosen = list(units)
        allowed = {u.pk for u in eligible}
        outside = [u for u in chosen if u.pk not in allowed]
        if outside:
            raise ValidationError(
                _("These units are not scored by this framework in your area: %(units)s.")
                % {"units": ", ".join(u.name for u in outside)}
            )
        eligible = chosen
    if not eligible:
        raise ValidationError(_("No unit of the framework's types was found in your area."))
    if previous is not None and (
        previous.owner_unit_id != owner_unit.pk and not access.can_manage_round(by, previous)
    ):
        raise PermissionDenied(_("You cannot start from a round you do not manage."))

    leaves = list(framework.leaves())
    if not leaves:
        raise ValidationError(_("The framework has no scored criteria."))
    with transaction.atomic():
        round_ = Round.objects.create(
            name=name.strip(),
            year=year,
            framework=framework,
            owner_unit=owner_unit,
            data_cutoff=data_cutoff,
            self_deadline=self_deadline,
            explanation_deadline=explanation_deadline,
            appraisal_deadline=appraisal_deadline,
            previous=previous,
            evidence_name_template=evidence_name_template
            or Round._meta.get_field("evidence_name_template").default,
            created_by=by if getattr(by, "is_authenticated", False) else None,
        )
        sheets = Assessment.objects.bulk_create([Assessment(round=round_, unit=unit) for unit in eligible])
        if not all(s.pk for s in sheets):  # backends that do not return ids from bulk_create
            sheets = list(round_.assessments.all())
        Score.objects.bulk_create(
            [
                Score(assessment=sheet, criterion=leaf, max_points=leaf.max_points)
                for sheet in sheets
                for leaf in leaves
            ],
            batch_size=1000,
        )
        copied = _copy_from_previous(round_, previous, by) if previous is not None else 0
        fed = _feed_new_sheets(round_, by)
        if not framework.is_locked:
            from parindex.frameworks.actions import lock_framework

            lock_framework(
                framework, by=by, reason=_("Used by the round “%(name)s”.") % {"name": round_.name}
            )
        record(
            actor=by,
            action="assessments.round.open",
            obj=round_,
            after={
                **snapshot(
                    round_, ["name", "year", "framework_id", "self_deadline", "data_cutoff", "previous_id"]
                ),
                "units": [u.pk for u in eligible],
                "copied_scores": copied,
                "fed_scores": fed,
            },
        )
    return round_


def _feed_new_sheets(round_: Round, by) -> int:
    """Fed leaves (plan completion, remediation) start from their source's live value, so
    numbers copied from an earlier round never mask it (``feeds``). Returns the rows written."""
    from parindex.assessments.feeds import feed_of, refresh_fed_leaves

    if not any(feed_of(c) for c in round_.framework.criteria.filter(method="ratio")):
        return 0
    return sum(
        len(refresh_fed_leaves(sheet, by=by))
        for sheet in round_.assessments.select_related("round__framework", "unit")
    )


def _copy_from_previous(round_: Round, previous: Round, by) -> int:
    """Carry values, evidence links and assignments from ``previous`` into the new sheets."""
    from parindex.frameworks.scoring import ScoringError, compute_points

    old_sheets = {s.unit_id: s for s in previous.assessments.all()}
    new_sheets = {s.unit_id: s for s in round_.assessments.all()}
    common = [uid for uid in new_sheets if uid in old_sheets]
    if not common:
        return 0
    old_scores = (
        Score.objects.filter(assessment__in=[old_sheets[u] for u in common])
        .select_related("criterion")
        .prefetch_related("evidence_links")
    )
    by_key = {(s.assessment_id, s.criterion.code): s for s in old_scores}
    new_scores = Score.objects.filter(assessment__in=[new_sheets[u] for u in common]).select_related(
        "criterion"
    )
    old_sheet_of_unit = {u: old_sheets[u].pk for u in common}
    new_sheet_unit = {s.pk: s.unit_id for s in new_sheets.values()}
    changed: list[Score] = []
    links: list[EvidenceLink] = []
    for score in new_scores:
        old = by_key.get((old_sheet_of_unit[new_sheet_unit[score.assessment_id]], score.criterion.code))
        if old is None or not (old.is_scored or old.note or old.missing_evidence_explanation):
            continue
        criterion = score.criterion
        if old.not_applicable and criterion.allow_not_applicable:
            score.not_applicable = True
        elif old.inputs and not is_survey(criterion.method, criterion.source):
            try:
                check_inputs(criterion.method, criterion.params, criterion.max_points, old.inputs)
                score.self_points = compute_points(
                    criterion.method, criterion.params, criterion.max_points, old.inputs
                )
                score.inputs = old.inputs
            except (InputError, ScoringError):
                pass  # values the sheet refuses today (e.g. 6 of 5) are not carried over
        score.note = old.note
        score.missing_evidence_explanation = old.missing_evidence_explanation
        score.updated_at = timezone.now()
        score.updated_by = by if getattr(by, "is_authenticated", False) else None
        changed.append(score)
        links.extend(
            EvidenceLink(score=score, evidence_id=link.evidence_id, page_ref=link.page_ref)
            for link in old.evidence_links.all()
        )
    Score.objects.bulk_update(
        changed,
        [
            "inputs",
            "self_points",
            "not_applicable",
            "note",
            "missing_evidence_explanation",
            "updated_at",
            "updated_by",
        ],
        batch_size=1000,
    )
    EvidenceLink.objects.bulk_create(links, batch_size=1000, ignore_conflicts=True)
    # Assignments, matched by criterion code.
    codes = {c.code: c for c in round_.framework.criteria.all()}
    assignments = []
    for old in Assignment.objects.filter(assessment__round=previous).select_related(
        "criterion", "assessment"
    ):
        target = new_sheets.get(old.assessment.unit_id)
        criterion = codes.get(old.criterion.code)
        if target and criterion:
            assignments.append(
                Assignment(
                    assessment=target,
                    criterion=criterion,
                    officer_id=old.officer_id,
                    lead_unit_id=old.lead_unit_id,
                    assigned_by=old.assigned_by,
                )
            )
    Assignment.objects.bulk_create(assignments, ignore_conflicts=True)
    return len(changed)


# --- scores ----------------------------------------------------------------------------------


def _editable_sheet_or_refuse(assessment: Assessment, now: dt.datetime | None = None) -> None:
    if assessment.round.status != Round.Status.OPEN:
        raise ValidationError(_("Self-assessment of this round is closed."), code="closed")
    if assessment.status == Assessment.Status.SUBMITTED:
        raise ValidationError(
            _("The sheet has been submitted; the unit head must withdraw it before anything can change."),
            code="submitted",
        )
    if assessment.status == Assessment.Status.LOCKED:
        raise ValidationError(
            _("The sheet is locked because the deadline has passed; ask the index manager to reopen it."),
            code="locked",
        )
    if assessment.is_past_deadline(now):
        raise ValidationError(
            _("The self-assessment deadline has passed; ask the index manager to reopen the sheet."),
            code="deadline",
        )


def _check_leaf_permission(user, score: Score, assignments=None) -> None:
    if assignments is None:
        assignments = list(score.assessment.assignments.all())
    if not access.may_edit_leaf(user, score.assessment, score.criterion, assignments):
        raise PermissionDenied(_("You may not change this criterion."))


def _apply_score(
    current: Score,
    *,
    by,
    raw_inputs: Mapping[str, Any] | None,
    not_applicable: bool,
    note: str,
    missing_evidence_explanation: str,
    only_if_changed: bool = False,
) -> dict | None:
    """Validate and set the new values on the locked row; return the before snapshot.

    With ``only_if_changed``, a row whose values would stay the same (inputs compared as
    values) is left alone and None is returned.
    """
    from parindex.frameworks.scoring import ScoringError, compute_points, input_spec

    criterion = current.criterion
    if is_survey(criterion.method, criterion.source):
        raise ValidationError(_("This criterion is scored from survey results and cannot be self-scored."))
    if not_applicable:
        if not criterion.allow_not_applicable:
            raise ValidationError(_("This criterion cannot be marked not applicable."))
        parsed, points = None, None
    else:
        from parindex.assessments.feeds import check_fed_inputs, fed_value

        spec = input_spec(criterion.method, criterion.params, current.max_points)
        try:
            parsed = parse_inputs(spec, raw_inputs or {})
            parsed = check_fed_inputs(fed_value(current.assessment, criterion), parsed)
            check_inputs(criterion.method, criterion.params, current.max_points, parsed)
            points = (
                compute_points(criterion.method, criterion.params, current.max_points, parsed)
                if parsed is not None
                else None
            )
        except (InputError, ScoringError) as exc:
            raise ValidationError(str(exc), code="input")
    if (
        only_if_changed
        and comparable_inputs(inputs_to_json(parsed)) == comparable_inputs(current.inputs)
        and bool(not_applicable) == current.not_applicable
        and (note or "").strip() == current.note
        and (missing_evidence_explanation or "").strip() == current.missing_evidence_explanation
        and (points == current.self_points)
    ):
        return None
    before = snapshot(current, SCORE_FIELDS)
    current.inputs = inputs_to_json(parsed)
    current.self_points = points
    current.not_applicable = bool(not_applicable)
    current.note = (note or "").strip()
    current.missing_evidence_explanation = (missing_evidence_explanation or "").strip()
    current.version += 1
    current.updated_at = timezone.now()
    current.updated_by = by
    current.save(update_fields=[*(f for f in SCORE_FIELDS), "updated_at", "updated_by"])
    return before


def _locked_score(score_id: int) -> Score:
    return (
        Score.objects.select_for_update(of=("self",))
        .select_related("criterion", "assessment__round", "assessment__unit", "updated_by")
        .get(pk=score_id)
    )


def save_score(
    *,
    score: Score,
    by,
    expected_version: int,
    raw_inputs: Mapping[str, Any] | None = None,
    not_applicable: bool = False,
    note: str = "",
    missing_evidence_explanation: str = "",
) -> Score:
    """Save one leaf: permission, open sheet before its deadline, version check, computed points.

    ``raw_inputs`` are the method's inputs as typed (strings from a form or spreadsheet);
    all empty clears the leaf. The row is locked while it is checked, so of two officers
    saving the same version only the first succeeds; the second gets ``StaleEdit``.
    """
    with transaction.atomic():
        # Lock order everywhere: the sheet, then its scores. Locking the sheet makes a save and
        # the head's submission (which checks every leaf) follow one another, never interleave.
        list(
            Assessment.objects.select_for_update().filter(pk=score.assessment_id).values_list("pk", flat=True)
        )
        current = _locked_score(score.pk)
        _check_leaf_permission(by, current)
        _editable_sheet_or_refuse(current.assessment)
        if current.version != int(expected_version):
            raise StaleEdit(current)
        before = _apply_score(
            current,
            by=by,
            raw_inputs=raw_inputs,
            not_applicable=not_applicable,
            note=note,
            missing_evidence_explanation=missing_evidence_explanation,
        )
        record(
            actor=by,
            action="assessments.score.save",
            obj=current,
            before=before,
            after=snapshot(current, SCORE_FIELDS),
        )
    return current


def apply_offline_changes(*, assessment: Assessment, by, changes: list[dict]) -> int:
    """Apply the previewed rows of an uploaded offline sheet, all or nothing.

    Each change: ``score_id``, ``version`` (as downloaded), ``raw_inputs``,
    ``not_applicable``, ``note``, ``missing_evidence_explanation``. Any leaf changed by
    someone else since the download refuses the whole upload.
    """
    with transaction.atomic():
        sheet = _locked_sheet(assessment)
        _editable_sheet_or_refuse(sheet)
        assignments = list(sheet.assignments.all())
        stale: list[str] = []
        count = 0
        for change in changes:
            current = _locked_score(change["score_id"])
            if current.assessment_id != sheet.pk:
                raise PermissionDenied(_("You may not change this criterion."))
            _check_leaf_permission(by, current, assignments)
            if current.version != int(change["version"]):
                stale.append(current.criterion.code)
                continue
            before = _apply_score(
                current,
                by=by,
                raw_inputs=change.get("raw_inputs"),
                not_applicable=change.get("not_applicable", False),
                note=change.get("note", ""),
                missing_evidence_explanation=change.get("missing_evidence_explanation", ""),
                only_if_changed=True,
            )
            if before is None:
                continue  # nothing to change on this leaf: neither written nor counted
            record(
                actor=by,
                action="assessments.score.save",
                obj=current,
                before=before,
                after=snapshot(current, SCORE_FIELDS),
                note=_("offline sheet upload"),
            )
            count += 1
        if stale:
            raise ValidationError(
                _(
                    "These criteria were changed by someone else after you downloaded the file: %(codes)s. "
                    "Nothing was saved; download the sheet again."
                )
                % {"codes": ", ".join(stale)},
                code="stale",
            )
    return count


def apply_offline_upload(*, upload, by) -> int:
    """Apply a checked offline upload (``OfflineUpload``) once; return the leaves written."""
    from parindex.assessments.models import OfflineUpload

    with transaction.atomic():
        current = OfflineUpload.objects.select_for_update().get(pk=upload.pk)
        if current.user_id != getattr(by, "pk", None):
            raise PermissionDenied(_("Only the person who uploaded the file may apply it."))
        if current.applied_at is not None:
            raise ValidationError(_("These changes have already been applied."), code="applied")
        count = apply_offline_changes(assessment=current.assessment, by=by, changes=current.changes)
        current.applied_at = timezone.now()
        current.applied_count = count
        current.save(update_fields=["applied_at", "applied_count"])
    return count


# --- evidence ---------------------------------------------------------------------------------


def _leaf_for_evidence(score: Score, by) -> Score:
    current = Score.objects.select_related("criterion", "assessment__round", "assessment__unit").get(
        pk=score.pk
    )
    _check_leaf_permission(by, current)
    _editable_sheet_or_refuse(current.assessment)
    if is_survey(current.criterion.method, current.criterion.source):
        raise ValidationError(_("This criterion is scored from survey results and cannot be self-scored."))
    return current


def upload_evidence(
    *,
    score: Score,
    by,
    uploaded_file,
    short_name: str,
    page_ref: str = "",
    doc_number: str = "",
    doc_date: dt.date | None = None,
    issuer: str = "",
) -> Evidence:
    """Upload a file as evidence of one leaf; its name is generated from the criterion code."""
    from parindex.assessments.evidence import store_upload

    current = _leaf_for_evidence(score, by)
    sheet = current.assessment
    evidence = None
    try:
        with transaction.atomic():
            evidence = store_upload(
                unit=sheet.unit,
                year=sheet.round.year,
                uploaded_file=uploaded_file,
                short_name=short_name,
                purpose=current.criterion.code,
                by=by,
                name_template=sheet.round.evidence_name_template,
                doc_number=doc_number,
                doc_date=doc_date,
                issuer=issuer,
                page_ref=page_ref,
            )
            link = EvidenceLink.objects.create(
                score=current, evidence=evidence, page_ref=page_ref, created_by=by
            )
            record(
                actor=by,
                action="assessments.evidence.upload",
                obj=evidence,
                after={
                    **snapshot(
                        evidence,
                        ["generated_name", "original_name", "sha256", "size", "content_type", "file"],
                    ),
                    "score": current.pk,
                    "link": link.pk,
                },
            )
    except BaseException:
        if evidence is not None and evidence.file:
            evidence.file.storage.delete(evidence.file.name)
        raise
    return evidence


def add_reference(
    *,
    score: Score,
    by,
    short_name: str,
    doc_number: str = "",
    doc_date: dt.date | None = None,
    issuer: str = "",
    url: str = "",
    page_ref: str = "",
) -> Evidence:
    """Evidence without a file: a document cited by number/symbol, date and issuer, or a link."""
    current = _leaf_for_evidence(score, by)
    short_name = (short_name or "").strip()
    if not short_name:
        raise ValidationError(_("Give the document a short name."))
    if not (doc_number.strip() or url.strip()):
        raise ValidationError(_("A reference needs the document's number and symbol or a link."))
    sheet = current.assessment
    with transaction.atomic():
        evidence = Evidence.objects.create(
            unit=sheet.unit,
            year=sheet.round.year,
            short_name=short_name[:120],
            doc_number=doc_number.strip(),
            doc_date=doc_date,
            issuer=issuer.strip(),
            url=url.strip(),
            page_ref=page_ref.strip(),
            purpose=current.criterion.code,
            uploaded_by=by,
        )
        EvidenceLink.objects.create(
            score=current, evidence=evidence, page_ref=page_ref.strip(), created_by=by
        )
        record(
            actor=by,
            action="assessments.evidence.reference",
            obj=evidence,
            after={
                **snapshot(evidence, ["short_name", "doc_number", "doc_date", "issuer", "url", "page_ref"]),
                "score": current.pk,
            },
        )
    return evidence


def attach_evidence(*, score: Score, evidence: Evidence, by, page_ref: str = "") -> EvidenceLink:
    """Let an existing evidence of the unit and year support one more leaf."""
    current = _leaf_for_evidence(score, by)
    sheet = current.assessment
    if evidence.unit_id != sheet.unit_id or evidence.year != sheet.round.year:
        raise ValidationError(_("Only evidence of the same unit and year can be attached."))
    if EvidenceLink.objects.filter(score=current, evidence=evidence).exists():
        raise ValidationError(_("This evidence is already attached to this criterion."))
    with transaction.atomic():
        link = EvidenceLink.objects.create(
            score=current, evidence=evidence, page_ref=page_ref.strip(), created_by=by
        )
        record(
            actor=by,
            action="assessments.evidence.attach",
            obj=link,
            after={"score": current.pk, "evidence": evidence.pk, "page_ref": link.page_ref},
        )
    return link


def detach_evidence(*, link: EvidenceLink, by) -> None:
    """Remove an evidence from one leaf. The file itself stays (other leaves may use it)."""
    _leaf_for_evidence(link.score, by)
    with transaction.atomic():
        record(
            actor=by,
            action="assessments.evidence.detach",
            obj=link,
            before={"score": link.score_id, "evidence": link.evidence_id, "page_ref": link.page_ref},
        )
        link.delete()


# --- assignment ------------------------------------------------------------------------------


def assign(
    *, assessment: Assessment, criterion, by, officer=None, lead_unit: Unit | None = None
) -> Assignment:
    """The unit head gives a leaf or a whole area to an officer of the unit or to a lead department."""
    if not access.is_unit_head(by, assessment.unit):
        raise PermissionDenied(_("Only the head of the unit may assign criteria."))
    if (officer is None) == (lead_unit is None):
        raise ValidationError(_("Assign either an officer or a lead department, not both."))
    if criterion.framework_id != assessment.round.framework_id or not (
        criterion.is_leaf or criterion.depth == 1
    ):
        raise ValidationError(_("Only a scored criterion or a whole area can be assigned."))
    if officer is not None:
        is_member = (
            Membership.objects.active()
            .filter(user=officer, unit=assessment.unit, role__in=access.EDITOR_ROLES)
            .exists()
        )
        if not is_member:
            raise ValidationError(
                _("%(name)s is not an officer of this unit.") % {"name": officer.get_full_name()}
            )
    if lead_unit is not None:
        inside = lead_unit.pk != assessment.unit_id and lead_unit.path.startswith(assessment.unit.path)
        if not inside:
            raise ValidationError(
                _("A lead department must be a unit under %(unit)s.") % {"unit": assessment.unit.name}
            )
    existing = Assignment.objects.filter(
        assessment=assessment, criterion=criterion, officer=officer, lead_unit=lead_unit
    )
    if existing.exists():
        raise ValidationError(_("This criterion is already assigned to them."))
    with transaction.atomic():
        assignment = Assignment.objects.create(
            assessment=assessment, criterion=criterion, officer=officer, lead_unit=lead_unit, assigned_by=by
        )
        record(
            actor=by,
            action="assessments.assign",
            obj=assignment,
            after={
                "criterion": criterion.code,
                "officer": getattr(officer, "pk", None),
                "lead_unit": getattr(lead_unit, "pk", None),
            },
        )
    return assignment


def unassign(*, assignment: Assignment, by) -> None:
    if not access.is_unit_head(by, assignment.assessment.unit):
        raise PermissionDenied(_("Only the head of the unit may assign criteria."))
    with transaction.atomic():
        record(
            actor=by,
            action="assessments.unassign",
            obj=assignment,
            before={
                "criterion": assignment.criterion.code,
                "officer": assignment.officer_id,
                "lead_unit": assignment.lead_unit_id,
            },
        )
        assignment.delete()


# --- sheet workflow -----------------------------------------------------------------------------


def _locked_sheet(assessment: Assessment) -> Assessment:
    return (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("round", "unit")
        .get(pk=assessment.pk)
    )


def pending_submission(sheet: Assessment):
    """What submitting the sheet now stores: its leaves (fed leaves at their live value), the
    empty ones, those without evidence, the blockers and the total. The confirmation page and
    ``submit_assessment`` both call this one function, so the total the head confirms is the
    total submission stores."""
    from parindex.assessments.selectors import leaf_states

    return submission_check(leaf_states(sheet))


def submit_assessment(*, assessment: Assessment, by, now: dt.datetime | None = None) -> Assessment:
    """The unit head submits the sheet for appraisal (chốt điểm, đề nghị thẩm định).

    Refused when: not the head; already submitted; locked; past the deadline; or some leaf
    is scored above zero with neither evidence nor an explanation.
    """
    from parindex.assessments.feeds import refresh_fed_leaves

    now = now or timezone.now()
    with transaction.atomic():
        sheet = _locked_sheet(assessment)
        if not access.is_unit_head(by, sheet.unit):
            raise PermissionDenied(_("Only the head of the unit may submit the score sheet."))
        if sheet.status == Assessment.Status.SUBMITTED:
            raise ValidationError(_("The score sheet has already been submitted."), code="submitted")
        _editable_sheet_or_refuse(sheet, now)
        # What the confirmation page showed (``pending_submission``) is what is stored: the fed
        # leaves' live values are written now and frozen by the status change below.
        refresh_fed_leaves(sheet, by=by)
        check = pending_submission(sheet)
        if not check.can_submit:
            raise ValidationError(
                _("These criteria are scored above zero without evidence or an explanation: %(codes)s.")
                % {"codes": ", ".join(leaf.code for leaf in check.blockers)},
                code="missing_evidence",
            )
        before = snapshot(sheet, SHEET_FIELDS)
        sheet.status = Assessment.Status.SUBMITTED
        sheet.submitted_at = now
        sheet.submitted_by = by
        sheet.version += 1
        sheet.save(update_fields=["status", "submitted_at", "submitted_by", "version"])
        record(
            actor=by,
            action="assessments.sheet.submit",
            obj=sheet,
            before=before,
            after={**snapshot(sheet, SHEET_FIELDS), "total": check.total},
        )
    return sheet


def withdraw_assessment(
    *, assessment: Assessment, by, reason: str = "", now: dt.datetime | None = None
) -> Assessment:
    """The unit head takes a submitted sheet back to draft, until appraisal starts.

    Also refused after the deadline: a withdrawn sheet could not be submitted again.
    """
    now = now or timezone.now()
    with transaction.atomic():
        sheet = _locked_sheet(assessment)
        if not access.is_unit_head(by, sheet.unit):
            raise PermissionDenied(_("Only the head of the unit may withdraw the score sheet."))
        if sheet.status != Assessment.Status.SUBMITTED:
            raise ValidationError(_("Only a submitted score sheet can be withdrawn."))
        if sheet.round.status != Round.Status.OPEN:
            raise ValidationError(_("Appraisal has started; the score sheet can no longer be withdrawn."))
        if sheet.is_past_deadline(now):
            raise ValidationError(_("The deadline has passed; the score sheet can no longer be withdrawn."))
        before = snapshot(sheet, SHEET_FIELDS)
        sheet.status = Assessment.Status.DRAFT
        sheet.submitted_at = None
        sheet.submitted_by = None
        sheet.version += 1
        sheet.save(update_fields=["status", "submitted_at", "submitted_by", "version"])
        record(
            actor=by,
            action="assessments.sheet.withdraw",
            obj=sheet,
            before=before,
            after=snapshot(sheet, SHEET_FIELDS),
            note=reason,
        )
    return sheet


def lock_overdue(*, now: dt.datetime | None = None, by=None) -> int:
    """Lock every draft sheet of an open round whose deadline has passed; return how many.

    Idempotent (the scheduled job may run twice): locked sheets are not touched again.
    """
    now = now or timezone.now()
    count = 0
    candidates = Assessment.objects.filter(
        status=Assessment.Status.DRAFT, round__status=Round.Status.OPEN
    ).select_related("round")
    for sheet_id in [s.pk for s in candidates if s.is_past_deadline(now)]:
        with transaction.atomic():
            sheet = _locked_sheet(Assessment(pk=sheet_id))
            if sheet.status != Assessment.Status.DRAFT or not sheet.is_past_deadline(now):
                continue
            before = snapshot(sheet, SHEET_FIELDS)
            sheet.status = Assessment.Status.LOCKED
            sheet.locked_at = now
            sheet.version += 1
            sheet.save(update_fields=["status", "locked_at", "version"])
            record(
                actor=by,
                action="assessments.sheet.lock",
                obj=sheet,
                before=before,
                after=snapshot(sheet, SHEET_FIELDS),
                note=_("Deadline passed"),
            )
            count += 1
    return count


def run_lock_overdue() -> int:
    """Entry point of the periodic job (no arguments)."""
    return lock_overdue()


def reopen_assessment(*, assessment: Assessment, by, reason: str, until: dt.datetime) -> Assessment:
    """An index manager reopens a locked or submitted sheet with a reason and a new deadline."""
    if not reason or not reason.strip():
        raise ValidationError(_("Give the reason for reopening."))
    with transaction.atomic():
        sheet = _locked_sheet(assessment)
        if not access.can_manage_sheet(by, sheet):
            raise PermissionDenied(_("Only an index manager may reopen a score sheet."))
        if sheet.status == Assessment.Status.DRAFT and not sheet.is_past_deadline():
            raise ValidationError(_("The score sheet is already open."))
        if sheet.round.status != Round.Status.OPEN:
            raise ValidationError(_("Self-assessment of this round is closed."))
        if until <= timezone.now():
            raise ValidationError(_("The new deadline must be in the future."))
        before = snapshot(sheet, SHEET_FIELDS)
        sheet.status = Assessment.Status.DRAFT
        sheet.submitted_at = None
        sheet.submitted_by = None
        sheet.locked_at = None
        sheet.deadline_override = until
        sheet.version += 1
        sheet.save(
            update_fields=[
                "status",
                "submitted_at",
                "submitted_by",
                "locked_at",
                "deadline_override",
                "version",
            ]
        )
        record(
            actor=by,
            action="assessments.sheet.reopen",
            obj=sheet,
            before=before,
            after=snapshot(sheet, SHEET_FIELDS),
            note=reason.strip(),
        )
        from parindex.assessments.feeds import refresh_fed_leaves

        refresh_fed_leaves(sheet, by=by)  # live again: fed leaves follow their source
    return sheet


def next_round_number(owner_unit: Unit, framework, year: int) -> int:
    """1 for the first round of a year, 2 for the second… (used to suggest a name)."""
    return Round.objects.filter(owner_unit=owner_unit, framework=framework, year=year).count() + 1
