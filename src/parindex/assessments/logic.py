"""Pure calculations of the score sheet (no database): input parsing, totals, submission checks.

Everything here works on plain values so it can be tested exhaustively without a
database, and so the page, the exports and the submit action compute the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from parindex.core.text import format_decimal, parse_decimal, search_key

SURVEY = "survey"
_TRUE = {"1", "true", "on", "yes", "co", "x", "dat"}
_FALSE = {"0", "false", "off", "no", "khong"}


class InputError(ValueError):
    """A value typed into the sheet cannot be read; the message is user-facing."""


def is_survey(method: str, source: str) -> bool:
    """Survey leaves are filled from survey results and never self-scored."""
    return method == SURVEY or source == SURVEY


def _choice_keys(spec_field: Mapping[str, Any]) -> dict[str, Any]:
    """Accepted texts (search keys of the key and of the label) -> the key as the spec gives it."""
    accepted: dict[str, Any] = {}
    for key, label in spec_field.get("choices") or []:
        accepted[search_key(str(label))] = key
    for key, _label in spec_field.get("choices") or []:
        accepted[search_key(str(key))] = key
        if isinstance(key, bool):
            accepted["1" if key else "0"] = key
    return accepted


def parse_inputs(spec: Iterable[Mapping[str, Any]], raw: Mapping[str, Any]) -> dict[str, Any] | None:
    """Typed inputs for ``compute_points`` from what the user typed (form or spreadsheet cell).

    Returns ``None`` when every field is empty (the leaf is cleared, not scored 0).
    A partly filled input set (a numerator without its denominator) is refused.
    Raises ``InputError`` with a translated message naming the field.
    """
    values: dict[str, Any] = {}
    missing: list[str] = []
    for spec_field in spec:
        name = spec_field["name"]
        label = str(spec_field.get("label") or name)
        value = raw.get(name)
        if isinstance(value, str):
            value = value.strip()
        if value is None or value == "":
            missing.append(label)
            continue
        kind = spec_field.get("type", "decimal")
        if kind == "choice":
            accepted = _choice_keys(spec_field)
            text = search_key(str(value))
            if text not in accepted:
                raise InputError(
                    _("“%(value)s” is not one of the levels of this criterion: %(choices)s.")
                    % {
                        "value": value,
                        "choices": ", ".join(str(lbl) for _k, lbl in spec_field.get("choices") or []),
                    }
                )
            values[name] = accepted[text]
        elif kind == "bool":
            if isinstance(value, bool):
                values[name] = value
            else:
                text = search_key(str(value))
                if text in _TRUE:
                    values[name] = True
                elif text in _FALSE:
                    values[name] = False
                else:
                    raise InputError(
                        _("%(field)s: “%(value)s” is not yes/no.") % {"field": label, "value": value}
                    )
        else:
            try:
                number = parse_decimal(value)
            except (ValueError, ArithmeticError):
                raise InputError(
                    _("%(field)s: “%(value)s” is not a number.") % {"field": label, "value": value}
                )
            if number is None:
                missing.append(label)
                continue
            if kind == "int":
                if number != number.to_integral_value():
                    raise InputError(
                        _("%(field)s: “%(value)s” is not a whole number.") % {"field": label, "value": value}
                    )
                number = int(number)
            if number < 0:
                raise InputError(_("%(field)s must not be negative.") % {"field": label})
            values[name] = number
    if not values:
        return None
    if missing:
        raise InputError(_("Please also fill in: %(fields)s.") % {"fields": ", ".join(missing)})
    return values


def check_inputs(
    method: str, params: Mapping[str, Any], max_points: Decimal, inputs: Mapping[str, Any] | None
) -> None:
    """Refuse the typical typing mistakes with the sheet's own messages before scoring.

    ``frameworks.scoring.compute_points`` refuses them too; checking here first keeps the
    score sheet's wording consistent (and names the maximum of this leaf).
    """
    if not inputs:
        return
    if method == "manual" and inputs.get("value") is not None:
        value = Decimal(inputs["value"])
        if value < 0 or value > max_points:
            shown = format(max_points.normalize(), "f").replace(".", ",")
            raise InputError(_("Points must be between 0 and %(max)s.") % {"max": shown})
    if method == "ratio" and inputs.get("denominator") is not None:
        denominator = Decimal(inputs["denominator"])
        if denominator == 0 and (params or {}).get("zero_denominator") != "max":
            raise InputError(_("The total (denominator) is 0, so the ratio cannot be computed."))
        # More done than the total is a typing mistake (6 of 5), never "more than 100 %":
        # refused here, where the form, the offline sheet and the API all pass.
        if inputs.get("numerator") is not None and Decimal(inputs["numerator"]) > denominator:
            raise InputError(
                _("The number done (%(done)s) must not be greater than the total (%(total)s).")
                % {"done": _number(inputs["numerator"]), "total": _number(denominator)}
            )


def _number(value) -> str:
    """A number as the user typed it back: exact, without trailing zeros, decimal comma."""
    return format_decimal(Decimal(value), places=4)


def inputs_to_json(inputs: Mapping[str, Any] | None) -> dict[str, Any]:
    """JSON-safe copy (Decimals as strings, exact)."""
    if not inputs:
        return {}
    return {k: (format(v, "f") if isinstance(v, Decimal) else v) for k, v in inputs.items()}


def comparable_inputs(inputs: Mapping[str, Any] | None) -> dict[str, Any]:
    """Inputs as values, so that "3", 3 and "3.0" compare equal; feed markers are left out.

    Used to tell whether an upload really changes a leaf.
    """
    result: dict[str, Any] = {}
    for key, value in (inputs or {}).items():
        if key in ("feed", "plan"):
            continue
        if isinstance(value, str):
            try:
                value = Decimal(value)
            except ArithmeticError:
                pass
        elif isinstance(value, int | float) and not isinstance(value, bool):
            value = Decimal(str(value))
        result[key] = value
    return result


def inputs_for_form(inputs: Mapping[str, Any] | None) -> dict[str, str]:
    """Stored inputs as the strings a form shows (decimal comma left to the template)."""
    result: dict[str, str] = {}
    for key, value in (inputs or {}).items():
        if isinstance(value, bool):
            result[key] = "1" if value else "0"
        elif value is None:
            result[key] = ""
        else:
            result[key] = str(value)
    return result


@dataclass
class LeafState:
    """What the sheet knows about one leaf, as plain data."""

    score_id: int
    code: str
    title: str
    area_id: int | None
    max_points: Decimal
    points: Decimal | None
    not_applicable: bool
    evidence_count: int
    explanation: str = ""
    survey: bool = False

    @property
    def scored(self) -> bool:
        return self.not_applicable or self.points is not None

    @property
    def needs_explanation(self) -> bool:
        """Scored above zero, no evidence and no written explanation: blocks submission."""
        return (
            not self.survey
            and not self.not_applicable
            and self.points is not None
            and self.points > 0
            and self.evidence_count == 0
            and not self.explanation.strip()
        )

    @property
    def without_evidence(self) -> bool:
        return (
            not self.survey
            and not self.not_applicable
            and self.points is not None
            and self.evidence_count == 0
        )


@dataclass
class Totals:
    points: Decimal = Decimal(0)
    max_points: Decimal = Decimal(0)  # of applicable leaves
    leaves: int = 0
    scored: int = 0
    without_evidence: int = 0
    needs_explanation: int = 0

    @property
    def percent_done(self) -> int:
        return int(100 * self.scored / self.leaves) if self.leaves else 0


@dataclass
class SheetSummary:
    overall: Totals = field(default_factory=Totals)
    areas: dict[int | None, Totals] = field(default_factory=dict)


def summarise(leaves: Iterable[LeafState]) -> SheetSummary:
    """Totals per area and overall of the self-assessed points.

    Survey leaves count towards the leaf total and the maximum but carry no self points
    (they come from survey results later); not-applicable leaves leave the maximum.
    """
    summary = SheetSummary()
    for leaf in leaves:
        for totals in (summary.overall, summary.areas.setdefault(leaf.area_id, Totals())):
            if not leaf.survey:
                totals.leaves += 1
                if leaf.scored:
                    totals.scored += 1
                if leaf.without_evidence:
                    totals.without_evidence += 1
                if leaf.needs_explanation:
                    totals.needs_explanation += 1
            if not leaf.not_applicable:
                totals.max_points += leaf.max_points
            if leaf.points is not None:
                totals.points += leaf.points
    return summary


@dataclass
class SubmissionCheck:
    empty: list[LeafState]
    without_evidence: list[LeafState]
    blockers: list[LeafState]
    total: Decimal
    max_total: Decimal

    @property
    def can_submit(self) -> bool:
        return not self.blockers


def submission_check(leaves: Iterable[LeafState]) -> SubmissionCheck:
    """What the head sees before submitting: empty leaves, leaves without evidence, the total.

    Empty leaves and leaves scored 0 without evidence are warnings; a leaf scored above
    zero with neither evidence nor an explanation blocks the submission.
    """
    leaves = list(leaves)
    summary = summarise(leaves)
    return SubmissionCheck(
        empty=[leaf for leaf in leaves if not leaf.survey and not leaf.scored],
        without_evidence=[leaf for leaf in leaves if leaf.without_evidence],
        blockers=[leaf for leaf in leaves if leaf.needs_explanation],
        total=summary.overall.points,
        max_total=summary.overall.max_points,
    )
