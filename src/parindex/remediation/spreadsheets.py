"""Phụ lục II filled in Excel: download the plan's items as a workbook, edit, upload.

Rows are matched by "Tồn tại số" (the item's number in the unit's list). Every row is checked
first (unknown number, bad date, a deadline before the plan date); on any problem nothing is
written and every problem is listed. Otherwise every changed item goes through
``actions.update_item`` (permission, editable plan, audit) inside one transaction.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from parindex.core.spreadsheets import Column, OutColumn, RowError, SpreadsheetError, read_table, write_table
from parindex.remediation import actions

COLUMNS = [
    Column("number", ("Tồn tại số", "So ton tai", "number"), kind="int", required=True),
    Column("code", ("Mã tiêu chí", "code")),
    Column("shortcoming", ("Tồn tại, hạn chế", "shortcoming")),
    Column("cause", ("Nguyên nhân", "cause")),
    Column("solution", ("Giải pháp khắc phục", "Giải pháp", "solution")),
    Column("lead_text", ("Chủ trì", "lead")),
    Column("coordinators_text", ("Phối hợp", "coordinators")),
    Column("deadline", ("Thời hạn", "deadline"), kind="date"),
    Column("expected_result", ("Kết quả, tài liệu kiểm chứng dự kiến", "expected result")),
]
EDITABLE = ("shortcoming", "cause", "solution", "lead_text", "coordinators_text", "deadline", "expected_result")


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


def import_items(plan, *, source, by) -> int:
    """Apply an uploaded Phụ lục II workbook to the plan; return the number of items changed."""
    try:
        actions._require_editable(plan)
    except ValidationError as exc:
        raise SpreadsheetError([RowError(None, " ".join(exc.messages))])
    table = read_table(source, COLUMNS)
    items = {i.number: i for i in plan.remediation_items.select_related("unit", "inspection")}
    errors: list[RowError] = []
    changes: list[tuple[object, dict]] = []
    seen: set[int] = set()
    for row_number, row in table:
        item = items.get(row["number"])
        if item is None:
            errors.append(RowError(row_number, _("There is no shortcoming %(number)s in this plan.")
                                   % {"number": row["number"]}, "Tồn tại số"))
            continue
        if row["number"] in seen:
            errors.append(RowError(row_number, _("Shortcoming %(number)s appears twice.") % {"number": row["number"]},
                                   "Tồn tại số"))
            continue
        seen.add(row["number"])
        values = {k: ("" if row[k] is None and k != "deadline" else row[k]) for k in EDITABLE}
        if values["deadline"] is None:
            values["deadline"] = item.deadline
        if values["deadline"] and plan.document_date and values["deadline"] < plan.document_date:
            errors.append(RowError(row_number, _("The deadline %(deadline)s must not be before the plan date %(date)s.")
                                   % {"deadline": values["deadline"].strftime("%d/%m/%Y"),
                                      "date": plan.document_date.strftime("%d/%m/%Y")}, "Thời hạn"))
            continue
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
