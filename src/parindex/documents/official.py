"""Official documents in the layout of Nghị định 30/2020/NĐ-CP, written with python-docx.

A document is declared as data (``OfficialDocument`` with body blocks, appendices, a
signature and a distribution list) and rendered to .docx bytes by ``render``. Every
layout fact lives here, once:

* A4, margins top/bottom 20 mm, left 30 mm, right 15 mm; Times New Roman; body 14 pt,
  justified, first-line indent 1 cm, 6 pt after, line spacing 1.2.
* The header block is a borderless two-column table: left the parent body (regular) and
  the issuing body (bold) with a short rule, then "Số: 43/UBND-VP" and, for a letter,
  "V/v …"; right the national title and motto with a rule as long as the motto, then the
  italic place-and-date line. Rules are empty 1-pt paragraphs with a bottom border whose
  length is set by left/right indents: this renders the same in Word and LibreOffice
  (drawn shapes do not) and survives editing.
* Page numbers: centred PAGE field in the header, hidden on page 1 (different first page).
* Appendices: a new landscape section each, "Phụ lục I" bold, title in bold capitals,
  "(Kèm theo Kế hoạch số …/KH-UBND ngày … của …)" italic, then a table whose first row
  repeats on every page (``w:tblHeader``) with an STT column.

A province may replace the *base* document (``template`` bytes): its page margins,
default font and its own header/footer content are kept; the content is always written
by this module, so the wording stays the same for every province (see docs/documents.md).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from parindex.documents.vndates import BLANK, place_date_line, vn_date

FONT = "Times New Roman"
BODY_PT = 14
HEADER_PT = 13
TABLE_PT = 12
LINE_SPACING = 1.2
FIRST_LINE_INDENT = Cm(1)
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}
A4_MM = (210, 297)
PORTRAIT_WIDTH_CM = (A4_MM[0] - MARGINS_MM["left"] - MARGINS_MM["right"]) / 10  # 16.5
LANDSCAPE_WIDTH_CM = (A4_MM[1] - MARGINS_MM["left"] - MARGINS_MM["right"]) / 10  # 25.2
HEADER_LEFT_CM = 6.3
HEADER_RIGHT_CM = PORTRAIT_WIDTH_CM - HEADER_LEFT_CM
CELL_PADDING_CM = 0.19 * 2  # Word's default left + right cell margins
NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"


# --- Document types -------------------------------------------------------------------------


@dataclass(frozen=True)
class DocType:
    key: str
    abbreviation: str  # in the symbol: "KH" in "12/KH-UBND"; empty for a letter (công văn)
    title: str  # printed title (UPPERCASE); empty for a letter
    name: str  # in running text: "Kế hoạch số 12/KH-UBND"


LETTER = DocType("letter", "", "", "Công văn")
DECISION = DocType("decision", "QĐ", "QUYẾT ĐỊNH", "Quyết định")
PLAN = DocType("plan", "KH", "KẾ HOẠCH", "Kế hoạch")
REPORT = DocType("report", "BC", "BÁO CÁO", "Báo cáo")
NOTICE = DocType("notice", "TB", "THÔNG BÁO", "Thông báo")
SUBMISSION = DocType("submission", "TTr", "TỜ TRÌNH", "Tờ trình")
GUIDANCE = DocType("guidance", "HD", "HƯỚNG DẪN", "Hướng dẫn")
PROGRAMME = DocType("programme", "CTr", "CHƯƠNG TRÌNH", "Chương trình")
DOC_TYPES = {t.key: t for t in (LETTER, DECISION, PLAN, REPORT, NOTICE, SUBMISSION, GUIDANCE, PROGRAMME)}


# --- Building blocks of the body ---------------------------------------------------------------


@dataclass
class Para:
    """A body paragraph. ``markup`` turns ``**bold**`` and ``*italic*`` into runs (off for user text)."""

    text: str
    markup: bool = True
    bold: bool = False
    italic: bool = False
    align: str = "justify"  # justify | center | left | right
    indent: bool = True
    size: int | None = None
    keep_with_next: bool = False


@dataclass
class Heading:
    """A numbered heading: level 1 "I. MỤC ĐÍCH, YÊU CẦU", level 2 "1. Mục đích:", level 3 "a) …".

    Numbers are given automatically unless ``numbered`` is False; level 1 text is put in capitals.
    """

    text: str
    level: int = 1
    numbered: bool = True


@dataclass
class Bullet:
    """A dash item: "- Phổ biến, quán triệt …"."""

    text: str
    markup: bool = True


@dataclass
class Column:
    header: str
    width_cm: float
    align: str = "left"  # left | center | right


@dataclass
class Row:
    """A table row. ``kind``: "data" (numbered in the STT column), "group" (bold, the text spans
    the row after the STT cell, numbered I, II, …), "bold" (bold data row, not numbered),
    "total" (bold, not numbered)."""

    cells: Sequence[str]
    kind: str = "data"


@dataclass
class DataTable:
    columns: Sequence[Column]
    rows: Sequence[Row]
    stt: bool = True  # add the "STT" column in front
    size: int = TABLE_PT
    stt_width_cm: float = 1.3
    restart_per_group: bool = False  # STT starts again at 1 under each group row (ranking tables)


@dataclass
class PageBreak:
    pass


Block = Para | Heading | Bullet | DataTable | PageBreak | str


@dataclass
class Appendix:
    """A "Phụ lục": heading, title in capitals, the "(Kèm theo …)" line and a table."""

    title: str
    table: DataTable
    number: str | None = ""  # "I", "II"; "" gives "Phụ lục"; None: no heading (a table sent as an attachment)
    attached_to: str = ""  # default: built from the document ("(Kèm theo Kế hoạch số …)")
    landscape: bool = True
    before: Sequence[Block] = ()
    after: Sequence[Block] = ()

    @property
    def heading(self) -> str:
        return "" if self.number is None else f"Phụ lục {self.number}".strip()


@dataclass
class Signature:
    """The signature block: "TM. ỦY BAN NHÂN DÂN" / "KT. CHỦ TỊCH" / "PHÓ CHỦ TỊCH" … name.

    ``authority``: "TM. <collective body>" when signing on behalf of a collective body;
    ``for_head``: "KT. <head's title>" (signing for the head), or "TL."/"TUQ." forms;
    ``title``: the signer's own position ("PHÓ CHỦ TỊCH"), prefixed "Q." when acting.
    """

    title: str
    name: str = ""
    authority: str = ""
    for_head: str = ""

    def lines(self) -> list[str]:
        return [line.upper() for line in (self.authority, self.for_head, self.title) if line]


def unit_signature(
    body_kind: str, *, name: str = "", deputy: bool = False, collective: bool = True, acting: bool = False
) -> Signature:
    """The usual block for a People's Committee ("ubnd"), a department ("department") or an office ("office")."""
    heads = {
        "ubnd": ("CHỦ TỊCH", "PHÓ CHỦ TỊCH"),
        "department": ("GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"),
        "office": ("TRƯỞNG PHÒNG", "PHÓ TRƯỞNG PHÒNG"),
    }
    head, deputy_title = heads.get(body_kind, heads["ubnd"])
    authority = "TM. ỦY BAN NHÂN DÂN" if body_kind == "ubnd" and collective else ""
    if deputy:
        return Signature(title=deputy_title, name=name, authority=authority, for_head=f"KT. {head}")
    return Signature(title=f"Q. {head}" if acting else head, name=name, authority=authority)


