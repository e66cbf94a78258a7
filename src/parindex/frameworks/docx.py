"""Minimal .docx of a framework, used only when ``parindex.documents`` cannot render it.

Times New Roman 13, the header data, then one table row per criterion in tree order.
The official layout (Nghị định 30) belongs to ``parindex.documents.generate.framework_docx``.
"""

from __future__ import annotations

import io

from parindex.core.text import format_decimal


def render_docx(framework) -> bytes:
    from docx import Document
    from docx.shared import Pt

    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)
    heading = document.add_paragraph()
    run = heading.add_run(framework.name.upper())
    run.bold = True
    if framework.decision_number:
        date = framework.decision_date.strftime("%d/%m/%Y") if framework.decision_date else ""
        document.add_paragraph(
            f"(Kèm theo Quyết định số {framework.decision_number} ngày {date} của {framework.issuing_body})"
        )
    table = document.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    for cell, text in zip(
        table.rows[0].cells, ("STT", "Tiêu chí", "Điểm tối đa", "Cách tính điểm"), strict=True
    ):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    for criterion in framework.criteria.order_by("sort_key"):
        row = table.add_row().cells
        row[0].text = criterion.code
        row[1].text = criterion.title
        row[2].text = format_decimal(criterion.max_points, places=4)
        row[3].text = criterion.rule_text
        if criterion.depth == 1:
            for cell in row[:3]:
                for r in cell.paragraphs[0].runs:
                    r.bold = True
    row = table.add_row().cells
    row[1].text = "Tổng cộng"
    row[2].text = format_decimal(framework.max_total, places=4)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def framework_docx(framework) -> bytes:
    """The documents app's rendering if it exists, else the minimal one above."""
    try:
        from parindex.documents.generate import framework_docx as official
    except ImportError:
        return render_docx(framework)
    return official(framework)
