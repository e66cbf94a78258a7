"""Workflow steps of remediation. Each checks the permission, changes the state and writes the audit
row in one transaction; a refused step raises ``PermissionDenied`` (views answer 403) and wrong input
raises ``ValidationError`` with a translated message (nothing is written).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from parindex.core.audit import record, snapshot
from parindex.remediation import access, logic
from parindex.remediation.models import (
    Inspection,
    MaintenanceItem,
    ProgressNote,
    RemediationItem,
    RemediationPlan,
    Target,
)

Status = RemediationPlan.Status
ItemStatus = RemediationItem.Status

PLAN_FIELDS = ("title", "number", "document_date")
MAINTENANCE_FIELDS = ("measures", "lead_text", "coordinators_text", "deadline")
ITEM_FIELDS = (
    "shortcoming",
    "cause",
    "solution",
    "lead_unit",
    "lead_official",
    "lead_text",
    "coordinators_text",
    "deadline",
    "expected_result",
)
ITEM_AUDIT = (
    "status",
    "shortcoming",
    "cause",
    "solution",
    "lead_unit_id",
    "lead_official_id",
    "lead_text",
    "coordinators_text",
    "deadline",
    "expected_result",
    "cannot_reason",
    "result_text",
    "completed_on",
    "verified_at",
    "verified_by_id",
    "verification_note",
)


def _deny(message: str | None = None):
    raise PermissionDenied(message or _("You may not do this."))


def _require_editable(plan: RemediationPlan) -> None:
    if plan.status == Status.APPROVED:
        raise ValidationError(_("This plan is approved; reopen it before changing it."))
    if plan.status == Status.SUBMITTED:
        raise ValidationError(
            _("This plan has been submitted for approval; it can be changed only after it is returned.")
        )


def _check_deadline(deadline: dt.date | None, start: dt.date | None, *, field: str = "deadline") -> None:
    if deadline and start and deadline < start:
        raise ValidationError(
            {
                field: _("The deadline %(deadline)s must not be before the plan date %(date)s.")
                % {"deadline": deadline.strftime("%d/%m/%Y"), "date": start.strftime("%d/%m/%Y")}
            }
        )


def _excluded_sources(framework) -> set[str]:
    if framework is None:
        return {"survey"}
    return set(framework.excluded_sources_for_remediation or [])


def _leaf_source(criterion) -> str:
    if criterion is None:
        return "self"
    return "survey" if criterion.is_survey else criterion.source


def _next_number(unit, year: int, source: str = RemediationItem.Source.APPENDIX) -> int:
    """The next number of the unit's list of ``source`` in ``year``: the next STT of Phụ lục II, or the
    next "tồn tại N" after the findings already recorded (a second conclusion continues the list).
    Callers hold the unit's row lock (``_lock_unit``)."""
    current = RemediationItem.objects.filter(unit=unit, year=year, source=source).aggregate(n=Max("number"))[
        "n"
    ]
    return (current or 0) + 1


def _lock_unit(unit) -> None:
    """Serialise numbering of a unit's shortcomings (two findings recorded at once get 4 and 5, not 4 twice)."""
    from parindex.units.models import Unit

    list(Unit.objects.select_for_update().filter(pk=unit.pk).values_list("pk", flat=True))


def _after_item_change(item: RemediationItem, by) -> None:
    """Open score sheets with a remediation-fed leaf follow the items (like plan-fed leaves)."""
    from parindex.remediation.integration import refresh_open_sheets

    transaction.on_commit(lambda: refresh_open_sheets(item.unit, item.year, by=by))


# --- generation ---------------------------------------------------------------------------------


def _shortcoming_inputs(result) -> tuple[dict[int, list[logic.Appraised]], dict[int, str]]:
    """criterion_id → the appraisal entries of the unit's sheet (both rounds), and criterion_id → the unit's
    own note on its self score; the raw inputs of ``logic.shortcoming_text``. Two queries."""
    from parindex.appraisals.models import AppraisalEntry
    from parindex.assessments.models import Score

    round_id = result.publication.round_id
    if round_id is None:
        return {}, {}
    entries: dict[int, list[logic.Appraised]] = {}
    for criterion_id, number, points, reason in AppraisalEntry.objects.filter(
        sheet__assessment__round_id=round_id, sheet__assessment__unit_id=result.unit_id
    ).values_list("criterion_id", "round_number", "points", "reason"):
        entries.setdefault(criterion_id, []).append(logic.Appraised(number, points, reason or ""))
    notes = dict(
        Score.objects.filter(assessment__round_id=round_id, assessment__unit_id=result.unit_id)
        .exclude(note="")
        .values_list("criterion_id", "note")
    )
    return entries, notes


