"""Scoring methods of leaf criteria: pure functions over plain data, no database.

Every method turns the inputs a scorer typed into points, clamped to ``[0, max]``,
exact in ``Decimal`` and quantized to 4 decimal places (the precision of the database).

Methods and their parameters (``params`` is the JSON stored on the criterion; numbers
are stored as strings such as ``"0.25"`` so JSON never turns them into floats):

``binary``      Có / Không → max or 0.  params: ``{}``.  inputs ``{"value": bool}``.
``levels``      one of named levels.  params ``{"levels": [{"key", "label", "percent"|"points"}]}``;
                a level gives either a % of max or fixed points.  inputs ``{"level": key}``.
``ratio``       numerator / denominator.  params ``{"mode": "linear"}`` (points = max × ratio) or
                ``{"mode": "bands", "bands": [{"min_percent": "100", "percent": "100"}, ...]}``
                (the highest band whose threshold the ratio % reaches gives that % of max; below
                every threshold → 0).  Optional ``"zero_denominator": "max"`` awards the
                maximum when there was nothing to do (e.g. no complaints received); without it
                a zero denominator is an error.  Optional ``"feed"`` names the app that fills
                the inputs (``"plan_completion"``, ``"remediation"``).  inputs
                ``{"numerator": Decimal, "denominator": Decimal}``.
``count``       count × ``per_item`` points, capped at max.  inputs ``{"count": int}``.
``deduction``   max − violations × ``per_violation``, floored at 0.  inputs ``{"violations": int}``.
``manual``      any value 0..max, a multiple of ``step`` if given.  inputs ``{"value": Decimal}``.
``survey``      max × percent / 100 from survey results (never self-scored).  inputs
                ``{"percent": Decimal}`` (0..100).  Optional ``"instrument"`` (e.g. "SIPAS").

"Not applicable" is not a score: it is a flag of the score row (allowed where the
criterion has ``allow_not_applicable``) that takes the leaf out of the denominator.
``leaf_points`` wraps ``compute_points`` with that rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parindex.core.text import format_decimal, search_key

QUANTUM = Decimal("0.0001")
ZERO = Decimal(0)
HUNDRED = Decimal(100)

METHODS = ("binary", "levels", "ratio", "count", "deduction", "manual", "survey")
FEEDS = ("plan_completion", "remediation")


class ScoringError(ValueError):
    """A wrong input or parameter; the message is a translated sentence for the user."""


# --- helpers -------------------------------------------------------------------------------


def quantize(value: Decimal) -> Decimal:
    return value.quantize(QUANTUM, rounding=ROUND_HALF_UP)


def clamp(value: Decimal, max_points: Decimal) -> Decimal:
    """Points within [0, max], quantized to 4 places."""
    if value < ZERO:
        value = ZERO
    if value > max_points:
        value = max_points
    return quantize(value)


def to_decimal(value, *, what: str = "") -> Decimal:
    """A Decimal from an int, Decimal or number text ("0,25" or "0.25"); floats via their repr."""
    if isinstance(value, bool) or value is None:
        raise ScoringError(_("“%(what)s” must be a number.") % {"what": what or value})
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    else:
        text = str(value).strip().replace(",", ".")
        if not re.fullmatch(r"[-+]?\d+(\.\d+)?", text):
            raise ScoringError(_("“%(value)s” is not a number.") % {"value": value})
        result = Decimal(text)
    if not result.is_finite():
        raise ScoringError(_("“%(value)s” is not a number.") % {"value": value})
    return result


def to_int(value, *, what: str) -> int:
    number = to_decimal(value, what=what)
    if number != number.to_integral_value():
        raise ScoringError(_("%(what)s must be a whole number.") % {"what": what})
    return int(number)


def level_key(label: str) -> str:
    """The stable key of a level from its label: "Chưa đầy đủ" → "chua-day-du"."""
    key = re.sub(r"[^a-z0-9]+", "-", search_key(label)).strip("-")
    return key or "level"


def num(value: Decimal | str | int) -> str:
    """A Decimal as it is stored in JSON params: "0.25", "100" (no exponent, no trailing zeros)."""
    d = to_decimal(value)
    d = d.normalize() if d != d.to_integral_value() else d.quantize(Decimal(1))
    return f"{d:f}"


def _show(value) -> str:
    return format_decimal(to_decimal(value), places=4)


# --- parameters -----------------------------------------------------------------------------


def normalize_params(method: str, params: Mapping | None) -> dict:
    """Check ``params`` for ``method`` and return them in canonical form; raise ScoringError.

    Canonical form: numbers as strings, levels with keys, ratio bands sorted from the
    highest threshold down. Unknown keys are refused (a typo must not be silently ignored).
    """
    params = dict(params or {})
    if method not in METHODS:
        raise ScoringError(
            _("Unknown scoring method “%(method)s”; use one of: %(methods)s.")
            % {"method": method, "methods": ", ".join(METHODS)}
        )

    def refuse_unknown(allowed: Iterable[str]) -> None:
        unknown = sorted(set(params) - set(allowed))
        if unknown:
            raise ScoringError(
                _("Unknown parameter “%(name)s” for method %(method)s.")
                % {"name": unknown[0], "method": method}
            )

    def positive(name: str, *, required: bool) -> str | None:
        if params.get(name) in (None, ""):
            if required:
                raise ScoringError(
                    _("Method %(method)s needs the parameter “%(name)s”.") % {"method": method, "name": name}
                )
            return None
        value = to_decimal(params[name], what=name)
        if value <= ZERO:
            raise ScoringError(_("The parameter “%(name)s” must be greater than 0.") % {"name": name})
        return num(value)

    if method == "binary":
        refuse_unknown(())
        return {}
    if method == "levels":
        refuse_unknown(("levels",))
        levels = params.get("levels")
        if not isinstance(levels, list) or len(levels) < 2:
            raise ScoringError(_("Method levels needs at least two levels."))
        result = []
        seen: set[str] = set()
        for level in levels:
            if not isinstance(level, Mapping) or not str(level.get("label", "")).strip():
                raise ScoringError(_("Every level needs a label."))
            label = str(level["label"]).strip()
            # The key is always derived from the label so that the .xlsx layout (labels only)
            # and YAML (keys written out) round-trip to the same parameters.
            key = level_key(label)
            if key in seen:
                raise ScoringError(_("The level “%(label)s” appears twice.") % {"label": label})
            seen.add(key)
            has_percent = level.get("percent") not in (None, "")
            has_points = level.get("points") not in (None, "")
            if has_percent == has_points:
                raise ScoringError(
                    _("The level “%(label)s” needs either a percentage of the maximum or points, not both.")
                    % {"label": label}
                )
            item = {"key": key, "label": label}
            if has_percent:
                value = to_decimal(level["percent"], what=label)
                if not ZERO <= value <= HUNDRED:
                    raise ScoringError(
                        _("The level “%(label)s” must be between 0 and 100 percent.") % {"label": label}
                    )
                item["percent"] = num(value)
            else:
                value = to_decimal(level["points"], what=label)
                if value < ZERO:
                    raise ScoringError(_("The level “%(label)s” must not be negative.") % {"label": label})
                item["points"] = num(value)
            result.append(item)
        return {"levels": result}
    if method == "ratio":
        refuse_unknown(("mode", "bands", "zero_denominator", "feed"))
        mode = params.get("mode") or ("bands" if params.get("bands") else "linear")
        result: dict = {"mode": mode}
        if mode == "linear":
            if params.get("bands"):
                raise ScoringError(_("A linear ratio takes no bands."))
        elif mode == "bands":
            bands = params.get("bands")
            if not isinstance(bands, list) or not bands:
                raise ScoringError(_("A ratio by bands needs at least one band."))
            clean = []
            for band in bands:
                if not isinstance(band, Mapping) or "min_percent" not in band or "percent" not in band:
                    raise ScoringError(
                        _("Every ratio band needs a threshold and the percentage of the maximum it awards.")
                    )
                threshold = to_decimal(band["min_percent"], what="min_percent")
                award = to_decimal(band["percent"], what="percent")
                if not ZERO <= threshold <= HUNDRED or not ZERO <= award <= HUNDRED:
                    raise ScoringError(_("Ratio band percentages must be between 0 and 100 percent."))
                clean.append((threshold, award))
            clean.sort(key=lambda pair: pair[0], reverse=True)
            thresholds = [t for t, _a in clean]
            if len(set(thresholds)) != len(thresholds):
                raise ScoringError(_("Two ratio bands have the same threshold."))
            awards = [a for _t, a in clean]
            if awards != sorted(awards, reverse=True):
                raise ScoringError(_("A higher ratio band must not give fewer points than a lower one."))
            result["bands"] = [{"min_percent": num(t), "percent": num(a)} for t, a in clean]
        else:
            raise ScoringError(_("A ratio is either linear or by bands (“%(mode)s” given).") % {"mode": mode})
        zero = params.get("zero_denominator")
        if zero not in (None, "", "error", "max"):
            raise ScoringError(_("“zero_denominator” may only be “max”."))
        if zero == "max":
            result["zero_denominator"] = "max"
        feed = params.get("feed")
        if feed not in (None, ""):
            if feed not in FEEDS:
                raise ScoringError(
                    _("Unknown data feed “%(feed)s”; use one of: %(feeds)s.")
                    % {"feed": feed, "feeds": ", ".join(FEEDS)}
                )
            result["feed"] = feed
        return result
    if method == "count":
        refuse_unknown(("per_item",))
        return {"per_item": positive("per_item", required=True)}
    if method == "deduction":
        refuse_unknown(("per_violation",))
        return {"per_violation": positive("per_violation", required=True)}
    if method == "manual":
        refuse_unknown(("step",))
        step = positive("step", required=False)
        return {"step": step} if step else {}
    if method == "survey":
        refuse_unknown(("instrument",))
        instrument = str(params.get("instrument") or "").strip()
        return {"instrument": instrument} if instrument else {}
    raise AssertionError(method)  # pragma: no cover


def check_params_against_max(method: str, params: Mapping, max_points: Decimal) -> None:
    """Checks that need the maximum: fixed-point levels within it, the max a multiple of the step."""
    if method == "levels":
        for level in params.get("levels", []):
            if "points" in level and to_decimal(level["points"]) > max_points:
                raise ScoringError(
                    _("The level “%(label)s” gives %(points)s points, more than the maximum %(max)s.")
                    % {"label": level["label"], "points": _show(level["points"]), "max": _show(max_points)}
                )
    if method == "manual" and params.get("step"):
        step = to_decimal(params["step"])
        if max_points % step != ZERO:
            raise ScoringError(
                _("The maximum %(max)s is not a multiple of the step %(step)s.")
                % {"max": _show(max_points), "step": _show(step)}
            )


# --- computing --------------------------------------------------------------------------------


def compute_points(method: str, params: Mapping, max_points: Decimal, inputs: Mapping) -> Decimal:
    """Points of one leaf from the scorer's inputs: clamped to [0, max], exact, 4 decimals.

    Edge cases: a ratio above 100 % gives the maximum; a zero denominator is an error
    unless the criterion says ``zero_denominator: max``; negative counts, violations,
    numerators or denominators are errors; a manual value outside 0..max or off the step
    is an error (a typo must not be silently clamped); a survey % outside 0..100 is an error.
    """
    max_points = to_decimal(max_points, what="max_points")
    if max_points < ZERO:
        raise ScoringError(_("The maximum points must not be negative."))
    params = params or {}
    inputs = inputs or {}
    if method == "binary":
        value = inputs.get("value")
        if isinstance(value, str):
            key = search_key(value)
            value = {
                "true": True,
                "yes": True,
                "co": True,
                "1": True,
                "false": False,
                "no": False,
                "khong": False,
                "0": False,
            }.get(key, value)
        if not isinstance(value, bool):
            raise ScoringError(_("Choose Yes or No."))
        return clamp(max_points if value else ZERO, max_points)
    if method == "levels":
        key = inputs.get("level")
        for level in params.get("levels", []):
            if level.get("key") == key:
                if level.get("percent") not in (None, ""):
                    return clamp(max_points * to_decimal(level["percent"]) / HUNDRED, max_points)
                return clamp(to_decimal(level["points"]), max_points)
        raise ScoringError(_("Choose one of the listed levels."))
    if method == "ratio":
        if inputs.get("numerator") in (None, "") or inputs.get("denominator") in (None, ""):
            raise ScoringError(_("Enter both the number done and the total."))
        numerator = to_decimal(inputs["numerator"], what=_("Number done"))
        denominator = to_decimal(inputs["denominator"], what=_("Total"))
        if numerator < ZERO or denominator < ZERO:
            raise ScoringError(_("The numbers must not be negative."))
        if denominator == ZERO:
            if params.get("zero_denominator") == "max":
                return clamp(max_points, max_points)
            raise ScoringError(_("The total is 0, so no ratio can be computed."))
        if numerator > denominator:
            numerator = denominator  # more done than planned counts as 100 %
        if params.get("mode", "linear") == "bands":
            percent = numerator * HUNDRED / denominator
            for band in sorted(
                params.get("bands", []), key=lambda b: to_decimal(b["min_percent"]), reverse=True
            ):
                if percent >= to_decimal(band["min_percent"]):
                    return clamp(max_points * to_decimal(band["percent"]) / HUNDRED, max_points)
            return clamp(ZERO, max_points)
        return clamp(max_points * numerator / denominator, max_points)
    if method == "count":
        count = inputs.get("count")
        if count in (None, ""):
            raise ScoringError(_("Enter the count."))
        count = to_int(count, what=_("The count"))
        if count < 0:
            raise ScoringError(_("The count must not be negative."))
        return clamp(count * to_decimal(params.get("per_item", 0)), max_points)
    if method == "deduction":
        violations = inputs.get("violations")
        if violations in (None, ""):
            raise ScoringError(_("Enter the number of violations."))
        violations = to_int(violations, what=_("The number of violations"))
        if violations < 0:
            raise ScoringError(_("The number of violations must not be negative."))
        return clamp(max_points - violations * to_decimal(params.get("per_violation", 0)), max_points)
    if method == "manual":
        if inputs.get("value") in (None, ""):
            raise ScoringError(_("Enter the points."))
        value = to_decimal(inputs["value"], what=_("Points"))
        if value < ZERO or value > max_points:
            raise ScoringError(_("The points must be between 0 and %(max)s.") % {"max": _show(max_points)})
        step = params.get("step")
        if step and value % to_decimal(step) != ZERO:
            raise ScoringError(_("The points must be a multiple of %(step)s.") % {"step": _show(step)})
        if value != quantize(value):
            raise ScoringError(_("The points may have at most 4 decimal places."))
        return clamp(value, max_points)
    if method == "survey":
        if inputs.get("percent") in (None, ""):
            raise ScoringError(_("The survey result is missing."))
        percent = to_decimal(inputs["percent"], what=_("Survey result"))
        if percent < ZERO or percent > HUNDRED:
            raise ScoringError(_("A survey result must be between 0 and 100 percent."))
        return clamp(max_points * percent / HUNDRED, max_points)
    raise ScoringError(_("Unknown scoring method “%(method)s”.") % {"method": method})


def leaf_points(
    method: str,
    params: Mapping,
    max_points: Decimal,
    inputs: Mapping,
    *,
    not_applicable: bool = False,
    allow_not_applicable: bool = False,
) -> Decimal | None:
    """``compute_points`` with the not-applicable rule: None when N/A (the leaf leaves the denominator)."""
    if not_applicable:
        if not allow_not_applicable:
            raise ScoringError(_("This criterion cannot be marked not applicable."))
        return None
    return compute_points(method, params, max_points, inputs)


def rollup(
    parents: Mapping[str, str | None], leaf_values: Mapping[str, Decimal | None]
) -> dict[str, Decimal]:
    """Points of every node from the leaves' points: a parent is the exact sum of its children.

    ``parents`` maps each code to its parent's code (None at the top). Leaves missing
    from ``leaf_values`` or None (not applicable) count 0.
    """
    totals: dict[str, Decimal] = {code: ZERO for code in parents}
    for code, value in leaf_values.items():
        if value is None:
            continue
        node = code
        seen = 0
        while node is not None:
            totals[node] = totals.get(node, ZERO) + value
            node = parents.get(node)
            seen += 1
            if seen > len(parents) + 1:
                raise ScoringError(_("The criteria tree has a cycle."))
    return totals


# --- describing ---------------------------------------------------------------------------------


def input_spec(method: str, params: Mapping, max_points: Decimal) -> list[dict]:
    """The form fields a score sheet shows for this method (see the module docstring)."""
    params = params or {}
    if method == "binary":
        return [
            {
                "name": "value",
                "label": gettext_lazy("Achieved"),
                "type": "bool",
                "choices": [(True, gettext_lazy("Yes")), (False, gettext_lazy("No"))],
                "step": None,
            }
        ]
    if method == "levels":
        return [
            {
                "name": "level",
                "label": gettext_lazy("Level"),
                "type": "choice",
                "choices": [(level["key"], level["label"]) for level in params.get("levels", [])],
                "step": None,
            }
        ]
    if method == "ratio":
        return [
            {
                "name": "numerator",
                "label": gettext_lazy("Number done"),
                "type": "decimal",
                "choices": [],
                "step": None,
            },
            {
                "name": "denominator",
                "label": gettext_lazy("Total"),
                "type": "decimal",
                "choices": [],
                "step": None,
            },
        ]
    if method == "count":
        return [
            {
                "name": "count",
                "label": gettext_lazy("Count"),
                "type": "int",
                "choices": [],
                "step": Decimal(1),
            }
        ]
    if method == "deduction":
        return [
            {
                "name": "violations",
                "label": gettext_lazy("Violations"),
                "type": "int",
                "choices": [],
                "step": Decimal(1),
            }
        ]
    if method == "manual":
        step = to_decimal(params["step"]) if params.get("step") else None
        return [
            {"name": "value", "label": gettext_lazy("Points"), "type": "decimal", "choices": [], "step": step}
        ]
    if method == "survey":
        return [
            {
                "name": "percent",
                "label": gettext_lazy("Survey result (%)"),
                "type": "decimal",
                "choices": [],
                "step": None,
            }
        ]
    raise ScoringError(_("Unknown scoring method “%(method)s”.") % {"method": method})


def describe(method: str, params: Mapping | None) -> str:
    """A readable one-line summary of the machine rule, e.g. "Tỷ lệ: tối đa × số hoàn thành / tổng số"."""
    params = params or {}
    if method == "binary":
        return _("Yes / No: the maximum or 0")
    if method == "levels":
        parts = []
        for level in params.get("levels", []):
            if level.get("percent") not in (None, ""):
                parts.append(f"{level['label']} = {_show(level['percent'])}%")
            else:
                parts.append(
                    _("%(label)s = %(points)s points")
                    % {"label": level["label"], "points": _show(level["points"])}
                )
        return _("Levels: %(levels)s") % {"levels": "; ".join(parts)}
    if method == "ratio":
        if params.get("mode") == "bands":
            parts = [
                _("≥ %(min)s%% → %(award)s%% of the maximum")
                % {"min": _show(b["min_percent"]), "award": _show(b["percent"])}
                for b in params.get("bands", [])
            ]
            text = _("Ratio by bands: %(bands)s; otherwise 0") % {"bands": "; ".join(parts)}
        else:
            text = _("Ratio: the maximum × done / total")
        if params.get("zero_denominator") == "max":
            text += "; " + _("total 0 → the maximum")
        return text
    if method == "count":
        return _("Count: %(each)s points each, up to the maximum") % {
            "each": _show(params.get("per_item", 0))
        }
    if method == "deduction":
        return _("Deduction: the maximum minus %(each)s points per violation, not below 0") % {
            "each": _show(params.get("per_violation", 0))
        }
    if method == "manual":
        if params.get("step"):
            return _("Points from 0 to the maximum in steps of %(step)s") % {"step": _show(params["step"])}
        return _("Points from 0 to the maximum")
    if method == "survey":
        if params.get("instrument"):
            return _("Survey (%(name)s): the maximum × result %%") % {"name": params["instrument"]}
        return _("Survey: the maximum × result %")
    if not method:
        return ""
    return _("Unknown scoring method “%(method)s”.") % {"method": method}


# --- bands ------------------------------------------------------------------------------------


def _band_value(band, name):
    return band[name] if isinstance(band, Mapping) else getattr(band, name)


def classify(index_percent: Decimal | None, bands: Iterable) -> str | None:
    """The label of the band ``index_percent`` falls in, or None (no bands, no index, below all).

    ``bands`` are Band objects or dicts with ``label``, ``lower_bound``, ``inclusive``
    (default True). The highest band whose bound is reached wins ("≥ 90" inclusive, "> 90"
    strict), whatever order they come in. The unrounded index is compared: 89.995 is not 90.
    """
    if index_percent is None:
        return None
    try:
        value = to_decimal(index_percent)
    except ScoringError:
        return None
    ordered = sorted(bands, key=lambda b: to_decimal(_band_value(b, "lower_bound")), reverse=True)
    for band in ordered:
        bound = to_decimal(_band_value(band, "lower_bound"))
        inclusive = (
            _band_value(band, "inclusive") if (not isinstance(band, Mapping) or "inclusive" in band) else True
        )
        if value > bound or (inclusive and value == bound):
            return _band_value(band, "label")
    return None


def check_bands(bands: Iterable) -> list[str]:
    """Problems with a band table listed from the highest band down: duplicate labels or bounds,
    negative bounds, bounds not decreasing. Bands cannot overlap or leave gaps because each is
    defined by its lower bound only (the next band up is its upper bound)."""
    problems: list[str] = []
    seen_labels: set[str] = set()
    seen_bounds: set[Decimal] = set()
    previous: Decimal | None = None
    for band in bands:
        label = str(_band_value(band, "label") or "").strip()
        if not label:
            problems.append(_("A band has no label."))
            continue
        if label in seen_labels:
            problems.append(_("The band “%(label)s” appears twice.") % {"label": label})
        seen_labels.add(label)
        try:
            bound = to_decimal(_band_value(band, "lower_bound"))
        except ScoringError:
            problems.append(_("The band “%(label)s” has no valid lower bound.") % {"label": label})
            continue
        if bound < ZERO:
            problems.append(_("The band “%(label)s” has a negative lower bound.") % {"label": label})
        if bound in seen_bounds:
            problems.append(_("Two bands start at %(bound)s.") % {"bound": _show(bound)})
        elif previous is not None and bound > previous:
            problems.append(
                _("The bands must be listed from the highest to the lowest (“%(label)s” is out of order).")
                % {"label": label}
            )
        seen_bounds.add(bound)
        previous = bound
    return problems
