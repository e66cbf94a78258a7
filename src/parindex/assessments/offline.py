"""Offline scoring: download a sheet as .xlsx, fill it in Excel, upload it back.

The file shows each leaf's scoring method and which column it reads; the other input columns
of the row are greyed out, and Excel offers drop-down lists (data validation) for Yes/No and
level leaves, "x" for "not applicable" where allowed, and number checks for the others.

Upload (decisions of issue 17 defect 10 and issue 24 finding 2):

* **In the request, nothing is parsed.** ``check_upload`` refuses at once a file larger than
  ``OFFLINE_MAX_BYTES``, anything that is not a sane .xlsx container, and a file whose first
  sheet declares (its ``<dimension>``) more rows than ``max_rows(sheet)`` — the sheet's leaves
  plus ``OFFLINE_EXTRA_ROWS``. Reading the declaration decompresses at most 64 KB.
* **The worker checks every row** (``jobs.check_offline_sheet``, a user job with a progress
  bar): it counts the rows again while streaming (a file may lie about its size) and validates
  each row exactly like the web form (``parse_inputs``, ``check_inputs``, the fed-leaf rule).
  A value in an input column the leaf's method does not read, inputs on a survey row or on a
  row marked not applicable, are row errors — never silently ignored. Any error: nothing is
  kept, the job page lists the first ``MAX_ERRORS_SHOWN`` errors and the total count.
* **Only real changes are previewed and applied.** A row counts when its inputs (compared as
  values, not as text), "not applicable", note or explanation differ from the sheet; the
  preview (``OfflineUpload``) lists exactly those, and the confirmation counts the leaves that
  were actually written.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from parindex.assessments import access
from parindex.assessments.logic import (
    InputError,
    check_inputs,
    comparable_inputs,
    inputs_to_json,
    is_survey,
    parse_inputs,
)
from parindex.assessments.models import Assessment, Score
from parindex.core.spreadsheets import (
    Column,
    OutColumn,
    RowError,
    SpreadsheetError,
    check_xlsx_container,
    read_table,
    write_table,
)
from parindex.core.text import format_decimal

OFFLINE_MAX_BYTES = 2 * 1024 * 1024  # a sheet of 500 leaves with long notes is ~0,3 MB
OFFLINE_EXTRA_ROWS = 1000  # rows beyond the sheet's leaves (blank lines, the user's own notes)
MAX_ERRORS_SHOWN = 100
# Input columns and which of them each method reads.
INPUT_COLUMNS = ("choice", "numerator", "denominator", "count", "violations", "manual")
METHOD_READS = {
    "binary": ("choice",),
    "levels": ("choice",),
    "ratio": ("numerator", "denominator"),
    "count": ("count",),
    "deduction": ("violations",),
    "manual": ("manual",),
}

# One column per kind of input; which ones a row uses depends on its method.
CHOICE_METHODS = {"binary": "value", "levels": "level"}
NUMBER_COLUMNS = {
    "ratio": (("numerator", "numerator"), ("denominator", "denominator")),
    "count": (("count", "count"),),
    "deduction": (("violations", "violations"),),
    "manual": (("manual", "value"),),
}


def _headers():
    return {
        "code": (pgettext("offline sheet", "Criterion code"), "Mã tiêu chí", "Criterion code"),
        "title": (pgettext("offline sheet", "Criterion"), "Tiêu chí", "Criterion"),
        "max": (pgettext("offline sheet", "Maximum points"), "Điểm tối đa", "Maximum points"),
        "rule": (pgettext("offline sheet", "Scoring rule"), "Cách tính điểm", "Scoring rule"),
        "method": (
            pgettext("offline sheet", "Scoring method: what to fill in"),
            "Phương pháp chấm: điền vào cột",
            "Scoring method: what to fill in",
        ),
        "choice": (
            pgettext("offline sheet", "Choice (level or Yes/No)"),
            "Lựa chọn (mức hoặc Có/Không)",
            "Choice (level or Yes/No)",
        ),
        "numerator": (pgettext("offline sheet", "Number done"), "Số hoàn thành", "Number done"),
        "denominator": (pgettext("offline sheet", "Total"), "Tổng số", "Total"),
        "count": (pgettext("offline sheet", "Count"), "Số lượng", "Count"),
        "violations": (pgettext("offline sheet", "Violations"), "Số vi phạm", "Violations"),
        "manual": (pgettext("offline sheet", "Points (manual)"), "Điểm nhập trực tiếp", "Points (manual)"),
        "na": (pgettext("offline sheet", "Not applicable"), "Không áp dụng", "Not applicable"),
        "note": (pgettext("offline sheet", "Note"), "Ghi chú", "Note"),
        "explanation": (
            _("Explanation of missing evidence"),
            "Giải trình thiếu tài liệu kiểm chứng",
            "Explanation of missing evidence",
        ),
        "points": (pgettext("offline sheet", "Self-assessed points"), "Điểm tự chấm", "Self-assessed points"),
        "version": (
            pgettext("offline sheet", "Version (do not change)"),
            "Phiên bản (không sửa)",
            "Version (do not change)",
        ),
    }


def _scores(sheet: Assessment) -> list[Score]:
    """The sheet's rows; fed leaves of a live sheet carry their source's value (``feeds``)."""
    from parindex.assessments.feeds import fed_values, overlay

    scores = list(
        Score.objects.filter(assessment=sheet).select_related("criterion").order_by("criterion__sort_key")
    )
    fed = fed_values(sheet, [s.criterion for s in scores])
    for score in scores:
        score.fed = fed.get(score.criterion_id)
        overlay(score, score.fed)
    return scores


def _choice_text(score: Score) -> str:
    method, inputs = score.criterion.method, score.inputs or {}
    if method == "binary" and "value" in inputs:
        return _("Yes") if inputs["value"] else _("No")
    if method == "levels" and inputs.get("level"):
        for level in score.criterion.params.get("levels", []):
            if level.get("key") == inputs["level"]:
                return level.get("label", inputs["level"])
    return ""


def _number(score: Score, column: str):
    method, inputs = score.criterion.method, score.inputs or {}
    for col, name in NUMBER_COLUMNS.get(method, ()):
        if col == column and inputs.get(name) not in (None, ""):
            return Decimal(str(inputs[name]))
    return None


def _method_hint(score: Score) -> str:
    """What the row's method is and which column(s) to fill in."""
    criterion = score.criterion
    h = _headers()
    if is_survey(criterion.method, criterion.source):
        return _("From survey results: not self-scored, leave the row empty.")
    fed = getattr(score, "fed", None)
    if fed is not None and fed.follows:
        return _("Automatically from %(source)s: do not change the numbers.") % {"source": fed.label}
    reads = ", ".join(f"“{h[col][0]}”" for col in METHOD_READS.get(criterion.method, ()))
    method = str(criterion.get_method_display()) if criterion.method else ""
    return _("%(method)s — fill in %(columns)s") % {"method": method, "columns": reads}