def generate_plan(*, result, by, year: int | None = None) -> RemediationPlan:
    """Draft Phụ lục I and II from a published result of ``result.unit``.

    Every leaf lands in exactly one appendix, except excluded sources (survey) and leaves marked
    not applicable (``logic.appendix_for``). The stated shortcoming is why the points were lost
    (``logic.shortcoming_text``: the final appraisal's deduction reason, else the unit's own note on a
    self-deducted leaf, else empty — never an approving remark); lead and coordinators come from the
    framework; deadlines default to 31/12 of the plan year.
    """
    from parindex.results.models import Publication
    from parindex.results.scoring import lost_points

    unit = result.unit
    if not access.can_edit(by, unit):
        _deny()
    publication = result.publication
    if publication.status != Publication.Status.PUBLISHED:
        raise ValidationError(_("A remediation plan is generated from published results only."))
    year = year or result.year + 1
    if year <= result.year:
        raise ValidationError({"year": _("The plan must be for a year after the assessed year.")})
    framework = publication.framework
    excluded = _excluded_sources(framework)
    areas = {a.get("code"): a.get("title", "") for a in (publication.areas or [])}
    leaves = list(result.leaves.select_related("criterion").order_by("order"))
    entries, notes = _shortcoming_inputs(result)
    deadline = dt.date(year, 12, 31)
    with transaction.atomic():
        _lock_unit(unit)
        if RemediationPlan.objects.filter(unit=unit, year=year).exists():
            raise ValidationError({"year": _("This unit already has a remediation plan for this year.")})
        plan = RemediationPlan.objects.create(
            unit=unit,
            year=year,
            assessed_year=result.year,
            result=result,
            round_id=publication.round_id,
            framework=framework,
            created_by=by,
        )
        number = _next_number(unit, year)
        maintain, remediate = [], []
        for order, leaf in enumerate(leaves):
            criterion = leaf.criterion
            source = "survey" if leaf.is_survey else _leaf_source(criterion)
            where = logic.appendix_for(
                max_points=leaf.max_points,
                final_points=leaf.final_points,
                not_applicable=leaf.not_applicable,
                source=source,
                excluded_sources=excluded,
            )
            common = dict(
                criterion=criterion,
                order=order,
                code=leaf.code,
                title=leaf.title,
                area_title=areas.get(leaf.area_code, leaf.area_code),
                max_points=leaf.max_points,
                points=leaf.final_points,
                lead_text=(criterion.lead_text if criterion else "")[:255],
                coordinators_text=(criterion.coordinators_text if criterion else "")[:500],
                deadline=deadline,
            )
            if where == logic.MAINTAIN:
                maintain.append(MaintenanceItem(plan=plan, **common))
            elif where == logic.REMEDIATE:
                lost = lost_points(leaf.max_points, leaf.self_points, leaf.final_points)
                remediate.append(
                    RemediationItem(
                        unit=unit,
                        year=year,
                        number=number,
                        source=RemediationItem.Source.APPENDIX,
                        plan=plan,
                        lost_by_appraisal=lost.by_appraisal
                        if lost.by_appraisal and lost.by_appraisal > 0
                        else None,
                        lost_by_self=lost.by_self if lost.by_self and lost.by_self > 0 else None,
                        shortcoming=logic.shortcoming_text(
                            entries=entries.get(criterion.pk, ()) if criterion else (),
                            max_points=leaf.max_points,
                            self_points=leaf.self_points,
                            unit_note=notes.get(criterion.pk, "") if criterion else "",
                        ),
                        **common,
                    )
                )
                number += 1
        MaintenanceItem.objects.bulk_create(maintain)
        RemediationItem.objects.bulk_create(remediate)
        record(
            actor=by,
            action="remediation.generate_plan",
            obj=plan,
            after={"result": result.pk, "year": year, "maintain": len(maintain), "remediate": len(remediate)},
        )
    return plan


# --- the plan -------------------------------------------------------------------------------------


