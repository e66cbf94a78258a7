"""Bulk import and export of units from/to .xlsx (``parindex import_units``, the import page).

The file is read and checked completely first (``plan_units``): every problem of every
row is collected and raised as ``SpreadsheetError`` with Vietnamese messages, and nothing
is written. Only a clean file is written (``apply_units``), in one transaction, with one
audit row per created or changed unit and per merge/split link.

A code that already exists updates that unit (so a corrected file can be imported again);
a code new to the database creates a unit. A parent may be an existing unit or any row of
the file (before or after the child). The optional "predecessors" column lists codes
(";"-separated) of the units this one succeeded: a merge link (several predecessors), a
split (a predecessor shared with another row) or a rename (one predecessor).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from parindex.core import audit
from parindex.core.spreadsheets import Column, OutColumn, RowError, SpreadsheetError, read_table, write_table
from parindex.core.text import search_key
from parindex.units.models import Membership, Unit, UnitChange
from parindex.units.visibility import scope_for

K = Unit.Kind
G = Unit.Grade

UNIT_COLUMNS = [
    Column("code", ("Mã đơn vị", "Mã", "Code"), required=True),
    Column("name", ("Tên đơn vị", "Tên", "Name"), required=True),
    Column("short_name", ("Tên ngắn", "Tên ngắn gọn", "Short name")),
    Column("kind", ("Loại đơn vị", "Cấp đơn vị", "Type", "Kind"), required=True),
    Column("grade", ("Phân loại", "Hạng", "Class", "Grade")),
    Column("parent", ("Mã đơn vị cấp trên", "Mã cấp trên", "Parent code", "Parent")),
    Column("valid_from", ("Hiệu lực từ ngày", "Hiệu lực từ", "Từ ngày", "Valid from"), kind="date"),
    Column("valid_to", ("Hiệu lực đến ngày", "Hiệu lực đến", "Đến ngày", "Valid to"), kind="date"),
    Column("email", ("Thư điện tử", "E-mail", "Email")),
    Column("predecessors", ("Mã đơn vị tiền thân", "Đơn vị tiền thân", "Predecessors")),
]

# Accepted type labels (compared without case or diacritics) -> Unit.Kind.
KIND_LABELS: dict[str, str] = {
    **{key: K.PROVINCE for key in ("tinh", "thanh pho truc thuoc trung uong", "province")},
    **{
        key: K.DEPARTMENT
        for key in (
            "so",
            "so, ban, nganh",
            "co quan chuyen mon",
            "ban",
            "van phong ubnd tinh",
            "thanh tra tinh",
            "department",
        )
    },
    **{key: K.DISTRICT for key in ("huyen", "quan", "thi xa", "thanh pho", "district")},
    **{
        key: K.DISTRICT_OFFICE
        for key in ("phong", "phong chuyen mon", "district office", "district_office", "office")
    },
    **{key: K.COMMUNE for key in ("xa", "thi tran", "commune", "town")},
    **{key: K.WARD for key in ("phuong", "ward")},
    **{key: K.SPECIAL_ZONE for key in ("dac khu", "special zone", "special_zone")},
}
KIND_EXPORT_LABELS = {
    K.PROVINCE: "Tỉnh",
    K.DEPARTMENT: "Sở",
    K.DISTRICT: "Huyện",
    K.DISTRICT_OFFICE: "Phòng",
    K.COMMUNE: "Xã",
    K.WARD: "Phường",
    K.SPECIAL_ZONE: "Đặc khu",
}
GRADE_LABELS: dict[str, str] = {
    **{key: G.I for key in ("1", "i", "loai 1", "loai i", "class i", "class 1")},
    **{key: G.II for key in ("2", "ii", "loai 2", "loai ii", "class ii", "class 2")},
    **{key: G.III for key in ("3", "iii", "loai 3", "loai iii", "class iii", "class 3")},
    **{key: G.SPECIAL for key in ("dac biet", "loai dac biet", "special", "special class")},
}
GRADE_EXPORT_LABELS = {G.I: "Loại I", G.II: "Loại II", G.III: "Loại III", G.SPECIAL: "Đặc biệt"}

_FIELDS = ("name", "short_name", "kind", "grade", "valid_from", "valid_to", "email")


@dataclass
class UnitRow:
    number: int
    code: str
    values: dict[str, Any]
    parent: str | None
    predecessors: list[str]


@dataclass
class UnitPlan:
    rows: list[UnitRow]
    existing: dict[str, Unit]


@dataclass
class UnitImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    links: int = 0

    def summary(self) -> str:
        return _(
            "%(created)d units created, %(updated)d updated, %(unchanged)d unchanged; "
            "%(links)d merge/split links added."
        ) % {
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "links": self.links,
        }


def managed_paths(user) -> tuple[str, ...] | None:
    """Subtrees whose units ``user`` may import: None = everything (admin or the command line)."""
    if user is None:
        return None
    scope = scope_for(user)
    if scope.is_admin:
        return None
    paths = (
        Membership.objects.active()
        .filter(user=user, role=Membership.Role.INDEX_MANAGER)
        .values_list("unit__path", flat=True)
    )
    return tuple(paths)


def can_import(user) -> bool:
    paths = managed_paths(user)
    return paths is None or bool(paths)


def _parse_kind(value: str) -> str:
    kind = KIND_LABELS.get(search_key(value))
    if kind is None:
        raise ValueError(
            _("Unknown unit type “%(value)s”: use Tỉnh, Sở, Huyện, Phòng, Xã, Phường, Thị trấn or Đặc khu.")
            % {"value": value}
        )
    return kind


def _parse_grade(value: str | None) -> str:
    if not value:
        return ""
    grade = GRADE_LABELS.get(search_key(value))
    if grade is None:
        raise ValueError(
            _("Unknown class “%(value)s”: use Loại I, Loại II, Loại III or Đặc biệt.") % {"value": value}
        )
    return grade


def plan_units(source, *, by=None) -> UnitPlan:
    """Read and check the whole file; raise SpreadsheetError listing every problem."""
    table = read_table(source, UNIT_COLUMNS)
    errors: list[RowError] = []
    rows: list[UnitRow] = []
    first_row_of: dict[str, int] = {}
    headers = {c.key: c.headers[0] for c in UNIT_COLUMNS}

    for number, raw in table:
        code = raw["code"]
        values: dict[str, Any] = {"name": raw["name"], "short_name": raw["short_name"] or ""}
        try:
            values["kind"] = _parse_kind(raw["kind"])
        except ValueError as exc:
            errors.append(RowError(number, str(exc), headers["kind"]))
        try:
            values["grade"] = _parse_grade(raw["grade"])
        except ValueError as exc:
            errors.append(RowError(number, str(exc), headers["grade"]))
        values["valid_from"], values["valid_to"] = raw["valid_from"], raw["valid_to"]
        if raw["valid_from"] and raw["valid_to"] and raw["valid_to"] < raw["valid_from"]:
            errors.append(
                RowError(number, _("The end date must not be before the start date."), headers["valid_to"])
            )
        values["email"] = raw["email"] or ""
        if values["email"]:
            try:
                validate_email(values["email"])
            except ValidationError:
                errors.append(
                    RowError(
                        number,
                        _("“%(value)s” is not an e-mail address.") % {"value": values["email"]},
                        headers["email"],
                    )
                )
        for key, limit in (("code", 32), ("name", 255), ("short_name", 120)):
            text = code if key == "code" else values[key]
            if len(text) > limit:
                errors.append(
                    RowError(
                        number, _("Too long: at most %(limit)d characters.") % {"limit": limit}, headers[key]
                    )
                )
        if code in first_row_of:
            errors.append(
                RowError(
                    number,
                    _("The code “%(code)s” is already used in row %(row)d of this file.")
                    % {"code": code, "row": first_row_of[code]},
                    headers["code"],
                )
            )
        else:
            first_row_of[code] = number
        predecessors = [
            p.strip() for p in (raw["predecessors"] or "").replace(",", ";").split(";") if p.strip()
        ]
        rows.append(UnitRow(number, code, values, raw["parent"], predecessors))

    existing = {u.code: u for u in Unit.objects.only("id", "code", "path", "parent_id", *_FIELDS)}
    code_by_id = {u.pk: code for code, u in existing.items()}
    parent_of: dict[str, str | None] = {code: code_by_id.get(u.parent_id) for code, u in existing.items()}
    file_codes = set(first_row_of)
    for row in rows:
        if first_row_of.get(row.code) == row.number:
            parent_of[row.code] = row.parent

    for row in rows:
        if row.parent is not None and row.parent not in existing and row.parent not in file_codes:
            errors.append(
                RowError(
                    row.number,
                    _("Unknown parent unit code “%(code)s”.") % {"code": row.parent},
                    headers["parent"],
                )
            )
        elif row.parent is not None and first_row_of.get(row.code) == row.number:
            chain, current = [row.code], row.parent
            while current is not None:
                if current == row.code:
                    chain.append(current)
                    errors.append(
                        RowError(
                            row.number,
                            _("The parent chain loops back to this unit: %(chain)s.")
                            % {"chain": " → ".join(chain)},
                            headers["parent"],
                        )
                    )
                    break
                if current in chain or len(chain) > 50:
                    break  # a loop above this unit: reported on that unit's own row
                chain.append(current)
                current = parent_of.get(current)
        for pred in row.predecessors:
            if pred == row.code:
                errors.append(
                    RowError(row.number, _("A unit cannot be its own predecessor."), headers["predecessors"])
                )
            elif pred not in existing and pred not in file_codes:
                errors.append(
                    RowError(
                        row.number,
                        _("Unknown predecessor unit code “%(code)s”.") % {"code": pred},
                        headers["predecessors"],
                    )
                )
        if row.predecessors and not row.values.get("valid_from"):
            errors.append(
                RowError(
                    row.number,
                    _("A unit with predecessors needs a start date (the date of the change)."),
                    headers["valid_from"],
                )
            )

    paths = managed_paths(by)
    if paths is not None and not errors:
        errors += _scope_errors(rows, paths, existing, parent_of)
    if errors:
        raise SpreadsheetError(sorted(errors, key=lambda e: e.row or 0))
    return UnitPlan(rows=rows, existing=existing)


def _scope_errors(rows, paths, existing, parent_of) -> list[RowError]:
    """Index managers import only inside the subtrees they manage (and never their own root unit)."""
    roots = set(paths)

    def inside(code: str | None, depth: int = 0) -> bool:
        if code is None or depth > 50:
            return False
        unit = existing.get(code)
        if unit is not None and any(unit.path.startswith(p) for p in roots):
            return True
        return unit is None and inside(parent_of.get(code), depth + 1)

    errors = []
    for row in rows:
        unit = existing.get(row.code)
        own_root = unit is not None and unit.path in roots
        if own_root or not inside(row.parent):
            errors.append(RowError(row.number, _("You may only import units inside the units you manage.")))
    return errors


def _depth(code: str, parent_of: dict[str, str | None]) -> int:
    depth, current = 0, parent_of.get(code)
    while current is not None and depth < 100:
        depth += 1
        current = parent_of.get(current)
    return depth


def apply_units(plan: UnitPlan, *, by=None) -> UnitImportResult:
    """Write a checked plan in one transaction, parents first, with audit rows."""
    result = UnitImportResult()
    parent_of = {code: None for code in plan.existing}
    parent_of.update({row.code: row.parent for row in plan.rows})
    units = dict(plan.existing)
    with transaction.atomic():
        for row in sorted(plan.rows, key=lambda r: _depth(r.code, parent_of)):
            parent = units[row.parent] if row.parent else None
            unit = units.get(row.code)
            if unit is None:
                unit = Unit.objects.create(code=row.code, parent=parent, **row.values)
                units[row.code] = unit
                result.created.append(row.code)
                audit.record(
                    actor=by,
                    action="unit.create",
                    obj=unit,
                    after=audit.snapshot(unit, ["code", "parent_id", *_FIELDS]),
                    note=_("Imported from a spreadsheet."),
                )
                continue
            unit = Unit.objects.get(pk=unit.pk)  # fresh: an earlier row may have moved its subtree
            units[row.code] = unit
            before = audit.snapshot(unit, ["parent_id", *_FIELDS])
            for name, value in row.values.items():
                setattr(unit, name, value)
            unit.parent = parent
            after = audit.snapshot(unit, ["parent_id", *_FIELDS])
            if before == after:
                result.unchanged.append(row.code)
                continue
            unit.save()
            result.updated.append(row.code)
            audit.record(
                actor=by,
                action="unit.update",
                obj=unit,
                before=before,
                after=after,
                note=_("Imported from a spreadsheet."),
            )
        result.links = _apply_changes(plan, units, by=by)
    return result


def _apply_changes(plan: UnitPlan, units: dict[str, Unit], *, by) -> int:
    users_of_pred: dict[str, int] = defaultdict(int)
    for row in plan.rows:
        for pred in row.predecessors:
            users_of_pred[pred] += 1
    added = 0
    for row in plan.rows:
        if not row.predecessors:
            continue
        successor = units[row.code]
        wanted = {units[p].pk for p in row.predecessors}
        known = [
            set(change.predecessors.values_list("pk", flat=True))
            for change in UnitChange.objects.filter(successors=successor)
        ]
        if wanted in known:
            continue
        if any(users_of_pred[p] > 1 for p in row.predecessors):
            kind = UnitChange.Kind.SPLIT
        elif len(row.predecessors) > 1:
            kind = UnitChange.Kind.MERGE
        else:
            kind = UnitChange.Kind.RENAME
        change = UnitChange.objects.create(kind=kind, effective_on=row.values["valid_from"])
        change.predecessors.set(wanted)
        change.successors.set([successor])
        audit.record(
            actor=by,
            action="unit.change",
            obj=successor,
            after={
                "kind": kind,
                "effective_on": row.values["valid_from"],
                "predecessors": sorted(row.predecessors),
            },
            note=_("Imported from a spreadsheet."),
        )
        added += 1
    return added


def import_units(source, *, by=None) -> UnitImportResult:
    """Check the whole file, then write it; raises SpreadsheetError (nothing written) on any problem."""
    return apply_units(plan_units(source, by=by), by=by)


# --- Export and the template ---------------------------------------------------------------


def _predecessor_codes(unit: Unit) -> str:
    return ";".join(sorted(getattr(unit, "predecessor_codes", [])))


def export_columns() -> list[OutColumn]:
    return [
        OutColumn("Mã đơn vị", 12, value=lambda u: u.code),
        OutColumn("Tên đơn vị", 40, value=lambda u: u.name),
        OutColumn("Tên ngắn", 20, value=lambda u: u.short_name),
        OutColumn("Loại đơn vị", 12, value=lambda u: KIND_EXPORT_LABELS.get(u.kind, u.kind)),
        OutColumn("Phân loại", 10, value=lambda u: GRADE_EXPORT_LABELS.get(u.grade, "")),
        OutColumn("Mã đơn vị cấp trên", 14, value=lambda u: u.parent.code if u.parent_id else ""),
        OutColumn("Hiệu lực từ ngày", 14, kind="date", value=lambda u: u.valid_from),
        OutColumn("Hiệu lực đến ngày", 14, kind="date", value=lambda u: u.valid_to),
        OutColumn("Thư điện tử", 28, value=lambda u: u.email),
        OutColumn("Mã đơn vị tiền thân", 20, value=_predecessor_codes),
    ]


def export_units(queryset) -> bytes:
    """The units of ``queryset`` in the import layout (so an export can be edited and re-imported)."""
    units = list(queryset.select_related("parent").prefetch_related("predecessor_changes__predecessors"))
    for unit in units:
        unit.predecessor_codes = sorted(
            {p.code for change in unit.predecessor_changes.all() for p in change.predecessors.all()}
        )
    return write_table(export_columns(), units, sheet_title="Don vi")


@dataclass
class _Example:
    code: str
    name: str
    short_name: str
    kind: str
    grade: str = ""
    parent: str | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    email: str = ""
    predecessors: str = ""


EXAMPLE_ROWS = [
    _Example("06", "Tỉnh Bắc Kạn", "Bắc Kạn", K.PROVINCE, G.III, email="ubnd@backan.gov.vn"),
    _Example("06-SNV", "Sở Nội vụ", "Sở Nội vụ", K.DEPARTMENT, parent="06", email="noivu@backan.gov.vn"),
    _Example(
        "064", "Huyện Chợ Đồn", "Chợ Đồn", K.DISTRICT, G.II, parent="06", email="ubnd.chodon@backan.gov.vn"
    ),
    _Example("064-PNV", "Phòng Nội vụ huyện Chợ Đồn", "Phòng Nội vụ", K.DISTRICT_OFFICE, parent="064"),
    _Example("02032", "Xã Yên Thượng", "Yên Thượng", K.COMMUNE, G.II, parent="064"),
    _Example(
        "02044", "Xã Lương Bằng", "Lương Bằng", K.COMMUNE, G.II, parent="064", valid_to=dt.date(2025, 6, 30)
    ),
    _Example(
        "02047", "Xã Bằng Lãng", "Bằng Lãng", K.COMMUNE, G.III, parent="064", valid_to=dt.date(2025, 6, 30)
    ),
    _Example(
        "02010",
        "Xã Bằng Lãng",
        "Bằng Lãng (2025)",
        K.COMMUNE,
        G.I,
        parent="06",
        valid_from=dt.date(2025, 7, 1),
        predecessors="02044;02047",
    ),
]


def example_workbook() -> bytes:
    """The template offered on the import page and shipped as ``units/examples/units-example.xlsx``."""
    columns = [
        OutColumn(c.header, c.width, c.kind, value=getter)
        for c, getter in zip(
            export_columns(),
            [
                lambda e: e.code,
                lambda e: e.name,
                lambda e: e.short_name,
                lambda e: KIND_EXPORT_LABELS[e.kind],
                lambda e: GRADE_EXPORT_LABELS.get(e.grade, ""),
                lambda e: e.parent or "",
                lambda e: e.valid_from,
                lambda e: e.valid_to,
                lambda e: e.email,
                lambda e: e.predecessors,
            ],
            strict=True,
        )
    ]
    return write_table(columns, EXAMPLE_ROWS, sheet_title="Don vi")