def write_sheet_xlsx(sheet: Assessment) -> bytes:
    """The sheet as a workbook: one row per leaf, the method and input columns, drop-downs, a guide."""
    from openpyxl import Workbook
    from openpyxl.styles import PatternFill
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    h = _headers()
    scores = _scores(sheet)
    columns = [
        ("code", OutColumn(h["code"][0], 10, value=lambda s: s.criterion.code)),
        ("title", OutColumn(h["title"][0], 50, value=lambda s: s.criterion.title)),
        ("max", OutColumn(h["max"][0], 10, "decimal", value=lambda s: s.max_points)),
        (
            "rule",
            OutColumn(
                h["rule"][0], 40, value=lambda s: s.criterion.rule_text or s.criterion.describe_method()
            ),
        ),
        ("method", OutColumn(h["method"][0], 30, value=_method_hint)),
        ("choice", OutColumn(h["choice"][0], 18, value=_choice_text)),
        ("numerator", OutColumn(h["numerator"][0], 12, "decimal", value=lambda s: _number(s, "numerator"))),
        (
            "denominator",
            OutColumn(h["denominator"][0], 12, "decimal", value=lambda s: _number(s, "denominator")),
        ),
        ("count", OutColumn(h["count"][0], 10, "decimal", value=lambda s: _number(s, "count"))),
        (
            "violations",
            OutColumn(h["violations"][0], 10, "decimal", value=lambda s: _number(s, "violations")),
        ),
        ("manual", OutColumn(h["manual"][0], 12, "decimal", value=lambda s: _number(s, "manual"))),
        ("na", OutColumn(h["na"][0], 10, value=lambda s: "x" if s.not_applicable else "")),
        ("note", OutColumn(h["note"][0], 30, value=lambda s: s.note)),
        ("explanation", OutColumn(h["explanation"][0], 30, value=lambda s: s.missing_evidence_explanation)),
        (
            "points",
            OutColumn(
                h["points"][0],
                10,
                "decimal",
                value=lambda s: (
                    _("from survey") if is_survey(s.criterion.method, s.criterion.source) else s.self_points
                ),
            ),
        ),
        ("version", OutColumn(h["version"][0], 10, "int", value=lambda s: s.version)),
    ]
    letter = {key: get_column_letter(index) for index, (key, _col) in enumerate(columns, start=1)}
    workbook = Workbook()
    default = workbook.active
    title = _("Score sheet")
    write_table([col for _key, col in columns], scores, sheet_title=title, workbook=workbook)
    worksheet = workbook[title[:31]]

    # Drop-downs and number checks per row; input columns the method does not read are greyed.
    lists = workbook.create_sheet(_("Lists")[:31])
    lists.sheet_state = "hidden"
    yes_no = f'"{_("Yes")},{_("No")}"'
    validations: dict[str, DataValidation] = {}

    def validation(key: str, **options) -> DataValidation:
        if key not in validations:
            dv = DataValidation(allow_blank=True, showErrorMessage=True, **options)
            dv.errorTitle = _("Not accepted")
            worksheet.add_data_validation(dv)
            validations[key] = dv
        return validations[key]

    grey = PatternFill("solid", fgColor="E7E6E6")
    list_column = 0
    for row, score in enumerate(scores, start=2):
        criterion = score.criterion
        survey = is_survey(criterion.method, criterion.source)
        fed = getattr(score, "fed", None)
        reads = () if survey or (fed is not None and fed.follows) else METHOD_READS.get(criterion.method, ())
        for col in INPUT_COLUMNS:
            if col not in reads:
                worksheet[f"{letter[col]}{row}"].fill = grey
        if not criterion.allow_not_applicable or survey:
            worksheet[f"{letter['na']}{row}"].fill = grey
        else:
            validation("na", type="list", formula1='"x"', error=_("Type x or leave empty.")).add(
                f"{letter['na']}{row}"
            )
        cell = f"{letter['choice']}{row}"
        if "choice" in reads and criterion.method == "binary":
            validation("yes_no", type="list", formula1=yes_no, error=_("Choose Yes or No.")).add(cell)
        elif "choice" in reads and criterion.method == "levels":
            labels = [
                str(level.get("label", level.get("key"))) for level in criterion.params.get("levels", [])
            ]
            list_column += 1
            column = get_column_letter(list_column)
            lists[f"{column}1"] = criterion.code
            for offset, label in enumerate(labels, start=2):
                lists[f"{column}{offset}"] = label
            formula = f"{quote_sheetname(lists.title)}!${column}$2:${column}${len(labels) + 1}"
            dv = DataValidation(
                type="list",
                formula1=formula,
                allow_blank=True,
                showErrorMessage=True,
                error=_("Choose one of the levels of this criterion."),
            )
            worksheet.add_data_validation(dv)
            dv.add(cell)
        for col in reads:
            if col == "choice":
                continue
            ref = f"{letter[col]}{row}"
            if col in ("count", "violations"):
                validation(
                    "whole",
                    type="whole",
                    operator="greaterThanOrEqual",
                    formula1="0",
                    error=_("A whole number, 0 or more."),
                ).add(ref)
            elif col == "manual":
                dv = DataValidation(
                    type="decimal",
                    operator="between",
                    formula1="0",
                    formula2=format(score.max_points, "f"),
                    allow_blank=True,
                    showErrorMessage=True,
                    error=_("Points between 0 and the maximum."),
                )
                worksheet.add_data_validation(dv)
                dv.add(ref)
            else:
                validation(
                    "number",
                    type="decimal",
                    operator="greaterThanOrEqual",
                    formula1="0",
                    error=_("A number, 0 or more."),
                ).add(ref)

    guide = [
        (_("Unit"), sheet.unit.name),
        (_("Round"), sheet.round.name),
        (
            _("How to fill in"),
            _(
                "Fill in only the column(s) named in “Scoring method” for each row (the other input "
                "columns are grey): a choice from the list for levels and Yes/No criteria; number done "
                "and total for ratios; a count; violations; or points. Put x in “Not applicable” where "
                "allowed. A value in a column the row does not use is an error. Do not change the code "
                "and version columns. Survey criteria are filled from survey results: leave their rows "
                "empty. Numbers taken automatically from the plan cannot be changed."
            ),
        ),
        (
            _("Limits"),
            _("At most %(rows)s rows and %(size)s MB.")
            % {"rows": max_rows(sheet), "size": format_decimal(Decimal(OFFLINE_MAX_BYTES) / 1024 / 1024)},
        ),
    ]
    write_table(
        [OutColumn(_("Item"), 25), OutColumn(_("Value"), 100)],
        guide,
        sheet_title=_("Guide"),
        workbook=workbook,
    )
    workbook.remove(default)
    workbook.move_sheet(lists, offset=len(workbook.sheetnames))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _columns():
    h = _headers()
    return [
        Column("code", h["code"], "str", required=True),
        Column("choice", h["choice"]),
        Column("numerator", h["numerator"]),
        Column("denominator", h["denominator"]),
        Column("count", h["count"]),
        Column("violations", h["violations"]),
        Column("manual", h["manual"]),
        Column("na", h["na"], "bool"),
        Column("note", h["note"]),
        Column("explanation", h["explanation"]),
        Column("version", h["version"], "int", required=True),
    ]


