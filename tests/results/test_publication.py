"""Compute, approve and publish results; stored, not recomputed; the `results` command; imports."""

from __future__ import annotations

import io
import json
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from parindex.appraisals import actions as appraisal
from parindex.results import actions
from parindex.results.models import AreaResult, LeafResult, Publication, UnitResult
from tests.appraisals.helpers import leaves, make_framework, make_round
from tests.results.helpers import appraise_all, publish

pytestmark = pytest.mark.django_db


def xlsx(rows, *, sheets=None) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    for name, extra in (sheets or {}).items():
        sheet = wb.create_sheet(name)
        for row in extra:
            sheet.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture
def published(tree, personas):
    fw = make_framework(tree["P"])  # 4 leaves × 25 = 100
    rnd = make_round(
        fw,
        tree["P"],
        [tree["A1"], tree["A2"], tree["B1"]],
        self_points={
            "A1": [25, 25, 20, 15],
            "A2": [25, 20, 20, 20],
            "B1": [25, 25, 25, "na"],
        },
    )
    appraise_all(rnd, personas["appraiser_province"])
    pub = publish(rnd, personas["province_manager"])
    return {"fw": fw, "round": rnd, "pub": pub, **personas, **tree}


def test_published_results_have_totals_index_class_and_competition_ranks(published):
    rows = {r.unit_code: r for r in UnitResult.objects.filter(publication=published["pub"])}
    assert rows["A1"].total == D(85) and rows["A1"].index_percent == D(85) and rows["A1"].class_label == "Tốt"
    assert rows["A2"].total == D(85) and rows["A2"].rank == 2 and rows["A1"].rank == 2  # tie
    # B1: one leaf not applicable → 75 / 75 = 100 %
    assert rows["B1"].index_percent == D(100) and rows["B1"].rank == 1 and rows["B1"].max_points == D(75)
    assert {r.rank_of for r in rows.values()} == {3}
    assert AreaResult.objects.filter(result=rows["A1"]).count() == 2
    assert LeafResult.objects.filter(result=rows["A1"]).count() == 4


def test_editing_the_framework_later_does_not_change_published_results(published):
    fw = published["fw"]
    fw.bands.update(lower_bound=D(99))
    fw.criteria.filter(is_leaf=True).update(max_points=D(50))
    row = UnitResult.objects.get(publication=published["pub"], unit_code="A1")
    assert (row.class_label, row.index_percent, row.max_points) == ("Tốt", D(85), D(100))


def test_published_results_cannot_be_recomputed(published):
    with pytest.raises(ValidationError):
        actions.compute_results(round=published["round"], by=published["province_manager"])


def test_publishing_needs_the_council_approval(tree, personas):
    fw = make_framework(tree["P"])
    rnd = make_round(fw, tree["P"], [tree["A1"]])
    appraise_all(rnd, personas["appraiser_province"])
    pub = actions.compute_results(round=rnd, by=personas["province_manager"])
    with pytest.raises(ValidationError, match="phê duyệt"):
        actions.publish_results(publication=pub, by=personas["province_manager"])
    with pytest.raises(ValidationError, match="số và ngày"):
        actions.approve_results(
            publication=pub, by=personas["province_manager"], decision_number="", decision_date=None
        )


def test_only_index_managers_compute_and_publish(tree, personas):
    fw = make_framework(tree["P"])
    rnd = make_round(fw, tree["P"], [tree["A1"]])
    with pytest.raises(PermissionDenied):
        actions.compute_results(round=rnd, by=personas["appraiser_province"])
    with pytest.raises(PermissionDenied):
        actions.compute_results(round=rnd, by=personas["head_a1"])


def test_approval_waits_for_sheets_still_in_appraisal(tree, personas):
    fw = make_framework(tree["P"])
    rnd = make_round(fw, tree["P"], [tree["A1"], tree["A2"]])
    a1 = appraisal.start_appraisal(
        assessment=rnd.assessments.get(unit=tree["A1"]), by=personas["appraiser_province"]
    )
    appraisal.complete_round(sheet=a1, by=personas["appraiser_province"])
    appraisal.start_appraisal(
        assessment=rnd.assessments.get(unit=tree["A2"]), by=personas["appraiser_province"]
    )
    pub = actions.compute_results(round=rnd, by=personas["province_manager"])
    rows = {r.unit_code: r for r in pub.results.all()}
    # A2 is still being appraised: listed without a result, excluded from the rank and from N
    assert (rows["A1"].rank, rows["A1"].rank_of) == (1, 1)
    assert (rows["A2"].rank, rows["A2"].index_percent, rows["A2"].class_label) == (None, None, "")
    with pytest.raises(ValidationError, match="đang được thẩm định"):
        actions.approve_results(
            publication=pub, by=personas["province_manager"], decision_number="1", decision_date="2025-01-01"
        )


