"""Issue 17, defect 8: ``parindex import_results --framework`` ties a per-leaf history file to the framework.

Rows of the sheet "Chi tiết" are matched to the framework's criteria by code; each value is checked
against that leaf's maximum; survey and not-applicable come from the framework (N/A written "KAD" in
"Điểm", or an empty "Điểm" with "Không áp dụng" marked); totals and index are derived from the leaves.
Three wrong files are refused with row-level messages naming the unit and the criterion, and nothing
is written.

Framework (``make_framework(survey_leaf=True)``): area 1 = 1.1, 1.2, survey 1.9; area 2 = 2.1, 2.2;
25 points each; manual leaves may be not applicable.
"""

from __future__ import annotations

import io
from decimal import Decimal as D

import pytest
from django.core.management import CommandError, call_command

from tests.appraisals.helpers import make_framework

pytestmark = pytest.mark.django_db

HEAD = ["Năm", "Mã đơn vị", "Tổng điểm", "Chỉ số (%)"]
DETAIL = ["Năm", "Mã đơn vị", "Mã tiêu chí", "Điểm", "Không áp dụng"]


def _xlsx(results, details) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.title = "Kết quả"
    for row in results:
        workbook.active.append(row)
    sheet = workbook.create_sheet("Chi tiết")
    for row in details:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _good_details():
    return [
        DETAIL,
        # A1: 1.2 not applicable ("KAD"), survey 1.9 at 20 → 20 + 20 + 25 + 15 = 80 of 100.
        [2023, "A1", "1.1", 20, None],
        [2023, "A1", "1.2", "KAD", None],
        [2023, "A1", "1.9", 20, None],
        [2023, "A1", "2.1", 25, None],
        [2023, "A1", "2.2", 15, None],
        # A2: 2.2 not applicable by the marker column → 25 + 25 + 22.5 + 25 = 97.5 of 100.
        [2023, "A2", "1.1", 25, None],
        [2023, "A2", "1.2", 25, None],
        [2023, "A2", "1.9", "22,5", None],
        [2023, "A2", "2.1", 25, None],
        [2023, "A2", "2.2", None, "x"],
    ]


def _counts():
    from parindex.results.models import AreaResult, LeafResult, Publication, UnitResult

    return tuple(m.objects.count() for m in (Publication, UnitResult, AreaResult, LeafResult))


@pytest.fixture
def fw(tree):
    return make_framework(tree["P"], survey_leaf=True)


def _run(tmp_path, content, fw):
    path = tmp_path / "lich-su.xlsx"
    path.write_bytes(content)
    call_command("import_results", str(path), "--framework", str(fw.pk), stdout=io.StringIO())


def test_a_per_leaf_history_file_with_survey_and_not_applicable_leaves_imports_tied_to_the_framework(
    tree, personas, fw, tmp_path
):
    from parindex.remediation import actions
    from parindex.results.models import AreaResult, UnitResult

    _run(tmp_path, _xlsx([HEAD, [2023, "A1", None, None], [2023, "A2", None, None]], _good_details()), fw)
    a1 = UnitResult.objects.get(unit_code="A1")
    assert (a1.points, a1.max_points, a1.total, a1.index_percent) == (D(80), D(100), D(80), D(80))
    assert a1.class_label == "Tốt"
    leaves = {leaf.code: leaf for leaf in a1.leaves.select_related("criterion")}
    assert all(leaf.criterion is not None and leaf.criterion.code == code for code, leaf in leaves.items())
    assert leaves["1.9"].is_survey and not leaves["1.1"].is_survey
    assert leaves["1.2"].not_applicable and leaves["1.2"].final_points is None
    assert leaves["1.1"].area_code == "1" and leaves["1.1"].max_points == D(25)
    areas = {a.code: (a.points, a.max_points) for a in AreaResult.objects.filter(result=a1)}
    assert areas == {"1": (D(40), D(50)), "2": (D(40), D(50))}
    a2 = UnitResult.objects.get(unit_code="A2")
    assert (a2.points, a2.max_points, a2.index_percent) == (D("97.5"), D(100), D("97.5"))
    assert a2.leaves.get(code="2.2").not_applicable
    assert (a2.rank, a1.rank, a1.rank_of) == (1, 2, 2)

    # Phụ lục I/II of the imported year: survey and not-applicable leaves are in neither.
    plan = actions.generate_plan(result=a1, by=personas["officer_a1"])
    maintain = set(plan.maintenance_items.values_list("code", flat=True))
    remediate = set(plan.remediation_items.values_list("code", flat=True))
    assert maintain == {"2.1"} and remediate == {"1.1", "2.2"}


def _plain_details():
    """Every leaf scored (numbers only): A1 20 + 25 + 20 + 25 + 15 = 105 of 125, A2 125 of 125."""
    head = ["Năm", "Mã đơn vị", "Mã tiêu chí", "Điểm", "Điểm tối đa"]
    a1 = [
        [2023, "A1", code, points, 25]
        for code, points in (("1.1", 20), ("1.2", 25), ("1.9", 20), ("2.1", 25), ("2.2", 15))
    ]
    a2 = [[2023, "A2", code, 25, 25] for code in ("1.1", "1.2", "1.9", "2.1", "2.2")]
    return [head, *a1, *a2]


@pytest.mark.parametrize(
    "case,totals,change,expected",
    [
        # 2.1 written 30 of 30: the framework's maximum for 2.1 is 25.
        (
            "a leaf value above the leaf's max",
            (110, 125),
            (4, [2023, "A1", "2.1", 30, 30]),
            ["Dòng 5", "A1", "2.1", "30", "25"],
        ),
        # A1's leaves add up to 105, the first sheet says 110.
        ("a total that disagrees with its per-leaf rows", (110, 125), None, ["Dòng 2", "A1", "110", "105"]),
        # 9.9 is no criterion of the framework.
        ("an unknown leaf code", (105, 125), (11, [2023, "A2", "9.9", 25, 25]), ["Dòng 12", "A2", "9.9"]),
    ],
)
def test_import_results_refuses_a_wrong_file_naming_row_unit_and_criterion_and_writes_nothing(
    tree, fw, tmp_path, case, totals, change, expected
):
    details = _plain_details()
    if case == "an unknown leaf code":
        details.insert(change[0], change[1])
    elif change:
        details[change[0]] = change[1]
    results = [["Năm", "Mã đơn vị", "Tổng điểm"], [2023, "A1", totals[0]], [2023, "A2", totals[1]]]
    before = _counts()
    with pytest.raises(CommandError) as exc:
        _run(tmp_path, _xlsx(results, details), fw)
    message = str(exc.value)
    for text in expected:
        assert text in message, (case, message)
    assert _counts() == before == (0, 0, 0, 0)


def test_not_applicable_is_refused_where_the_framework_does_not_allow_it_and_an_empty_cell_needs_the_marker(
    tree, fw, tmp_path
):
    details = _good_details()
    details[3] = [2023, "A1", "1.9", "KAD", None]  # a survey leaf cannot be marked not applicable
    details[5] = [2023, "A1", "2.2", None, None]  # empty, no marker
    with pytest.raises(CommandError) as exc:
        _run(tmp_path, _xlsx([HEAD, [2023, "A1", None, None], [2023, "A2", None, None]], details), fw)
    message = str(exc.value)
    assert "Dòng 4" in message and "1.9" in message and "không áp dụng" in message
    assert "Dòng 6" in message and "2.2" in message and "KAD" in message
    assert _counts() == (0, 0, 0, 0)
