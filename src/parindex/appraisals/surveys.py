"""Reading survey results (SIPAS / ĐTXHH) from .xlsx: unit code, criterion code, score % → points = max × %.

Limits (issue 24): the upload is at most ``MAX_SURVEY_BYTES``; a valid file has at most one
row per unit of the round and survey criterion of the framework, so a sheet with more rows
than that (plus ``MAX_SHOWN_ERRORS`` of slack for a few wrong rows) is refused as soon as the
reading passes it, or before any row is read when its declared size is far above it
(``read_table``); the sheet is parsed in a child process under the import time and memory
limits (``core.limits``); a refused file lists its first 100 errors after their total count.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from parindex.core.import_jobs import MAX_SHOWN_ERRORS, capped_errors
from parindex.core.spreadsheets import Column, RowError, SpreadsheetError, _read_bytes, read_table

MAX_SURVEY_BYTES = 5 * 1024 * 1024

COLUMNS = [
    Column("unit", ("Mã đơn vị", "Unit code"), required=True),
    Column("criterion", ("Mã tiêu chí", "Criterion code"), required=True),
    Column("percent", ("Điểm (%)", "Tỷ lệ (%)", "Score (%)"), kind="decimal", required=True),
]


@dataclass(frozen=True)
class SurveyRow:
    unit: object
    criterion: object
    percent: Decimal
    points: Decimal


def _parse(data: bytes, max_rows: int):
    return read_table(data, COLUMNS, max_rows=max_rows)


def read_survey(round, source) -> list[SurveyRow]:
    """Validate every row; raise ``SpreadsheetError`` with the first errors and their count (nothing is written)."""
    import openpyxl  # noqa: F401 — imported before the fork, so the child never waits on an import lock

    from parindex.core.limits import run_limited
    from parindex.frameworks.models import Criterion
    from parindex.results.scoring import survey_points

    data = _read_bytes(source)
    if len(data) > MAX_SURVEY_BYTES:
        raise SpreadsheetError(
            [RowError(None, _("The file is larger than %(limit)d MB.") % {"limit": MAX_SURVEY_BYTES // (1024 * 1024)})]
        )
    units = {a.unit.code: a.unit for a in round.assessments.select_related("unit")}
    leaves = {c.code: c for c in Criterion.objects.filter(framework_id=round.framework_id, is_leaf=True)}
    survey_leaves = sum(1 for c in leaves.values() if c.source == "survey")
    try:
        table = run_limited(_parse, data, max(len(units) * survey_leaves, 1) + MAX_SHOWN_ERRORS)
    except SpreadsheetError as exc:
        raise SpreadsheetError(capped_errors(exc.errors)) from None
    errors, rows, seen = [], [], set()
    for number, row in table:
        unit = units.get(row["unit"])
        criterion = leaves.get(row["criterion"])
        if unit is None:
            errors.append(RowError(number, _("The unit “%(code)s” is not in this round.") % {"code": row["unit"]},
                                   COLUMNS[0].headers[0]))
        if criterion is None:
            errors.append(RowError(number, _("“%(code)s” is not a criterion of the framework.") % {"code": row["criterion"]},
                                   COLUMNS[1].headers[0]))
        elif criterion.source != "survey":
            errors.append(RowError(number, _("“%(code)s” is not a survey criterion.") % {"code": row["criterion"]},
                                   COLUMNS[1].headers[0]))
        percent = row["percent"]
        if not (0 <= percent <= 100):
            errors.append(RowError(number, _("The score must be between 0 and 100 (%)."), COLUMNS[2].headers[0]))
        if unit is None or criterion is None:
            continue
        if (unit.pk, criterion.pk) in seen:
            errors.append(RowError(number, _("This unit and criterion appear twice in the file.")))
        seen.add((unit.pk, criterion.pk))
        if criterion.source == "survey" and 0 <= percent <= 100:
            rows.append(SurveyRow(unit, criterion, percent, survey_points(criterion.max_points, percent)))
    if errors:
        raise SpreadsheetError(capped_errors(errors))
    return rows
