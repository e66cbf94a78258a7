"""The Nghị định 30 layout, checked on the .docx itself (no database)."""

from __future__ import annotations

import datetime as dt

import pytest
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from hypothesis import given, settings
from hypothesis import strategies as st

from parindex.documents.official import (
    LETTER,
    PLAN,
    Appendix,
    Bullet,
    Column,
    DataTable,
    Heading,
    OfficialDocument,
    Para,
    Row,
    Signature,
    unit_signature,
)
from parindex.documents.vndates import deadline_text, month_text, place_date_line, vn_date
from tests.documents.docxread import (
    all_text,
    blocks,
    cell_paragraphs,
    has_page_field,
    nonempty,
    open_docx,
    paragraph_with,
    run_sizes,
    runs_bold,
    runs_italic,
    table_rows,
    tables,
)


def letter(**overrides) -> OfficialDocument:
    values = dict(
        doc_type=LETTER,
        issuing_body=["ỦY BAN NHÂN DÂN", "XÃ THẠCH CHÂU"],
        place="Thạch Châu",
        date=dt.date(2023, 11, 1),
        number=43,
        office="VP",
        subject="đôn đốc hoàn thành Kế hoạch CCHC năm",
        recipients=["Các ban ngành cấp xã;", "Bộ phận tiếp nhận và trả kết quả xã"],
        body=[
            "Để hoàn thành **các nội dung** đã đề ra:",
            Bullet("Rà soát kế hoạch."),
            "Nhận được công văn./.",
        ],
        signature=unit_signature("ubnd", name="Nguyễn Văn Hòa", deputy=True),
        distribution=["Thường trực Đảng ủy", "- Chủ tịch, PCT UBND xã;"],
    )
    values.update(overrides)
    return OfficialDocument(**values)


def plan_with_appendix() -> OfficialDocument:
    rows = [Row(["Công tác chỉ đạo, điều hành"], "group")] + [
        Row([f"1.{i}", f"Tiêu chí {i}", "1"]) for i in range(1, 41)
    ]
    return OfficialDocument(
        doc_type=PLAN,
        issuing_body=["ỦY BAN NHÂN DÂN", "XÃ YÊN THƯỢNG"],
        place="Yên Thượng",
        date=dt.date(2023, 6, 28),
        number=None,
        subject="Khắc phục những tồn tại, hạn chế Chỉ số CCHC năm 2022",
        issuer_name="Ủy ban nhân dân xã Yên Thượng",
        body=[
            Heading("Mục đích, yêu cầu"),
            Heading("Mục đích:", level=2),
            Para("Duy trì kết quả."),
            Heading("Yêu cầu:", level=2),
            Heading("chi tiết", level=3),
            Heading("Tổ chức thực hiện"),
        ],
        signature=Signature(authority="TM. ỦY BAN NHÂN DÂN", title="Chủ tịch", name="Ma Văn Thái"),
        distribution=["Phòng Nội vụ"],
        appendices=[
            Appendix(
                number="I",
                title="Các tiêu chí đạt điểm tối đa cần duy trì",
                table=DataTable([Column("Mã", 1.5), Column("Tiêu chí", 8), Column("Điểm tối đa", 2)], rows),
            )
        ],
    )


# --- dates -------------------------------------------------------------------------------


def test_days_below_ten_and_months_one_and_two_take_a_leading_zero():
    assert vn_date(dt.date(2024, 2, 5)) == "ngày 05 tháng 02 năm 2024"
    assert vn_date(dt.date(2024, 1, 31)) == "ngày 31 tháng 01 năm 2024"
    assert vn_date(dt.date(2023, 6, 28)) == "ngày 28 tháng 6 năm 2023"
    assert vn_date(dt.date(2023, 11, 1)) == "ngày 01 tháng 11 năm 2023"


