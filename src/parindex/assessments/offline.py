"""Offline scoring: download a sheet as .xlsx, fill it in Excel, upload it back.

The upload is read with ``core.spreadsheets.read_table`` and validated completely (every
row's inputs go through the same parsing and scoring as the web form) before anything is
written; the user sees the list of changes and applies them in one transaction with a
version check per leaf (``actions.apply_offline_changes``).
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from parindex.assessments import access
from parindex.assessments.logic import InputError, check_inputs, inputs_to_json, is_survey, parse_inputs
from parindex.assessments.models import Assessment, Score
from parindex.core.spreadsheets import Column, OutColumn, RowError, SpreadsheetError, read_table, write_table
from parindex.core.text import format_decimal

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


def _scores(sheet: Assessment):
    return list(
        Score.objects.filter(assessment=sheet).select_related("criterion").order_by("criterion__sort_key")
    )


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


def write_sheet_xlsx(sheet: Assessment) -> bytes:
    """The sheet as a workbook: one row per leaf, input columns, and a guide sheet."""
    import io

    from openpyxl import Workbook

    h = _headers()
    columns = [
        OutColumn(h["code"][0], 10, value=lambda s: s.criterion.code),
        OutColumn(h["title"][0], 50, value=lambda s: s.criterion.title),
        OutColumn(h["max"][0], 10, "decimal", value=lambda s: s.max_points),
        OutColumn(h["rule"][0], 40, value=lambda s: s.criterion.rule_text or s.criterion.describe_method()),
        OutColumn(h["choice"][0], 18, value=_choice_text),
        OutColumn(h["numerator"][0], 12, "decimal", value=lambda s: _number(s, "numerator")),
        OutColumn(h["denominator"][0], 12, "decimal", value=lambda s: _number(s, "denominator")),
        OutColumn(h["count"][0], 10, "decimal", value=lambda s: _number(s, "count")),
        OutColumn(h["violations"][0], 10, "decimal", value=lambda s: _number(s, "violations")),
        OutColumn(h["manual"][0], 12, "decimal", value=lambda s: _number(s, "manual")),
        OutColumn(h["na"][0], 10, value=lambda s: "x" if s.not_applicable else ""),
        OutColumn(h["note"][0], 30, value=lambda s: s.note),
        OutColumn(h["explanation"][0], 30, value=lambda s: s.missing_evidence_explanation),
        OutColumn(
            h["points"][0],
            10,
            "decimal",
            value=lambda s: (
                _("from survey") if is_survey(s.criterion.method, s.criterion.source) else s.self_points
            ),
        ),
        OutColumn(h["version"][0], 10, "int", value=lambda s: s.version),
    ]
    workbook = Workbook()
    default = workbook.active
    write_table(columns, _scores(sheet), sheet_title=_("Score sheet"), workbook=workbook)
    guide = [
        (_("Unit"), sheet.unit.name),
        (_("Round"), sheet.round.name),
        (
            _("How to fill in"),
            _(
                "Fill in only the column of the leaf's method: a choice (level or Yes/No) for "
                "levels and Yes/No criteria; number done and total for ratios; a count; "
                "violations; or points. Put x in “Not applicable” where allowed. Do not change "
                "the code and version columns. Survey criteria are filled from survey "
                "results and are ignored."
            ),
        ),
    ]
    write_table(
        [OutColumn(_("Item"), 25), OutColumn(_("Value"), 100)],
        guide,
        sheet_title=_("Guide"),
        workbook=workbook,
    )
    workbook.remove(default)
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


def read_sheet_xlsx(sheet: Assessment, source, user) -> list[dict]:
    """Validate an uploaded sheet; return the changes (JSON-safe) or raise SpreadsheetError.

    Rows of survey criteria and rows without any change are skipped. Nothing is written.
    """
    from parindex.frameworks.scoring import ScoringError, compute_points, input_spec

    table = read_table(source, _columns())
    scores = {s.criterion.code: s for s in _scores(sheet)}
    assignments = list(sheet.assignments.all())
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    changes: list[dict] = []
    for number, row in table:
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
        if is_survey(criterion.method, criterion.source):
            continue
        not_applicable = bool(row.get("na"))
        raw = _raw_inputs(criterion.method, row)
        note = row.get("note") or ""
        explanation = row.get("explanation") or ""
        try:
            if not_applicable:
                if not criterion.allow_not_applicable:
                    raise InputError(_("This criterion cannot be marked not applicable."))
                parsed, points = None, None
            else:
                parsed = parse_inputs(input_spec(criterion.method, criterion.params, score.max_points), raw)
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
            inputs_to_json(parsed) == (score.inputs or {})
            and not_applicable == score.not_applicable
            and note.strip() == score.note
            and explanation.strip() == score.missing_evidence_explanation
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