def _raw_inputs(method: str, row: dict) -> dict:
    if method in CHOICE_METHODS:
        return {CHOICE_METHODS[method]: row.get("choice") or ""}
    return {name: row.get(col) or "" for col, name in NUMBER_COLUMNS.get(method, ())}


# --- limits, checked in the request before any parsing ----------------------------------------------


def max_rows(sheet: Assessment) -> int:
    """Data rows an uploaded sheet may have: one per leaf, plus room for blank lines and notes."""
    return sheet.scores.count() + OFFLINE_EXTRA_ROWS


def _megabytes(size: int) -> str:
    return format_decimal(Decimal(size) / 1024 / 1024, places=1)


_DIMENSION = re.compile(
    rb"<(?:\w+:)?dimension\s+ref=\"\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?\""
)
_SHEET_RID = re.compile(rb"<(?:\w+:)?sheet\b[^>]*?\s\w+:id=\"([^\"]+)\"")
_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
_ATTRIBUTE = re.compile(rb"(\w+)=\"([^\"]*)\"")


def _first_sheet_path(archive: zipfile.ZipFile) -> str | None:
    """The zip member of the workbook's first sheet (read from two small XML parts)."""
    names = set(archive.namelist())

    def small(name: str) -> bytes:
        info = archive.getinfo(name)
        return archive.read(name) if info.file_size <= 1024 * 1024 else b""

    if "xl/workbook.xml" in names and "xl/_rels/workbook.xml.rels" in names:
        found = _SHEET_RID.search(small("xl/workbook.xml"))
        if found:
            for tag in _RELATIONSHIP.findall(small("xl/_rels/workbook.xml.rels")):
                attributes = dict(_ATTRIBUTE.findall(tag))
                if attributes.get(b"Id") == found.group(1) and attributes.get(b"Target"):
                    target = attributes[b"Target"].decode("utf-8", "replace")
                    path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                    if path in names:
                        return path
    sheets = sorted(n for n in names if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n))
    return sheets[0] if sheets else None


