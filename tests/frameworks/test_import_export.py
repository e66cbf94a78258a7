"""Import and export: the shipped examples, round trips, and every kind of bad file."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal as D

import pytest
from django.core.management import CommandError, call_command

from parindex.core.spreadsheets import SpreadsheetError
from parindex.frameworks.actions import import_framework
from parindex.frameworks.models import Band, Criterion, CriterionMapping, Framework
from parindex.frameworks.transfer import (
    SHEET_CRITERIA,
    SHEET_HEADER,
    framework_to_data,
    read_file,
    write_xlsx,
    write_yaml,
)
from parindex.frameworks.validation import validate_framework

from .conftest import EXAMPLES, edit_xlsx, small_data, xlsx_bytes

pytestmark = pytest.mark.django_db


def comparable(framework: Framework) -> dict:
    """Everything that defines a framework, without ids, rows or order numbers."""
    data = framework_to_data(framework)
    result = asdict(data)
    for item in result["criteria"]:
        item.pop("row"), item.pop("order")
    for band in result["bands"]:
        band.pop("row")
    result["tree"] = list(
        framework.criteria.order_by("sort_key").values_list(
            "code", "depth", "is_leaf", "parent__code", "area__code"
        )
    )
    return result


def db_counts():
    return (
        Framework.objects.count(),
        Criterion.objects.count(),
        Band.objects.count(),
        CriterionMapping.objects.count(),
    )


@pytest.mark.parametrize("name", ["commune", "department_district"])
@pytest.mark.parametrize("ext", ["yaml", "xlsx"])
def test_shipped_examples_import_with_the_command(tree, name, ext, capsys):
    call_command("import_framework", str(EXAMPLES / f"{name}.{ext}"), "--owner-unit", "P")
    framework = Framework.objects.get()
    assert framework.owner_unit == tree["P"]
    assert framework.max_total == 100
    assert [b.label for b in framework.bands.order_by("order")] == [
        "Xuất sắc",
        "Tốt",
        "Khá",
        "Trung bình",
        "Yếu",
    ]
    assert "minh họa" in framework.name
    assert "Đã nhập bộ tiêu chí" in capsys.readouterr().out


def test_commune_example_has_the_eight_areas_and_the_feeds(tree):
    call_command("import_framework", str(EXAMPLES / "commune.yaml"))
    framework = Framework.objects.get()
    assert framework.areas().count() == 8
    assert 40 <= framework.leaves().count() <= 100
    feeds = {c.params.get("feed"): c for c in framework.leaves() if c.params.get("feed")}
    assert feeds["plan_completion"].title == "Mức độ hoàn thành kế hoạch CCHC năm"
    assert feeds["remediation"].method == "ratio"
    surveys = framework.leaves().filter(source="survey")
    assert surveys.exists() and all(c.area.code == "8" for c in surveys)
    assert sum(a.max_points for a in framework.areas()) == 100


def test_shipped_xlsx_examples_match_the_yaml_ones(tree):
    for name in ("commune", "department_district"):
        from_yaml = read_file((EXAMPLES / f"{name}.yaml").read_bytes(), "x.yaml")
        from_xlsx = read_file((EXAMPLES / f"{name}.xlsx").read_bytes(), "x.xlsx")
        a = import_framework(from_yaml, owner_unit=tree["P"], by=None)
        b = import_framework(from_xlsx, owner_unit=tree["P"], by=None)
        assert comparable(a) == comparable(b)


@pytest.mark.parametrize("ext", ["xlsx", "yaml"])
def test_import_export_import_gives_an_identical_tree(tree, tmp_path, ext):
    call_command("import_framework", str(EXAMPLES / "commune.yaml"))
    first = Framework.objects.get()
    target = tmp_path / f"out.{ext}"
    call_command("export_framework", str(first.pk), str(target))
    call_command("import_framework", str(target))
    second = Framework.objects.exclude(pk=first.pk).get()
    assert comparable(first) == comparable(second)
    # And once more from the re-imported one: a fixed point.
    target2 = tmp_path / f"out2.{ext}"
    call_command("export_framework", str(second.pk), str(target2))
    if ext == "yaml":
        assert target.read_text() == target2.read_text()


def test_small_framework_round_trips_through_both_formats(tree, data):
    original = import_framework(data, owner_unit=tree["P"], by=None)
    for ext, writer in (("xlsx", write_xlsx), ("yaml", lambda d: write_yaml(d).encode())):
        again = import_framework(
            read_file(writer(framework_to_data(original)), f"f.{ext}"), owner_unit=tree["P"], by=None
        )
        assert comparable(again) == comparable(original)


def test_imported_tree_fields_are_computed(tree, data):
    framework = import_framework(data, owner_unit=tree["P"], by=None)
    rows = {c.code: c for c in framework.criteria.all()}
    assert rows["1.1.2"].depth == 3 and rows["1.1.2"].is_leaf and rows["1.1.2"].area == rows["1"]
    assert not rows["1.1"].is_leaf and rows["1"].area == rows["1"]
    assert [c.code for c in framework.leaves()] == ["1.1.1", "1.1.2", "1.2", "1.3", "1.4", "2.1", "2.2"]
    assert rows["1.1.2"].params == {
        "mode": "bands",
        "bands": [{"min_percent": "100", "percent": "100"}, {"min_percent": "80", "percent": "50"}],
        "feed": "plan_completion",
    }


def test_codes_sort_naturally_so_1_10_comes_after_1_9(tree, data):
    from parindex.frameworks.validation import CriterionData

    data.criteria[0].max_points = D(6)
    data.criteria = [c for c in data.criteria if c.code not in ("1.3", "1.4")]
    for n in range(3, 11):
        data.criteria.insert(n + 2, CriterionData(f"1.{n}", f"Tiêu chí {n}", D("0.25"), method="binary"))
    assert [c.code for c in data.criteria][:6] == ["1", "1.1", "1.1.1", "1.1.2", "1.2", "1.3"]
    framework = import_framework(data, owner_unit=tree["P"], by=None)
    codes = [c.code for c in framework.criteria.filter(parent__code="1").order_by("sort_key")]
    assert codes == ["1.1", "1.2"] + [f"1.{n}" for n in range(3, 11)]


# --- bad files -----------------------------------------------------------------------------------------


def run_import(content: bytes, name: str, tmp_path, capsys) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    before = db_counts()
    with pytest.raises(CommandError, match="không có gì được nhập"):
        call_command("import_framework", str(path), "--owner-unit", "P")
    assert db_counts() == before
    return capsys.readouterr().err


def test_missing_column_is_reported(tree, data, tmp_path, capsys):
    content = edit_xlsx(xlsx_bytes(data), SHEET_CRITERIA, {"D1": "Điểm"})
    err = run_import(content, "f.xlsx", tmp_path, capsys)
    assert "Dòng 1" in err and "Thiếu cột “Điểm tối đa”" in err


def test_bad_number_is_reported_with_its_row(tree, data, tmp_path, capsys):
    content = edit_xlsx(xlsx_bytes(data), SHEET_CRITERIA, {"D4": "1,5đ"})
    err = run_import(content, "f.xlsx", tmp_path, capsys)
    assert "Dòng 4" in err and "“1,5đ” không phải là số" in err


def test_leaf_without_method_is_reported(tree, data, tmp_path, capsys):
    content = edit_xlsx(xlsx_bytes(data), SHEET_CRITERIA, {"F4": None, "G4": None})
    err = run_import(content, "f.xlsx", tmp_path, capsys)
    assert "Dòng 4: Tiêu chí 1.1.1 được chấm điểm nên phải có phương pháp chấm" in err


def test_sum_mismatch_is_reported_on_the_parent_row(tree, data, tmp_path, capsys):
    content = edit_xlsx(xlsx_bytes(data), SHEET_CRITERIA, {"D4": 1})
    err = run_import(content, "f.xlsx", tmp_path, capsys)
    assert "Dòng 3: Tiêu chí 1.1: điểm tối đa là 2,5 nhưng các tiêu chí thành phần cộng lại được 3" in err


def test_areas_that_do_not_add_up_to_the_total_are_reported(tree, data, tmp_path, capsys):
    content = edit_xlsx(xlsx_bytes(data), SHEET_CRITERIA, {"D2": 7})
    err = run_import(content, "f.xlsx", tmp_path, capsys)
    assert "Dòng 2: Tiêu chí 1: điểm tối đa là 7 nhưng các tiêu chí thành phần cộng lại được 6" in err
    assert "Tệp: Các lĩnh vực cộng lại được 11 nhưng tổng điểm tối đa của bộ tiêu chí là 10" in err


def test_unknown_method_is_reported(tree, data, tmp_path, capsys):
    content = edit_xlsx(xlsx_bytes(data), SHEET_CRITERIA, {"F4": "phép thuật"})
    err = run_import(content, "f.xlsx", tmp_path, capsys)
    assert "Dòng 4: Tiêu chí 1.1.1: Phương pháp chấm “phép thuật” không tồn tại" in err


def test_bad_parameters_are_reported(tree, data, tmp_path, capsys):
    content = edit_xlsx(xlsx_bytes(data), SHEET_CRITERIA, {"G6": "mỗi=0"})
    err = run_import(content, "f.xlsx", tmp_path, capsys)
    assert "Dòng 6: Tiêu chí 1.2" in err and "phải lớn hơn 0" in err


def test_cycle_is_reported(tree, data, tmp_path, capsys):
    # 1.1 says its parent is 1.1.1, whose parent is 1.1.
    content = edit_xlsx(xlsx_bytes(data), SHEET_CRITERIA, {"B3": "1.1.1"})
    err = run_import(content, "f.xlsx", tmp_path, capsys)
    assert "vòng lặp" in err and "1.1 → 1.1.1 → 1.1" in err


def test_missing_parent_is_reported(tree, data, tmp_path, capsys):
    content = edit_xlsx(xlsx_bytes(data), SHEET_CRITERIA, {"A4": "1.9.1"})
    err = run_import(content, "f.xlsx", tmp_path, capsys)
    assert "Dòng 4: Tiêu chí 1.9.1: tiêu chí cha 1.9 không tồn tại" in err


def test_duplicate_code_is_reported_with_both_rows(tree, data, tmp_path, capsys):
    content = edit_xlsx(xlsx_bytes(data), SHEET_CRITERIA, {"A5": "1.1.1"})
    err = run_import(content, "f.xlsx", tmp_path, capsys)
    assert "Dòng 5: Tiêu chí 1.1.1: mã bị trùng (đã có ở dòng 4)" in err


def test_unordered_bands_are_reported(tree, data, tmp_path, capsys):
    content = edit_xlsx(xlsx_bytes(data), "Xếp loại", {"B2": 10})
    err = run_import(content, "f.xlsx", tmp_path, capsys)
    assert "Xếp loại:" in err and "từ cao xuống thấp" in err


def test_header_errors_name_the_sheet(tree, data, tmp_path, capsys):
    content = edit_xlsx(xlsx_bytes(data), SHEET_HEADER, {"B7": "năm sau"})
    err = run_import(content, "f.xlsx", tmp_path, capsys)
    assert "[Bộ tiêu chí]" in err and "“năm sau” không phải là năm" in err


def test_a_file_that_is_not_a_spreadsheet_is_refused(tree, tmp_path, capsys):
    err = run_import(b"%PDF-1.4 this is not excel", "f.xlsx", tmp_path, capsys)
    assert "Tệp: Đây không phải là tệp Excel .xlsx." in err


def test_an_unsupported_extension_is_refused(tree, tmp_path, capsys):
    err = run_import(b"code;title", "f.csv", tmp_path, capsys)
    assert ".xlsx hoặc .yaml" in err


def test_broken_yaml_is_refused_with_its_line(tree, tmp_path, capsys):
    err = run_import("framework:\n  name: [chưa đóng\ncriteria: -\n".encode(), "f.yaml", tmp_path, capsys)
    assert "Tệp YAML bị lỗi gần dòng" in err


def test_yaml_with_unknown_field_and_bad_number_is_refused(tree, data, tmp_path, capsys):
    text = (
        write_yaml(data)
        .replace("max_points: 6", "max_point: 6")
        .replace("max_points: 1.5", "max_points: 1,5đ")
    )
    err = run_import(text.encode(), "f.yaml", tmp_path, capsys)
    assert "Dòng 1: Trường “max_point” không hợp lệ." in err
    assert "Dòng 5: max_points: “1,5đ” không phải là số." in err


def test_yaml_without_framework_section_is_refused(tree, tmp_path, capsys):
    err = run_import(b"- 1\n- 2\n", "f.yaml", tmp_path, capsys)
    assert "“framework:”" in err


def test_import_command_needs_a_known_unit(tree, tmp_path):
    with pytest.raises(CommandError, match="Không có đơn vị nào có mã XX"):
        call_command("import_framework", str(EXAMPLES / "commune.yaml"), "--owner-unit", "XX")


def test_export_command_refuses_unknown_id_and_extension(tree, tmp_path):
    with pytest.raises(CommandError):
        call_command("export_framework", "999", str(tmp_path / "x.xlsx"))
    framework = import_framework(small_data(), owner_unit=tree["P"], by=None)
    with pytest.raises(CommandError):
        call_command("export_framework", str(framework.pk), str(tmp_path / "x.pdf"))


def test_validation_accepts_the_small_framework_and_survey_rules(data):
    assert validate_framework(data) == []
    data.criteria[-1].source = "self"
    errors = validate_framework(data)
    assert any("nguồn phải là điều tra" in e.message for e in errors)


def test_parent_with_a_method_is_refused(data):
    data.criteria[1].method = "binary"
    assert any("không có phương pháp chấm" in e.message for e in validate_framework(data))


def test_import_error_raises_spreadsheet_error_and_writes_nothing(tree, data):
    data.criteria[2].max_points = D("0.12345")
    with pytest.raises(SpreadsheetError):
        import_framework(data, owner_unit=tree["P"], by=None)
    assert db_counts() == (0, 0, 0, 0)
