"""The reminder letter (văn bản đôn đốc) to every overdue recipient of a request, as .docx.

If the documents app provides ``parindex.documents.generate.reminder_letter`` it is used
(it knows the full Nghị định 30 layout); otherwise this module writes a plain letter in
the same shape with python-docx: header block, number, place and date, "V/v", "Kính gửi",
body, "Nơi nhận" and signature block, Times New Roman 13–14 pt, A4 with ND30 margins.
"""

from __future__ import annotations

import importlib
import io

from django.utils import timezone

from parindex.requests import planner


def _documents_generator():
    try:
        module = importlib.import_module("parindex.documents.generate")
    except ImportError:
        return None
    return getattr(module, "reminder_letter", None)


def reminder_letter(request, overdue_rows, *, signer_title: str = "", signer_name: str = "") -> bytes:
    """A .docx letter addressed to the overdue units of ``request`` (rows from ``tracking_rows``)."""
    units = [row.unit for row in overdue_rows]
    generator = _documents_generator()
    if generator is not None:
        try:
            return generator(request=request, units=units, signer_title=signer_title, signer_name=signer_name)
        except TypeError:
            pass  # a different signature than agreed: fall back to the plain letter below
    return _plain_letter(request, units, signer_title=signer_title, signer_name=signer_name)


def _plain_letter(request, units, *, signer_title: str, signer_name: str) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21)
    section.top_margin = section.bottom_margin = Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(14)

    def para(cell_or_doc, text="", *, bold=False, italic=False, size=None, align=None, space_after=0):
        p = cell_or_doc.add_paragraph()
        run = p.add_run(text)
        run.bold, run.italic = bold, italic
        if size:
            run.font.size = Pt(size)
        if align is not None:
            p.alignment = align
        p.paragraph_format.space_after = Pt(space_after)
        return p

    issuer = request.issuing_unit
    parent = issuer.parent
    today = timezone.localdate()
    place = (issuer.short_name or issuer.name).split(" ", 1)[-1] if issuer.short_name else issuer.name
    header = doc.add_table(rows=1, cols=2)
    left, right = header.rows[0].cells
    left.paragraphs[0].text = ""
    if parent is not None:
        para(left, parent.name.upper(), size=13, align=WD_ALIGN_PARAGRAPH.CENTER)
    para(left, issuer.name.upper(), bold=True, size=13, align=WD_ALIGN_PARAGRAPH.CENTER)
    para(
        left,
        "Số:      /" + request.number.split("/", 1)[-1] if "/" in request.number else "Số:      ",
        size=13,
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )
    para(left, f"V/v đôn đốc thực hiện văn bản số {request.number}", size=12, align=WD_ALIGN_PARAGRAPH.CENTER)
    right.paragraphs[0].text = ""
    para(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, size=13, align=WD_ALIGN_PARAGRAPH.CENTER)
    para(right, "Độc lập - Tự do - Hạnh phúc", bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER)
    para(
        right,
        f"{place}, ngày {today:%d} tháng {today.month:02d} năm {today:%Y}",
        italic=True,
        size=14,
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )

    para(doc, "")
    kinh_gui = para(doc, "Kính gửi:", size=14, align=WD_ALIGN_PARAGRAPH.CENTER)
    kinh_gui.paragraph_format.space_after = Pt(0)
    for unit in units:
        para(
            doc, f"- {unit.name};" if len(units) > 1 else unit.name, size=14, align=WD_ALIGN_PARAGRAPH.CENTER
        )
    para(doc, "")
    body = (
        f"Ngày {request.issued_on:%d/%m/%Y}, {issuer.name} đã ban hành văn bản số {request.number} "
        f"về việc {request.subject}, đề nghị các đơn vị thực hiện và gửi kết quả trước "
        f"{planner.format_deadline(request.deadline)}. Đến nay, các đơn vị nêu trên chưa gửi kết quả theo yêu cầu."
    )
    for text in (
        body,
        f"{issuer.name} đề nghị các đơn vị khẩn trương thực hiện và gửi kết quả về {issuer.name} "
        "trong thời gian sớm nhất để tổng hợp, báo cáo theo quy định.",
        "Đề nghị các đơn vị quan tâm, thực hiện./.",
    ):
        p = para(doc, text, size=14, align=WD_ALIGN_PARAGRAPH.JUSTIFY, space_after=6)
        p.paragraph_format.first_line_indent = Cm(1.27)

    footer = doc.add_table(rows=1, cols=2)
    left, right = footer.rows[0].cells
    left.paragraphs[0].text = ""
    para(left, "Nơi nhận:", bold=True, italic=True, size=12)
    para(left, "- Như trên;", size=11)
    para(left, "- Lưu: VT.", size=11)
    right.paragraphs[0].text = ""
    para(
        right,
        (signer_title or "TM. " + issuer.name).upper(),
        bold=True,
        size=14,
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )
    for _i in range(4):
        para(right, "")
    para(right, signer_name, bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER)

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