def test_a_date_filled_in_at_signing_leaves_the_day_blank():
    assert vn_date(dt.date(2024, 3, 12), blank_day=True) == "ngày … tháng 3 năm 2024"
    assert vn_date(None, year=2024) == "ngày … tháng … năm 2024"
    assert place_date_line("Thạch Châu", dt.date(2023, 11, 1)) == "Thạch Châu, ngày 01 tháng 11 năm 2023"


def test_deadlines_are_written_like_the_seeds():
    assert deadline_text(dt.datetime(2024, 3, 19, 10, 0)) == "10h00 ngày 19/03/2024"
    assert deadline_text(dt.date(2023, 12, 10)) == "ngày 10/12/2023"


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_every_date_line_has_a_two_digit_day_and_an_unambiguous_month(day):
    text = vn_date(day)
    parts = text.split()
    assert parts[0] == "ngày" and len(parts[1]) == 2 and int(parts[1]) == day.day
    month = parts[3]
    assert int(month) == day.month
    assert (len(month) == 2) == (day.month in (1, 2, 10, 11, 12))
    assert month_text(day.month) == month


# --- page ---------------------------------------------------------------------------------


def test_page_is_a4_with_the_decree_margins_and_times_new_roman():
    doc = open_docx(letter().render())
    section = doc.sections[0]
    assert section.orientation == WD_ORIENT.PORTRAIT
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    assert round(section.top_margin.mm) == 20 and round(section.bottom_margin.mm) == 20
    assert round(section.left_margin.mm) == 30 and round(section.right_margin.mm) == 15
    normal = doc.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    assert normal.element.rPr.rFonts.get(qn("w:eastAsia")) == "Times New Roman"
    assert normal.font.size.pt == 14


def test_page_numbers_are_centred_in_the_header_and_hidden_on_the_first_page():
    doc = open_docx(letter().render())
    section = doc.sections[0]
    assert section.different_first_page_header_footer is True
    assert has_page_field(section.header)
    assert section.header.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert not has_page_field(section.first_page_header)


# --- header block -------------------------------------------------------------------------------


def test_header_block_is_a_borderless_two_column_table_with_body_motto_number_and_date():
    doc = open_docx(letter().render())
    header = tables(doc)[0]
    assert header._tbl.tblPr.find(qn("w:tblBorders")).find(qn("w:top")).get(qn("w:val")) == "nil"
    left = nonempty(cell_paragraphs(header, 0, 0))
    right = nonempty(cell_paragraphs(header, 0, 1))
    assert left == ["ỦY BAN NHÂN DÂN", "XÃ THẠCH CHÂU"]
    assert right == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    assert all(runs_bold(p) for p in cell_paragraphs(header, 0, 0) if p.text)
    number = nonempty(cell_paragraphs(header, 1, 0))
    assert number == ["Số: 43/UBND-VP", "V/v đôn đốc hoàn thành Kế hoạch CCHC năm"]
    date = paragraph_with(header.cell(1, 1), "Thạch Châu, ngày 01 tháng 11 năm 2023")
    assert runs_italic(date) and run_sizes(date) == {14}


def test_the_short_rules_are_bottom_borders_under_the_issuing_body_and_the_motto():
    doc = open_docx(letter().render())
    header = tables(doc)[0]
    for column in (0, 1):
        ruled = [
            p
            for p in cell_paragraphs(header, 0, column)
            if p._p.pPr is not None and p._p.pPr.find(qn("w:pBdr")) is not None
        ]
        assert len(ruled) == 1 and ruled[0].text == ""
    motto_rule = next(p for p in cell_paragraphs(header, 0, 1) if p._p.pPr.find(qn("w:pBdr")) is not None)
    body_rule = next(p for p in cell_paragraphs(header, 0, 0) if p._p.pPr.find(qn("w:pBdr")) is not None)
    # The issuing body's rule is short (indented from both sides), shorter than the motto's.
    assert body_rule.paragraph_format.left_indent > 0
    assert body_rule.paragraph_format.left_indent.cm > motto_rule.paragraph_format.left_indent.cm - 2


