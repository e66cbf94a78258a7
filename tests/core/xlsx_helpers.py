"""Build small .xlsx files in memory for import tests (any cell values, including wrong ones)."""

from __future__ import annotations

import io

from openpyxl import Workbook


def make_xlsx(header: list[str], rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
