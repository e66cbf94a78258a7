"""Every generator's output, opened again: header, number, date, recipients, body, appendix rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from types import SimpleNamespace

import pytest
from docx.enum.section import WD_ORIENT

from parindex.documents import generate as g
from parindex.documents import samples
from parindex.documents.generate import pts
from tests.documents.docxread import all_text, cell_paragraphs, nonempty, open_docx, table_rows, tables


def header_texts(doc):
    header = tables(doc)[0]
    return (
        nonempty(cell_paragraphs(header, 0, 0)),
        nonempty(cell_paragraphs(header, 1, 0)),
        nonempty(cell_paragraphs(header, 1, 1)),
    )


@pytest.mark.parametrize("kind", sorted(samples.SAMPLES))
def test_every_document_kind_renders_a_docx_that_opens_again(kind):
    doc = open_docx(samples.render_sample(kind))
    assert doc.sections[0].different_first_page_header_footer
    assert all_text(doc).strip()


def test_points_are_written_with_a_decimal_comma():
    assert pts(D("82.70")) == "82,7"
    assert pts(D("0.25")) == "0,25"
    assert pts(D("5.0000")) == "5"
    assert pts(None) == ""


def test_request_letter_like_seed_001():
    doc = open_docx(g.request_letter(samples.request_letter_data()))
    body, number, date = header_texts(doc)
    assert body == ["ỦY BAN NHÂN DÂN", "HUYỆN BẠCH THÔNG"]
    assert number[0] == "Số:\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0/UBND-NV"
    assert number[1].startswith("V/v xây dựng kế hoạch khắc phục")
    assert date == ["Bạch Thông, ngày … tháng 3 năm 2024"]
    text = all_text(doc)
    assert "Kính gửi:" in text and "- UBND các xã, thị trấn." in text
    assert "Kế hoạch của các đơn vị gửi về UBND huyện (qua Phòng Nội vụ) trước 10h00 ngày 19/03/2024." in text
    assert "thực hiện đúng thời gian./." in text
    lines = text.splitlines()
    assert lines[lines.index("Nơi nhận:") + 1] == "- Như trên;"
    assert "- Lưu: VT, NV." in lines
    assert ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"] == lines[
        lines.index("TM. ỦY BAN NHÂN DÂN") :
    ][:3]
    assert lines[-1] == "Nguyễn Duy Luân"


def test_request_letter_writes_user_text_literally():
    data = samples.request_letter_data()
    data.paragraphs = ["Giá trị *không* in nghiêng"]
    text = all_text(open_docx(g.request_letter(data)))
    assert "Giá trị *không* in nghiêng" in text


def test_reminder_letter_lists_the_outstanding_units_and_the_new_deadline():
    doc = open_docx(g.reminder_letter(samples.reminder_letter_data()))
    _, number, date = header_texts(doc)
    assert number == [
        "Số: 43/UBND-VP",
        "V/v đôn đốc báo cáo kết quả khắc phục tồn tại, hạn chế trong công tác CCHC",
    ]
    assert date == ["Thạch Châu, ngày 01 tháng 11 năm 2023"]
    text = all_text(doc)
    assert "Đến nay, còn 03 cơ quan, đơn vị chưa thực hiện, gồm:" in text
    assert "- Công chức Tư pháp - Hộ tịch." in text
    assert "trước 10h00 ngày 05/12/2023" in text
    assert "thời hạn trước 17h00 ngày 25/10/2023" in text


@pytest.mark.django_db
def test_reminder_letter_accepts_the_requests_app_call(tree):
    request = SimpleNamespace(
        issuing_unit=tree["DA"],
        number="43/UBND-NV",
        issued_on=dt.date(2023, 11, 1),
        subject="rà soát, chuẩn bị nội dung tự chấm điểm",
        deadline=dt.datetime(2023, 11, 20, 3, 0, tzinfo=dt.UTC),
    )
    data = g.reminder_letter(
        request=request,
        units=[tree["A1"], tree["A2"]],
        signer_title="KT. CHỦ TỊCH / PHÓ CHỦ TỊCH",
        signer_name="Nguyễn Thiên Tùng",
    )
    doc = open_docx(data)
    body, number, date = header_texts(doc)
    assert body == ["ỦY BAN NHÂN DÂN", "HUYỆN CHỢ ĐỒN"]
    assert number[1] == "V/v đôn đốc thực hiện văn bản số 43/UBND-NV"
    assert date[0].startswith("Chợ Đồn, ngày … tháng")
    text = all_text(doc)
    assert "- Xã Yên Thượng;" in text and "- Xã Bằng Lãng." in text
    assert "thời hạn trước 10h00 ngày 20/11/2023" in text  # shown in Asia/Ho_Chi_Minh
    lines = [line for line in text.splitlines() if line]
    assert lines[-3:] == ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nguyễn Thiên Tùng"]


def test_remediation_plan_has_the_plan_number_and_annexes_i_and_ii_in_landscape():
    data = samples.remediation_plan_data()
    doc = open_docx(g.remediation_plan(data))
    _, number, date = header_texts(doc)
    assert number == ["Số:\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0/KH-UBND"]
    assert date == ["Yên Thượng, ngày 28 tháng 6 năm 2023"]
    text = all_text(doc)
    lines = text.splitlines()
    assert "KẾ HOẠCH" in lines
    assert (
        "Khắc phục những tồn tại, hạn chế Chỉ số cải cách hành chính năm 2022, nâng cao Chỉ số cải cách hành chính năm 2023"
        in lines
    )
    for heading in ("I. MỤC ĐÍCH, YÊU CẦU", "II. MỤC TIÊU, NHIỆM VỤ VÀ GIẢI PHÁP", "III. TỔ CHỨC THỰC HIỆN"):
        assert heading in lines
    assert [s.orientation for s in doc.sections] == [
        WD_ORIENT.PORTRAIT,
        WD_ORIENT.LANDSCAPE,
        WD_ORIENT.LANDSCAPE,
    ]
    assert "Phụ lục I" in lines and "Phụ lục II" in lines
    attached = "(Kèm theo Kế hoạch số …/KH-UBND ngày 28 tháng 6 năm 2023 của Ủy ban nhân dân xã Yên Thượng)"
    assert lines.count(attached) == 2
    annex_i, annex_ii = tables(doc)[-2:]
    rows_i = table_rows(annex_i)
    assert rows_i[0][:5] == [
        "STT",
        "Mã tiêu chí",
        "Tiêu chí, tiêu chí thành phần",
        "Điểm tối đa",
        "Điểm đạt năm 2022",
    ]
    assert rows_i[1] == ["I", "Công tác chỉ đạo, điều hành CCHC"]
    assert rows_i[2][:5] == ["1", "1.1", "Ban hành kế hoạch CCHC năm đúng thời hạn", "1", "1"]
    rows_ii = table_rows(annex_ii)
    assert rows_ii[0][5] == "Điểm bị trừ"
    first = rows_ii[2]
    assert first[1:6] == ["1.2", "Mức độ hoàn thành kế hoạch CCHC năm", "2", "1,5", "0,5"]
    assert first[-1] == "31/12/2023"
    assert len([r for r in rows_ii if r[0].isdigit()]) == len(data.remediate)


def test_remediation_results_report_counts_and_lists_shortcomings_with_evidence_names():
    doc = open_docx(g.remediation_results_report(samples.remediation_results_data()))
    _, number, date = header_texts(doc)
    assert number == ["Số: 51/BC-UBND"]
    assert date == ["Thạch Châu, ngày 04 tháng 12 năm 2023"]
    text = all_text(doc)
    assert "BÁO CÁO" in text.splitlines()
    assert "Kính gửi: Phòng Nội vụ huyện." in text
    assert "Tổng số tồn tại, hạn chế phải khắc phục: 03; đã khắc phục xong: 02; đang khắc phục: 01" in text
    rows = table_rows(tables(doc)[-1])
    assert rows[0] == [
        "STT",
        "Tồn tại, hạn chế",
        "Giải pháp đã thực hiện",
        "Kết quả",
        "Tình trạng",
        "Tài liệu kiểm chứng",
        "Chủ trì",
    ]
    assert rows[1][4] == "Đã khắc phục" and rows[3][4] == "Đang khắc phục"
    assert "Xa Thach Chau-KQ khac phuc ton tai 1-QD cong nhan sang kien.pdf" in rows[1][5]
    assert (
        "(Kèm theo Báo cáo số 51/BC-UBND ngày 04 tháng 12 năm 2023 của Ủy ban nhân dân xã Thạch Châu)" in text
    )


def test_self_assessment_summary_totals_exactly_and_asks_for_appraisal():
    data = samples.self_assessment_data()
    doc = open_docx(g.self_assessment_summary(data))
    text = all_text(doc)
    total = sum(a.self_points for a in data.areas)
    assert total == D("88")
    assert "Tổng điểm tự đánh giá: 88/100 điểm, đạt 88%." in text
    rows = table_rows(tables(doc)[1])
    assert rows[0] == ["TT", "Lĩnh vực", "Điểm tối đa", "Điểm tự đánh giá", "Tỷ lệ (%)", "Ghi chú"]
    assert rows[2] == ["2", "Cải cách thể chế", "8", "7,25", "90,63", ""]
    assert rows[-1] == ["", "Tổng cộng", "100", "88", "88", ""]
    assert "đề nghị Hội đồng thẩm định Chỉ số CCHC huyện thẩm định" in text
    assert "64 tài liệu kiểm chứng" in text


def test_self_assessment_uses_the_applicable_maximum_when_given():
    data = samples.self_assessment_data()
    data.total_max = D("80")
    text = all_text(open_docx(g.self_assessment_summary(data)))
    assert "Tổng điểm tự đánh giá: 88/80 điểm, đạt 110%." in text


def test_results_decision_annex_ranks_within_groups_and_shows_the_class():
    doc = open_docx(g.results_decision_annex(samples.results_annex_data()))
    assert doc.sections[0].orientation == WD_ORIENT.LANDSCAPE
    lines = all_text(doc).splitlines()
    assert lines[:3] == [
        "Phụ lục",
        "KẾT QUẢ XẾP HẠNG, PHÂN LOẠI CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM 2023",
        "(Kèm theo Quyết định số 338/QĐ-UBND ngày 07 tháng 3 năm 2024 của Ủy ban nhân dân tỉnh Bắc Kạn)",
    ]
    rows = table_rows(tables(doc)[0])
    assert rows[0] == [
        "STT",
        "Đơn vị",
        "Điểm tự đánh giá",
        "Tổng điểm đạt",
        "Điểm tối đa",
        "Chỉ số CCHC (%)",
        "Xếp hạng",
        "Xếp loại",
    ]
    assert rows[1] == ["I", "UBND các huyện, thành phố"]
    assert rows[6] == ["5", "UBND huyện Bạch Thông", "85,95", "82,7", "100", "82,7", "05/08", "Tốt"]
    assert rows[4][6] == rows[5][6] == "03/08"  # a tie shares its rank
    assert rows[10] == ["II", "Các sở, ban, ngành"]
    assert rows[11][0] == "1"  # numbering restarts in each group
    assert rows[11][-1] == "Xuất sắc"


def test_deducted_points_statistics_separates_self_deducted_and_deducted_points():
    doc = open_docx(g.deducted_points_statistics(samples.deduction_data()))
    lines = all_text(doc).splitlines()
    assert (
        lines[0]
        == "BIỂU THỐNG KÊ CÁC TIÊU CHÍ, TIÊU CHÍ THÀNH PHẦN BỊ TRỪ ĐIỂM, TỰ TRỪ ĐIỂM NĂM 2023 CỦA HUYỆN BẠCH THÔNG"
    )
    rows = table_rows(tables(doc)[0])
    assert rows[0][6:8] == ["Tự trừ", "Bị trừ"]
    codes = [r[1] for r in rows if r[0].isdigit()]
    assert "1.4" not in codes  # lost nothing: left out
    row_34 = next(r for r in rows if r[1] == "3.4")
    assert row_34[3:8] == ["2", "1,5", "0,75", "0,5", "0,75"]
    assert rows[-1][2] == "Tổng cộng" and rows[-1][6:8] == ["1", "1,75"]


def test_deduction_rows_compute_exact_decimals():
    row = g.DeductionRow("1", "x", D("1"), D("0.75"), D("0.5"))
    assert row.self_deducted == D("0.25") and row.deducted == D("0.25")
    assert g.DeductionRow("1", "x", D("1"), None, None).deducted is None


@pytest.mark.django_db
def test_framework_docx_lists_the_criteria_tree_of_a_framework_model(tree):
    from parindex.frameworks.models import Criterion, Framework

    framework = Framework.objects.create(
        name="UBND cấp xã 2023 - 2025",
        decision_number="1325/QĐ-UBND",
        decision_date=dt.date(2023, 6, 23),
        issuing_body="Ủy ban nhân dân tỉnh Quảng Trị",
        valid_from_year=2023,
        valid_to_year=2025,
        max_total=D("3"),
        owner_unit=tree["P"],
    )
    area = Criterion.objects.create(
        framework=framework,
        code="1",
        title="Công tác chỉ đạo",
        max_points=D("3"),
        depth=1,
        is_leaf=False,
        sort_key="0001",
    )
    Criterion.objects.create(
        framework=framework,
        parent=area,
        code="1.1",
        title="Kế hoạch CCHC",
        max_points=D("1"),
        depth=2,
        sort_key="0001.0001",
        rule_text="Có: 1 điểm",
        evidence_text="Kế hoạch",
        method="binary",
    )
    Criterion.objects.create(
        framework=framework,
        parent=area,
        code="1.2",
        title="Báo cáo",
        max_points=D("2"),
        depth=2,
        sort_key="0001.0002",
        rule_text="Đúng hạn: 2 điểm",
        method="manual",
    )
    doc = open_docx(g.framework_docx(framework))
    text = all_text(doc)
    assert (
        "(Kèm theo Quyết định số 1325/QĐ-UBND ngày 23 tháng 6 năm 2023 của Ủy ban nhân dân tỉnh Quảng Trị)"
        in text
    )
    rows = table_rows(tables(doc)[0])
    assert rows[0] == [
        "Mã",
        "Lĩnh vực, tiêu chí, tiêu chí thành phần",
        "Điểm tối đa",
        "Cách tính điểm",
        "Tài liệu kiểm chứng",
    ]
    assert rows[1][:3] == ["1", "CÔNG TÁC CHỈ ĐẠO", "3"]
    assert rows[2] == ["1.1", "Kế hoạch CCHC", "1", "Có: 1 điểm", "Kế hoạch"]
    assert rows[-1][1:3] == ["Tổng điểm", "3"]


def test_statistics_document_counts_an_unscored_leaf_as_self_zero_and_leaves_survey_leaves_out():
    """Issue 17 point 2, in the biểu thống kê document as on the results pages."""
    unscored = g.DeductionRow("1.2", "x", D("2"), None, D("0"))
    assert unscored.self_deducted == D("2") and unscored.deducted == D("0")
    survey = g.DeductionRow("8.1", "y", D("3"), None, D("1.5"), is_survey=True)
    assert survey.self_deducted is None and survey.deducted is None
    data = g.DeductionStatsData("xã A", 2026, [unscored, survey])
    text = "\n".join(
        " | ".join(c.text for c in row.cells)
        for t in open_docx(g.deducted_points_statistics(data)).tables
        for row in t.rows
    )
    assert "1.2" in text and "8.1" not in text