def test_an_office_shows_its_parent_body_in_regular_type_above_its_own_name():
    doc = open_docx(
        letter(
            parent_body=["UBND HUYỆN CHỢ ĐỒN"], issuing_body=["Phòng Nội vụ"], issuer_symbol="PNV", office=""
        ).render()
    )
    header = tables(doc)[0]
    paragraphs = [p for p in cell_paragraphs(header, 0, 0) if p.text]
    assert [p.text for p in paragraphs] == ["UBND HUYỆN CHỢ ĐỒN", "PHÒNG NỘI VỤ"]
    assert not any(r.bold for r in paragraphs[0].runs) and runs_bold(paragraphs[1])
    assert nonempty(cell_paragraphs(header, 1, 0))[0] == "Số: 43/PNV"


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        (5, "Số: 05/KH-UBND"),
        ("12", "Số: 12/KH-UBND"),
        (160, "Số: 160/KH-UBND"),
        (None, "Số:\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0/KH-UBND"),
    ],
)
def test_number_and_symbol_of_a_plan(number, expected):
    assert (
        OfficialDocument(doc_type=PLAN, issuing_body=["UBND"], place="X", number=number).number_line
        == expected
    )


def test_letters_have_no_type_in_the_symbol_and_other_types_have_theirs():
    from parindex.documents.official import DOC_TYPES

    symbols = {
        key: OfficialDocument(doc_type=t, issuing_body=[], place="", number=1, office="NV").symbol
        for key, t in DOC_TYPES.items()
    }
    assert symbols == {
        "letter": "UBND-NV",
        "decision": "QĐ-UBND",
        "plan": "KH-UBND",
        "report": "BC-UBND",
        "notice": "TB-UBND",
        "submission": "TTr-UBND",
        "guidance": "HD-UBND",
        "programme": "CTr-UBND",
    }


# --- recipients, body, closing ------------------------------------------------------------------


def test_kinh_gui_lists_each_recipient_on_its_own_line_ending_with_a_full_stop():
    doc = open_docx(letter().render())
    recipients = tables(doc)[1]
    assert recipients.cell(0, 0).text == "Kính gửi:"
    assert nonempty(recipients.cell(0, 1).paragraphs) == [
        "- Các ban ngành cấp xã;",
        "- Bộ phận tiếp nhận và trả kết quả xã.",
    ]


def test_a_single_recipient_stays_on_the_kinh_gui_line():
    doc = open_docx(letter(recipients=["Ủy ban nhân dân huyện Chợ Đồn"]).render())
    assert "Kính gửi: Ủy ban nhân dân huyện Chợ Đồn." in all_text(doc)


def test_body_paragraphs_are_justified_with_first_line_indent_and_space_after():
    doc = open_docx(letter().render())
    paragraph = next(p for p in blocks(doc) if getattr(p, "text", "").startswith("Để hoàn thành"))
    fmt = paragraph.paragraph_format
    assert paragraph.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
    assert round(fmt.first_line_indent.cm, 2) == 1.0
    assert fmt.space_after.pt == 6
    assert 1.15 <= fmt.line_spacing <= 1.5
    bold = [r.text for r in paragraph.runs if r.bold]
    assert bold == ["các nội dung"]  # **markup** became a bold run
    assert "- Rà soát kế hoạch." in all_text(doc)


def test_user_text_is_not_read_as_markup():
    doc = open_docx(letter(body=[Para("Điểm *tối đa* **10**", markup=False)]).render())
    paragraph = next(p for p in blocks(doc) if getattr(p, "text", "").startswith("Điểm"))
    assert paragraph.text == "Điểm *tối đa* **10**" and not any(r.bold for r in paragraph.runs)


