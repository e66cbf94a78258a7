"""The plan's progress as an official report (.docx) — seed 000 asks each unit to report
"tổng số nhiệm vụ hoàn thành / tổng số nhiệm vụ đã đề ra trong Kế hoạch. Đạt tỷ lệ %".

Built with the documents layer (``parindex.documents.official``: Nghị định 30 layout, header
block, signature, appendix table). The document is Vietnamese whatever the UI language,
like every official document. Number and date are left blank for registration at signing.
"""

from __future__ import annotations

import datetime as dt

from parindex.core.text import format_decimal
from parindex.documents.issuers import Issuer
from parindex.documents.official import (
    REPORT,
    Appendix,
    Column,
    DataTable,
    Heading,
    OfficialDocument,
    Para,
    Row,
)

PROGRESS_VI = {
    "not_started": "Chưa thực hiện",
    "in_progress": "Đang thực hiện",
    "done_on_time": "Hoàn thành đúng hạn",
    "done_late": "Hoàn thành quá hạn",
    "overdue": "Quá hạn, chưa hoàn thành",
    "cancelled": "Không thực hiện",
}


def _rate(value) -> str:
    return "—" if value is None else f"{format_decimal(value)}%"


def _date(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def plan_report_docx(plan, groups, totals, today: dt.date) -> bytes:
    issuer = Issuer.from_unit(plan.unit)
    plan_ref = f"Kế hoạch số {plan.number}" if plan.number else "Kế hoạch cải cách hành chính"
    if plan.document_date:
        plan_ref += f" ngày {_date(plan.document_date)}"
    body = [
        Para(
            f"Thực hiện {plan_ref} về cải cách hành chính năm {plan.year}, {issuer.name} báo cáo kết quả "
            f"thực hiện các nhiệm vụ của Kế hoạch tính đến ngày {_date(today)} như sau:",
            markup=False,
        ),
        Heading("Kết quả thực hiện Kế hoạch"),
        Para(
            f"Tổng số nhiệm vụ đề ra trong Kế hoạch: {totals.planned} nhiệm vụ; không thực hiện (đã hủy, có lý do): "
            f"{totals.cancelled}; số nhiệm vụ phải thực hiện: {totals.denominator}.",
            markup=False,
        ),
        Para(
            f"Số nhiệm vụ đã hoàn thành: {totals.done}/{totals.denominator} (trong đó hoàn thành đúng hạn "
            f"{totals.done_on_time}, quá hạn {totals.done_late}). Đạt tỷ lệ {_rate(totals.rate)} kế hoạch; "
            f"tỷ lệ hoàn thành đúng hạn {_rate(totals.on_time_rate)}.",
            markup=False,
        ),
        Para(
            f"Số nhiệm vụ chưa hoàn thành: {totals.open} (trong đó quá hạn {totals.overdue}). Chi tiết theo từng "
            "lĩnh vực và từng nhiệm vụ tại Phụ lục kèm theo.",
            markup=False,
        ),
        DataTable(
            columns=[
                Column("Lĩnh vực", 6.2),
                Column("Số nhiệm vụ", 2.0, "center"),
                Column("Hoàn thành", 2.2, "center"),
                Column("Quá hạn", 1.8, "center"),
                Column("Tỷ lệ (%)", 2.0, "center"),
            ],
            rows=[
                Row([g.label, str(g.counts.denominator), str(g.counts.done), str(g.counts.overdue),
                     _rate(g.counts.rate)])
                for g in groups
            ]
            + [Row(["Tổng cộng", str(totals.denominator), str(totals.done), str(totals.overdue), _rate(totals.rate)],
                   kind="total")],
        ),
    ]
    rows: list[Row] = []
    for group in groups:
        rows.append(Row([group.label], kind="group"))
        for task in group.tasks:
            progress = task.progress(today)
            result = task.result_note or task.cancel_reason
            evidence = "; ".join(e.display_name for e in task.evidence.all())
            rows.append(
                Row([
                    task.content, task.expected_output, task.lead_label, _date(task.due_date),
                    PROGRESS_VI.get(progress, progress) + (f" ({_date(task.completion_date)})" if task.completion_date else ""),
                    "\n".join(x for x in (result, evidence) if x),
                ])
            )
    appendix = Appendix(
        title=f"Tiến độ thực hiện các nhiệm vụ của Kế hoạch cải cách hành chính năm {plan.year}",
        number="",
        table=DataTable(
            columns=[
                Column("Nhiệm vụ", 7.0), Column("Sản phẩm", 4.0), Column("Chủ trì", 3.5),
                Column("Thời hạn", 2.3, "center"), Column("Tình trạng", 3.2, "center"),
                Column("Kết quả, tài liệu kiểm chứng", 5.0),
            ],
            rows=rows,
        ),
    )
    document = OfficialDocument(
        doc_type=REPORT,
        issuing_body=issuer.issuing_body,
        parent_body=issuer.parent_body,
        place=issuer.place,
        date=None,
        issuer_symbol=issuer.symbol,
        subject=f"Kết quả thực hiện Kế hoạch cải cách hành chính năm {plan.year}",
        issuer_name=issuer.name,
        body=body,
        signature=issuer.signature,
        distribution=[],
        appendices=[appendix],
    )
    return document.render()
