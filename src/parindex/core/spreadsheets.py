"""Reading and writing .xlsx for every bulk import and table export.

Reading (``read_table``): a header row matched against accepted names (Vietnamese or
English, case and diacritics ignored), then typed cells. Every problem of every row is
collected and raised at once as ``SpreadsheetError`` so the user fixes the file in one
go; callers write nothing unless reading succeeded (and then write in one transaction).
Files that are not .xlsx, empty, or suspiciously compressed (zip bombs) are refused
before openpyxl parses them.

Writing (``write_table``): Vietnamese headers, frozen header row, print setup, number
formats, and cells that start with = + - @ escaped so no formula runs in Excel.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from django.utils.translation import gettext as _

from parindex.core import filecheck
from parindex.core.text import parse_decimal, safe_file_stem, search_key

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
MAX_ROWS = 200_000

ARCHIVE_LIMITS = filecheck.ArchiveLimits(MAX_UNCOMPRESSED_BYTES, MAX_COMPRESSION_RATIO)


@dataclass(frozen=True)
class RowError:
    row: int | None  # spreadsheet row number (1-based, header is row 1); None = whole file
    message: str
    column: str = ""

    def __str__(self) -> str:
        where = _("Row %(row)s") % {"row": self.row} if self.row else _("File")
        if self.column:
            where = f"{where}, {self.column}"
        return f"{where}: {self.message}"


class SpreadsheetError(Exception):
    """One or more problems in an uploaded spreadsheet; nothing has been written."""

    def __init__(self, errors: Sequence[RowError]):
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


@dataclass(frozen=True)
class Column:
    key: str
    headers: tuple[str, ...]  # accepted header texts; the first is used when writing templates
    kind: str = "str"  # str | decimal | int | date | bool
    required: bool = False
    choices: dict[str, str] | None = None  # accepted text (search key) -> stored value

    def matches(self, header: str) -> bool:
        key = search_key(header)
        return any(search_key(h) == key for h in self.headers)


@dataclass
class Table:
    rows: list[dict[str, Any]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)

    def __iter__(self):
        return iter(zip(self.row_numbers, self.rows, strict=True))

    def __len__(self) -> int:
        return len(self.rows)


def check_xlsx_container(data: bytes) -> None:
    """Refuse anything that is not a sane .xlsx zip before a parser touches it.

    The content checks are ``core.filecheck.inspect_archive``'s: real inflated sizes measured
    while streaming (zip bombs whose headers lie included), macros found by content.
    """
    if not data:
        raise SpreadsheetError([RowError(None, _("The file is empty."))])
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise SpreadsheetError([RowError(None, _("This is not an Excel .xlsx file."))])
    try:
        report = filecheck.inspect_archive(io.BytesIO(data), limits=ARCHIVE_LIMITS)
    except filecheck.FileRefused as refused:
        message = {
            "macro": _("Files with macros are not accepted."),
            "bomb": _("The file unpacks to an unreasonable size and was refused."),
            "damaged": _("This is not an Excel .xlsx file."),
        }.get(refused.code, refused.message)
        raise SpreadsheetError([RowError(None, message)])
    if "[Content_Types].xml" not in report.names or not report.has_part("xl/"):
        raise SpreadsheetError([RowError(None, _("This is not an Excel .xlsx file."))])


def too_many_rows(count: int | None, limit: int) -> RowError:
    """The refusal of a sheet with more data rows than ``limit`` (``count`` when it is known)."""
    from django.utils.formats import number_format

    if count is None:
        return RowError(
            None,
            _("The sheet has more than %(limit)s data rows; nothing was read.")
            % {"limit": number_format(limit, force_grouping=True)},
        )
    return RowError(
        None,
        _("The sheet has %(count)s data rows; at most %(limit)s are accepted. Nothing was read.")
        % {"count": number_format(count, force_grouping=True), "limit": number_format(limit, force_grouping=True)},
    )


def _read_bytes(source) -> bytes:
    if isinstance(source, bytes | bytearray):
        return bytes(source)
    if hasattr(source, "read"):
        if hasattr(source, "seek"):
            source.seek(0)
        return source.read()
    with open(source, "rb") as handle:
        return handle.read()


def _convert(column: Column, value: Any) -> Any:
    """Convert one cell; raise ValueError with a translated message."""
    if isinstance(value, str):
        value = value.strip()
        if value == "":
            value = None
    if value is None:
        if column.required:
            raise ValueError(_("This cell must not be empty."))
        return None
    if column.choices is not None:
        key = search_key(str(value))
        if key not in column.choices:
            raise ValueError(
                _("“%(value)s” is not one of: %(choices)s.")
                % {"value": value, "choices": ", ".join(sorted(set(column.choices.keys())))}
            )
        return column.choices[key]
    if column.kind == "str":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()
    if column.kind in ("decimal", "int"):
        try:
            number = parse_decimal(value)
        except (ValueError, ArithmeticError):
            raise ValueError(_("“%(value)s” is not a number.") % {"value": value})
        if column.kind == "int":
            if number != number.to_integral_value():
                raise ValueError(_("“%(value)s” is not a whole number.") % {"value": value})
            return int(number)
        return number
    if column.kind == "date":
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"):
            try:
                return dt.datetime.strptime(str(value), fmt).date()
            except ValueError:
                continue
        raise ValueError(_("“%(value)s” is not a date (dd/mm/yyyy).") % {"value": value})
    if column.kind == "bool":
        key = search_key(str(value))
        if key in ("1", "true", "x", "co", "yes", "dung"):
            return True
        if key in ("0", "false", "khong", "no", "sai"):
            return False
        raise ValueError(_("“%(value)s” is not yes/no (Có/Không).") % {"value": value})
    raise AssertionError(column.kind)


def read_table(
    source, columns: Sequence[Column], *, sheet: str | None = None, max_rows: int = MAX_ROWS
) -> Table:
    """Read the first (or the named) sheet into typed rows; raise SpreadsheetError listing every problem.

    ``max_rows``: more data rows than this refuse the file, as soon as the reading passes the
    limit (empty rows do not count, but no sheet is read past ``MAX_ROWS`` rows). A sheet whose
    declared size (``<dimension>``) is far above the limit — more than twice it plus 1,000
    rows, room for empty formatted rows under the data — is refused before any row is read."""
    from openpyxl import load_workbook

    data = _read_bytes(source)
    check_xlsx_container(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 — openpyxl raises many types for broken files
        raise SpreadsheetError([RowError(None, _("The spreadsheet could not be read; it may be damaged."))])
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise SpreadsheetError(
                [RowError(None, _("The sheet “%(sheet)s” is missing.") % {"sheet": sheet})]
            )
        worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
        declared = getattr(worksheet, "max_row", None)  # from <dimension>, read before the rows
        if isinstance(declared, int) and declared - 1 > min(2 * max_rows + 1000, MAX_ROWS):
            raise SpreadsheetError([too_many_rows(declared - 1, max_rows)])
        rows = worksheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None or all(cell in (None, "") for cell in header):
            raise SpreadsheetError([RowError(None, _("The sheet has no header row."))])
        positions: dict[str, int] = {}
        errors: list[RowError] = []
        for column in columns:
            for index, text in enumerate(header):
                if text is not None and column.matches(str(text)):
                    positions[column.key] = index
                    break
            else:
                if column.required:
                    errors.append(
                        RowError(1, _("The column “%(column)s” is missing.") % {"column": column.headers[0]})
                    )
        if errors:
            raise SpreadsheetError(errors)
        table = Table()
        for number, raw in enumerate(rows, start=2):
            if number - 1 > MAX_ROWS:
                raise SpreadsheetError([too_many_rows(None, MAX_ROWS)])
            if raw is None or all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in raw):
                continue
            if len(table.rows) >= max_rows:
                raise SpreadsheetError([too_many_rows(None, max_rows)])
            record: dict[str, Any] = {}
            for column in columns:
                index = positions.get(column.key)
                value = raw[index] if index is not None and index < len(raw) else None
                try:
                    record[column.key] = _convert(column, value)
                except ValueError as exc:
                    errors.append(RowError(number, str(exc), column.headers[0]))
            table.rows.append(record)
            table.row_numbers.append(number)
        if errors:
            raise SpreadsheetError(errors)
        if not table.rows:
            raise SpreadsheetError([RowError(None, _("The sheet has no data rows."))])
        return table
    finally:
        workbook.close()


# --- Writing ---------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: Any) -> Any:
    """Neutralise text that Excel would run as a formula (CSV/XLSX injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


@dataclass(frozen=True)
class OutColumn:
    header: str
    width: int = 15
    kind: str = "str"  # str | decimal | int | percent | date | datetime
    value: Callable[[Any], Any] | None = None  # row -> cell value; default row[index]


_NUMBER_FORMATS = {
    "decimal": "#,##0.00##",
    "int": "#,##0",
    "percent": "0.00",
    "date": "dd/mm/yyyy",
    "datetime": "dd/mm/yyyy hh:mm",
}


def write_table(
    columns: Sequence[OutColumn],
    rows: Iterable[Any],
    *,
    title: str = "",
    subtitle: str = "",
    sheet_title: str = "Sheet1",
    landscape: bool = True,
    workbook=None,
) -> bytes | None:
    """One sheet with a title line (optional), a bold frozen header and typed cells.

    Decimal numbers are written as numbers with a format; Excel shows them with the
    reader's decimal separator (a comma on a Vietnamese system). If ``workbook`` is
    given, the sheet is added to it and nothing is returned.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    own = workbook is None
    if own:
        workbook = Workbook(write_only=False)
        sheet = workbook.active
        sheet.title = sheet_title[:31]
    else:
        sheet = workbook.create_sheet(sheet_title[:31])
    header_row = 1
    if title:
        sheet.cell(row=1, column=1, value=escape_cell(title)).font = Font(bold=True, size=13)
        if subtitle:  # e.g. "(Kèm theo Kế hoạch số …)" under an appendix title
            sheet.cell(row=2, column=1, value=escape_cell(subtitle)).font = Font(italic=True)
        header_row = 3
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=header_row, column=index, value=escape_cell(column.header))
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    row_number = header_row
    for row in rows:
        row_number += 1
        for index, column in enumerate(columns, start=1):
            value = column.value(row) if column.value else row[index - 1]
            if isinstance(value, dt.datetime) and value.tzinfo is not None:
                from django.utils import timezone

                value = timezone.localtime(value).replace(tzinfo=None)
            if isinstance(value, Decimal):
                value = float(value) if column.kind in ("decimal", "percent") else value
            cell = sheet.cell(row=row_number, column=index, value=escape_cell(value))
            fmt = _NUMBER_FORMATS.get(column.kind)
            if fmt:
                cell.number_format = fmt
            if column.kind == "str":
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    if not own:
        return None
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def attachment_header(filename: str) -> str:
    """``attachment; filename="ascii"; filename*=UTF-8''…`` — safe for any user-made name.

    The ASCII fallback drops diacritics and every character that could break the header
    (quotes, semicolons, backslashes, control characters, path separators).
    """
    dot = filename.rfind(".")
    stem, ext = (filename[:dot], filename[dot + 1 :]) if dot > 0 else (filename, "")
    ascii_name = safe_file_stem(stem) + ("." + safe_file_stem(ext, max_length=10) if ext else "")
    utf8_name = quote(filename.replace("/", "_").replace("\\", "_"), safe="")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{utf8_name}"


def download_response(content: bytes, filename: str, content_type: str = XLSX_CONTENT_TYPE) -> HttpResponse:
    """An attachment response with a safe Content-Disposition (ASCII fallback + UTF-8 name)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = attachment_header(filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response