# --- The document ---------------------------------------------------------------------------------


@dataclass
class OfficialDocument:
    doc_type: DocType
    issuing_body: Sequence[str]  # lines, e.g. ["ỦY BAN NHÂN DÂN", "XÃ THẠCH CHÂU"]
    place: str
    date: dt.date | None = None
    date_blank_day: bool = False  # "ngày … tháng 3 năm 2024": the day is written at signing
    parent_body: Sequence[str] = ()  # e.g. ["UBND HUYỆN CHỢ ĐỒN"] above "PHÒNG NỘI VỤ"
    issuer_symbol: str = "UBND"
    office: str = ""  # drafting office: letter symbol "UBND-VP" and "Lưu: VT, VP."
    number: int | str | None = None  # None or "" leaves the number blank (given at registration)
    subject: str = ""  # trích yếu; for a letter the text after "V/v "
    issuer_name: str = ""  # running-text name for "(Kèm theo … của <issuer_name>)"
    recipients: Sequence[str] = ()  # "Kính gửi"
    body: Sequence[Block] = ()
    signature: Signature | None = None
    distribution: Sequence[str] = ()  # "Nơi nhận" (without "- " and ";"), "Lưu: VT, …" is added
    appendices: Sequence[Appendix] = ()
    title: str = ""  # defaults to the type's title ("KẾ HOẠCH")
    annex_only: bool = False  # just the appendices (a table sent with another document)

    @property
    def symbol(self) -> str:
        """ "UBND-VP" for a letter, "KH-UBND" otherwise."""
        if self.doc_type is LETTER or not self.doc_type.abbreviation:
            return f"{self.issuer_symbol}-{self.office}" if self.office else self.issuer_symbol
        return f"{self.doc_type.abbreviation}-{self.issuer_symbol}"

    @property
    def number_text(self) -> str:
        """ "05" for 5 (numbers below 10 take a leading zero), "" when not yet registered."""
        if self.number in (None, ""):
            return ""
        number = str(self.number).strip()
        return f"{int(number):02d}" if number.isdigit() else number

    @property
    def number_symbol(self) -> str:
        return f"{self.number_text or BLANK}/{self.symbol}"

    @property
    def number_line(self) -> str:
        """ "Số: 43/UBND-VP"; unregistered: "Số:      /KH-UBND" (space for the number)."""
        if self.number_text:
            return f"Số: {self.number_text}/{self.symbol}"
        return f"Số:{NBSP * 6}/{self.symbol}"

    @property
    def date_line(self) -> str:
        return place_date_line(self.place, self.date, blank_day=self.date_blank_day)

    def attached_to_line(self) -> str:
        """ "(Kèm theo Kế hoạch số 12/KH-UBND ngày 28 tháng 6 năm 2023 của Ủy ban nhân dân xã Yên Thượng)"."""
        date = vn_date(self.date, blank_day=self.date_blank_day)
        issuer = f" của {self.issuer_name}" if self.issuer_name else ""
        return f"(Kèm theo {self.doc_type.name} số {self.number_symbol} {date}{issuer})"

    def distribution_lines(self) -> list[str]:
        """Each "- X;", starting "- Như trên;" when the document has "Kính gửi", the last "- Lưu: VT, <office>."."""
        items = [_clean_item(i) for i in self.distribution if _clean_item(i)]
        if self.recipients and not any(i.lower() == "như trên" for i in items):
            items.insert(0, "Như trên")
        items = [i for i in items if not i.lower().startswith("lưu")]
        archive = f"Lưu: VT, {self.office}" if self.office else "Lưu: VT"
        items.append(archive)
        return [f"- {item};" for item in items[:-1]] + [f"- {items[-1]}."]

    def recipient_lines(self) -> list[str]:
        items = [_clean_item(i) for i in self.recipients if _clean_item(i)]
        if len(items) <= 1:
            return items
        return [f"- {item};" for item in items[:-1]] + [f"- {items[-1]}."]

    def render(self, *, template: bytes | None = None) -> bytes:
        return _Renderer(self, template).render()


