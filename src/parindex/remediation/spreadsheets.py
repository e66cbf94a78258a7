"""Phụ lục II filled in Excel: download the plan's items as a workbook, edit, upload.

Two workbooks come back (issue 17: what parindex exports, it imports back):

* the fill-in workbook (plan page → "Nhập Phụ lục II bằng Excel" → template): header on row 1,
  rows matched by "Tồn tại số" (the row's number in Phụ lục II);
* the plan's "Phụ lục I, II (.xlsx)": the sheet "Phụ lục II" is read, its header found under the
  title lines, rows matched by "Mã tiêu chí" (a criterion is in a plan once; the STT column is the
  position in the printed table, not an identity). The sheet "Phụ lục I" is not imported.

Only the columns present in the file change anything (a workbook without "Nguyên nhân" keeps the
causes). The lead cell of the plan workbook shows the lead as printed (lead unit, official, text);
a cell that still reads the same changes nothing. Every row is checked first (unknown number or
code, bad date, a deadline before the plan date); on any problem nothing is written and every
problem is listed with the row number of the user's file. Otherwise every changed item goes through
``actions.update_item`` (permission, editable plan, audit) inside one transaction.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from parindex.core.spreadsheets import Column, OutColumn, RowError, SpreadsheetError, read_table, write_table
from parindex.remediation import actions

COLUMNS = [
    Column("number", ("Tồn tại số", "So ton tai", "number"), kind="int"),
    Column("code", ("Mã tiêu chí", "code")),
    Column("shortcoming", ("Tồn tại, hạn chế", "shortcoming")),
    Column("cause", ("Nguyên nhân", "cause")),
    Column("solution", ("Giải pháp khắc phục", "Giải pháp", "solution")),
    Column("lead_text", ("Chủ trì", "lead")),
    Column("coordinators_text", ("Phối hợp", "coordinators")),
    Column("deadline", ("Thời hạn", "deadline"), kind="date"),
    Column("expected_result", ("Kết quả, tài liệu kiểm chứng dự kiến", "expected result")),
]
EDITABLE = (
    "shortcoming",
    "cause",
    "solution",
    "lead_text",
    "coordinators_text",
    "deadline",
    "expected_result",
)


def items_xlsx(plan, items) -> bytes:
    """The workbook to fill: one row per Phụ lục II item, headers accepted back by ``import_items``."""
    return write_table(
        [
            OutColumn("Tồn tại số", 8, "int", value=lambda i: i.number),
            OutColumn("Mã tiêu chí", 10, value=lambda i: i.code),
            OutColumn("Tiêu chí", 40, value=lambda i: i.title),
            OutColumn("Điểm bị trừ", 10, "decimal", value=lambda i: i.lost_points),
            OutColumn("Tồn tại, hạn chế", 40, value=lambda i: i.shortcoming),
            OutColumn("Nguyên nhân", 35, value=lambda i: i.cause),
            OutColumn("Giải pháp khắc phục", 45, value=lambda i: i.solution),
            OutColumn("Chủ trì", 20, value=lambda i: i.lead_text),
            OutColumn("Phối hợp", 20, value=lambda i: i.coordinators_text),
            OutColumn("Thời hạn", 12, "date", value=lambda i: i.deadline),
            OutColumn("Kết quả, tài liệu kiểm chứng dự kiến", 35, value=lambda i: i.expected_result),
        ],
        items,
        sheet_title="Phụ lục II",
    )


HEADER_SEARCH_ROWS = 10
SHEET = "Phụ lục II"


def _layout(data: bytes) -> tuple[bytes, int, set[str]]:
    """(a workbook whose first sheet starts at the header row, rows above the header, column keys present).

    The fill-in workbook is returned as it is; the plan workbook's "Phụ lục II" sheet is copied from its
    header row on, so ``read_table`` reads it and row numbers are shifted back for the messages.
    """
    import io

    from openpyxl import Workbook, load_workbook

    from parindex.core.spreadsheets import check_xlsx_container

    check_xlsx_container(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 — openpyxl raises many types for broken files
        raise SpreadsheetError([RowError(None, _("The spreadsheet could not be read; it may be damaged."))])
    try:
        sheet = workbook[SHEET] if SHEET in workbook.sheetnames else workbook.worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
    finally:
        workbook.close()

    def keys(row) -> set[str]:
        return {c.key for c in COLUMNS for cell in row if cell is not None and c.matches(str(cell))}

    found = next(
        ((i, keys(row)) for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]) if keys(row) & {"number", "code"}),
        None,
    )
    if found is None:
        raise SpreadsheetError(
            [RowError(1, _("The column “%(column)s” is missing.") % {"column": "Tồn tại số"})]
        )
    index, present = found
    copy = Workbook()
    for row in rows[index:]:
        copy.active.append(list(row))
    buffer = io.BytesIO()
    copy.save(buffer)
    return buffer.getvalue(), index, present


def import_items(plan, *, source, by) -> int:
    """Apply an uploaded Phụ lục II workbook to the plan; return the number of items changed."""
    from parindex.core.spreadsheets import _read_bytes

    try:
        actions._require_editable(plan)
    except ValidationError as exc:
        raise SpreadsheetError([RowError(None, " ".join(exc.messages))])
    data, offset, present = _layout(_read_bytes(source))
    try:
        table = read_table(data, COLUMNS)
    except SpreadsheetError as exc:
        raise SpreadsheetError(
            [RowError(e.row + offset if e.row else e.row, e.message, e.column) for e in exc.errors]
        )
    by_number = "number" in present
    key_column = "Tồn tại số" if by_number else "Mã tiêu chí"
    items = {
        (i.number if by_number else i.code): i
        for i in plan.remediation_items.select_related("unit", "inspection", "lead_unit", "lead_official")
    }
    editable = [k for k in EDITABLE if k in present]
    errors: list[RowError] = []
    changes: list[tuple[object, dict]] = []
    seen: set = set()
    for row_number, row in table:
        row_number += offset
        key = row["number"] if by_number else row["code"]
        if key is None:
            errors.append(RowError(row_number, _("This cell must not be empty."), key_column))
            continue
        item = items.get(key)
        if item is None:
            message = (
                _("There is no shortcoming %(number)s in this plan.") % {"number": key}
                if by_number
                else _("Criterion %(code)s is not in Phụ lục II of this plan.") % {"code": key}
            )
            errors.append(RowError(row_number, message, key_column))
            continue
        if key in seen:
            errors.append(
                RowError(row_number, _("Shortcoming %(number)s appears twice.") % {"number": key}, key_column)
            )
            continue
        seen.add(key)
        values = {k: ("" if row[k] is None and k != "deadline" else row[k]) for k in editable}
        if "deadline" in values:
            if values["deadline"] is None:
                values["deadline"] = item.deadline
            if values["deadline"] and plan.document_date and values["deadline"] < plan.document_date:
                errors.append(
                    RowError(
                        row_number,
                        _("The deadline %(deadline)s must not be before the plan date %(date)s.")
                        % {
                            "deadline": values["deadline"].strftime("%d/%m/%Y"),
                            "date": plan.document_date.strftime("%d/%m/%Y"),
                        },
                        "Thời hạn",
                    )
                )
                continue
        if "lead_text" in values and values["lead_text"] == str(item.lead_label):
            del values["lead_text"]  # the printed lead (unit, official, text) as exported: unchanged
        changed = {k: v for k, v in values.items() if getattr(item, k) != v}
        if changed:
            changes.append((item, changed))
    if errors:
        raise SpreadsheetError(errors)
    with transaction.atomic():
        for item, changed in changes:
            try:
                actions.update_item(item, by=by, **changed)
            except ValidationError as exc:  # e.g. the plan was approved meanwhile
                raise SpreadsheetError([RowError(None, " ".join(exc.messages))])
    return len(changes)
