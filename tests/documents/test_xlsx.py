"""The .xlsx conventions on the document tables: headers, numbers, frozen header, print setup, injection."""

from __future__ import annotations

import io
from decimal import Decimal as D

import openpyxl

from parindex.documents import samples
from parindex.documents import xlsx as x


def load(data: bytes):
    assert data[:2] == b"PK"
    return openpyxl.load_workbook(io.BytesIO(data))


def test_plan_workbook_has_annex_i_and_ii_with_numbers_not_text():
    workbook = load(x.remediation_plan_xlsx(samples.remediation_plan_data()))
    assert workbook.sheetnames == ["Phụ lục I", "Phụ lục II"]
    sheet = workbook["Phụ lục II"]
    assert sheet["A1"].value.startswith("Phụ lục II. Các tiêu chí")
    assert sheet["A2"].value == "(Kèm theo Kế hoạch của Ủy ban nhân dân xã Yên Thượng)"
    headers = [c.value for c in sheet[3]]
    assert headers[:7] == [
        "STT",
        "Lĩnh vực",
        "Mã tiêu chí",
        "Tiêu chí, tiêu chí thành phần",
        "Điểm tối đa",
        "Điểm đạt năm 2022",
        "Điểm bị trừ",
    ]
    assert all(c.font.bold for c in sheet[3])
    first = [c.value for c in sheet[4]]
    assert first[0] == 1 and first[2] == "1.2" and first[4] == 2 and first[5] == 1.5 and first[6] == 0.5
    assert sheet["E4"].number_format == "#,##0.00##"
    assert sheet.freeze_panes == "A4"
    assert sheet.print_title_rows == "$3:$3"
    assert sheet.page_setup.orientation == "landscape" and int(sheet.page_setup.paperSize) == 9  # A4


def test_ranking_workbook_keeps_rank_and_group():
    sheet = load(x.results_ranking_xlsx(samples.results_annex_data())).active
    assert (
        sheet["A2"].value
        == "(Kèm theo Quyết định số 338/QĐ-UBND ngày 07 tháng 3 năm 2024 của Ủy ban nhân dân tỉnh Bắc Kạn)"
    )
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    bach_thong = next(r for r in rows if r[1] == "UBND huyện Bạch Thông")
    assert bach_thong[0] == "UBND các huyện, thành phố"
    assert bach_thong[3] == 82.7 and bach_thong[6:9] == [5, 8, "Tốt"]


def test_statistics_workbook_leaves_out_leaves_that_lost_nothing():
    sheet = load(x.deducted_points_statistics_xlsx(samples.deduction_data())).active
    codes = [row[2].value for row in sheet.iter_rows(min_row=4)]
    assert codes == ["1.2", "2.3", "3.4", "5.2"]
    row = [c.value for c in sheet[6]]
    assert row[7:9] == [0.5, 0.75]


def test_cells_that_excel_would_run_as_formulas_are_escaped():
    data = samples.deduction_data()
    data.rows[0].reason = '=HYPERLINK("http://evil","x")'
    data.rows[0].lead = "+1+1"
    data.rows[0].title = "@SUM(A1)"
    data.subject_name = "-cmd"
    sheet = load(x.deducted_points_statistics_xlsx(data)).active
    row = [c.value for c in sheet[4]]
    assert row[9] == '\'=HYPERLINK("http://evil","x")'
    assert row[10] == "'+1+1" and row[3] == "'@SUM(A1)"
    assert all(c.data_type != "f" for r in sheet.iter_rows() for c in r)


def test_exact_decimals_survive_into_the_workbook():
    data = samples.deduction_data()
    data.rows[0].self_points, data.rows[0].appraised_points = D("0.25") + D("0.5") + D("0.25"), D("0.1")
    sheet = load(x.deducted_points_statistics_xlsx(data)).active
    assert sheet["F4"].value == 1 and sheet["I4"].value == 0.9