def declared_rows(data: bytes) -> int | None:
    """The last row the first sheet declares (its ``<dimension ref="A1:P200000">``), or None.

    Only the first 64 KB of the sheet are decompressed: the declaration comes first.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        path = _first_sheet_path(archive)
        if path is None:
            return None
        with archive.open(path) as handle:
            head = handle.read(64 * 1024)
    found = _DIMENSION.search(head)
    if not found:
        return None
    return int(found.group(4) or found.group(2))


def check_upload(sheet: Assessment, upload) -> bytes:
    """The request's checks of an uploaded sheet, before any parsing; returns its bytes.

    Raises ``SpreadsheetError`` (one whole-file error) for a file too large, not an .xlsx, or
    declaring more rows than the sheet can have.
    """
    size = getattr(upload, "size", None)
    if size is not None and size > OFFLINE_MAX_BYTES:
        raise SpreadsheetError([_too_large(size)])
    data = upload.read(OFFLINE_MAX_BYTES + 1) if hasattr(upload, "read") else bytes(upload)
    if len(data) > OFFLINE_MAX_BYTES:
        raise SpreadsheetError([_too_large(size or len(data))])
    check_xlsx_container(data)
    declared = declared_rows(data)
    limit = max_rows(sheet)
    if declared is not None and declared - 1 > limit:
        raise SpreadsheetError([_too_many_rows(sheet, declared - 1, limit)])
    return data


def _too_large(size: int) -> RowError:
    return RowError(
        None,
        _(
            "The file is %(size)s MB; an offline score sheet may be at most %(max)s MB. "
            "Download the sheet again and fill in only its rows."
        )
        % {"size": _megabytes(size), "max": _megabytes(OFFLINE_MAX_BYTES)},
    )


def _too_many_rows(sheet: Assessment, rows: int, limit: int) -> RowError:
    from django.utils.formats import number_format

    return RowError(
        None,
        _(
            "The file has %(rows)s rows; this score sheet has %(leaves)s criteria, so at most "
            "%(max)s rows are accepted. Download the sheet again and fill in only its rows."
        )
        % {
            "rows": number_format(rows, force_grouping=True),
            "leaves": limit - OFFLINE_EXTRA_ROWS,
            "max": number_format(limit, force_grouping=True),
        },
    )


def count_rows(sheet: Assessment, data: bytes) -> None:
    """On the worker: the real number of rows, streamed and stopped as soon as it passes the limit.

    A file may lie in its declaration (``<dimension>``): openpyxl would then read only the
    declared rows and silently skip the others, so a file whose rows go beyond what it declares
    is refused too.
    """
    from django.utils.formats import number_format
    from openpyxl import load_workbook

    limit = max_rows(sheet)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 — read_table reports a damaged file with its own message
        return
    try:
        worksheet = workbook.worksheets[0]
        declared = worksheet.max_row if worksheet.calculate_dimension(force=False) else None
    except ValueError:  # an unsized sheet declares nothing
        declared = None
    try:
        worksheet.reset_dimensions()
        rows = 0
        for rows, _row in enumerate(worksheet.iter_rows(values_only=True), start=1):
            if rows - 1 > limit:
                raise SpreadsheetError(
                    [
                        RowError(
                            None,
                            _(
                                "The file has more than %(max)s rows; this score sheet has %(leaves)s "
                                "criteria. Download the sheet again and fill in only its rows."
                            )
                            % {
                                "max": number_format(limit, force_grouping=True),
                                "leaves": limit - OFFLINE_EXTRA_ROWS,
                            },
                        )
                    ]
                )
        if declared is not None and rows > declared:
            raise SpreadsheetError(
                [
                    RowError(
                        None,
                        _(
                            "The file declares %(declared)s rows but holds %(rows)s; open it in Excel "
                            "and save it again."
                        )
                        % {"declared": declared, "rows": rows},
                    )
                ]
            )
    finally:
        workbook.close()


# --- reading, on the worker ------------------------------------------------------------------


def _value(value) -> str:
    return str(value).strip() if value is not None else ""


def read_sheet_xlsx(
    sheet: Assessment, source, user, *, progress: Callable[[int, int], None] | None = None
) -> list[dict]:
    """Validate an uploaded sheet; return the changes (JSON-safe) or raise SpreadsheetError.

    Every row is checked like the web form; rows that change nothing are left out. Nothing is
    written. ``progress(done, total)`` is called as rows are checked.
    """
    from parindex.assessments.feeds import check_fed_inputs
    from parindex.frameworks.scoring import ScoringError, compute_points, input_spec

    h = _headers()
    table = read_table(source, _columns())
    scores = {s.criterion.code: s for s in _scores(sheet)}
    assignments = list(sheet.assignments.all())
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    changes: list[dict] = []
    total = len(table)
    for done, (number, row) in enumerate(table, start=1):
        if progress is not None:
            progress(done, total)
        code = (row.get("code") or "").strip()
        score = scores.get(code)
        if score is None:
            errors.append(
                RowError(number, _("There is no criterion “%(code)s” on this sheet.") % {"code": code})
            )
            continue
        if code in seen:
            errors.append(
                RowError(
                    number,
                    _("The criterion %(code)s appears twice (also row %(row)s).")
                    % {"code": code, "row": seen[code]},
                )
            )
            continue
        seen[code] = number
        criterion = score.criterion
        not_applicable = bool(row.get("na"))
        typed = [col for col in INPUT_COLUMNS if _value(row.get(col))]
        if is_survey(criterion.method, criterion.source):
            filled = typed + [col for col in ("na", "note", "explanation") if _value(row.get(col))]
            if filled:
                errors.append(
                    RowError(
                        number,
                        _(
                            "%(code)s is filled from survey results and is not self-scored: "
                            "leave %(columns)s empty."
                        )
                        % {"code": code, "columns": ", ".join(f"“{h[col][0]}”" for col in filled)},
                    )
                )
            continue
        reads = METHOD_READS.get(criterion.method, ())
        unused = [col for col in typed if col not in reads or not_applicable]
        if unused:
            if not_applicable:
                message = _("%(code)s is marked not applicable: leave %(columns)s empty.")
            else:
                message = _(
                    "%(code)s is scored by “%(method)s” and reads only %(reads)s: the value in %(columns)s "
                    "would be ignored; remove it."
                )
            errors.append(
                RowError(
                    number,
                    message
                    % {
                        "code": code,
                        "method": criterion.get_method_display(),
                        "reads": ", ".join(f"“{h[col][0]}”" for col in reads),
                        "columns": ", ".join(f"“{h[col][0]}” ({_value(row.get(col))})" for col in unused),
                    },
                )
            )
            continue
        raw = _raw_inputs(criterion.method, row)
        note = (row.get("note") or "").strip()
        explanation = (row.get("explanation") or "").strip()
        try:
            if not_applicable:
                if not criterion.allow_not_applicable:
                    raise InputError(_("This criterion cannot be marked not applicable."))
                parsed, points = None, None
            else:
                parsed = parse_inputs(input_spec(criterion.method, criterion.params, score.max_points), raw)
                parsed = check_fed_inputs(getattr(score, "fed", None), parsed)
                check_inputs(criterion.method, criterion.params, score.max_points, parsed)
                points = (
                    compute_points(criterion.method, criterion.params, score.max_points, parsed)
                    if parsed is not None
                    else None
                )
        except (InputError, ScoringError) as exc:
            errors.append(RowError(number, f"{code}: {exc}"))
            continue
        unchanged = (
            comparable_inputs(inputs_to_json(parsed)) == comparable_inputs(score.inputs)
            and not_applicable == score.not_applicable
            and note == score.note
            and explanation == score.missing_evidence_explanation
        )
        if unchanged:
            continue
        if not access.may_edit_leaf(user, sheet, criterion, assignments):
            errors.append(RowError(number, _("You may not change the criterion %(code)s.") % {"code": code}))
            continue
        if row.get("version") != score.version:
            errors.append(
                RowError(
                    number,
                    _(
                        "The criterion %(code)s was changed by someone else after the file "
                        "was downloaded; download the sheet again."
                    )
                    % {"code": code},
                )
            )
            continue
        changes.append(
            {
                "score_id": score.pk,
                "version": score.version,
                "raw_inputs": {k: str(v) for k, v in raw.items()},
                "not_applicable": not_applicable,
                "note": note,
                "missing_evidence_explanation": explanation,
                "code": code,
                "title": criterion.title[:200],
                "old_points": _("not applicable")
                if score.not_applicable
                else format_decimal(score.self_points),
                "new_points": _("not applicable") if not_applicable else format_decimal(points),
            }
        )
    if errors:
        raise SpreadsheetError(errors)
    return changes


def capped(exc: SpreadsheetError) -> SpreadsheetError:
    """At most ``MAX_ERRORS_SHOWN`` row errors, after a line with the total count."""
    from django.utils.formats import number_format

    errors = exc.errors
    if len(errors) <= MAX_ERRORS_SHOWN:
        return exc
    summary = RowError(
        None,
        _(
            "%(count)s errors; the first %(shown)s are listed. Fix them and check the rest before uploading again."
        )
        % {"count": number_format(len(errors), force_grouping=True), "shown": MAX_ERRORS_SHOWN},
    )
    return SpreadsheetError([summary, *errors[:MAX_ERRORS_SHOWN]])
