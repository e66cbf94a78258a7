"""Who issues a document, derived from a ``units.Unit``: header lines, symbol, place, signature.

* A People's Committee (province, district, commune, ward, special zone) has no parent-body
  line: "ỦY BAN NHÂN DÂN" / "XÃ THẠCH CHÂU"; symbol "UBND".
* A department (Sở) has its province's committee above it: "UBND TỈNH BẮC KẠN" / "SỞ NỘI VỤ";
  symbol from the initials ("SNV").
* A district office (Phòng) has its district's committee above it: "UBND HUYỆN CHỢ ĐỒN" /
  "PHÒNG NỘI VỤ" (the district's name is dropped from the office's own line); symbol "PNV".
* The place in the date line is the short name of the nearest territorial unit ("Thạch Châu").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from parindex.core.text import strip_diacritics
from parindex.documents.official import Signature, unit_signature, vn_upper

TERRITORIAL = ("province", "district", "commune", "ward", "special_zone")
_KIND_PREFIXES = (
    "thành phố",
    "thị xã",
    "thị trấn",
    "đặc khu",
    "phường",
    "huyện",
    "quận",
    "tỉnh",
    "xã",
)


def place_name(unit) -> str:
    """ "Thạch Châu" for "Xã Thạch Châu": the short name, else the name without its kind word."""
    territorial = unit
    while territorial is not None and territorial.kind not in TERRITORIAL:
        territorial = territorial.parent
    territorial = territorial or unit
    if territorial.short_name:
        return territorial.short_name
    name = territorial.name.strip()
    lowered = name.lower()
    for prefix in _KIND_PREFIXES:
        if lowered.startswith(prefix + " "):
            return name[len(prefix) + 1 :].strip()
    return name


def _initials(name: str) -> str:
    words = re.findall(r"[^\W\d_]+", name)
    return "".join(strip_diacritics(w[0]).upper() if w[0] not in "Đđ" else "Đ" for w in words)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text


def _own_name(unit) -> str:
    """An office's name without its district's name: "Phòng Nội vụ huyện Chợ Đồn" -> "Phòng Nội vụ"."""
    name = unit.name.strip()
    parent = unit.parent
    if parent is not None:
        for suffix in (parent.name, parent.short_name):
            if suffix and name.lower().endswith(" " + suffix.lower()):
                name = name[: -len(suffix) - 1].strip()
                break
        # "Phòng Nội vụ huyện Chợ Đồn" where the parent is "Huyện Chợ Đồn": drop the kind word too.
        for prefix in _KIND_PREFIXES:
            if name.lower().endswith(" " + prefix):
                name = name[: -len(prefix) - 1].strip()
    return name


@dataclass
class Issuer:
    """Everything about the issuing body a document needs (plain data; build it with ``from_unit``)."""

    issuing_body: list[str]
    place: str
    symbol: str = "UBND"
    parent_body: list[str] = field(default_factory=list)
    name: str = ""  # running text: "Ủy ban nhân dân xã Thạch Châu"
    short_name: str = ""  # running text, short: "UBND xã"
    office: str = "VP"  # drafting office for letters and "Lưu: VT, <office>."
    signature: Signature | None = None
    body_kind: str = "ubnd"  # ubnd | department | office
    unit_id: int | None = None  # for looking up a province's replacement template

    @classmethod
    def from_unit(
        cls,
        unit,
        *,
        signer_name: str = "",
        deputy: bool = False,
        acting: bool = False,
        office: str | None = None,
        signature: Signature | None = None,
    ) -> Issuer:
        kind = unit.kind
        if kind in TERRITORIAL:
            body_kind = "ubnd"
            issuing = ["ỦY BAN NHÂN DÂN", vn_upper(unit.name)]
            parent: list[str] = []
            symbol = "UBND"
            name = f"Ủy ban nhân dân {_lower_first(unit.name)}"
            short = "UBND " + {
                "province": "tỉnh",
                "district": "huyện",
                "commune": "xã",
                "ward": "phường",
            }.get(kind, _lower_first(unit.name))
            default_office = "VP"
        else:
            body_kind = "department" if kind == "department" else "office"
            own = _own_name(unit)
            issuing = [vn_upper(own)]
            parent = [f"UBND {vn_upper(unit.parent.name)}"] if unit.parent is not None else []
            symbol = _initials(own)
            name = unit.name
            short = own
            default_office = ""
        if signature is None:
            signature = unit_signature(body_kind, name=signer_name, deputy=deputy, acting=acting)
        return cls(
            issuing_body=issuing,
            parent_body=parent,
            place=place_name(unit),
            symbol=symbol,
            name=name,
            short_name=short,
            office=default_office if office is None else office,
            signature=signature,
            body_kind=body_kind,
            unit_id=unit.pk,
        )