def test_headings_are_numbered_i_1_a_and_level_one_is_in_capitals():
    text = all_text(open_docx(plan_with_appendix().render()))
    for heading in (
        "I. MỤC ĐÍCH, YÊU CẦU",
        "1. Mục đích:",
        "2. Yêu cầu:",
        "a) chi tiết",
        "II. TỔ CHỨC THỰC HIỆN",
    ):
        assert heading in text.splitlines()


def test_title_and_subject_are_bold_and_centred_with_a_short_rule():
    doc = open_docx(plan_with_appendix().render())
    paragraphs = [b for b in blocks(doc) if hasattr(b, "runs")]
    title_index = next(i for i, p in enumerate(paragraphs) if p.text == "KẾ HOẠCH")
    title, subject, rule = paragraphs[title_index : title_index + 3]
    assert runs_bold(title) and title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert subject.text == "Khắc phục những tồn tại, hạn chế Chỉ số CCHC năm 2022" and runs_bold(subject)
    assert rule.text == "" and rule._p.pPr.find(qn("w:pBdr")) is not None


def test_distribution_list_and_signature_block_follow_the_decree():
    doc = open_docx(letter().render())
    closing = tables(doc)[-1]
    left = [p for p in closing.cell(0, 0).paragraphs if p.text]
    assert (
        left[0].text == "Nơi nhận:"
        and runs_bold(left[0])
        and runs_italic(left[0])
        and run_sizes(left[0]) == {12}
    )
    assert [p.text for p in left[1:]] == [
        "- Như trên;",
        "- Thường trực Đảng ủy;",
        "- Chủ tịch, PCT UBND xã;",
        "- Lưu: VT, VP.",
    ]
    assert all(run_sizes(p) == {11} for p in left[1:])
    right = [p for p in closing.cell(0, 1).paragraphs if p.text]
    assert [p.text for p in right] == [
        "TM. ỦY BAN NHÂN DÂN",
        "KT. CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "Nguyễn Văn Hòa",
    ]
    assert all(runs_bold(p) for p in right)
    # Space for the signature and seal between the title and the name.
    gap = next(p for p in closing.cell(0, 1).paragraphs if not p.text)
    assert gap.paragraph_format.space_after.pt >= 60
    # The block never splits across pages.
    assert closing.rows[0]._tr.trPr.find(qn("w:cantSplit")) is not None


def test_signature_prefixes_for_acting_and_collective_bodies():
    assert unit_signature("ubnd", name="A").lines() == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]
    assert unit_signature("department", name="A", deputy=True).lines() == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"]
    assert unit_signature("office", name="A", acting=True).lines() == ["Q. TRƯỞNG PHÒNG"]
    assert Signature(title="Chánh Văn phòng", for_head="TL. Chủ tịch").lines() == [
        "TL. CHỦ TỊCH",
        "CHÁNH VĂN PHÒNG",
    ]


# --- appendices -------------------------------------------------------------------------------------


def test_appendix_is_a_landscape_section_with_heading_title_and_attached_line():
    doc = open_docx(plan_with_appendix().render())
    assert len(doc.sections) == 2
    appendix = doc.sections[1]
    assert appendix.orientation == WD_ORIENT.LANDSCAPE
    assert round(appendix.page_width.mm) == 297 and round(appendix.page_height.mm) == 210
    assert round(appendix.left_margin.mm) == 30 and round(appendix.top_margin.mm) == 20
    # The appendix page is never page 1: its number shows.
    assert appendix.different_first_page_header_footer is False
    lines = all_text(doc).splitlines()
    start = lines.index("Phụ lục I")
    assert lines[start + 1] == "CÁC TIÊU CHÍ ĐẠT ĐIỂM TỐI ĐA CẦN DUY TRÌ"
    assert (
        lines[start + 2]
        == "(Kèm theo Kế hoạch số …/KH-UBND ngày 28 tháng 6 năm 2023 của Ủy ban nhân dân xã Yên Thượng)"
    )


