"""Reading generated .docx files back for assertions."""

from __future__ import annotations

import io

from docx import Document
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph


def open_docx(data: bytes):
    assert data[:2] == b"PK"
    return Document(io.BytesIO(data))


def blocks(doc):
    """Top-level paragraphs and tables of the body, in order."""
    body = doc.element.body
    for child in body.iterchildren():
        if child.tag == qn("w:p"):
            yield Paragraph(child, doc)
        elif child.tag == qn("w:tbl"):
            yield Table(child, doc)


def all_text(doc) -> str:
    """Every paragraph of the body, tables included, one per line."""
    lines: list[str] = []
    for block in blocks(doc):
        if isinstance(block, Paragraph):
            lines.append(block.text)
        else:
            for row in block.rows:
                seen = set()
                for cell in row.cells:
                    if id(cell._tc) in seen:
                        continue
                    seen.add(id(cell._tc))
                    lines.extend(p.text for p in cell.paragraphs)
    return "\n".join(lines)


def tables(doc) -> list[Table]:
    return [b for b in blocks(doc) if isinstance(b, Table)]


def cell_paragraphs(table, row: int, col: int) -> list[Paragraph]:
    return list(table.cell(row, col).paragraphs)


def nonempty(paragraphs) -> list[str]:
    return [p.text for p in paragraphs if p.text.strip()]


def paragraph_with(doc_or_cell, text: str) -> Paragraph:
    for paragraph in doc_or_cell.paragraphs:
        if paragraph.text == text:
            return paragraph
    raise AssertionError(f"no paragraph {text!r}")


def runs_bold(paragraph) -> bool:
    return all(run.bold for run in paragraph.runs if run.text.strip())


def runs_italic(paragraph) -> bool:
    return all(run.italic for run in paragraph.runs if run.text.strip())


def run_sizes(paragraph) -> set[float]:
    return {run.font.size.pt for run in paragraph.runs if run.text.strip() and run.font.size is not None}


def table_rows(table) -> list[list[str]]:
    rows = []
    for row in table.rows:
        values, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            values.append(cell.text)
        rows.append(values)
    return rows


def has_page_field(part) -> bool:
    xml = part._element.xml
    return "PAGE" in "".join(t.text or "" for t in part._element.iter(qn("w:instrText"))) and "fldChar" in xml
