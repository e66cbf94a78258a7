"""The readable mini-syntax of method parameters used in the .xlsx layout.

An officer types the parameters of a leaf in one cell, next to the method. Items are
separated by ``;``; numbers take a decimal comma or point (``0,25`` = ``0.25``); case
and diacritics of keywords do not matter. The cell may start with the method name and a
colon (``levels: …``), which is ignored if it matches the method column.

=========  ==========================================================================
method     parameters cell
=========  ==========================================================================
binary     empty
levels     ``Đầy đủ=100%; Chưa đầy đủ=50%; Không=0`` — ``label=N%`` is N % of the maximum,
           ``label=N`` is N points
ratio      ``tuyến tính`` (or empty / ``linear``): points = max × done / total;
           ``100%→100%; 80%→50%``: bands "ratio ≥ threshold → % of max" (``->``, ``=>``,
           a leading ``≥`` / ``>=`` or the word ``bands`` / ``theo mức`` are accepted);
           options: ``mẫu số 0=tối đa`` (a total of 0 gives the maximum) and
           ``feed=plan_completion`` / ``feed=remediation`` (inputs filled by another module)
count      ``mỗi=0,5`` (points per item) or just ``0,5``
deduction  ``mỗi=0,25`` (points per violation) or just ``0,25``
manual     ``bước=0,25`` (step) or just ``0,25``; empty = any value with ≤ 4 decimals
survey     the survey's name, e.g. ``SIPAS`` (optional)
=========  ==========================================================================

``format_params`` writes exactly what ``parse_params`` reads, so export → import is lossless.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.utils.translation import gettext as _

from parindex.core.text import format_decimal, search_key
from parindex.frameworks.scoring import METHODS, ScoringError, normalize_params, to_decimal

_ARROW = re.compile(r"\s*(?:→|->|=>)\s*")
_METHOD_ALIASES = {
    # search key of what an officer may type -> method
    "binary": "binary",
    "co/khong": "binary",
    "co khong": "binary",
    "levels": "levels",
    "muc": "levels",
    "theo muc": "levels",
    "ratio": "ratio",
    "ty le": "ratio",
    "count": "count",
    "dem": "count",
    "so luong": "count",
    "deduction": "deduction",
    "tru diem": "deduction",
    "manual": "manual",
    "tu nhap": "manual",
    "nhap diem": "manual",
    "survey": "survey",
    "dieu tra": "survey",
    "khao sat": "survey",
}


def parse_method(text: str | None) -> str:
    """The method from the method column ("" when empty); raise ScoringError when unknown."""
    key = search_key(text or "")
    if not key:
        return ""
    if key in _METHOD_ALIASES:
        return _METHOD_ALIASES[key]
    raise ScoringError(
        _("Unknown scoring method “%(method)s”; use one of: %(methods)s.")
        % {"method": text, "methods": ", ".join(METHODS)}
    )


def _items(text: str) -> list[str]:
    return [item.strip() for item in text.split(";") if item.strip()]


def _number(text: str) -> str:
    return f"{to_decimal(text.strip(), what=text):f}"


def _single_number(method: str, text: str, keys: tuple[str, ...]) -> str | None:
    items = _items(text)
    if not items:
        return None
    if len(items) > 1:
        raise ScoringError(_("Method %(method)s takes one number.") % {"method": method})
    item = items[0]
    if "=" in item:
        key, value = item.split("=", 1)
        if search_key(key) not in keys:
            raise ScoringError(
                _("Unknown parameter “%(name)s” for method %(method)s.")
                % {"name": key.strip(), "method": method}
            )
        item = value
    return _number(item)


def _percent(text: str) -> str:
    text = text.strip()
    if not text.endswith("%"):
        raise ScoringError(_("“%(value)s” must be a percentage such as 80%%.") % {"value": text})
    return _number(text[:-1])


def parse_params(method: str, text: str | None) -> dict:
    """Parameters from the readable cell text, checked and canonical (``normalize_params``)."""
    text = (text or "").strip()
    if ":" in text:
        head, rest = text.split(":", 1)
        head_key = search_key(head)
        if head_key in _METHOD_ALIASES:
            if _METHOD_ALIASES[head_key] != method:
                raise ScoringError(
                    _("The parameters are written for method %(written)s but the method is %(method)s.")
                    % {"written": _METHOD_ALIASES[head_key], "method": method}
                )
            text = rest.strip()
    if method == "binary":
        if text:
            raise ScoringError(_("Method binary takes no parameters."))
        params: dict = {}
    elif method == "levels":
        levels = []
        for item in _items(text):
            if "=" not in item:
                raise ScoringError(
                    _("Write each level as “label=100%%” or “label=0,5”, not “%(item)s”.") % {"item": item}
                )
            label, value = item.rsplit("=", 1)
            value = value.strip()
            if value.endswith("%"):
                levels.append({"label": label.strip(), "percent": _number(value[:-1])})
            else:
                levels.append({"label": label.strip(), "points": _number(value)})
        params = {"levels": levels}
    elif method == "ratio":
        params = {}
        bands = []
        for index, item in enumerate(_items(text)):
            if index == 0:
                lowered = search_key(item)
                for word in ("bands", "theo muc"):
                    if lowered.startswith(word + " "):
                        item = item[len(word) + 1 :].strip()
                        lowered = search_key(item)
                if lowered in ("tuyen tinh", "linear"):
                    params["mode"] = "linear"
                    continue
            if _ARROW.search(item):
                left, right = _ARROW.split(item, maxsplit=1)
                left = left.strip().lstrip("≥").removeprefix(">=").strip()
                bands.append({"min_percent": _percent(left), "percent": _percent(right)})
                continue
            if "=" in item:
                key, value = (part.strip() for part in item.split("=", 1))
                key_s, value_s = search_key(key), search_key(value)
                if key_s in ("feed", "nguon du lieu"):
                    params["feed"] = value.strip()
                    continue
                if key_s in ("mau so 0", "zero_denominator", "zero denominator"):
                    if value_s not in ("toi da", "max"):
                        raise ScoringError(_("Write “mẫu số 0=tối đa” or leave it out."))
                    params["zero_denominator"] = "max"
                    continue
            raise ScoringError(_("“%(item)s” is not understood for method ratio.") % {"item": item})
        if bands:
            if params.get("mode") == "linear":
                raise ScoringError(_("A linear ratio takes no bands."))
            params["mode"] = "bands"
            params["bands"] = bands
    elif method == "count":
        params = {
            "per_item": _single_number(method, text, ("moi", "per_item", "each", "moi lan", "diem moi"))
        }
    elif method == "deduction":
        params = {
            "per_violation": _single_number(
                method, text, ("moi", "per_violation", "each", "moi loi", "moi vi pham")
            )
        }
    elif method == "manual":
        step = _single_number(method, text, ("buoc", "step"))
        params = {"step": step} if step else {}
    elif method == "survey":
        params = {"instrument": text} if text else {}
    else:
        params = {}
    return normalize_params(method, params)


def _dec(value) -> str:
    return format_decimal(to_decimal(value), places=4)


def format_params(method: str, params: Mapping | None) -> str:
    """The cell text for ``params`` (inverse of ``parse_params``)."""
    params = params or {}
    if method == "levels":
        parts = []
        for level in params.get("levels", []):
            if level.get("percent") not in (None, ""):
                parts.append(f"{level['label']}={_dec(level['percent'])}%")
            else:
                parts.append(f"{level['label']}={_dec(level['points'])}")
        return "; ".join(parts)
    if method == "ratio":
        if params.get("mode") == "bands":
            parts = [f"{_dec(b['min_percent'])}%→{_dec(b['percent'])}%" for b in params.get("bands", [])]
        else:
            parts = ["tuyến tính"]
        if params.get("zero_denominator") == "max":
            parts.append("mẫu số 0=tối đa")
        if params.get("feed"):
            parts.append(f"feed={params['feed']}")
        return "; ".join(parts)
    if method == "count":
        return f"mỗi={_dec(params.get('per_item', 0))}"
    if method == "deduction":
        return f"mỗi={_dec(params.get('per_violation', 0))}"
    if method == "manual":
        return f"bước={_dec(params['step'])}" if params.get("step") else ""
    if method == "survey":
        return str(params.get("instrument") or "")
    return ""