def test_bonus_penalty_and_survey_enter_the_total(tree, personas):
    fw = make_framework(tree["P"], survey_leaf=True)  # 4 × 25 + survey 25 = 125
    rnd = make_round(fw, tree["P"], [tree["A1"]])
    appraiser, manager = personas["appraiser_province"], personas["province_manager"]
    content = xlsx([["Mã đơn vị", "Mã tiêu chí", "Điểm (%)"], ["A1", "1.9", "80"]])
    assert appraisal.import_survey(round=rnd, source=content, by=manager) == 1
    sheet = appraisal.start_appraisal(assessment=rnd.assessments.get(), by=appraiser)
    appraisal.add_adjustment(sheet=sheet, kind="bonus", points=D(2), reason="Sáng kiến", by=appraiser)
    appraisal.add_adjustment(
        sheet=sheet, kind="penalty", points=D("0.5"), reason="Chậm báo cáo", by=appraiser
    )
    appraisal.complete_round(sheet=sheet, by=appraiser)
    publish(rnd, manager)
    row = UnitResult.objects.get()
    assert row.points == D(120) and row.total == D("121.5")
    assert row.index_percent == D("97.2")
    assert (row.bonus, row.penalty) == (D(2), D("0.5"))


def test_change_from_last_year_follows_merged_units(tree, personas):
    from parindex.units.models import Unit, UnitChange

    manager, appraiser = personas["province_manager"], personas["appraiser_province"]
    # 2023: imported history for A1, A2 and B1
    content = xlsx(
        [
            ["Năm", "Mã đơn vị", "Tổng điểm", "Xếp loại"],
            [2023, "A1", "70", "Khá"],
            [2023, "A2", "80", "Tốt"],
            [2023, "B1", "90", "Xuất sắc"],
        ]
    )
    from parindex.results.history import import_results

    assert import_results(content) == {2023: 3}
    # B1 merged into a new commune B9 (sole predecessor)
    b9 = Unit.objects.create(code="B9", name="Xã Quang Thuận mới", kind="commune", parent=tree["DB"])
    change = UnitChange.objects.create(kind="merge", effective_on="2024-01-01")
    change.predecessors.add(tree["B1"])
    change.successors.add(b9)
    fw = make_framework(tree["P"])
    rnd = make_round(
        fw,
        tree["P"],
        [tree["A1"], tree["A2"], b9],
        self_points={"A1": [25, 25, 25, 20], "A2": [25, 25, 20, 20], "B9": [20, 20, 20, 20]},
    )
    appraise_all(rnd, appraiser)
    publish(rnd, manager)
    rows = {r.unit_code: r for r in UnitResult.objects.filter(year=2024)}
    assert (rows["A1"].rank, rows["A1"].previous_rank, rows["A1"].rank_change) == (1, 3, 2)
    assert rows["A1"].points_change == D(25)
    assert (rows["B9"].previous_rank, rows["B9"].rank_change) == (1, -2)
    # Both years rank the three communes (same peer group, same size): the places are compared.
    assert rows["A1"].sentence() == (
        "Xếp thứ 1/3, 95 điểm, xếp loại Xuất sắc; so với năm 2023: Chỉ số tăng 25 điểm (từ 70 lên 95), "
        "xếp loại từ Khá lên Xuất sắc, năm 2023 xếp thứ 3/3, tăng 2 bậc"
    )


# --- the `results` command ---------------------------------------------------------------------


def independent_ranking(values, policy):
    """Rank by counting: competition = 1 + #better; dense = 1 + #distinct better."""
    out = {}
    for k, v in values.items():
        better = [w for w in values.values() if w > v]
        out[k] = 1 + (len(better) if policy == "competition" else len(set(better)))
    return out