NBSP = "\u00a0"


def _clean_item(text: str) -> str:
    return re.sub(r"^[\s\-–·•]+", "", text or "").rstrip(" ;.,\u00a0")


def roman(number: int) -> str:
    values = (
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    )
    out = ""
    for value, letters in values:
        while number >= value:
            out += letters
            number -= value
    return out


def vn_upper(text: str) -> str:
    return (text or "").upper()


def estimate_width_cm(text: str, size_pt: float, *, bold: bool = False) -> float:
    """A rough Times New Roman text width, for sizing the short rules under a title."""
    em = 0.0
    for ch in text:
        if ch == " ":
            em += 0.25
        elif ch in "-.,:;()/":
            em += 0.3
        elif ch.isupper():
            em += 0.72 if bold else 0.68
        elif ch.isdigit():
            em += 0.5
        else:
            em += 0.5 if bold else 0.46
    return em * size_pt * 2.54 / 72


# --- Rendering ----------------------------------------------------------------------------------------


_MARKUP = re.compile(r"(\*\*.+?\*\*|\*[^*\s][^*]*?\*)")
# Characters XML 1.0 cannot hold (text pasted from Word carries \x0b, \x0c, …): python-docx would refuse them.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(text: str) -> str:
    """Text with the characters XML cannot store replaced by spaces (tabs and newlines kept)."""
    return _XML_INVALID.sub(" ", text or "")


