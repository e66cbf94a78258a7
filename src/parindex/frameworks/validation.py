"""Validation of a whole framework before anything is written (import, edit, copy).

Works on plain data (``FrameworkData`` with ``CriterionData`` and ``BandData``) so that
the .xlsx importer, the YAML importer and the edit screens share one set of rules:

* every criterion has a code, codes are unique;
* a parent (explicit, or derived from the code: "1.2.3" → "1.2") exists; no cycles;
* maxima are non-negative numbers with at most 4 decimals;
* every leaf has a known method with valid parameters; a parent has no method;
* survey leaves use the survey method (and the survey method only on survey leaves);
* the children's maxima add up to their parent's; the top level adds up to the framework total;
* bands are listed from the highest down, labels and bounds distinct.

Every error is a ``RowError`` naming the row (spreadsheet row, or the position in the
YAML list) and the criterion code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from parindex.core.spreadsheets import RowError
from parindex.core.text import format_decimal
from parindex.frameworks.scoring import (
    ScoringError,
    check_bands,
    check_params_against_max,
    normalize_params,
    quantize,
)


@dataclass
class CriterionData:
    code: str
    title: str
    max_points: Decimal | None
    parent_code: str | None = None  # None: derived from the code
    method: str = ""
    params: dict = field(default_factory=dict)
    source: str = "self"
    allow_not_applicable: bool = False
    rule_text: str = ""
    evidence_text: str = ""
    lead_text: str = ""
    coordinators_text: str = ""
    order: int = 0
    row: int | None = None
    params_error: str = ""  # set by a reader when the parameter text could not be parsed


@dataclass
class BandData:
    label: str
    lower_bound: Decimal | None
    inclusive: bool = True
    row: int | None = None


@dataclass
class FrameworkData:
    name: str = ""
    decision_number: str = ""
    decision_date: object = None
    issuing_body: str = ""
    unit_kinds: list = field(default_factory=list)
    valid_from_year: int | None = None
    valid_to_year: int | None = None
    max_total: Decimal = Decimal(100)
    allow_over_max: bool = False
    tie_policy: str = "competition"
    published_points: str = "total"
    bonus_cap: Decimal = Decimal(0)
    penalty_cap: Decimal = Decimal(0)
    excluded_sources_for_remediation: list = field(default_factory=lambda: ["survey"])
    description: str = ""
    criteria: list[CriterionData] = field(default_factory=list)
    bands: list[BandData] = field(default_factory=list)

    def resolved_parent(self, criterion: CriterionData) -> str | None:
        return resolve_parent(criterion)


def resolve_parent(criterion: CriterionData) -> str | None:
    """The explicit parent code, else the code without its last part ("1.2.3" → "1.2")."""
    if criterion.parent_code not in (None, ""):
        return str(criterion.parent_code).strip()
    code = str(criterion.code).strip()
    return code.rsplit(".", 1)[0] if "." in code else None


def _criterion_prefix(code: str) -> str:
    return _("Criterion %(code)s: ") % {"code": code}


def _fmt(value: Decimal) -> str:
    return format_decimal(value, places=4)


def validate_header(data: FrameworkData) -> list[RowError]:
    from parindex.units.models import Unit

    errors: list[RowError] = []
    if not (data.name or "").strip():
        errors.append(RowError(None, _("The framework has no name.")))
    if data.valid_from_year is None or data.valid_to_year is None:
        errors.append(RowError(None, _("The first and last year of validity are required.")))
    elif data.valid_to_year < data.valid_from_year:
        errors.append(RowError(None, _("The last year must not be before the first year.")))
    for kind in data.unit_kinds or []:
        if kind not in Unit.Kind.values:
            errors.append(RowError(None, _("“%(kind)s” is not a unit type.") % {"kind": kind}))
    if data.max_total is None or data.max_total <= 0:
        errors.append(RowError(None, _("The maximum total must be greater than 0.")))
    for name, value in (("bonus_cap", data.bonus_cap), ("penalty_cap", data.penalty_cap)):
        if value is None or value < 0:
            errors.append(RowError(None, _("“%(name)s” must not be negative.") % {"name": name}))
    if data.tie_policy not in ("competition", "dense"):
        errors.append(RowError(None, _("The tie policy must be “competition” or “dense”.")))
    if data.published_points not in ("total", "index"):
        errors.append(RowError(None, _("The published points must be “total” or “index”.")))
    return errors


def validate_framework(data: FrameworkData) -> list[RowError]:
    """Every problem of the framework, in row order; empty when it may be saved.

    Side effect on success paths: leaf ``params`` are replaced by their canonical form.
    """
    errors = validate_header(data)
    criteria = data.criteria
    if not criteria:
        errors.append(RowError(None, _("The framework has no criteria.")))
    by_code: dict[str, CriterionData] = {}
    for item in criteria:
        code = str(item.code or "").strip()
        if not code:
            errors.append(RowError(item.row, _("The criterion has no code.")))
            continue
        if code in by_code:
            errors.append(
                RowError(
                    item.row,
                    _("Criterion %(code)s: the code is used twice (also on row %(other)s).")
                    % {"code": code, "other": by_code[code].row},
                )
            )
            continue
        by_code[code] = item
        if not (item.title or "").strip():
            errors.append(RowError(item.row, _("Criterion %(code)s has no content.") % {"code": code}))
        if item.max_points is None:
            errors.append(RowError(item.row, _("Criterion %(code)s has no maximum points.") % {"code": code}))
        elif item.max_points < 0:
            errors.append(
                RowError(
                    item.row, _("Criterion %(code)s: the maximum must not be negative.") % {"code": code}
                )
            )
        elif item.max_points != quantize(item.max_points):
            errors.append(
                RowError(
                    item.row,
                    _("Criterion %(code)s: the maximum may have at most 4 decimals.") % {"code": code},
                )
            )
        if item.source not in ("self", "survey"):
            errors.append(
                RowError(
                    item.row, _("Criterion %(code)s: the source must be self or survey.") % {"code": code}
                )
            )

    # Parents exist; no cycles.
    children: dict[str | None, list[CriterionData]] = {}
    parent_ok = True
    for code, item in by_code.items():
        parent = resolve_parent(item)
        if parent is not None and parent not in by_code:
            errors.append(
                RowError(
                    item.row,
                    _("Criterion %(code)s: its parent %(parent)s does not exist.")
                    % {"code": code, "parent": parent},
                )
            )
            parent_ok = False
            continue
        if parent == code:
            errors.append(RowError(item.row, _("Criterion %(code)s is its own parent.") % {"code": code}))
            parent_ok = False
            continue
        children.setdefault(parent, []).append(item)
    if parent_ok:
        reported: set[str] = set()
        for code, item in by_code.items():
            seen = [code]
            node = resolve_parent(item)
            while node is not None:
                if node in seen:
                    if code not in reported:
                        errors.append(
                            RowError(
                                item.row,
                                _("Criterion %(code)s: its parents form a cycle (%(path)s).")
                                % {"code": code, "path": " → ".join([*seen, node])},
                            )
                        )
                        reported.update(seen)
                    parent_ok = False
                    break
                seen.append(node)
                node = resolve_parent(by_code[node])

    # Methods on leaves only, with valid parameters.
    for code, item in by_code.items():
        is_leaf = code not in children
        if not is_leaf:
            if item.method:
                errors.append(
                    RowError(
                        item.row,
                        _(
                            "Criterion %(code)s has sub-criteria, so it takes no scoring method (its points are their sum)."
                        )
                        % {"code": code},
                    )
                )
            continue
        if item.params_error:
            errors.append(RowError(item.row, _criterion_prefix(code) + item.params_error))
            continue
        if not item.method:
            errors.append(
                RowError(
                    item.row,
                    _("Criterion %(code)s is scored, so it needs a scoring method.") % {"code": code},
                )
            )
            continue
        try:
            item.params = normalize_params(item.method, item.params)
            if item.max_points is not None and item.max_points >= 0:
                check_params_against_max(item.method, item.params, item.max_points)
        except ScoringError as exc:
            errors.append(RowError(item.row, _criterion_prefix(code) + str(exc)))
            continue
        if item.source == "survey" and item.method != "survey":
            errors.append(
                RowError(
                    item.row,
                    _("Criterion %(code)s comes from a survey, so its method must be survey.")
                    % {"code": code},
                )
            )
        if item.method == "survey" and item.source != "survey":
            errors.append(
                RowError(
                    item.row,
                    _("Criterion %(code)s uses the survey method, so its source must be survey.")
                    % {"code": code},
                )
            )

    # Sums (only when the tree is sound and every maximum is known).
    if parent_ok and all(item.max_points is not None for item in by_code.values()):
        for code, item in by_code.items():
            kids = children.get(code)
            if not kids:
                continue
            total = sum((kid.max_points for kid in kids), Decimal(0))
            if total != item.max_points:
                errors.append(
                    RowError(
                        item.row,
                        _(
                            "Criterion %(code)s: its maximum is %(max)s but its sub-criteria add up to %(sum)s."
                        )
                        % {"code": code, "max": _fmt(item.max_points), "sum": _fmt(total)},
                    )
                )
        top = children.get(None, [])
        if top and data.max_total is not None:
            total = sum((item.max_points for item in top), Decimal(0))
            if total != data.max_total:
                errors.append(
                    RowError(
                        None,
                        _("The areas add up to %(sum)s but the framework total is %(total)s.")
                        % {"sum": _fmt(total), "total": _fmt(data.max_total)},
                    )
                )

    for problem in check_bands(data.bands):
        errors.append(RowError(None, _("Bands: %(problem)s") % {"problem": problem}))
    errors.sort(key=lambda e: (e.row is not None, e.row or 0))
    return errors
