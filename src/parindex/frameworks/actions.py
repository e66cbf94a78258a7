"""Workflow steps on frameworks. Each checks permission, changes state and writes the audit
row in one transaction.

Who may change a framework: index managers (Sở/Phòng Nội vụ) of its owner unit or of an
ancestor, and admins. A framework is *locked* when the first assessment round is opened
on it (``lock_framework``, called by the assessments app): from then on every edit that
could change a score, an index, a class or a rank is refused, and the manager copies it
into a new version instead. Texts (titles, scoring wording, evidence guidance, lead and
coordinators) stay editable after locking: correcting a typo in the published wording
does not change any number, and officers read those texts while scoring.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from parindex.core.audit import record, snapshot
from parindex.core.spreadsheets import RowError, SpreadsheetError
from parindex.frameworks.models import Band, Criterion, CriterionMapping, Framework
from parindex.frameworks.transfer import framework_to_data
from parindex.frameworks.validation import FrameworkData, validate_framework
from parindex.units.visibility import has_role

HEADER_SCORE_FIELDS = (
    "max_total",
    "allow_over_max",
    "tie_policy",
    "published_points",
    "bonus_cap",
    "penalty_cap",
    "excluded_sources_for_remediation",
)
HEADER_TEXT_FIELDS = (
    "name",
    "decision_number",
    "decision_date",
    "issuing_body",
    "unit_kinds",
    "valid_from_year",
    "valid_to_year",
    "description",
)
CRITERION_SCORE_FIELDS = ("max_points", "method", "params", "source", "allow_not_applicable")
CRITERION_TEXT_FIELDS = ("title", "rule_text", "evidence_text", "lead_text", "coordinators_text")


class FrameworkLocked(Exception):
    """A score-altering change was asked of a locked framework."""

    def __init__(self, framework: Framework):
        super().__init__(
            _(
                "The framework “%(name)s” is locked because assessment rounds use it (since %(date)s). "
                "Changes that alter points cannot be made; copy it into a new version instead."
            )
            % {"name": framework.name, "date": timezone.localtime(framework.locked_at).strftime("%d/%m/%Y")}
        )


def can_manage_unit(user, unit) -> bool:
    """Index managers of ``unit`` or an ancestor, and admins, may create frameworks owned by it."""
    return has_role(user, unit, "index_manager", inherited=True)


def _require_manager(user, unit) -> None:
    """``user=None`` is the system itself (management commands, the demo): always allowed."""
    if user is None:
        return
    if not can_manage_unit(user, unit):
        raise PermissionDenied(_("Only index managers of the issuing unit may change its frameworks."))


def _write_tree(framework: Framework, data: FrameworkData) -> None:
    """Create the criteria and bands of ``data`` under ``framework`` (which has none)."""
    by_code: dict[str, Criterion] = {}
    from parindex.frameworks.validation import resolve_parent

    for position, item in enumerate(data.criteria, start=1):
        parent_code = resolve_parent(item)
        by_code[item.code] = Criterion(
            framework=framework,
            code=item.code,
            title=item.title,
            max_points=item.max_points,
            method=item.method if item.method else "",
            params=item.params if item.method else {},
            source=item.source,
            allow_not_applicable=item.allow_not_applicable,
            rule_text=item.rule_text,
            evidence_text=item.evidence_text,
            lead_text=item.lead_text,
            coordinators_text=item.coordinators_text,
            order=item.order or position,
        )
        by_code[item.code]._parent_code = parent_code
    # Parents before children: create level by level (validation guarantees no cycles).
    pending = list(by_code.values())
    while pending:
        ready = [c for c in pending if c._parent_code is None or by_code[c._parent_code].pk]
        for node in ready:
            node.parent = by_code[node._parent_code] if node._parent_code else None
        Criterion.objects.bulk_create(ready, batch_size=500)
        if any(node.pk is None for node in ready):  # backends without RETURNING ids
            ids = dict(Criterion.objects.filter(framework=framework).values_list("code", "pk"))
            for node in ready:
                node.pk = node.id = ids[node.code]
        pending = [c for c in pending if c.pk is None]
    Band.objects.bulk_create(
        [
            Band(
                framework=framework, label=b.label, lower_bound=b.lower_bound, inclusive=b.inclusive, order=i
            )
            for i, b in enumerate(data.bands, start=1)
        ]
    )
    framework.rebuild_tree()


def _lock_row(framework: Framework) -> Framework:
    """Re-read the framework with a row lock inside the caller's transaction, so that a
    concurrent ``lock_framework`` cannot slip between the lock check and the write."""
    current = Framework.objects.select_for_update().get(pk=framework.pk)
    framework.locked_at, framework.locked_reason = current.locked_at, current.locked_reason
    return framework


def _raise_if_invalid(data: FrameworkData) -> None:
    errors = validate_framework(data)
    if errors:
        raise SpreadsheetError(errors)


def import_framework(data: FrameworkData, *, owner_unit, by, note: str = "") -> Framework:
    """Create a framework from imported data; raise SpreadsheetError (nothing written) if invalid."""
    _require_manager(by, owner_unit)
    _raise_if_invalid(data)
    with transaction.atomic():
        framework = Framework.objects.create(
            owner_unit=owner_unit,
            name=data.name,
            decision_number=data.decision_number,
            decision_date=data.decision_date,
            issuing_body=data.issuing_body,
            unit_kinds=list(data.unit_kinds),
            valid_from_year=data.valid_from_year,
            valid_to_year=data.valid_to_year,
            max_total=data.max_total,
            allow_over_max=data.allow_over_max,
            tie_policy=data.tie_policy,
            published_points=data.published_points,
            bonus_cap=data.bonus_cap,
            penalty_cap=data.penalty_cap,
            excluded_sources_for_remediation=list(data.excluded_sources_for_remediation),
            description=data.description,
        )
        _write_tree(framework, data)
        record(
            actor=by,
            action="framework.import",
            obj=framework,
            after={"criteria": len(data.criteria), "bands": len(data.bands)},
            note=note,
        )
    return framework


def replace_framework_contents(framework: Framework, data: FrameworkData, *, by) -> Framework:
    """Replace header, criteria and bands of an unlocked framework from a file (re-import).

    The way to restructure a draft framework: export, edit in Excel, import again.
    """
    _require_manager(by, framework.owner_unit)
    if framework.is_locked:
        raise FrameworkLocked(framework)
    _raise_if_invalid(data)
    with transaction.atomic():
        if _lock_row(framework).is_locked:
            raise FrameworkLocked(framework)
        before = {"criteria": framework.criteria.count()}
        framework.criteria.update(parent=None, area=None)
        try:
            framework.criteria.all().delete()
        except ProtectedError:
            raise SpreadsheetError(
                [
                    RowError(
                        None,
                        _(
                            "Other records already use these criteria; copy the framework into a new version instead."
                        ),
                    )
                ]
            )
        framework.bands.all().delete()
        for name in HEADER_TEXT_FIELDS + HEADER_SCORE_FIELDS:
            setattr(framework, name, getattr(data, name))
        framework.save()
        _write_tree(framework, data)
        record(
            actor=by,
            action="framework.replace",
            obj=framework,
            before=before,
            after={"criteria": len(data.criteria)},
        )
    return framework


def lock_framework(framework: Framework, *, by, reason: str) -> None:
    """Lock the framework (idempotent). Called when a round is opened on it; the caller's step
    has checked the permission to open the round."""
    with transaction.atomic():
        current = Framework.objects.select_for_update().get(pk=framework.pk)
        if current.locked_at is not None:
            framework.locked_at, framework.locked_reason = current.locked_at, current.locked_reason
            return
        current.locked_at = timezone.now()
        current.locked_reason = (reason or "")[:255]
        current.save(update_fields=["locked_at", "locked_reason", "updated_at"])
        framework.locked_at, framework.locked_reason = current.locked_at, current.locked_reason
        record(actor=by, action="framework.lock", obj=current, after={"reason": current.locked_reason})


def copy_framework(
    framework: Framework,
    *,
    by,
    name: str,
    valid_from_year: int | None = None,
    valid_to_year: int | None = None,
    decision_number: str | None = None,
    decision_date=None,
    owner_unit=None,
) -> Framework:
    """A new, unlocked version with ``previous`` = ``framework``: same criteria, bands and settings,
    and a code mapping from every old criterion to the new criterion with the same code."""
    owner_unit = owner_unit or framework.owner_unit
    _require_manager(by, owner_unit)
    data = framework_to_data(framework)
    data.name = name
    if valid_from_year is not None:
        data.valid_from_year = valid_from_year
    if valid_to_year is not None:
        data.valid_to_year = valid_to_year
    if (
        data.valid_to_year is not None
        and data.valid_from_year is not None
        and data.valid_to_year < data.valid_from_year
    ):
        data.valid_to_year = data.valid_from_year
    if decision_number is not None:
        data.decision_number = decision_number
        data.decision_date = decision_date
    with transaction.atomic():
        copy = import_framework(
            data, owner_unit=owner_unit, by=by, note=_("Copied from #%(id)s") % {"id": framework.pk}
        )
        copy.previous = framework
        copy.save(update_fields=["previous", "updated_at"])
        old = dict(framework.criteria.values_list("code", "pk"))
        new = dict(copy.criteria.values_list("code", "pk"))
        CriterionMapping.objects.bulk_create(
            [
                CriterionMapping(from_criterion_id=old[code], to_criterion_id=new[code])
                for code in new
                if code in old
            ]
        )
        record(actor=by, action="framework.copy", obj=copy, after={"previous": framework.pk, "name": name})
    return copy


def update_framework(framework: Framework, *, by, **changes) -> Framework:
    """Change header fields. Score-altering fields are refused on a locked framework."""
    _require_manager(by, framework.owner_unit)
    unknown = set(changes) - set(HEADER_TEXT_FIELDS + HEADER_SCORE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    altering = [
        name for name in HEADER_SCORE_FIELDS if name in changes and changes[name] != getattr(framework, name)
    ]
    if altering and framework.is_locked:
        raise FrameworkLocked(framework)
    data = framework_to_data(framework)
    for name, value in changes.items():
        setattr(data, name, value)
    _raise_if_invalid(data)
    with transaction.atomic():
        if altering and _lock_row(framework).is_locked:
            raise FrameworkLocked(framework)
        before = snapshot(framework, list(changes))
        for name, value in changes.items():
            setattr(framework, name, value)
        framework.save()
        record(
            actor=by,
            action="framework.update",
            obj=framework,
            before=before,
            after=snapshot(framework, list(changes)),
        )
    return framework


def update_criterion(criterion: Criterion, *, by, **changes) -> Criterion:
    """Edit one criterion. Texts may always be corrected; maximum, method, parameters, source and
    "may be not applicable" only until the framework is locked, and only so that the whole
    framework stays valid (the maxima must still add up)."""
    framework = criterion.framework
    _require_manager(by, framework.owner_unit)
    unknown = set(changes) - set(CRITERION_TEXT_FIELDS + CRITERION_SCORE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if "max_points" in changes and changes["max_points"] is not None:
        changes["max_points"] = Decimal(changes["max_points"])
    altering = [
        name
        for name in CRITERION_SCORE_FIELDS
        if name in changes and changes[name] != getattr(criterion, name)
    ]
    if altering and framework.is_locked:
        raise FrameworkLocked(framework)
    if not (changes.get("title", criterion.title) or "").strip():
        raise SpreadsheetError(
            [RowError(None, _("Criterion %(code)s has no content.") % {"code": criterion.code})]
        )
    data = framework_to_data(framework)
    item = next(c for c in data.criteria if c.code == criterion.code)
    for name, value in changes.items():
        setattr(item, name, value)
    if altering:
        _raise_if_invalid(data)
        changes["params"] = item.params if item.method else {}
    with transaction.atomic():
        if altering and _lock_row(framework).is_locked:
            raise FrameworkLocked(framework)
        before = snapshot(criterion, list(changes))
        for name, value in changes.items():
            setattr(criterion, name, value)
        criterion.save()
        record(
            actor=by,
            action="criterion.update",
            obj=criterion,
            before=before,
            after=snapshot(criterion, list(changes)),
        )
    return criterion


def set_criterion_mapping(criterion: Criterion, *, by, from_codes: list[str]) -> list[CriterionMapping]:
    """Say which criteria of the previous version ``criterion`` continues (renumbered criteria).

    Allowed on locked frameworks too: the mapping only serves year-over-year comparison.
    """
    framework = criterion.framework
    _require_manager(by, framework.owner_unit)
    if framework.previous_id is None:
        raise SpreadsheetError([RowError(None, _("This framework has no previous version."))])
    codes = [c.strip() for c in from_codes if c and c.strip()]
    found = dict(
        Criterion.objects.filter(framework_id=framework.previous_id, code__in=codes).values_list("code", "pk")
    )
    missing = [c for c in codes if c not in found]
    if missing:
        raise SpreadsheetError(
            [
                RowError(None, _("The previous version has no criterion %(code)s.") % {"code": code})
                for code in missing
            ]
        )
    with transaction.atomic():
        before = list(criterion.mappings_in.values_list("from_criterion__code", flat=True))
        criterion.mappings_in.all().delete()
        mappings = CriterionMapping.objects.bulk_create(
            [
                CriterionMapping(from_criterion_id=found[code], to_criterion=criterion)
                for code in dict.fromkeys(codes)
            ]
        )
        record(
            actor=by,
            action="criterion.mapping",
            obj=criterion,
            before={"from": before},
            after={"from": codes},
        )
    return mappings
