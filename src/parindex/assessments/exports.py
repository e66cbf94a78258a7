"""Downloads of the self-assessment pages: progress table, summary tables (.xlsx/.docx), ZIP contents.

Exports whose size grows with the number of units (the progress table and the points by
area of a round) are downloaded directly for rounds of up to ``LARGE_ROUND_UNITS`` units;
above that the round page offers them as background jobs (``assessments/jobs.py``).
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from parindex.assessments.selectors import SheetProgress, SheetView
from parindex.core.spreadsheets import OutColumn, write_table
from parindex.core.text import safe_file_stem

# Rounds with more units than this get their round-wide exports prepared in the background
# (a province's communes and departments fit below it; a national round does not).
LARGE_ROUND_UNITS = 200


def _counted(rows, total: int, progress, *, offset: int = 0, grand_total: int | None = None):
    """The rows, reporting "writing row n of N" to ``progress`` every 50 rows and at the end."""
    for index, row in enumerate(rows, start=1):
        if progress is not None and (index % 50 == 0 or index == total):
            progress(
                offset + index,
                grand_total or total,
                _("Writing row %(n)s of %(total)s") % {"n": index, "total": total},
            )
        yield row


def progress_filename(round_) -> str:
    return f"{safe_file_stem(round_.name)}-tien-do.xlsx"


def progress_xlsx(round_, rows: list[SheetProgress], *, progress=None) -> bytes:
    columns = [
        OutColumn(_("Unit"), 35, value=lambda r: r.sheet.unit.name),
        OutColumn(_("Status"), 18, value=lambda r: r.sheet.get_status_display()),
        OutColumn(_("Scored"), 10, "int", value=lambda r: r.scored),
        OutColumn(_("Leaves"), 10, "int", value=lambda r: r.leaves),
        OutColumn(_("Done (%)"), 10, "int", value=lambda r: r.percent_done),
        OutColumn(_("Without evidence"), 12, "int", value=lambda r: r.without_evidence),
        OutColumn(_("Self-assessed points"), 12, "decimal", value=lambda r: r.points),
        OutColumn(_("Submitted at"), 18, "datetime", value=lambda r: r.sheet.submitted_at),
        OutColumn(_("Late"), 8, value=lambda r: _("Yes") if r.sheet.is_late else ""),
    ]
    return write_table(
        columns,
        _counted(rows, len(rows), progress),
        title=f"{round_.name} — {_('Progress')}",
        sheet_title=_("Progress"),
    )


def round_summary_filename(round_) -> str:
    return f"{safe_file_stem(round_.name)}-diem-theo-linh-vuc.xlsx"


def round_summary_xlsx(round_, user, *, progress=None) -> bytes:
    """Every unit of the round the user may see: status, self-assessed points per area and in
    total, the maximum of its applicable leaves, leaves scored and leaves without evidence.

    ``progress(done, total, message)``: first while adding up the sheets, then while writing.
    """
    from parindex.assessments.selectors import round_summary

    def added_up(done: int, total: int) -> None:
        if progress is not None:
            progress(done, 2 * total, _("Adding up unit %(n)s of %(total)s") % {"n": done, "total": total})

    areas, rows = round_summary(round_, user, progress=added_up)

    def area_column(area) -> OutColumn:
        def points(row):
            totals = row.summary.areas.get(area.pk)
            return totals.points if totals is not None else None

        return OutColumn(f"{area.code}. {area.title}", 16, "decimal", value=points)

    columns = [
        OutColumn(_("Unit"), 35, value=lambda r: r.sheet.unit.name),
        OutColumn(_("Status"), 18, value=lambda r: r.sheet.get_status_display()),
        *[area_column(area) for area in areas],
        OutColumn(_("Self-assessed points"), 12, "decimal", value=lambda r: r.summary.overall.points),
        OutColumn(_("Maximum points"), 11, "decimal", value=lambda r: r.summary.overall.max_points),
        OutColumn(_("Scored"), 10, "int", value=lambda r: r.summary.overall.scored),
        OutColumn(_("Leaves"), 10, "int", value=lambda r: r.summary.overall.leaves),
        OutColumn(_("Without evidence"), 12, "int", value=lambda r: r.summary.overall.without_evidence),
        OutColumn(_("Submitted at"), 18, "datetime", value=lambda r: r.sheet.submitted_at),
    ]
    total = len(rows)
    title = _("Self-assessed points by area — %(round)s") % {"round": round_.name}
    return write_table(
        columns,
        _counted(rows, total, progress, offset=total, grand_total=2 * total),
        title=title,
        sheet_title=_("Points by area"),
    )


def summary_rows(view: SheetView) -> list[dict]:
    """Every criterion of the sheet with its self points (parents summed) and evidence names."""
    rows = []
    for node in view.nodes:
        c = node.criterion
        score = node.score
        if score is not None and node.survey:
            points_text = _("from survey")
        elif score is not None and score.not_applicable:
            points_text = _("not applicable")
        else:
            points_text = None
        rows.append(
            {
                "code": c.code,
                "title": c.title,
                "depth": c.depth,
                "max": c.max_points,
                "points": node.points
                if points_text is None and (score is None or score.self_points is not None)
                else None,
                "points_text": points_text,
                "evidence": "; ".join(link.evidence.display_name for link in node.links),
                "note": (score.note if score else "")
                or (score.missing_evidence_explanation if score else ""),
            }
        )
    return rows


def summary_xlsx(view: SheetView) -> bytes:
    sheet = view.sheet
    columns = [
        OutColumn(_("Code"), 9, value=lambda r: r["code"]),
        OutColumn(_("Area / criterion"), 60, value=lambda r: ("    " * (r["depth"] - 1)) + r["title"]),
        OutColumn(_("Maximum points"), 11, "decimal", value=lambda r: r["max"]),
        OutColumn(
            _("Self-assessed points"),
            12,
            "decimal",
            value=lambda r: r["points_text"] if r["points_text"] else r["points"],
        ),
        OutColumn(_("Evidence"), 50, value=lambda r: r["evidence"]),
        OutColumn(_("Note"), 30, value=lambda r: r["note"]),
    ]
    rows = summary_rows(view)
    total = {
        "code": "",
        "title": _("Total"),
        "depth": 1,
        "max": view.summary.overall.max_points,
        "points": view.summary.overall.points,
        "points_text": None,
        "evidence": "",
        "note": "",
    }
    title = _("Summary of self-assessment results, %(year)s — %(unit)s") % {
        "year": sheet.round.year,
        "unit": sheet.unit.name,
    }
    return write_table(columns, [*rows, total], title=title, sheet_title=_("Summary"))


def summary_docx(view: SheetView, *, signer_name: str = "") -> bytes:
    """The summary as an official report (Nghị định 30 layout) through ``documents.generate``."""
    from parindex.documents.generate import AreaScore, SelfAssessmentData, self_assessment_summary
    from parindex.documents.issuers import Issuer

    sheet = view.sheet
    framework = sheet.round.framework
    areas = []
    for node in view.nodes:
        if node.criterion.depth != 1:
            continue
        totals = view.summary.areas.get(node.criterion.pk)
        maximum = totals.max_points if totals is not None else node.criterion.max_points
        areas.append(
            AreaScore(
                code=node.criterion.code,
                title=node.criterion.title,
                max_points=maximum,
                self_points=node.points,
            )
        )
    evidence_ids = {link.evidence_id for node in view.nodes for link in node.links}
    reference = ""
    if framework.decision_number:
        reference = f"Quyết định số {framework.decision_number}"
        if framework.decision_date:
            reference += f" ngày {framework.decision_date:%d/%m/%Y}"
        if framework.issuing_body:
            reference += f" của {framework.issuing_body}"
    data = SelfAssessmentData(
        issuer=Issuer.from_unit(sheet.unit, signer_name=signer_name),
        year=sheet.round.year,
        areas=areas,
        framework_reference=reference,
        appraiser=f"Hội đồng thẩm định Chỉ số CCHC {sheet.round.owner_unit.name}",
        recipients=[sheet.round.owner_unit.name],
        evidence_count=len(evidence_ids),
        date=timezone.localdate(),
        total_max=view.summary.overall.max_points or Decimal(0),
    )
    return self_assessment_summary(data)


def zip_filename(sheet) -> str:
    return f"{safe_file_stem(sheet.unit.name)}-TLKC-{safe_file_stem(sheet.round.name)}.zip"


def zip_contents_xlsx(sheet, rows: list[dict]) -> bytes:
    columns = [
        OutColumn(_("Code"), 9, value=lambda r: r["code"]),
        OutColumn(_("Criterion"), 45, value=lambda r: r["criterion"]),
        OutColumn(
            _("File"),
            45,
            value=lambda r: (
                f"{r['code']}/{r['evidence'].generated_name}" if r["evidence"].file else _("(no file)")
            ),
        ),
        OutColumn(_("Short name"), 30, value=lambda r: r["evidence"].short_name),
        OutColumn(_("Number and symbol"), 18, value=lambda r: r["evidence"].doc_number),
        OutColumn(_("Document date"), 12, "date", value=lambda r: r["evidence"].doc_date),
        OutColumn(_("Issuing body"), 25, value=lambda r: r["evidence"].issuer),
        OutColumn(_("Page or section"), 18, value=lambda r: r["link"].page_ref or r["evidence"].page_ref),
        OutColumn(_("Link"), 30, value=lambda r: r["evidence"].url),
        OutColumn("SHA-256", 30, value=lambda r: r["evidence"].sha256),
    ]
    title = _("Evidence of %(unit)s — %(round)s") % {"unit": sheet.unit.name, "round": sheet.round.name}
    return write_table(columns, rows, title=title, sheet_title=_("Contents"))


def todo_xlsx(items) -> bytes:
    columns = [
        OutColumn(_("Unit"), 30, value=lambda i: i.score.assessment.unit.name),
        OutColumn(_("Round"), 30, value=lambda i: i.score.assessment.round.name),
        OutColumn(_("Code"), 9, value=lambda i: i.score.criterion.code),
        OutColumn(_("Criterion"), 50, value=lambda i: i.score.criterion.title),
        OutColumn(_("Missing"), 30, value=lambda i: ", ".join(str(m) for m in i.missing)),
        OutColumn(_("Deadline"), 18, "datetime", value=lambda i: i.score.assessment.deadline),
    ]
    return write_table(columns, items, title=_("My criteria to do"), sheet_title=_("To do"))