_ALIGN = {
    "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
}


def _set_fonts(rpr_parent, name: str = FONT) -> None:
    rpr = rpr_parent.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), name)


def _border(paragraph, side: str = "bottom", size: int = 6) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    edge = OxmlElement(f"w:{side}")
    edge.set(qn("w:val"), "single")
    edge.set(qn("w:sz"), str(size))  # eighths of a point
    edge.set(qn("w:space"), "1")
    edge.set(qn("w:color"), "000000")
    borders.append(edge)
    # pBdr must come before spacing/ind/jc in CT_PPr's sequence.
    anchor = None
    for tag in ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:spacing", "w:ind", "w:jc"):
        anchor = ppr.find(qn(tag))
        if anchor is not None:
            break
    if anchor is not None:
        anchor.addprevious(borders)
    else:
        ppr.append(borders)


def _table_borders(table, *, visible: bool) -> None:
    tbl_pr = table._tbl.tblPr
    existing = tbl_pr.find(qn("w:tblBorders"))
    if existing is not None:
        tbl_pr.remove(existing)
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        edge = OxmlElement(f"w:{side}")
        if visible:
            edge.set(qn("w:val"), "single")
            edge.set(qn("w:sz"), "4")
            edge.set(qn("w:space"), "0")
            edge.set(qn("w:color"), "000000")
        else:
            edge.set(qn("w:val"), "nil")
        borders.append(edge)
    # Schema order matters to Word (LibreOffice is lenient): tblBorders comes before shd/tblLayout/tblLook.
    tbl_pr.insert_element_before(
        borders,
        "w:shd",
        "w:tblLayout",
        "w:tblCellMar",
        "w:tblLook",
        "w:tblCaption",
        "w:tblDescription",
        "w:tblPrChange",
    )


def _fixed_layout(table, widths_cm: Sequence[float]) -> None:
    table.autofit = False  # python-docx writes <w:tblLayout w:type="fixed"/> in its schema position
    grid = table._tbl.tblGrid
    for col, width in zip(grid.findall(qn("w:gridCol")), widths_cm, strict=False):
        col.set(qn("w:w"), str(int(Cm(width).twips)))
    for row in table.rows:
        for cell, width in zip(row.cells, widths_cm, strict=False):
            cell.width = Cm(width)


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def _cant_split(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))


def _page_field(paragraph) -> None:
    """A PAGE field (complex field: begin / instrText / separate / result / end)."""

    def fld(kind: str):
        run = paragraph.add_run()
        char = OxmlElement("w:fldChar")
        char.set(qn("w:fldCharType"), kind)
        run._r.append(char)
        return run

    fld("begin")
    instr_run = paragraph.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    instr_run._r.append(instr)
    fld("separate")
    paragraph.add_run("2")
    fld("end")


