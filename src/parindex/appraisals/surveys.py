"""Reading survey results (SIPAS / ĐTXHH) from .xlsx: unit code, criterion code, score % → points = max × %."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from parindex.core.spreadsheets import Column, RowError, SpreadsheetError, read_table

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


def read_survey(round, source) -> list[SurveyRow]:
    """Validate every row; raise ``SpreadsheetError`` listing every problem (nothing is written)."""
    from parindex.frameworks.models import Criterion
    from parindex.results.scoring import survey_points

    table = read_table(source, COLUMNS)
    units = {a.unit.code: a.unit for a in round.assessments.select_related("unit")}
    leaves = {c.code: c for c in Criterion.objects.filter(framework_id=round.framework_id, is_leaf=True)}
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
        raise SpreadsheetError(errors)
    return rows