@pytest.mark.parametrize("policy", ["competition", "dense"])
def test_results_command_matches_an_independent_computation(tree, personas, policy):
    import random

    from parindex.units.models import Unit

    rng = random.Random(5)
    units = [
        Unit.objects.create(code=f"X{i}", name=f"Xã {i:02d}", kind="commune", parent=tree["DA"])
        for i in range(12)
    ]
    fw = make_framework(tree["P"], tie_policy=policy)
    choices = [25, 20, D("12.5"), D("0.25"), 0]
    points = {u.code: [rng.choice(choices) for _ in range(4)] for u in units}
    points["X1"] = list(points["X0"])  # a guaranteed tie
    rnd = make_round(fw, tree["P"], units, self_points=points)
    appraise_all(rnd, personas["appraiser_province"])
    publish(rnd, personas["province_manager"])
    out = io.StringIO()
    call_command("results", year=2024, unit_type="commune", format="json", stdout=out)
    data = {row["unit_code"]: row for row in json.loads(out.getvalue())}
    totals = {code: sum(D(p) for p in pts) for code, pts in points.items()}
    expected_rank = independent_ranking(totals, policy)
    bands = [(90, "Xuất sắc"), (80, "Tốt"), (65, "Khá"), (50, "Trung bình"), (0, "Yếu")]
    for code, total in totals.items():
        assert D(data[code]["total"]) == total
        assert data[code]["rank"] == expected_rank[code]
        assert data[code]["rank_of"] == 12
        assert data[code]["class"] == next(label for bound, label in bands if total >= bound)
    assert data["X0"]["rank"] == data["X1"]["rank"]