def test_appendix_table_repeats_its_header_row_and_numbers_rows_in_an_stt_column():
    doc = open_docx(plan_with_appendix().render())
    table = tables(doc)[-1]
    header = table.rows[0]._tr
    assert header.trPr.find(qn("w:tblHeader")) is not None
    rows = table_rows(table)
    assert rows[0] == ["STT", "Mã", "Tiêu chí", "Điểm tối đa"]
    assert rows[1] == ["I", "Công tác chỉ đạo, điều hành"]  # group row spans the table
    assert rows[2] == ["1", "1.1", "Tiêu chí 1", "1"]
    assert rows[-1][0] == "40"
    assert len(rows) == 42


def test_wide_tables_are_shrunk_to_the_page_width():
    from parindex.documents.official import LANDSCAPE_WIDTH_CM

    wide = DataTable([Column(str(i), 5) for i in range(8)], [Row([str(i) for i in range(8)])])
    doc = OfficialDocument(
        doc_type=PLAN, issuing_body=[], place="", annex_only=True, appendices=[Appendix("Bảng", wide)]
    )
    table = tables(open_docx(doc.render()))[0]
    total = sum(int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.findall(qn("w:gridCol")))
    assert total / 567 <= LANDSCAPE_WIDTH_CM + 0.05


def test_the_last_body_paragraph_stays_with_the_signature():
    doc = open_docx(letter().render())
    last = next(p for p in reversed(list(blocks(doc))) if hasattr(p, "runs") and p.text)
    assert last.text == "Nhận được công văn./."
    assert last.paragraph_format.keep_with_next is True


def test_a_document_with_kinh_gui_starts_its_distribution_list_with_nhu_tren():
    report = letter(
        doc_type=PLAN, recipients=["Phòng Nội vụ huyện"], distribution=["Chủ tịch UBND xã"], office=""
    )
    assert report.distribution_lines() == ["- Như trên;", "- Chủ tịch UBND xã;", "- Lưu: VT."]
    assert letter(recipients=[], distribution=[]).distribution_lines() == ["- Lưu: VT, VP."]


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=200))
def test_any_user_text_renders_and_reads_back(text):
    doc = letter(body=[Para(text, markup=False)], recipients=[text or "x"], distribution=[text]).render()
    body = all_text(open_docx(doc))
    expected = "".join(
        " " if (ord(c) < 32 and c not in "\t\n\r") or 0xD800 <= ord(c) <= 0xDFFF or c in "\ufffe\uffff" else c
        for c in text
    )
    first_line = expected.split("\n")[0].split("\r")[0]
    assert first_line.strip() in body


def _children(element) -> list[str]:
    return [child.tag.split("}")[1] for child in element]


PPR_ORDER = [
    "pStyle",
    "keepNext",
    "keepLines",
    "pageBreakBefore",
    "widowControl",
    "pBdr",
    "shd",
    "tabs",
    "spacing",
    "ind",
    "jc",
    "rPr",
    "sectPr",
]
TBLPR_ORDER = ["tblStyle", "tblW", "jc", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook"]


@pytest.mark.parametrize("kind", ["remediation_plan", "reminder_letter", "results_decision_annex"])
def test_paragraph_and_table_properties_are_in_schema_order_so_word_opens_the_file(kind):
    from parindex.documents.samples import render_sample

    doc = open_docx(render_sample(kind))
    body = doc.element.body
    for ppr in body.iter(qn("w:pPr")):
        tags = [t for t in _children(ppr) if t in PPR_ORDER]
        assert tags == sorted(tags, key=PPR_ORDER.index), tags
    for tblpr in body.iter(qn("w:tblPr")):
        tags = _children(tblpr)
        assert len(tags) == len(set(tags)), tags
        known = [t for t in tags if t in TBLPR_ORDER]
        assert known == sorted(known, key=TBLPR_ORDER.index), tags
