"""The .xlsx downloads of surveys and the chart data (plain JSON-ready dicts for json_script)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from parindex.core.spreadsheets import OutColumn, write_table


def survey_list_xlsx(rows) -> bytes:
    columns = [
        OutColumn(pgettext("a survey", "Survey"), 40, "str", lambda r: r["survey"].name),
        OutColumn(_("Year"), 8, "int", lambda r: r["survey"].year),
        OutColumn(_("Managing unit"), 30, "str", lambda r: r["survey"].owner_unit.name),
        OutColumn(_("Target group"), 22, "str", lambda r: r["survey"].get_target_group_display()),
        OutColumn(_("Status"), 14, "str", lambda r: r["survey"].get_status_display()),
        OutColumn(_("Deadline"), 18, "datetime", lambda r: r["survey"].deadline),
        OutColumn(_("Sample"), 10, "int", lambda r: r["invited"]),
        OutColumn(_("Responses"), 10, "int", lambda r: r["received"]),
    ]
    return write_table(columns, rows, title=_("Surveys"))


def respondents_template_xlsx() -> bytes:
    columns = [OutColumn(h, 22) for h in ("Mã đơn vị", "Nhóm", "Giới tính", "Độ tuổi", "Chức vụ", "Liên hệ",
                                           "Mã người trả lời")]
    example = [["(mã đơn vị)", "Người dân", "Nữ", "30-39", "", "", ""]]
    return write_table(columns, example, sheet_title="Danh sach")


def _options_cell(question) -> str:
    """ "A | Rất hài lòng | 100; B | …" — the text the question import parses back."""
    from parindex.core.text import format_decimal

    return "; ".join(
        f"{o.key} | {o.label} | {format_decimal(o.weight, places=4, decimal_sep=',') if o.weight is not None else ''}"
        for o in question.options.order_by("order", "key")
    )


def questions_template_xlsx(survey) -> bytes:
    """Headers the question import reads. A survey that has questions downloads them (area, text,
    criterion code, weight, options), so they import back as they are, e.g. into next year's survey;
    otherwise the survey criteria of the framework are listed as examples."""
    columns = [OutColumn(h, w) for h, w in (("Lĩnh vực", 24), ("Câu hỏi", 60), ("Mã tiêu chí", 12), ("Trọng số", 10),
                                             ("Phương án", 60))]
    questions = list(survey.questions.select_related("criterion").prefetch_related("options").order_by("order", "pk"))
    if questions:
        rows = [[q.area, q.text, q.criterion.code if q.criterion_id else "", q.weight, _options_cell(q)]
                for q in questions]
        return write_table(columns, rows, sheet_title="Cau hoi")
    leaves = [c for c in survey.framework.leaves() if c.is_survey]
    rows = [[c.area.title if c.area_id else "", f"(câu hỏi đo tiêu chí {c.code})", c.code, 1, ""] for c in leaves] or [
        ["", "", "", 1, ""]]
    rows[0][4] = "A | Rất hài lòng | 100; B | Hài lòng | 60; C | Chưa hài lòng lắm | 20; D | Không hài lòng | 0; K | Không biết |"
    return write_table(columns, rows, sheet_title="Cau hoi")


def links_xlsx(survey, issued, base_url: str) -> bytes:
    """The printable list of one-time links (shown once: only hashes are kept)."""
    def link(row):
        return base_url + reverse("surveys:answer", args=[row[1]])

    columns = [
        OutColumn(_("Unit code"), 12, "str", lambda r: r[0].unit.code),
        OutColumn(_("Unit"), 28, "str", lambda r: r[0].unit.name),
        OutColumn(_("Number"), 8, "int", lambda r: r[0].number),
        OutColumn(_("group"), 18, "str", lambda r: r[0].group),
        OutColumn(_("contact (phone or e-mail)"), 22, "str", lambda r: r[0].contact),
        OutColumn(_("Answer link"), 70, "str", link),
        OutColumn(_("Code"), 36, "str", lambda r: r[1]),
    ]
    return write_table(columns, issued, title=f"{survey.name} — {_('one-time links')}",
                       subtitle=_("Each link can be used once. Keep this list safe: the links are not stored."))


def respondents_xlsx(survey, respondents) -> bytes:
    """The operator's list of respondents. It imports back as it is (issue 17: what parindex exports,
    it imports back): the header is row 1 and carries the import's columns (unit code, group, sex,
    age band, position, contact, reference); number, unit name, sample and status are extra columns
    the import ignores."""

    def state(r):
        response = getattr(r, "response", None)
        if response is not None:
            return response.get_status_display()
        return _("Link issued") if r.token_hash else ""

    columns = [
        OutColumn(_("Number"), 8, "int", lambda r: r.number),
        OutColumn("Mã đơn vị", 12, "str", lambda r: r.unit.code),
        OutColumn(_("Unit"), 28, "str", lambda r: r.unit.name),
        OutColumn("Nhóm", 18, "str", lambda r: r.group),
        OutColumn("Giới tính", 10, "str", lambda r: r.get_sex_display()),
        OutColumn("Độ tuổi", 10, "str", lambda r: r.get_age_band_display()),
        OutColumn("Chức vụ", 18, "str", lambda r: r.position),
        OutColumn("Liên hệ", 20, "str", lambda r: r.contact),
        OutColumn("Mã người trả lời", 16, "str", lambda r: r.external_ref),
        OutColumn(_("in the sample"), 10, "str", lambda r: _("Yes") if r.in_sample else ""),
        OutColumn(_("Status"), 14, "str", state),
    ]
    return write_table(columns, respondents, sheet_title="Danh sach")


def answers_xlsx(survey, questions, responses) -> bytes:
    def answer_of(question):
        return lambda r: next((a.option.key for a in r.answers.all() if a.question_id == question.pk), "")

    columns = [
        OutColumn(_("Unit code"), 12, "str", lambda r: r.unit.code),
        OutColumn(_("Unit"), 26, "str", lambda r: r.unit.name),
        OutColumn(_("channel"), 10, "str", lambda r: r.get_channel_display()),
        OutColumn(_("Batch"), 16, "str", lambda r: r.batch.name if r.batch_id else ""),
        OutColumn(_("sheet number"), 10, "int", lambda r: r.sheet_number),
        OutColumn(_("submitted at"), 18, "datetime", lambda r: r.submitted_at),
    ] + [OutColumn(f"{_('Q')}{q.order}", 6, "str", answer_of(q)) for q in questions]
    return write_table(columns, responses, title=survey.name)


def results_xlsx(survey, unit_results) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    write_table([
        OutColumn(_("Unit code"), 12, "str", lambda r: r.unit.code),
        OutColumn(_("Unit"), 30, "str", lambda r: r.unit.name),
        OutColumn(_("respondents listed (N)"), 12, "int", lambda r: r.population),
        OutColumn(_("sample size (n)"), 12, "int", lambda r: r.sample_size),
        OutColumn(_("Online"), 10, "int", lambda r: r.online),
        OutColumn(_("Paper"), 10, "int", lambda r: r.paper),
        OutColumn(_("Response rate (%)"), 12, "percent", lambda r: r.response_rate),
    ], unit_results, title=survey.name, sheet_title=_("Respondents"), workbook=workbook)
    leaf_rows = [(r, leaf) for r in unit_results for leaf in r.leaves]
    write_table([
        OutColumn(_("Unit code"), 12, "str", lambda x: x[0].unit.code),
        OutColumn(_("Unit"), 30, "str", lambda x: x[0].unit.name),
        OutColumn(_("Criterion"), 10, "str", lambda x: x[1].criterion.code),
        OutColumn(_("Content"), 40, "str", lambda x: x[1].criterion.title),
        OutColumn(_("Maximum points"), 10, "decimal", lambda x: x[1].criterion.max_points),
        OutColumn(_("Score (%)"), 10, "percent", lambda x: x[1].percent),
        OutColumn(_("Points"), 10, "decimal", lambda x: x[1].points),
    ], leaf_rows, title=survey.name, sheet_title=_("Criteria"), workbook=workbook)
    question_rows = [(r, q) for r in unit_results for q in r.questions]
    keys = []
    for _r, q in question_rows:
        for o in q.options:
            if o.key not in keys:
                keys.append(o.key)

    def count(key):
        return lambda x: next((o.count for o in x[1].options if o.key == key), None)

    write_table([
        OutColumn(_("Unit code"), 12, "str", lambda x: x[0].unit.code),
        OutColumn(_("Unit"), 30, "str", lambda x: x[0].unit.name),
        OutColumn(_("Number"), 6, "int", lambda x: x[1].question.order),
        OutColumn(_("question"), 50, "str", lambda x: x[1].question.text),
    ] + [OutColumn(key, 6, "int", count(key)) for key in keys] + [
        OutColumn(_("Score (%)"), 10, "percent", lambda x: x[1].score),
    ], question_rows, title=survey.name, sheet_title=_("Questions"), workbook=workbook)
    import io

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _f(value):
    return float(round(value, 2)) if value is not None else None


def unit_chart(result) -> dict:
    keys = []
    for q in result.questions:
        for o in q.options:
            if o.key not in keys:
                keys.append(o.key)
    return {
        "questions": [f"{_('Q')}{q.question.order}" for q in result.questions],
        "series": [
            {"name": key, "data": [next((_f(o.share) or 0 for o in q.options if o.key == key), 0)
                                   for q in result.questions]}
            for key in keys
        ],
        "leaves": [leaf.criterion.code for leaf in result.leaves],
        "percent": [_f(leaf.percent) for leaf in result.leaves],
        "labels": {"share": _("Share of answers (%)"), "score": _("Score (%)")},
    }


def overview_chart(unit_results) -> dict:
    return {
        "units": [r.unit.name for r in unit_results],
        "leaves": [leaf.criterion.code for leaf in (unit_results[0].leaves if unit_results else [])],
        "percent": [[_f(leaf.percent) for leaf in r.leaves] for r in unit_results],
        "rate": [_f(r.response_rate) for r in unit_results],
        "labels": {"score": _("Score (%)"), "rate": _("Response rate (%)")},
    }
