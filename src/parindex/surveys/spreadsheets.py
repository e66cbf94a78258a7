"""The .xlsx files of surveys: the respondents list (import), the printable list of links, results."""

from __future__ import annotations

from django.utils.translation import gettext as _

from parindex.core.spreadsheets import Column, RowError, SpreadsheetError, read_table
from parindex.core.text import search_key
from parindex.surveys.models import Respondent


def _choices(enum, extra: dict[str, str]) -> dict[str, str]:
    mapping = {search_key(str(label)): value for value, label in enum.choices}
    mapping.update({search_key(value): value for value in enum.values})
    mapping.update({search_key(k): v for k, v in extra.items()})
    return mapping


def _sex_choices():
    return _choices(Respondent.Sex, {"Nam": "male", "Nữ": "female", "Khác": "other", "M": "male", "F": "female"})


def _age_choices():
    return _choices(Respondent.AgeBand, {"18-29": "18-29", "30-39": "30-39", "40-49": "40-49", "50-59": "50-59",
                                         "60+": "60+", "Trên 60": "60+", "Từ 60": "60+"})


def respondent_columns() -> list[Column]:
    """Sex and age band are read as text and checked here, so that every row's problems are listed at once."""
    return [
        Column("unit", ("Mã đơn vị", "Unit code"), required=True),
        Column("group", ("Nhóm", "Đối tượng", "Group")),
        Column("sex", ("Giới tính", "Sex")),
        Column("age_band", ("Độ tuổi", "Nhóm tuổi", "Age band")),
        Column("position", ("Chức vụ", "Position")),
        Column("contact", ("Liên hệ", "Điện thoại / e-mail", "Contact")),
        Column("ref", ("Mã người trả lời", "Số thứ tự trong danh sách", "Reference")),
    ]


def read_respondents(survey, source) -> list[dict]:
    """Validated rows with ``unit`` resolved; raise ``SpreadsheetError`` listing every problem."""
    from parindex.units.models import Unit

    columns = respondent_columns()
    table = read_table(source, columns)
    codes = {row["unit"] for _n, row in table}
    units = {u.code: u for u in Unit.objects.filter(code__in=codes, path__startswith=survey.owner_unit.path)}
    in_round = None
    if survey.round_id:
        in_round = set(survey.round.assessments.values_list("unit_id", flat=True))
    errors, rows = [], []
    checks = (("sex", _sex_choices(), 2), ("age_band", _age_choices(), 3))
    for number, row in table:
        for key, mapping, index in checks:
            if row.get(key):
                value = mapping.get(search_key(row[key]))
                if value is None:
                    errors.append(RowError(number, _("“%(value)s” is not one of: %(choices)s.") % {
                        "value": row[key], "choices": ", ".join(str(label) for _v, label in (
                            Respondent.Sex.choices if key == "sex" else Respondent.AgeBand.choices))},
                        columns[index].headers[0]))
                row[key] = value
        unit = units.get(row["unit"])
        if unit is None:
            errors.append(RowError(number, _("The unit “%(code)s” is not under the survey's managing unit.")
                                   % {"code": row["unit"]}, columns[0].headers[0]))
            continue
        if in_round is not None and unit.pk not in in_round:
            errors.append(RowError(number, _("The unit “%(code)s” is not in the survey's assessment round.")
                                   % {"code": row["unit"]}, columns[0].headers[0]))
            continue
        for key, limit in (("group", 120), ("position", 120), ("contact", 255), ("ref", 64)):
            if row.get(key) and len(row[key]) > limit:
                errors.append(RowError(number, _("The text is too long (at most %(n)s characters).") % {"n": limit},
                                       next(c.headers[0] for c in columns if c.key == key)))
        rows.append({**row, "unit": unit})
    if errors:
        raise SpreadsheetError(errors)
    return rows


def question_columns() -> list[Column]:
    return [
        Column("area", ("Lĩnh vực", "Nhóm câu hỏi", "Area")),
        Column("text", ("Câu hỏi", "Nội dung câu hỏi", "Question"), required=True),
        Column("criterion", ("Mã tiêu chí", "Criterion code")),
        Column("weight", ("Trọng số", "Weight"), kind="decimal"),
        Column("options", ("Phương án", "Options")),
    ]


def read_questions(survey, source) -> list[dict]:
    """Questions from .xlsx: area, question, survey criterion code, weight, options
    ("A | Rất hài lòng | 100; B | …", empty = the default A/B/C/D/K). Every problem listed at once."""
    from django.core.exceptions import ValidationError

    from parindex.frameworks.models import Criterion
    from parindex.surveys.actions import parse_options

    columns = question_columns()
    table = read_table(source, columns)
    leaves = {c.code: c for c in Criterion.objects.filter(framework_id=survey.framework_id, is_leaf=True)}
    errors, rows = [], []
    for number, row in table:
        criterion = None
        if row.get("criterion"):
            criterion = leaves.get(row["criterion"])
            if criterion is None or not criterion.is_survey:
                errors.append(RowError(number, _("“%(code)s” is not a survey criterion of the framework.")
                                       % {"code": row["criterion"]}, columns[2].headers[0]))
        weight = row.get("weight")
        if weight is not None and weight <= 0:
            errors.append(RowError(number, _("The weight of a question must be greater than 0."), columns[3].headers[0]))
        options = None
        if row.get("options"):
            try:
                options = parse_options(row["options"].replace(";", "\n"))
            except ValidationError as exc:
                errors += [RowError(number, message, columns[4].headers[0]) for message in exc.messages]
        if len(row["text"]) > 2000:
            errors.append(RowError(number, _("The text is too long (at most %(n)s characters).") % {"n": 2000},
                                   columns[1].headers[0]))
        rows.append({"area": row.get("area") or "", "text": row["text"], "criterion": criterion,
                     "weight": weight, "options": options})
    if errors:
        raise SpreadsheetError(errors)
    return rows