def test_results_command_writes_csv_and_xlsx(published, tmp_path):
    out = io.StringIO()
    call_command("results", year=2024, unit_type="commune", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "unit_code,unit_name,total,index_percent,class,rank,rank_of"
    assert lines[1].startswith("B1,Xã Quang Thuận,75,100,Xuất sắc,1,3")
    target = tmp_path / "r.xlsx"
    call_command("results", year=2024, unit_type="commune", format="xlsx", output=str(target))
    assert target.read_bytes()[:2] == b"PK"


def test_results_command_shows_no_draft_results(tree, personas):
    fw = make_framework(tree["P"])
    rnd = make_round(fw, tree["P"], [tree["A1"]])
    appraise_all(rnd, personas["appraiser_province"])
    actions.compute_results(round=rnd, by=personas["province_manager"])
    out = io.StringIO()
    call_command("results", year=2024, unit_type="commune", format="json", stdout=out)
    assert json.loads(out.getvalue()) == []


def test_results_command_refuses_an_unknown_unit_type(db):
    with pytest.raises(CommandError):
        call_command("results", year=2024, unit_type="village")


# --- imports -----------------------------------------------------------------------------------


def test_import_results_rejects_a_broken_file_and_writes_nothing(tree, tmp_path):
    path = tmp_path / "h.xlsx"
    path.write_bytes(xlsx([["Năm", "Mã đơn vị", "Tổng điểm"], [2023, "A1", "80"], [2023, "A2", "abc"]]))
    with pytest.raises(CommandError) as exc:
        call_command("import_results", str(path))
    assert "Dòng 3" in str(exc.value) and "không phải là số" in str(exc.value)
    path.write_bytes(
        xlsx([["Năm", "Mã đơn vị", "Tổng điểm"], [2023, "A1", "80"], [2023, "ZZ", "70"], [2023, "A1", "75"]])
    )
    with pytest.raises(CommandError) as exc:
        call_command("import_results", str(path))
    assert "Dòng 3" in str(exc.value) and "ZZ" in str(exc.value)
    assert "Dòng 4" in str(exc.value) and "hai lần" in str(exc.value)
    assert not Publication.objects.exists() and not UnitResult.objects.exists()


def test_import_results_with_area_details_and_computed_ranks(tree, tmp_path):
    path = tmp_path / "h.xlsx"
    path.write_bytes(
        xlsx(
            [
                ["Năm", "Mã đơn vị", "Tổng điểm", "Điểm tối đa"],
                [2022, "A1", "80", "100"],
                [2022, "A2", "82,5", "100"],
            ],
            sheets={
                "Chi tiết": [
                    ["Năm", "Mã đơn vị", "Mã tiêu chí", "Điểm", "Điểm tối đa"],
                    [2022, "A1", "1", "40", "50"],
                    [2022, "A1", "2", "40", "50"],
                    [2022, "A1", "1.1", "20", "25"],
                ]
            },
        )
    )
    out = io.StringIO()
    call_command("import_results", str(path), stdout=out)
    rows = {r.unit_code: r for r in UnitResult.objects.all()}
    assert (rows["A2"].rank, rows["A1"].rank, rows["A1"].rank_of) == (1, 2, 2)
    assert AreaResult.objects.filter(result=rows["A1"]).count() == 2
    assert LeafResult.objects.filter(result=rows["A1"]).count() == 1
    # re-import replaces, does not duplicate
    call_command("import_results", str(path), stdout=out)
    assert UnitResult.objects.count() == 2


def test_import_survey_rejects_broken_rows_and_writes_nothing(tree, personas, tmp_path):
    from parindex.appraisals.models import SurveyScore

    fw = make_framework(tree["P"], survey_leaf=True)
    rnd = make_round(fw, tree["P"], [tree["A1"]])
    path = tmp_path / "s.xlsx"
    path.write_bytes(
        xlsx(
            [
                ["Mã đơn vị", "Mã tiêu chí", "Điểm (%)"],
                ["A1", "1.9", "80"],
                ["A1", "1.1", "50"],
                ["B1", "1.9", "120"],
            ]
        )
    )
    with pytest.raises(CommandError) as exc:
        call_command("import_survey", str(path), round_id=rnd.pk)
    text = str(exc.value)
    assert "Dòng 3" in text and "không phải là tiêu chí điều tra" in text
    assert "Dòng 4" in text and "không thuộc đợt đánh giá" in text and "từ 0 đến 100" in text
    assert not SurveyScore.objects.exists()


def test_import_survey_computes_points_from_the_percentage(tree, personas, tmp_path):
    from parindex.appraisals.models import SurveyScore

    fw = make_framework(tree["P"], survey_leaf=True)
    rnd = make_round(fw, tree["P"], [tree["A1"]])
    path = tmp_path / "s.xlsx"
    path.write_bytes(xlsx([["Mã đơn vị", "Mã tiêu chí", "Điểm (%)"], ["A1", "1.9", "87,5"]]))
    call_command("import_survey", str(path), round_id=rnd.pk, stdout=io.StringIO())
    assert SurveyScore.objects.get().points == D("21.875")
    assert leaves(fw)[-1].code in {"2.2", "1.9"}


@pytest.mark.parametrize(("grouping", "groups"), [("kind", 1), ("kind_parent", 2), ("kind_grade", 2)])
def test_peer_groups_by_kind_parent_or_class(tree, personas, grouping, groups):
    from parindex.units.models import Unit

    Unit.objects.filter(code="A1").update(grade="1")
    Unit.objects.filter(code__in=["A2", "B1"]).update(grade="2")
    fw = make_framework(tree["P"])
    rnd = make_round(
        fw,
        tree["P"],
        [tree["A1"], tree["A2"], tree["B1"]],
        self_points={"A1": [25, 25, 25, 20], "A2": [25, 25, 25, 25], "B1": [20, 20, 20, 20]},
    )
    appraise_all(rnd, personas["appraiser_province"])
    pub = publish(rnd, personas["province_manager"], grouping=grouping)
    rows = {r.unit_code: r for r in pub.results.all()}
    assert len({r.peer_key for r in rows.values()}) == groups
    if grouping == "kind_parent":  # A1, A2 under DA; B1 alone under DB
        assert (rows["A2"].rank, rows["A1"].rank, rows["A1"].rank_of) == (1, 2, 2)
        assert (rows["B1"].rank, rows["B1"].rank_of) == (1, 1)
    if grouping == "kind_grade":  # A1 alone in class I; A2, B1 in class II
        assert (rows["A1"].rank, rows["A1"].rank_of) == (1, 1)
        assert (rows["A2"].rank, rows["B1"].rank) == (1, 2)


def test_merged_unit_history_shows_every_predecessor(tree, personas):
    from parindex.results.history import import_results
    from parindex.results.selectors import unit_history
    from parindex.units.models import Unit, UnitChange

    import_results(
        xlsx([["Năm", "Mã đơn vị", "Tổng điểm"], [2023, "A1", "70"], [2023, "A2", "80"], [2023, "B1", "90"]])
    )
    merged = Unit.objects.create(code="M1", name="Xã mới", kind="commune", parent=tree["DA"])
    change = UnitChange.objects.create(kind="merge", effective_on="2024-01-01")
    change.predecessors.add(tree["A1"], tree["A2"])
    change.successors.add(merged)
    history = unit_history(merged)
    assert sorted(r.unit_code for r in history) == ["A1", "A2"]
    fw = make_framework(tree["P"])
    rnd = make_round(fw, tree["P"], [merged, tree["B1"]])
    appraise_all(rnd, personas["appraiser_province"])
    publish(rnd, personas["province_manager"])
    row = UnitResult.objects.get(year=2024, unit=merged)
    assert row.previous_rank is None and row.rank_change is None  # two predecessors: no single previous rank


def test_approval_waits_for_missing_survey_results(tree, personas):
    fw = make_framework(tree["P"], survey_leaf=True)
    rnd = make_round(fw, tree["P"], [tree["A1"]])
    appraise_all(rnd, personas["appraiser_province"])
    pub = actions.compute_results(round=rnd, by=personas["province_manager"])
    with pytest.raises(ValidationError, match="chưa có điểm.*1.9"):
        actions.approve_results(
            publication=pub, by=personas["province_manager"], decision_number="1", decision_date="2025-01-01"
        )
