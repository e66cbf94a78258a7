""".xlsx counterparts of the document tables (same columns as the .docx appendices).

Officials fill and merge appendices in Excel, so every appendix table is also offered as a
workbook, written through ``core.spreadsheets.write_table`` (Vietnamese headers, bold frozen
header row, A4 landscape print setup with the header repeated, dd/mm/yyyy dates, number
formats that Excel shows with a decimal comma on a Vietnamese system, and formula injection
escaped). Points are numbers, not text, so the workbook can be summed.
"""

from __future__ import annotations

from collections.abc import Sequence

from parindex.core.spreadsheets import OutColumn, write_table
from parindex.documents import generate as g


def _new_workbook():
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    return workbook


def _save(workbook) -> bytes:
    import io

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _numbered(rows: Sequence) -> list[tuple[int, object]]:
    return list(enumerate(rows, start=1))


def _split(row) -> bool:
    return bool(row.shortcoming or row.cause)


def remediation_plan_xlsx(data: g.RemediationPlanData) -> bytes:
    """Phụ lục I and Phụ lục II of the plan, one sheet each."""
    assessed = data.assessed_year or data.year - 1
    appendices = g.plan_appendices(data)
    attached = f"(Kèm theo Kế hoạch của {data.issuer.name})" if data.issuer.name else ""
    workbook = _new_workbook()
    common_head = [
        OutColumn("STT", 6, "int", value=lambda r: r[0]),
        OutColumn("Lĩnh vực", 28, value=lambda r: r[1].area),
        OutColumn("Mã tiêu chí", 10, value=lambda r: r[1].code),
        OutColumn("Tiêu chí, tiêu chí thành phần", 45, value=lambda r: r[1].title),
        OutColumn("Điểm tối đa", 10, "decimal", value=lambda r: r[1].max_points),
        OutColumn(f"Điểm đạt năm {assessed}", 10, "decimal", value=lambda r: r[1].points),
    ]
    tail = [
        OutColumn("Chủ trì", 20, value=lambda r: r[1].lead),
        OutColumn("Phối hợp", 20, value=lambda r: r[1].coordinators),
        OutColumn("Thời hạn", 14, value=lambda r: g._deadline_cell(r[1].deadline)),
    ]
    write_table(
        [*common_head, OutColumn("Nhiệm vụ, giải pháp duy trì", 45, value=lambda r: r[1].measures), *tail],
        _numbered(data.maintain),
        title=f"Phụ lục I. {appendices[0].title}",
        subtitle=attached,
        sheet_title="Phụ lục I",
        workbook=workbook,
    )
    write_table(
        [
            *common_head,
            OutColumn("Điểm bị trừ", 10, "decimal", value=lambda r: r[1].lost),
            # Shortcoming and cause in their own columns (the .docx joins them): the sheet imports back.
            OutColumn("Tồn tại, hạn chế", 35, value=lambda r: r[1].shortcoming if _split(r[1]) else r[1].reason),
            OutColumn("Nguyên nhân", 30, value=lambda r: r[1].cause),
            OutColumn("Giải pháp khắc phục", 45, value=lambda r: r[1].measures),
            *tail,
            OutColumn("Kết quả, tài liệu kiểm chứng dự kiến", 35, value=lambda r: r[1].expected),
        ],
        _numbered(data.remediate),
        title=f"Phụ lục II. {appendices[1].title}",
        subtitle=attached,
        sheet_title="Phụ lục II",
        workbook=workbook,
    )
    return _save(workbook)


def results_ranking_xlsx(data: g.ResultsAnnexData) -> bytes:
    rows = [(group.title, row) for group in data.groups for row in group.rows]
    return write_table(
        [
            OutColumn("Nhóm", 28, value=lambda r: r[0]),
            OutColumn("Đơn vị", 36, value=lambda r: r[1].unit),
            OutColumn("Điểm tự đánh giá", 12, "decimal", value=lambda r: r[1].self_points),
            OutColumn("Tổng điểm đạt", 12, "decimal", value=lambda r: r[1].points),
            OutColumn("Điểm tối đa", 12, "decimal", value=lambda r: r[1].max_points),
            OutColumn("Chỉ số CCHC (%)", 12, "decimal", value=lambda r: r[1].index_percent),
            OutColumn("Xếp hạng", 10, "int", value=lambda r: r[1].rank),
            OutColumn("Trên tổng số", 10, "int", value=lambda r: r[1].rank_of),
            OutColumn("Xếp loại", 14, value=lambda r: r[1].band),
        ],
        rows,
        title=(
            data.title or f"Kết quả xếp hạng, phân loại Chỉ số cải cách hành chính năm {data.year}"
        ).upper(),
        subtitle=g._attached("Quyết định", data.decision_number, data.decision_date, data.decision_issuer),
        sheet_title="Xếp hạng",
    )


def deducted_points_statistics_xlsx(data: g.DeductionStatsData) -> bytes:
    rows = _numbered(g.deduction_rows(data))
    return write_table(
        [
            OutColumn("STT", 6, "int", value=lambda r: r[0]),
            OutColumn("Lĩnh vực", 28, value=lambda r: r[1].area),
            OutColumn("Mã tiêu chí", 10, value=lambda r: r[1].code),
            OutColumn("Tiêu chí, tiêu chí thành phần", 45, value=lambda r: r[1].title),
            OutColumn("Điểm tối đa", 10, "decimal", value=lambda r: r[1].max_points),
            OutColumn("Điểm tự đánh giá", 10, "decimal", value=lambda r: r[1].self_points),
            OutColumn("Điểm thẩm định", 10, "decimal", value=lambda r: r[1].appraised_points),
            OutColumn("Tự trừ", 10, "decimal", value=lambda r: r[1].self_deducted),
            OutColumn("Bị trừ", 10, "decimal", value=lambda r: r[1].deducted),
            OutColumn("Lý do trừ điểm", 40, value=lambda r: r[1].reason),
            OutColumn("Chủ trì", 20, value=lambda r: r[1].lead),
        ],
        rows,
        title=(
            f"Biểu thống kê các tiêu chí, tiêu chí thành phần bị trừ điểm, tự trừ điểm năm {data.year} "
            f"của {data.subject_name}"
        ).upper(),
        subtitle=data.attached_to,
        sheet_title="Thống kê trừ điểm",
    )
