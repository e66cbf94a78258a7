"""Issue 17, defect 3: Phụ lục II "Tồn tại, hạn chế" says why the points were lost.

The shortcoming of an item is the deduction reason of the final appraisal, else the unit's own
note on a self-deducted leaf, else an empty cell — never a remark that accepted the score.
"""

from __future__ import annotations

import io
from decimal import Decimal as D

import pytest
from django.urls import reverse

from parindex.remediation.logic import Appraised, deduction_reason, shortcoming_text
from tests.appraisals.helpers import make_framework, make_round
from tests.remediation.conftest import REASON, publish_round

ACCEPTED = "Đã bổ sung biên bản tổng kết; chấp nhận điểm tự chấm"
UNIT_NOTE = "Chưa tổ chức hội nghị tổng kết công tác CCHC"


@pytest.fixture
def plan_with_remarks(db, tree, personas):
    """A1 self-scores [25, 25, 20, 15]; the appraiser lowers 1.2 to 20 (REASON) and keeps 2.1 at 20 with an
    approving remark; the unit noted why it scored 2.2 at 15 itself; 2.1 has no note."""
    from parindex.appraisals.models import AppraiserAssignment
    from parindex.assessments.models import Score
    from parindex.remediation import actions
    from parindex.results.models import UnitResult

    fw = make_framework(tree["P"], survey_leaf=True)
    rnd = make_round(fw, tree["DA"], [tree["A1"]], self_points={"A1": [25, 25, 20, 15]}, year=2024)
    Score.objects.filter(assessment__unit=tree["A1"], criterion__code="2.2").update(note=UNIT_NOTE)
    AppraiserAssignment.objects.create(round=rnd, appraiser=personas["appraiser_province"], unit=tree["A1"])
    pub = publish_round(
        rnd,
        personas["appraiser_province"],
        personas["district_manager_a"],
        reasons={"A1": [("1.2", 20, REASON), ("2.1", 20, ACCEPTED)]},
    )
    result = UnitResult.objects.get(publication=pub, unit=tree["A1"])
    plan = actions.generate_plan(result=result, by=personas["officer_a1"])
    return {"plan": plan, **personas, **tree}


def _docx_rows(content: bytes) -> list[list[str]]:
    from docx import Document

    rows = []
    for table in Document(io.BytesIO(content)).tables:
        for row in table.rows:
            rows.append([cell.text for cell in row.cells])
    return rows


def test_phu_luc_ii_shortcoming_is_the_deduction_reason_or_the_units_note_never_an_approving_remark(
    client, plan_with_remarks
):
    from openpyxl import load_workbook

    plan = plan_with_remarks["plan"]
    items = {i.code: i.shortcoming for i in plan.remediation_items.all()}
    assert items == {"1.2": REASON, "2.1": "", "2.2": UNIT_NOTE}

    client.force_login(plan_with_remarks["officer_a1"])
    xlsx = client.get(reverse("remediation:plan_download", args=[plan.pk, "plan", "xlsx"])).content
    sheet = load_workbook(io.BytesIO(xlsx))["Phụ lục II"]
    header = [c.value for c in sheet[3]]
    column = header.index("Tồn tại, hạn chế")  # the .xlsx keeps the cause in its own column
    cells = {row[2]: row[column] for row in sheet.iter_rows(min_row=4, values_only=True) if row[2]}
    assert cells == {"1.2": REASON, "2.1": None, "2.2": UNIT_NOTE}

    docx = client.get(reverse("remediation:plan_download", args=[plan.pk, "plan", "docx"])).content
    table = _docx_rows(docx)
    header = next(r for r in table if "Tồn tại, hạn chế, nguyên nhân" in r)
    column = header.index("Tồn tại, hạn chế, nguyên nhân")
    rows = {
        r[1]: r[column] for r in table[table.index(header) + 1 :] if len(r) == len(header) and r[0].isdigit()
    }
    assert rows == {"1.2": REASON, "2.1": "", "2.2": UNIT_NOTE}
    assert not any(ACCEPTED in cell for r in _docx_rows(docx) for cell in r)


def test_a_round_two_remark_that_restored_points_is_not_a_deduction_reason():
    entries = [Appraised(1, D(10), "Thiếu biên bản"), Appraised(2, D(20), "Giải trình hợp lý, chấp nhận")]
    assert deduction_reason(entries, D(20)) == ""
    # Round 2 restored only part of the points: its own text is the deduction reason ...
    partly = [Appraised(1, D(10), "Thiếu biên bản"), Appraised(2, D(15), "Bổ sung chưa đầy đủ")]
    assert deduction_reason(partly, D(20)) == "Bổ sung chưa đầy đủ"
    # ... and without a text of its own, round 1's reason still explains the deduction.
    kept = [Appraised(1, D(10), "Thiếu biên bản"), Appraised(2, D(10), "")]
    assert deduction_reason(kept, D(20)) == "Thiếu biên bản"


def test_an_unscored_leaf_takes_the_units_note_and_an_accepted_leaf_at_self_score_stays_empty():
    assert (
        shortcoming_text(
            entries=[Appraised(1, D(0), "Đúng")],
            max_points=D(5),
            self_points=None,
            unit_note="Chưa thực hiện",
        )
        == "Chưa thực hiện"
    )
    assert (
        shortcoming_text(entries=[Appraised(1, D(3), "Chấp nhận")], max_points=D(5), self_points=D(3)) == ""
    )
    assert shortcoming_text(entries=[], max_points=D(5), self_points=D(5), unit_note="ghi chú") == ""


def test_the_data_migration_replaces_a_generated_approving_remark_and_keeps_what_the_unit_wrote(
    plan_with_remarks,
):
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "parindex.remediation.migrations.0004_shortcoming_text_from_deductions"
    )
    plan = plan_with_remarks["plan"]
    items = plan.remediation_items
    # As the old generation stored them: the approving remark on 2.1; the unit rewrote 2.2 itself.
    items.filter(code="2.1").update(shortcoming=ACCEPTED)
    items.filter(code="2.2").update(shortcoming="Chưa có biên bản hội nghị")

    migration.forwards(apps, None)

    assert dict(items.values_list("code", "shortcoming")) == {
        "1.2": REASON,
        "2.1": "",
        "2.2": "Chưa có biên bản hội nghị",
    }