def update_plan(plan: RemediationPlan, *, by, **changes) -> RemediationPlan:
    if not access.can_edit(by, plan.unit):
        _deny()
    unknown = set(changes) - set(PLAN_FIELDS)
    if unknown:
        raise TypeError(f"unknown plan fields: {sorted(unknown)}")
    with transaction.atomic():
        plan = RemediationPlan.objects.select_for_update().get(pk=plan.pk)
        _require_editable(plan)
        new_date = changes.get("document_date", plan.document_date)
        if new_date:
            earliest = list(
                plan.remediation_items.exclude(deadline=None)
                .order_by("deadline")
                .values_list("deadline", flat=True)[:1]
            ) + list(
                plan.maintenance_items.exclude(deadline=None)
                .order_by("deadline")
                .values_list("deadline", flat=True)[:1]
            )
            if earliest and min(earliest) < new_date:
                raise ValidationError(
                    {
                        "document_date": _(
                            "Some deadlines in the plan (the earliest %(deadline)s) are before this date; change them first."
                        )
                        % {"deadline": min(earliest).strftime("%d/%m/%Y")}
                    }
                )
        before = snapshot(plan, PLAN_FIELDS)
        for name, value in changes.items():
            setattr(plan, name, value.strip() if isinstance(value, str) else value)
        plan.save()
        record(
            actor=by,
            action="remediation.update_plan",
            obj=plan,
            before=before,
            after=snapshot(plan, PLAN_FIELDS),
        )
    return plan