class _Renderer:
    def __init__(self, spec: OfficialDocument, template: bytes | None):
        self.spec = spec
        self.template = template
        self.doc = Document(io.BytesIO(template)) if template else Document()
        self.counters = [0, 0, 0]

    # -- setup
    def _prepare(self) -> None:
        doc = self.doc
        body = doc.element.body
        for child in list(body):
            if child.tag != qn("w:sectPr"):
                body.remove(child)
        normal = doc.styles["Normal"]
        if not self.template:
            normal.font.name = FONT
            _set_fonts(normal.element)
        normal.font.size = Pt(BODY_PT)
        normal.paragraph_format.space_before = Pt(0)
        normal.paragraph_format.space_after = Pt(0)
        section = doc.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(A4_MM[0]), Mm(A4_MM[1])
        if not self.template:
            section.top_margin = Mm(MARGINS_MM["top"])
            section.bottom_margin = Mm(MARGINS_MM["bottom"])
            section.left_margin = Mm(MARGINS_MM["left"])
            section.right_margin = Mm(MARGINS_MM["right"])
            section.header_distance = Mm(10)
            section.footer_distance = Mm(10)
        header = section.header
        has_own_header = header.is_linked_to_previous is False and (
            any(p.text.strip() for p in header.paragraphs)
            or header._element.findall(".//" + qn("w:fldChar"))
            or header._element.findall(".//" + qn("w:drawing"))
        )
        if not has_own_header:
            # Page numbers from page 2: a PAGE field in the default header, nothing on page 1.
            # (A template with its own header keeps it, and its own first-page setting.)
            section.different_first_page_header_footer = True
            paragraph = header.paragraphs[0] if header.paragraphs else header.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _page_field(paragraph)
            for run in paragraph.runs:
                run.font.size = Pt(BODY_PT)

    # -- low-level writers
    def paragraph(
        self,
        container=None,
        *,
        align="justify",
        indent=False,
        after=6,
        before=0,
        spacing=LINE_SPACING,
        keep=False,
    ):
        paragraph = (container or self.doc).add_paragraph()
        fmt = paragraph.paragraph_format
        paragraph.alignment = _ALIGN[align]
        fmt.space_after = Pt(after)
        fmt.space_before = Pt(before)
        fmt.line_spacing = spacing
        if indent:
            fmt.first_line_indent = FIRST_LINE_INDENT
        if keep:
            fmt.keep_with_next = True
        return paragraph

    @staticmethod
    def runs(paragraph, text: str, *, markup=False, bold=False, italic=False, size=None):
        text = xml_safe(str(text))
        parts = _MARKUP.split(text) if markup else [text]
        for part in parts:
            if not part:
                continue
            part_bold, part_italic = bold, italic
            if markup and part.startswith("**") and part.endswith("**") and len(part) > 4:
                part, part_bold = part[2:-2], True
            elif markup and part.startswith("*") and part.endswith("*") and len(part) > 2:
                part, part_italic = part[1:-1], True
            run = paragraph.add_run(part)
            run.bold = part_bold or None
            run.italic = part_italic or None
            if size:
                run.font.size = Pt(size)
        return paragraph

    def line(
        self, container, text, *, align="center", bold=False, italic=False, size=HEADER_PT, after=0, before=0
    ):
        paragraph = self.paragraph(container, align=align, after=after, before=before, spacing=1.0)
        self.runs(paragraph, text, bold=bold, italic=italic, size=size)
        return paragraph

    def rule(self, container, *, width_cm: float, column_cm: float, before=0, after=0):
        """A centred short rule: an empty 1-pt paragraph with a bottom border, narrowed by indents."""
        paragraph = self.paragraph(container, align="center", after=after, before=before, spacing=1.0)
        side = (
            max((column_cm - CELL_PADDING_CM - width_cm) / 2, 0)
            if container is not None
            else max((column_cm - width_cm) / 2, 0)
        )
        paragraph.paragraph_format.left_indent = Cm(side)
        paragraph.paragraph_format.right_indent = Cm(side)
        paragraph.paragraph_format.line_spacing = Pt(1)
        run = paragraph.add_run("")
        run.font.size = Pt(1)
        _border(paragraph)
        return paragraph

    # -- parts
    def header_block(self) -> None:
        spec = self.spec
        table = self.doc.add_table(rows=2, cols=2)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        _table_borders(table, visible=False)
        _fixed_layout(table, (HEADER_LEFT_CM, HEADER_RIGHT_CM))
        left, right = table.cell(0, 0), table.cell(0, 1)
        left._element.remove(left.paragraphs[0]._p)
        right._element.remove(right.paragraphs[0]._p)
        for text in spec.parent_body:
            self.line(left, vn_upper(text), size=HEADER_PT)
        body_lines = [vn_upper(t) for t in spec.issuing_body]
        for text in body_lines:
            self.line(left, text, bold=True, size=HEADER_PT)
        longest = max((estimate_width_cm(t, HEADER_PT, bold=True) for t in body_lines), default=4)
        self.rule(
            left,
            width_cm=min(max(longest * 0.45, 1.8), HEADER_LEFT_CM * 0.5),
            column_cm=HEADER_LEFT_CM,
            before=2,
        )
        self.line(right, NATIONAL_TITLE, bold=True, size=12.5 if len(NATIONAL_TITLE) > 30 else HEADER_PT)
        self.line(right, MOTTO, bold=True, size=BODY_PT)
        self.rule(
            right, width_cm=estimate_width_cm(MOTTO, BODY_PT, bold=True), column_cm=HEADER_RIGHT_CM, before=2
        )
        number_cell, date_cell = table.cell(1, 0), table.cell(1, 1)
        number_cell._element.remove(number_cell.paragraphs[0]._p)
        date_cell._element.remove(date_cell.paragraphs[0]._p)
        self.line(number_cell, spec.number_line, size=HEADER_PT, before=6)
        if spec.doc_type is LETTER and spec.subject:
            self.line(number_cell, f"V/v {spec.subject}", size=12, before=2)
        self.line(date_cell, spec.date_line, italic=True, size=BODY_PT, before=6)

    def title_block(self) -> None:
        spec = self.spec
        title = spec.title or spec.doc_type.title
        if spec.doc_type is LETTER or not title:
            return
        self.line(None, title, bold=True, size=BODY_PT, before=18)
        if spec.subject:
            paragraph = self.paragraph(None, align="center", after=0, spacing=1.0)
            self.runs(paragraph, spec.subject, bold=True, size=BODY_PT)
        width = min(max(estimate_width_cm(spec.subject or title, BODY_PT, bold=True) * 0.3, 2.5), 5.0)
        self.rule(None, width_cm=width, column_cm=PORTRAIT_WIDTH_CM, before=3, after=12)

    def recipients_block(self) -> None:
        lines = self.spec.recipient_lines()
        if not lines:
            return
        if len(lines) == 1:
            paragraph = self.paragraph(None, align="center", before=12, after=12, spacing=1.0)
            self.runs(paragraph, f"Kính gửi: {lines[0]}.", size=BODY_PT)
            return
        table = self.doc.add_table(rows=1, cols=2)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        _table_borders(table, visible=False)
        widths = (4.2, PORTRAIT_WIDTH_CM - 4.2)
        _fixed_layout(table, widths)
        label, items = table.cell(0, 0), table.cell(0, 1)
        label.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        label.paragraphs[0].paragraph_format.space_before = Pt(12)
        self.runs(label.paragraphs[0], "Kính gửi:", size=BODY_PT)
        items._element.remove(items.paragraphs[0]._p)
        for index, text in enumerate(lines):
            self.line(items, text, align="left", size=BODY_PT, before=12 if index == 0 else 0)
        self.paragraph(None, after=0).paragraph_format.space_after = Pt(6)

    def block(self, block: Block, container=None):
        if isinstance(block, str):
            block = Para(block)
        if isinstance(block, Para):
            paragraph = self.paragraph(
                container,
                align=block.align,
                indent=block.indent and block.align == "justify",
                keep=block.keep_with_next,
            )
            self.runs(
                paragraph,
                block.text,
                markup=block.markup,
                bold=block.bold,
                italic=block.italic,
                size=block.size,
            )
            return paragraph
        elif isinstance(block, Heading):
            level = max(1, min(block.level, 3))
            text = block.text
            if block.numbered:
                self.counters[level - 1] += 1
                for deeper in range(level, 3):
                    self.counters[deeper] = 0
                number = self.counters[level - 1]
                prefix = {1: f"{roman(number)}. ", 2: f"{number}. ", 3: f"{chr(ord('a') + number - 1)}) "}[
                    level
                ]
                text = prefix + text
            if level == 1:
                text = vn_upper(text)
            paragraph = self.paragraph(container, indent=True, keep=True)
            self.runs(paragraph, text, bold=level < 3, italic=level == 3)
        elif isinstance(block, Bullet):
            paragraph = self.paragraph(container, indent=True)
            self.runs(paragraph, f"- {block.text}", markup=block.markup)
        elif isinstance(block, DataTable):
            self.data_table(block, PORTRAIT_WIDTH_CM)
            self.paragraph(container, after=0)
        elif isinstance(block, PageBreak):
            self.paragraph(container).add_run().add_break(WD_BREAK.PAGE)
        else:  # pragma: no cover - programming error
            raise TypeError(f"Unknown block {block!r}")

    def data_table(self, data: DataTable, available_cm: float):
        columns = list(data.columns)
        if data.stt:
            columns = [Column("STT", data.stt_width_cm, "center"), *columns]
        widths = [c.width_cm for c in columns]
        total = sum(widths)
        if total > available_cm:  # shrink proportionally to fit the page
            widths = [w * available_cm / total for w in widths]
        table = self.doc.add_table(rows=1, cols=len(columns))
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        _table_borders(table, visible=True)
        header = table.rows[0]
        _repeat_header(header)
        _cant_split(header)
        for cell, column in zip(header.cells, columns, strict=True):
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            paragraph = cell.paragraphs[0]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            paragraph.paragraph_format.space_before = Pt(2)
            paragraph.paragraph_format.space_after = Pt(2)
            self.runs(paragraph, column.header, bold=True, size=data.size)
        number = group_number = 0
        for row in data.rows:
            values = list(row.cells)
            if data.stt:
                if row.kind == "data":
                    number += 1
                    values = [str(number), *values]
                elif row.kind == "group":
                    group_number += 1
                    if data.restart_per_group:
                        number = 0
                    values = [roman(group_number), *values]
                else:
                    values = ["", *values]
            values += [""] * (len(columns) - len(values))
            cells = table.add_row().cells
            _cant_split(table.rows[-1])
            bold = row.kind in ("group", "total", "bold")
            if row.kind == "group":
                start = 1 if data.stt else 0
                text = values[start]
                merged = cells[start].merge(cells[-1]) if len(cells) - start > 1 else cells[start]
                for index in range(start):
                    self._cell(cells[index], values[index], columns[index].align, bold, data.size)
                self._cell(merged, text, "left", True, data.size)
                continue
            for cell, value, column in zip(cells, values, columns, strict=True):
                self._cell(cell, value, column.align, bold, data.size)
        _fixed_layout(table, widths)
        return table

    def _cell(self, cell, value, align, bold, size):
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        paragraphs = str(value if value is not None else "").split("\n")
        first = cell.paragraphs[0]
        for index, text in enumerate(paragraphs):
            paragraph = first if index == 0 else cell.add_paragraph()
            paragraph.alignment = _ALIGN.get(align, WD_ALIGN_PARAGRAPH.LEFT)
            paragraph.paragraph_format.space_before = Pt(2 if index == 0 else 0)
            paragraph.paragraph_format.space_after = Pt(2 if index == len(paragraphs) - 1 else 0)
            paragraph.paragraph_format.line_spacing = 1.0
            self.runs(paragraph, text, bold=bold, size=size)

    def closing_block(self) -> None:
        spec = self.spec
        if spec.signature is None and not spec.distribution and spec.doc_type is not LETTER:
            return
        table = self.doc.add_table(rows=1, cols=2)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        _table_borders(table, visible=False)
        widths = (7.8, PORTRAIT_WIDTH_CM - 7.8)
        _fixed_layout(table, widths)
        _cant_split(table.rows[0])  # the signature never leaves its distribution list behind
        left, right = table.cell(0, 0), table.cell(0, 1)
        left._element.remove(left.paragraphs[0]._p)
        right._element.remove(right.paragraphs[0]._p)
        self.line(left, "Nơi nhận:", align="left", bold=True, italic=True, size=12, before=6)
        for text in spec.distribution_lines():
            self.line(left, text, align="left", size=11)
        signature = spec.signature
        if signature is not None:
            for index, text in enumerate(signature.lines()):
                self.line(right, text, bold=True, size=BODY_PT, before=6 if index == 0 else 0)
            self.line(right, "", size=BODY_PT, before=0, after=64)
            self.line(right, signature.name, bold=True, size=BODY_PT)
        if not right.paragraphs:
            right.add_paragraph()

    def appendix(self, appendix: Appendix, *, first: bool) -> None:
        doc = self.doc
        if first and self.spec.annex_only:
            section = doc.sections[0]
        else:
            section = doc.add_section(WD_SECTION.NEW_PAGE)
            # add_section copies "different first page" from the portrait section; an appendix
            # page is never page 1 of the document, so its number must show.
            section.different_first_page_header_footer = False
        base = doc.sections[0]
        width, height = Mm(A4_MM[0]), Mm(A4_MM[1])
        if appendix.landscape:
            section.orientation = WD_ORIENT.LANDSCAPE
            section.page_width, section.page_height = height, width
        else:
            section.orientation = WD_ORIENT.PORTRAIT
            section.page_width, section.page_height = width, height
        for attr in (
            "top_margin",
            "bottom_margin",
            "left_margin",
            "right_margin",
            "header_distance",
            "footer_distance",
        ):
            setattr(section, attr, getattr(base, attr))
        available = (section.page_width - section.left_margin - section.right_margin) / 360000
        if appendix.heading:
            self.line(None, appendix.heading, bold=True, size=BODY_PT)
        self.line(None, vn_upper(appendix.title), bold=True, size=BODY_PT)
        attached = appendix.attached_to or (self.spec.attached_to_line() if not self.spec.annex_only else "")
        if attached:
            self.line(None, attached, italic=True, size=BODY_PT)
        self.rule(None, width_cm=3.5, column_cm=available, before=6, after=10)
        for block in appendix.before:
            self.block(block)
        self.data_table(appendix.table, available)
        for index, block in enumerate(appendix.after):
            paragraph = self.block(block)
            if index == 0 and paragraph is not None:
                paragraph.paragraph_format.space_before = Pt(6)

    def render(self) -> bytes:
        self._prepare()
        spec = self.spec
        if not spec.annex_only:
            self.header_block()
            self.title_block()
            if spec.recipients:  # letters always; reports and submissions when addressed
                self.recipients_block()
            for block in spec.body:
                self.block(block)
            if spec.body and self.doc.paragraphs:
                # The last body paragraph goes with the signature: never a page with a signature only.
                self.doc.paragraphs[-1].paragraph_format.keep_with_next = True
            self.closing_block()
        for index, appendix in enumerate(spec.appendices):
            self.appendix(appendix, first=index == 0)
        core = self.doc.core_properties
        core.title = (spec.title or spec.doc_type.title or spec.subject or "")[:250]
        core.subject = (spec.subject or "")[:250]
        core.author = " ".join(spec.issuing_body)[:250]
        buffer = io.BytesIO()
        self.doc.save(buffer)
        return buffer.getvalue()
