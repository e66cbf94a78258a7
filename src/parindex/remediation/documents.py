"""Phụ lục I/II, the general plan and the remediation-results report as .docx and .xlsx.

This module only maps the app's rows to the dataclasses of ``parindex.documents.generate`` (the
official layout lives there) and to ``documents.xlsx`` / ``core.spreadsheets`` for workbooks.
"""

from __future__ import annotations

from parindex.core.spreadsheets import OutColumn, write_table
from parindex.documents import generate as g
from parindex.documents import xlsx as gx
from parindex.documents.issuers import Issuer

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _maintain_row(item, *, prefix: str = "", area: str | None = None) -> g.PlanRow:
    return g.PlanRow(
        code=item.code,
        title=f"{prefix}{item.title}",
        max_points=item.max_points,
        points=item.points,
        measures=item.measures,
        lead=item.lead_text,
        coordinators=item.coordinators_text,
        deadline=item.deadline or "",
        area=item.area_title if area is None else area,
    )


def _remediate_row(item, *, prefix: str = "", area: str | None = None) -> g.PlanRow:
    reason = "; ".join(t for t in (item.shortcoming, item.cause) if t)
    return g.PlanRow(
        code=item.code or item.label,
        title=f"{prefix}{item.title}",
        max_points=item.max_points or 0,
        points=item.points,
        measures=item.solution,
        lead=item.lead_label,
        coordinators=item.coordinators_text,
        deadline=item.deadline or "",
        reason=reason,
        shortcoming=item.shortcoming,
        cause=item.cause,
        expected=item.expected_result,
        area=item.area_title if area is None else area,
    )


def plan_data(plan, maintain, remediate, *, extra=()) -> g.RemediationPlanData:
    result = plan.result
    previous = ""
    if result is not None:
        previous = result.sentence(language="vi")  # an official document is Vietnamese
    return g.RemediationPlanData(
        issuer=Issuer.from_unit(plan.unit),
        year=plan.year,
        assessed_year=plan.assessed_year,
        maintain=[_maintain_row(i) for i in maintain],
        remediate=[_remediate_row(i) for i in [*remediate, *extra]],
        number=_number(plan.number),
        date=plan.document_date,
        date_blank_day=plan.document_date is None,
        subject=plan.title,
        previous_result=previous,
    )


def _number(text: str):
    """ "19/KH-UBND" → 19 (the generator adds the symbol); anything else as typed, or None."""
    text = (text or "").strip()
    head = text.split("/", 1)[0].strip()
    return int(head) if head.isdigit() else (text or None)


def plan_docx(plan, maintain, remediate, *, extra=()) -> bytes:
    return g.remediation_plan(plan_data(plan, maintain, remediate, extra=extra))


def plan_xlsx(plan, maintain, remediate, *, extra=()) -> bytes:
    return gx.remediation_plan_xlsx(plan_data(plan, maintain, remediate, extra=extra))


def general_plan_data(root, year: int, maintain, remediate, *, by: str = "area") -> g.RemediationPlanData:
    """The "Kế hoạch chung": the root's and its units' items, grouped by area or by lead department."""
    from parindex.core.text import search_key
    from parindex.remediation.selectors import general_order, lead_key

    def group(item):
        return (lead_key(item) or "Chưa phân công chủ trì") if by == "lead" else item.area_title

    def unit_of(item):
        return getattr(item, "unit", None) or item.plan.unit

    def order(item):
        # By area: the framework's order of areas and criteria (never the alphabet of the titles);
        # by lead department: the lead's name, then the same framework order.
        key = general_order(item, unit_of(item))
        return (search_key(group(item)), *key) if by == "lead" else key

    m_rows = sorted(maintain, key=order)
    r_rows = sorted(remediate, key=order)
    return g.RemediationPlanData(
        issuer=Issuer.from_unit(root),
        year=year,
        assessed_year=year - 1,
        maintain=[_maintain_row(i, prefix=_prefix(unit_of(i), root), area=group(i)) for i in m_rows],
        remediate=[_remediate_row(i, prefix=_prefix(unit_of(i), root), area=group(i)) for i in r_rows],
        date_blank_day=True,
        subject=(
            f"Kế hoạch chung khắc phục những tồn tại, hạn chế Chỉ số cải cách hành chính năm {year - 1}, "
            f"nâng cao Chỉ số cải cách hành chính năm {year}"
        ),
    )


def _prefix(unit, root) -> str:
    return "" if unit.pk == root.pk else f"[{unit.display_short_name}] "