def update_maintenance_item(item: MaintenanceItem, *, by, **changes) -> MaintenanceItem:
    if not access.can_edit(by, item.plan.unit):
        _deny()
    unknown = set(changes) - set(MAINTENANCE_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    with transaction.atomic():
        plan = RemediationPlan.objects.select_for_update().get(pk=item.plan_id)
        _require_editable(plan)
        _check_deadline(changes.get("deadline", item.deadline), plan.document_date)
        before = snapshot(item, MAINTENANCE_FIELDS)
        for name, value in changes.items():
            setattr(item, name, value)
        item.save()
        record(
            actor=by,
            action="remediation.update_maintenance_item",
            obj=item,
            before=before,
            after=snapshot(item, MAINTENANCE_FIELDS),
        )
    return item


def _check_item_fields(item: RemediationItem, changes: dict, plan: RemediationPlan | None) -> None:
    start = plan.document_date if plan else (item.inspection.inspected_on if item.inspection_id else None)
    _check_deadline(changes.get("deadline", item.deadline), start)
    lead_unit = changes.get("lead_unit")
    if (
        lead_unit is not None
        and lead_unit.pk != item.unit_id
        and item.unit_id not in lead_unit.ancestor_ids()
    ):
        raise ValidationError(
            {"lead_unit": _("The lead unit must be the unit itself or one of its departments.")}
        )


def update_item(item: RemediationItem, *, by, **changes) -> RemediationItem:
    """Change what a shortcoming item says (cause, solution, lead, deadline…) while its plan is editable."""
    if not access.can_edit(by, item.unit):
        _deny()
    unknown = set(changes) - set(ITEM_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    with transaction.atomic():
        item = (
            RemediationItem.objects.select_for_update(of=("self",))
            .select_related("inspection")
            .get(pk=item.pk)
        )
        plan = RemediationPlan.objects.select_for_update().get(pk=item.plan_id) if item.plan_id else None
        if plan is not None:
            _require_editable(plan)
        _check_item_fields(item, changes, plan)
        before = snapshot(item, ITEM_AUDIT)
        for name, value in changes.items():
            setattr(item, name, value.strip() if isinstance(value, str) else value)
        item.updated_at = timezone.now()
        item.save()
        record(
            actor=by,
            action="remediation.update_item",
            obj=item,
            before=before,
            after=snapshot(item, ITEM_AUDIT),
        )
    return item


def add_item(plan: RemediationPlan, *, by, criterion, **fields) -> RemediationItem:
    """Add a criterion to Phụ lục II by hand (e.g. one the unit wants to improve). Survey leaves are refused."""
    if not access.can_edit(by, plan.unit):
        _deny()
    if (
        criterion is None
        or not criterion.is_leaf
        or (plan.framework_id and criterion.framework_id != plan.framework_id)
    ):
        raise ValidationError({"criterion": _("Choose a scored criterion of the plan's criteria framework.")})
    if _leaf_source(criterion) in _excluded_sources(plan.framework):
        raise ValidationError(
            {
                "criterion": _(
                    "Criterion %(code)s is scored by a sociological survey; survey criteria are not part of a remediation "
                    "plan."
                )
                % {"code": criterion.code}
            }
        )
    with transaction.atomic():
        _lock_unit(plan.unit)
        plan = RemediationPlan.objects.select_for_update().get(pk=plan.pk)
        _require_editable(plan)
        if (
            plan.remediation_items.filter(criterion=criterion).exists()
            or plan.maintenance_items.filter(criterion=criterion).exists()
        ):
            raise ValidationError({"criterion": _("This criterion is already in the plan.")})
        item = RemediationItem(
            unit=plan.unit,
            year=plan.year,
            number=_next_number(plan.unit, plan.year),
            plan=plan,
            source=RemediationItem.Source.APPENDIX,
            criterion=criterion,
            code=criterion.code,
            title=criterion.title,
            area_title=criterion.area.title if criterion.area_id else "",
            max_points=criterion.max_points,
            order=10_000 + plan.remediation_items.count(),
        )
        _check_item_fields(item, fields, plan)
        for name, value in fields.items():
            if name not in ITEM_FIELDS:
                raise TypeError(f"unknown field {name}")
            setattr(item, name, value)
        item.save()
        record(actor=by, action="remediation.add_item", obj=item, after=snapshot(item, ITEM_AUDIT))
    return item


def submit_plan(plan: RemediationPlan, *, by) -> RemediationPlan:
    if not access.is_head(by, plan.unit):
        _deny(_("Only the head of the unit may submit the plan."))
    with transaction.atomic():
        plan = RemediationPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status not in RemediationPlan.EDITABLE:
            raise ValidationError(_("This plan is not a draft; it cannot be submitted."))
        missing = plan.remediation_items.filter(solution="").values_list("number", flat=True)
        if missing:
            raise ValidationError(
                _("Write a solution for every shortcoming before submitting (missing: %(list)s).")
                % {"list": ", ".join(str(n) for n in missing[:10])}
            )
        before = {"status": plan.status}
        plan.status, plan.submitted_at, plan.submitted_by = Status.SUBMITTED, timezone.now(), by
        plan.save()
        record(
            actor=by, action="remediation.submit_plan", obj=plan, before=before, after={"status": plan.status}
        )
    return plan


def approve_plan(plan: RemediationPlan, *, by) -> RemediationPlan:
    if not access.manages_above(by, plan.unit):
        _deny(_("Only an index manager of a higher unit may approve this plan."))
    with transaction.atomic():
        plan = RemediationPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status != Status.SUBMITTED:
            raise ValidationError(_("Only a submitted plan can be approved or returned."))
        plan.status, plan.decided_at, plan.decided_by, plan.return_comment = (
            Status.APPROVED,
            timezone.now(),
            by,
            "",
        )
        plan.save()
        record(
            actor=by,
            action="remediation.approve_plan",
            obj=plan,
            before={"status": Status.SUBMITTED},
            after={"status": plan.status},
        )
    return plan


def return_plan(plan: RemediationPlan, *, by, comment: str) -> RemediationPlan:
    if not access.manages_above(by, plan.unit):
        _deny(_("Only an index manager of a higher unit may return this plan."))
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Write what must be changed before returning the plan.")})
    with transaction.atomic():
        plan = RemediationPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status != Status.SUBMITTED:
            raise ValidationError(_("Only a submitted plan can be approved or returned."))
        plan.status, plan.decided_at, plan.decided_by, plan.return_comment = (
            Status.RETURNED,
            timezone.now(),
            by,
            comment,
        )
        plan.save()
        record(
            actor=by,
            action="remediation.return_plan",
            obj=plan,
            before={"status": Status.SUBMITTED},
            after={"status": plan.status, "comment": comment},
        )
    return plan


def reopen_plan(plan: RemediationPlan, *, by, reason: str) -> RemediationPlan:
    if not (access.is_head(by, plan.unit) or access.manages_above(by, plan.unit)):
        _deny()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for reopening the plan.")})
    with transaction.atomic():
        plan = RemediationPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status != Status.APPROVED:
            raise ValidationError(_("Only an approved plan can be reopened."))
        plan.status, plan.reopen_reason = Status.REOPENED, reason
        plan.save()
        record(
            actor=by,
            action="remediation.reopen_plan",
            obj=plan,
            before={"status": Status.APPROVED},
            after={"status": plan.status, "reason": reason},
        )
    return plan


def report_results(plan: RemediationPlan, *, by) -> RemediationPlan:
    """The head sends the remediation-results report (the requests app's "remediation_results" deliverable)."""
    if not access.is_head(by, plan.unit):
        _deny(_("Only the head of the unit may send the results report."))
    with transaction.atomic():
        plan = RemediationPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status != Status.APPROVED:
            raise ValidationError(_("Report results of an approved plan."))
        plan.results_reported_at = timezone.now()
        plan.save(update_fields=["results_reported_at"])
        record(
            actor=by, action="remediation.report_results", obj=plan, after={"at": plan.results_reported_at}
        )
    return plan


# --- inspections -------------------------------------------------------------------------------


def record_inspection(
    *,
    owner_unit,
    by,
    decision_number: str,
    inspected_on: dt.date,
    units: Iterable,
    decision_date: dt.date | None = None,
    title: str = "",
    conclusion: str = "",
) -> Inspection:
    if not access.can_inspect(by, owner_unit):
        _deny(_("Only an index manager of the inspecting unit may record an inspection."))
    units = list(units)
    decision_number = (decision_number or "").strip()
    if not decision_number:
        raise ValidationError({"decision_number": _("Enter the number of the inspection decision.")})
    if not units:
        raise ValidationError({"units": _("Choose at least one inspected unit.")})
    outside = [u.name for u in units if owner_unit.pk not in u.ancestor_ids()]
    if outside:
        raise ValidationError(
            {
                "units": _("These units are not under the inspecting unit: %(list)s.")
                % {"list": ", ".join(outside)}
            }
        )
    if decision_date and inspected_on and inspected_on < decision_date:
        raise ValidationError({"inspected_on": _("The inspection cannot take place before its decision.")})
    with transaction.atomic():
        inspection = Inspection.objects.create(
            owner_unit=owner_unit,
            decision_number=decision_number,
            decision_date=decision_date,
            inspected_on=inspected_on,
            title=title.strip(),
            conclusion=conclusion.strip(),
            created_by=by,
        )
        inspection.units.set(units)
        record(
            actor=by,
            action="remediation.record_inspection",
            obj=inspection,
            after={
                **snapshot(inspection, ("decision_number", "decision_date", "inspected_on", "title")),
                "units": [u.pk for u in units],
            },
        )
    return inspection


def add_finding(
    inspection: Inspection,
    *,
    unit,
    by,
    shortcoming: str,
    deadline: dt.date,
    solution: str = "",
    lead_text: str = "",
    criterion=None,
    number: int | None = None,
) -> RemediationItem:
    """A finding of the inspection for one inspected unit: "tồn tại N" of the unit's list of the year.

    ``number`` is the number the conclusion gives the shortcoming ("tồn tại 2 theo kết luận"); it is
    kept, and refused if the unit's list of that year already has it. Without it the finding takes
    the next number of the unit's list (1, 2, … in the order of the conclusions). Phụ lục II rows do
    not take numbers from this list (they are named by their criterion).
    """
    if not access.can_inspect(by, inspection.owner_unit):
        _deny(_("Only an index manager of the inspecting unit may record findings."))
    shortcoming = (shortcoming or "").strip()
    if not shortcoming:
        raise ValidationError({"shortcoming": _("Describe the shortcoming.")})
    if deadline is None:
        raise ValidationError({"deadline": _("Give the deadline for remedying the shortcoming.")})
    if deadline < inspection.inspected_on:
        raise ValidationError(
            {
                "deadline": _("The deadline %(deadline)s must not be before the inspection date %(date)s.")
                % {
                    "deadline": deadline.strftime("%d/%m/%Y"),
                    "date": inspection.inspected_on.strftime("%d/%m/%Y"),
                }
            }
        )
    if not inspection.units.filter(pk=unit.pk).exists():
        raise ValidationError({"unit": _("This unit was not inspected in this inspection.")})
    if number is not None and number < 1:
        raise ValidationError({"number": _("The shortcoming number is 1 or more.")})
    year = inspection.inspected_on.year
    finding = RemediationItem.Source.INSPECTION
    with transaction.atomic():
        _lock_unit(unit)
        if number is not None:
            taken = (
                RemediationItem.objects.filter(unit=unit, year=year, source=finding, number=number)
                .select_related("inspection")
                .first()
            )
            if taken is not None:
                raise ValidationError(
                    {
                        "number": _(
                            "Shortcoming %(number)s is already in the list of %(unit)s for %(year)s "
                            "(%(source)s); enter another number or leave it empty to number it automatically."
                        )
                        % {
                            "number": number,
                            "unit": unit.name,
                            "year": year,
                            "source": taken.inspection.conclusion or taken.inspection.decision_number,
                        }
                    }
                )
            finding_number = number
        else:
            number = _next_number(unit, year, finding)
            finding_number = inspection.findings.filter(unit=unit).count() + 1
        item = RemediationItem.objects.create(
            unit=unit,
            year=year,
            number=number,
            source=finding,
            inspection=inspection,
            finding_number=finding_number,
            title=shortcoming,
            shortcoming=shortcoming,
            solution=solution.strip(),
            lead_text=lead_text.strip(),
            deadline=deadline,
            criterion=criterion,
            code=criterion.code if criterion else "",
            order=20_000 + finding_number,
        )
        record(actor=by, action="remediation.add_finding", obj=item, after=snapshot(item, ITEM_AUDIT))
        _after_item_change(item, by)
    return item


# --- carrying out the items -----------------------------------------------------------------------


def _require_reporter(by, item):
    if not access.can_report(by, item):
        _deny()


def update_progress(
    item: RemediationItem, *, by, status: str | None = None, note: str = ""
) -> RemediationItem:
    """Set the item in progress / not started and/or write a progress note."""
    _require_reporter(by, item)
    note = (note or "").strip()
    if status not in (None, "", ItemStatus.NOT_STARTED, ItemStatus.IN_PROGRESS):
        raise ValidationError(
            {"status": _("Use “record the result” to finish an item and “cannot be done” to give it up.")}
        )
    if not status and not note:
        raise ValidationError({"note": _("Write a progress note or change the status.")})
    with transaction.atomic():
        item = RemediationItem.objects.select_for_update().get(pk=item.pk)
        if item.is_verified:
            raise ValidationError(_("This shortcoming has been verified; its result can no longer change."))
        before = snapshot(item, ITEM_AUDIT)
        if status:
            item.status = status
            if status != ItemStatus.DONE:
                item.completed_on = None
            item.cannot_reason = ""
        item.updated_at = timezone.now()
        item.save()
        if note:
            ProgressNote.objects.create(item=item, text=note, created_by=by)
        record(
            actor=by,
            action="remediation.update_progress",
            obj=item,
            before=before,
            after={**snapshot(item, ITEM_AUDIT), "note": note},
        )
        _after_item_change(item, by)
    return item


def record_result(
    item: RemediationItem,
    *,
    by,
    result_text: str,
    completed_on: dt.date | None = None,
    uploads: Iterable[tuple] = (),
    evidence: Iterable = (),
) -> RemediationItem:
    """The shortcoming is remedied: result, completion date and evidence.

    ``uploads`` are ``(uploaded_file, short_name)`` pairs stored through the assessments evidence
    store with the seed's name: ``<Tên đơn vị>-KQ khac phuc ton tai <N>-<tên ngắn gọn>`` for a finding,
    ``<Tên đơn vị>-KQ khac phuc tieu chi <mã>-<tên ngắn gọn>`` for a Phụ lục II row (``evidence_purpose``).
    """
    from parindex.assessments.evidence import store_upload
    from parindex.assessments.models import Evidence

    _require_reporter(by, item)
    result_text = (result_text or "").strip()
    if not result_text:
        raise ValidationError({"result_text": _("Describe the result of the remediation.")})
    completed_on = completed_on or timezone.localdate()
    if completed_on > timezone.localdate():
        raise ValidationError({"completed_on": _("The completion date cannot be in the future.")})
    existing = list(evidence)
    for ev in existing:
        if ev.unit_id != item.unit_id:
            raise ValidationError({"evidence": _("Evidence must belong to the unit.")})
    stored: list = []
    try:
        with transaction.atomic():
            item = RemediationItem.objects.select_for_update().get(pk=item.pk)
            if item.is_verified:
                raise ValidationError(
                    _("This shortcoming has been verified; its result can no longer change.")
                )
            before = snapshot(item, ITEM_AUDIT)
            for uploaded, short_name in uploads:
                stored.append(
                    store_upload(
                        unit=item.unit,
                        year=item.year,
                        uploaded_file=uploaded,
                        short_name=short_name,
                        purpose=item.evidence_purpose,
                        by=by,
                    )
                )
            item.status, item.result_text, item.completed_on, item.cannot_reason = (
                ItemStatus.DONE,
                result_text,
                completed_on,
                "",
            )
            item.updated_at = timezone.now()
            item.save()
            item.evidence.add(*existing, *stored)
            record(
                actor=by,
                action="remediation.record_result",
                obj=item,
                before=before,
                after={**snapshot(item, ITEM_AUDIT), "evidence": [e.pk for e in (*existing, *stored)]},
            )
            _after_item_change(item, by)
    except BaseException:
        # The rows rolled back; the files written by store_upload must go too.
        for ev in stored:
            if not Evidence.objects.filter(pk=ev.pk).exists() and ev.file:
                ev.file.storage.delete(ev.file.name)
        raise
    return item


def mark_cannot(item: RemediationItem, *, by, reason: str) -> RemediationItem:
    _require_reporter(by, item)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason why the shortcoming cannot be remedied.")})
    with transaction.atomic():
        item = RemediationItem.objects.select_for_update().get(pk=item.pk)
        if item.is_verified:
            raise ValidationError(_("This shortcoming has been verified; its result can no longer change."))
        before = snapshot(item, ITEM_AUDIT)
        item.status, item.cannot_reason, item.completed_on = ItemStatus.CANNOT, reason, None
        item.updated_at = timezone.now()
        item.save()
        record(
            actor=by,
            action="remediation.mark_cannot",
            obj=item,
            before=before,
            after=snapshot(item, ITEM_AUDIT),
        )
        _after_item_change(item, by)
    return item


def verify_item(item: RemediationItem, *, by, note: str = "") -> RemediationItem:
    """The level above confirms the result. Refused without evidence or before the item is done."""
    if not access.manages_above(by, item.unit):
        _deny(_("Only an index manager of a higher unit may verify a result."))
    with transaction.atomic():
        item = RemediationItem.objects.select_for_update().get(pk=item.pk)
        if item.status != ItemStatus.DONE:
            raise ValidationError(_("Only a remedied shortcoming can be verified."))
        if not item.evidence.exists():
            raise ValidationError(
                _(
                    "This result has no evidence; it cannot be verified. Ask the unit to attach the "
                    "evidence first."
                )
            )
        if item.is_verified:
            raise ValidationError(_("This result is already verified."))
        before = snapshot(item, ITEM_AUDIT)
        item.verified_at, item.verified_by, item.verification_note = timezone.now(), by, (note or "").strip()
        item.save()
        record(
            actor=by,
            action="remediation.verify_item",
            obj=item,
            before=before,
            after=snapshot(item, ITEM_AUDIT),
        )
    return item


# --- targets -------------------------------------------------------------------------------------


def set_target(
    *,
    unit,
    year: int,
    by,
    index_percent: Decimal | None = None,
    class_label: str = "",
    rank: int | None = None,
    commitments: str = "",
) -> Target:
    if not access.can_edit(by, unit):
        _deny()
    if index_percent is not None and not (Decimal(0) <= index_percent <= Decimal(100)):
        raise ValidationError({"index_percent": _("The target index is a percentage between 0 and 100.")})
    if rank is not None and rank < 1:
        raise ValidationError({"rank": _("The target rank is 1 or more.")})
    if index_percent is None and not class_label and rank is None:
        raise ValidationError(_("Set at least one of: target index, class or rank."))
    with transaction.atomic():
        target = Target.objects.select_for_update().filter(unit=unit, year=year).first()
        before = snapshot(target, ("index_percent", "class_label", "rank", "commitments")) if target else None
        if target is None:
            target = Target(unit=unit, year=year)
        target.index_percent, target.class_label, target.rank = index_percent, class_label.strip(), rank
        target.commitments, target.set_by, target.set_at = commitments.strip(), by, timezone.now()
        target.save()
        record(
            actor=by,
            action="remediation.set_target",
            obj=target,
            before=before,
            after=snapshot(target, ("year", "index_percent", "class_label", "rank", "commitments")),
        )
    return target
