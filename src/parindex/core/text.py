"""Vietnamese text helpers: diacritics, search keys, decimal-comma numbers, generated names."""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal

_SPACES = re.compile(r"\s+")
_UNSAFE = re.compile(r"[^A-Za-z0-9 ._()-]+")


def strip_diacritics(text: str) -> str:
    """Remove Vietnamese diacritics: "Thạch Châu" -> "Thach Chau", "Đồng" -> "Dong"."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


def search_key(text: str) -> str:
    """Lower-case, diacritics removed, spaces collapsed: what search compares ("thach chau")."""
    return _SPACES.sub(" ", strip_diacritics(text or "")).strip().lower()


def safe_file_stem(text: str, *, max_length: int = 120) -> str:
    """A file-name stem without diacritics or characters unsafe on any file system.

    Path separators, quotes, control characters and the like become spaces; runs of
    spaces collapse; the result never starts with a dot (no hidden files, no "..").
    """
    plain = _UNSAFE.sub(" ", strip_diacritics(text))
    plain = _SPACES.sub(" ", plain).strip(" .")
    return plain[:max_length].rstrip(" .") or "file"


def format_decimal(value: Decimal | int | None, *, places: int = 2, decimal_sep: str = ",") -> str:
    """Round half-up to ``places`` and drop trailing zeros: 82.70 -> "82,7"; 5 -> "5"; None -> ""."""
    if value is None:
        return ""
    quantum = Decimal(1).scaleb(-places)
    rounded = Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)
    text = f"{rounded:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text.replace(".", decimal_sep)


def parse_decimal(text: str | int | float | Decimal | None) -> Decimal | None:
    """Read a number typed by a Vietnamese official: "1,5" or "1.5" -> Decimal("1.5").

    Returns None for empty input; raises ValueError for anything that is not a plain
    number ("1,5đ", "abc", "1.000,5"). Floats (from spreadsheet cells) are converted
    through their shortest repr so 0.1 stays 0.1.
    """
    if text is None:
        return None
    if isinstance(text, Decimal):
        return text
    if isinstance(text, bool):
        raise ValueError("not a number")
    if isinstance(text, int):
        return Decimal(text)
    if isinstance(text, float):
        return Decimal(repr(text))
    cleaned = str(text).strip()
    if cleaned == "":
        return None
    if not re.fullmatch(r"[-+]?\d+([.,]\d+)?", cleaned):
        raise ValueError(f"not a number: {cleaned!r}")
    return Decimal(cleaned.replace(",", "."))