def general_plan_docx(root, year, maintain, remediate, *, by="area") -> bytes:
    return g.remediation_plan(general_plan_data(root, year, maintain, remediate, by=by))


def general_plan_xlsx(root, year, maintain, remediate, *, by="area") -> bytes:
    return gx.remediation_plan_xlsx(general_plan_data(root, year, maintain, remediate, by=by))


def results_data(unit, year: int, items, *, number=None, date=None) -> g.RemediationResultsData:
    from parindex.remediation.models import RemediationItem

    sources = sorted(
        {
            i.inspection.conclusion or f"Quyết định kiểm tra số {i.inspection.decision_number}"
            for i in items
            if i.inspection_id
        }
    )
    rows = [
        g.ShortcomingResult(
            number=i.number,
            label=str(i.label),
            content=i.shortcoming or i.title,
            measures=i.solution,
            result=i.result_text or (f"Không thể khắc phục: {i.cannot_reason}" if i.cannot_reason else ""),
            done=i.status == RemediationItem.Status.DONE,
            evidence=[e.generated_name or e.display_name for e in i.evidence.all()],
            lead=i.lead_label,
        )
        for i in items
    ]
    parent = unit.parent
    return g.RemediationResultsData(
        issuer=Issuer.from_unit(unit),
        year=year,
        items=rows,
        source="; ".join(sources),
        recipients=[f"Ủy ban nhân dân {parent.name[:1].lower()}{parent.name[1:]}"] if parent else [],
        number=number,
        date=date,
        date_blank_day=date is None,
    )


def results_report_docx(unit, year, items) -> bytes:
    return g.remediation_results_report(results_data(unit, year, items))


def results_report_xlsx(unit, year, items) -> bytes:
    return write_table(
        [
            # A finding is "tồn tại N" of the unit's list; a Phụ lục II row is named by its criterion.
            OutColumn("Tồn tại số", 12, value=lambda i: i.number if i.is_finding else str(i.label)),
            OutColumn("Mã tiêu chí", 10, value=lambda i: i.code),
            OutColumn("Tồn tại, hạn chế", 45, value=lambda i: i.shortcoming or i.title),
            OutColumn("Giải pháp", 40, value=lambda i: i.solution),
            OutColumn("Chủ trì", 20, value=lambda i: i.lead_label),
            OutColumn("Thời hạn", 12, "date", value=lambda i: i.deadline),
            OutColumn("Tình trạng", 16, value=lambda i: str(i.display_status_label)),
            OutColumn("Kết quả", 40, value=lambda i: i.result_text or i.cannot_reason),
            OutColumn("Ngày hoàn thành", 12, "date", value=lambda i: i.completed_on),
            OutColumn(
                "Tài liệu kiểm chứng",
                50,
                value=lambda i: "\n".join(e.generated_name or e.display_name for e in i.evidence.all()),
            ),
            OutColumn("Đã xác nhận", 12, value=lambda i: "Có" if i.verified_at else ""),
        ],
        items,
        title=f"KẾT QUẢ KHẮC PHỤC TỒN TẠI, HẠN CHẾ TRONG CÔNG TÁC CẢI CÁCH HÀNH CHÍNH NĂM {year} — {unit.name.upper()}",
        sheet_title="Kết quả khắc phục",
    )


def compilation_xlsx(rows, year: int) -> bytes:
    return write_table(
        [
            OutColumn("Đơn vị", 36, value=lambda r: r.unit.name),
            OutColumn("Kế hoạch", 24, value=lambda r: (r.plan.number or "✓") if r.plan else "—"),
            OutColumn(
                "Trạng thái", 18, value=lambda r: str(r.plan.get_status_display()) if r.plan else "Chưa có"
            ),
            OutColumn("Số tồn tại", 10, "int", value=lambda r: r.counts.total),
            OutColumn("Đã khắc phục", 10, "int", value=lambda r: r.counts.done),
            OutColumn("Đã xác nhận", 10, "int", value=lambda r: r.counts.verified),
            OutColumn("Đang thực hiện", 10, "int", value=lambda r: r.counts.in_progress),
            OutColumn("Quá hạn", 10, "int", value=lambda r: r.counts.overdue),
            OutColumn("Không thể khắc phục", 10, "int", value=lambda r: r.counts.cannot),
            OutColumn("Tỷ lệ khắc phục (%)", 12, "percent", value=lambda r: r.counts.rate),
        ],
        rows,
        title=f"TỔNG HỢP KẾ HOẠCH VÀ TIẾN ĐỘ KHẮC PHỤC TỒN TẠI, HẠN CHẾ NĂM {year}",
        sheet_title="Tổng hợp",
    )
