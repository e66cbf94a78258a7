"""Issue 17, the results side: every figure a published result shows is right on every surface
(the unit page, the group statistics page, the public pages, the .xlsx downloads and the API).

Defect 2 (lost points by column), 4 (the year-over-year sentence), 6 (display rounds once) and
7 (what "điểm" means)."""

from __future__ import annotations

import io
from decimal import Decimal as D
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from parindex.appraisals import actions as appraisal
from parindex.assessments.models import Score
from parindex.results.models import UnitResult
from tests.appraisals.helpers import make_framework, make_round
from tests.results.helpers import publish

pytestmark = pytest.mark.django_db


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


class _Rows(HTMLParser):
    """The cells of the rows of one table (found by data-testid), keyed by the row's data-code."""

    def __init__(self, testid: str):
        super().__init__()
        self.testid, self.depth, self.rows, self.row, self.cell = testid, 0, {}, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            if self.depth or attrs.get("data-testid") == self.testid:
                self.depth += 1
        elif self.depth and tag == "tr" and "data-code" in attrs:
            self.row = self.rows[attrs["data-code"]] = []
        elif self.depth and tag == "td" and self.row is not None:
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "table" and self.depth:
            self.depth -= 1
        elif tag == "td" and self.cell is not None:
            self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tr":
            self.row = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def table_rows(html: str, testid: str) -> dict[str, list[str]]:
    parser = _Rows(testid)
    parser.feed(html)
    return parser.rows


def sheet_rows(content: bytes, sheet: int = 0) -> dict[str, dict[str, object]]:
    """Rows of an .xlsx table keyed by the "Mã" (code) column: {code: {header: value}}."""
    ws = load_workbook(io.BytesIO(content)).worksheets[sheet]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    head_at = next(i for i, r in enumerate(rows) if "Mã" in r)
    head = rows[head_at]
    return {r[head.index("Mã")]: dict(zip(head, r, strict=False)) for r in rows[head_at + 1 :] if r[1]}


def survey_xlsx(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["Mã đơn vị", "Mã tiêu chí", "Điểm (%)"])
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- Defect 2: lost points in the right column --------------------------------------------------


@pytest.fixture
def lost(tree, personas):
    """A1 leaves 1.2 unscored (self empty), self-deducts 5 on 2.1, is deducted 3 by the appraiser on
    2.2; the survey leaf 1.9 gives 20 of 25 (80 %). A2 scores every leaf at the maximum, survey 60 %."""
    fw = make_framework(tree["P"], survey_leaf=True)
    rnd = make_round(
        fw,
        tree["P"],
        [tree["A1"], tree["A2"]],
        self_points={"A1": [25, 0, 20, 25], "A2": [25, 25, 25, 25]},
    )
    Score.objects.filter(assessment__unit=tree["A1"], criterion__code="1.2").update(self_points=None)
    appraiser, manager = personas["appraiser_province"], personas["province_manager"]
    appraisal.import_survey(
        round=rnd, source=survey_xlsx([["A1", "1.9", "80"], ["A2", "1.9", "60"]]), by=manager
    )
    for sheet in rnd.assessments.select_related("unit"):
        s = appraisal.start_appraisal(assessment=sheet, by=appraiser)
        if sheet.unit.code == "A1":
            leaf = fw.criteria.get(code="2.2")
            appraisal.appraise_leaf(sheet=s, criterion=leaf, by=appraiser, points=D(22), reason="Thiếu TLKC")
        appraisal.complete_round(sheet=s, by=appraiser)
    pub = publish(rnd, manager)
    return {"pub": pub, **personas, **tree}


def test_unscored_leaves_are_deducted_by_the_unit_and_survey_leaves_show_no_self_points(lost):
    """Rule: for a self-scored leaf tự trừ = max − self (unscored = 0) and bị trừ = self − final; the
    survey column holds survey leaves only; a survey leaf shows "—" for self points, never 0."""
    c = client_for(lost["officer_a1"])
    result = UnitResult.objects.get(unit=lost["A1"])
    url = reverse("results:unit", args=[lost["A1"].pk])
    page = table_rows(c.get(url).content.decode(), "lost")
    # code, title, max, self, final, bị trừ, tự trừ, survey column
    assert page["1.2"][2:] == ["25", "0", "0", "0", "25", "—"]
    assert page["2.1"][2:] == ["25", "20", "20", "0", "5", "—"]
    assert page["2.2"][2:] == ["25", "25", "22", "3", "0", "—"]
    assert page["1.9"][2:] == ["25", "—", "20", "—", "—", "5"]

    sheet = sheet_rows(c.get(url + "?format=xlsx").content)
    by_self, by_appraisal, survey = (
        "Tự trừ",
        "Bị trừ (thẩm định)",
        "Bị trừ ở tiêu chí đơn vị không tự chấm (điều tra XHH)",
    )
    assert (sheet["1.2"][by_self], sheet["1.2"][by_appraisal], sheet["1.2"][survey]) == (25, 0, None)
    assert (sheet["1.9"]["Điểm tự đánh giá"], sheet["1.9"][by_self], sheet["1.9"][survey]) == (None, None, 5)

    # The group statistics page, its .xlsx and the API sum the same columns over A1 and A2.
    stats_url = reverse("results:stats", args=[lost["pub"].pk, result.peer_key])
    stats = table_rows(c.get(stats_url).content.decode(), "lost")
    # code, title, max, bị trừ, tự trừ, survey column, total lost
    assert stats["1.2"][2:] == ["25", "0", "25", "—", "25"]
    assert stats["1.9"][2:] == ["25", "—", "—", "15", "15"]
    group_sheet = sheet_rows(c.get(stats_url + "?format=xlsx").content)
    assert (group_sheet["1.2"][by_self], group_sheet["1.2"][survey]) == (25, None)
    assert (group_sheet["1.9"]["Điểm tự đánh giá"], group_sheet["1.9"][survey]) == (None, 15)
    api = c.get(
        "/api/v1/statistics/lost-points", {"publication_id": lost["pub"].pk, "peer_key": result.peer_key}
    ).json()
    rows = {r["code"]: r for r in api["lost"]}
    assert (D(rows["1.2"]["by_self"]), rows["1.2"]["not_self_scored"]) == (25, None)
    assert D(rows["1.2"]["by_appraisal"]) == 0 and rows["1.2"]["is_survey"] is False
    assert (rows["1.9"]["self_points"], rows["1.9"]["by_self"], rows["1.9"]["by_appraisal"]) == (
        None,
        None,
        None,
    )
    assert D(rows["1.9"]["not_self_scored"]) == 15 and rows["1.9"]["is_survey"] is True
    # Columns add up to the total lost on every row.
    for row in rows.values():
        parts = [D(row[k]) for k in ("by_appraisal", "by_self", "not_self_scored") if row[k] is not None]
        assert sum(parts) == D(row["total_lost"]), row["code"]


def test_the_self_versus_appraised_gap_compares_the_self_scored_criteria_only(lost):
    """A1 self-scores 70 and is deducted 3 on 2.2; its survey leaf brings 20 more final points. The gap
    is the 3 deducted, not 70 − 87 = −17; A2, with which the appraisal agreed entirely, has no gap."""
    result = UnitResult.objects.get(unit=lost["A1"])
    url = reverse("results:stats", args=[lost["pub"].pk, result.peer_key])
    gaps = table_rows(client_for(lost["province_manager"]).get(url).content.decode(), "gaps")
    # unit, self total, appraised points of the self-scored criteria, gap
    assert gaps["A1"][1:] == ["70", "67", "3"]
    assert gaps["A2"][1:] == ["100", "100", "0"]


# --- Defect 6: display rounds once ---------------------------------------------------------------


def chart_index(html: str, script_id: str) -> list:
    """The index values a page hands to its chart (json_script), which the chart prints as labels."""
    import json

    script = html.split(f'id="{script_id}" type="application/json">')[1].split("</script>")[0]
    return json.loads(script)["index"]


def test_an_index_of_77_32497_is_shown_as_77_32_on_every_surface_not_rounded_twice(tree, personas):
    """7616,51 / 98,5 = 77,32497…: rounded once it is 77,32; the old 4-place store (77,3250) rounded
    again gave 77,33. The pages, the public pages, the .xlsx and the API agree on 77,32."""
    fw = make_framework(tree["P"], areas=1, leaves_per_area=2, leaf_max=D("49.25"))  # max 98,5
    rnd = make_round(fw, tree["P"], [tree["A1"]], self_points={"A1": ["49.25", "26.9151"]})
    appraiser, manager = personas["appraiser_province"], personas["province_manager"]
    for sheet in rnd.assessments.all():
        appraisal.complete_round(
            sheet=appraisal.start_appraisal(assessment=sheet, by=appraiser), by=appraiser
        )
    pub = publish(rnd, manager)
    result = UnitResult.objects.get(publication=pub)
    assert result.total == D("76.1651") and result.max_points == D("98.5")

    c = client_for(personas["officer_b1"])
    group = c.get(reverse("results:group", args=[pub.pk, result.peer_key])).content.decode()
    public = Client().get(reverse("results:public_group", args=[pub.pk, result.peer_key])).content.decode()
    for html in (group, public):
        cells = table_rows(html.replace("data-unit=", "data-code="), "ranking")["A1"]
        assert cells[3] == "77,32", cells
    for html in (
        c.get(reverse("results:unit", args=[tree["A1"].pk])).content.decode(),
        Client().get(reverse("results:public_unit", args=[tree["A1"].code])).content.decode(),
    ):
        assert '<td class="text-end">77,32</td>' in html.split('data-testid="history"')[1]
        assert "77,33" not in html
        assert chart_index(html, "results-trend-data") == [77.32]  # the trend chart's label
    for html in (group, public):
        assert chart_index(html, "results-chart-data") == [77.32]  # the bar chart's label

    ws = load_workbook(
        io.BytesIO(c.get(reverse("results:group", args=[pub.pk, result.peer_key]) + "?format=xlsx").content)
    ).active
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    head = next(r for r in rows if "Chỉ số (%)" in r)
    cell = next(r for r in rows if "A1" in r)[head.index("Chỉ số (%)")]
    assert D(str(cell)).quantize(D("0.01"), rounding="ROUND_HALF_UP") == D("77.32")

    api = c.get("/api/v1/results", {"year": 2024}).json()["items"]
    assert D(api[0]["index_percent"]).quantize(D("0.01"), rounding="ROUND_HALF_UP") == D("77.32")
    # Ranking and class still come from the unrounded value.
    assert (result.rank, result.class_label) == (1, "Khá")


# --- Defect 4: the year-over-year sentence -------------------------------------------------------


def history_xlsx(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["Năm", "Mã đơn vị", "Tổng điểm", "Điểm tối đa", "Xếp loại", "Xếp hạng", "Trên tổng số"])
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def docx_text(content: bytes) -> str:
    from docx import Document

    return "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)


YEAR_OVER_YEAR = (
    "Xếp thứ 3/3, 59,08 điểm, xếp loại Trung bình; so với năm 2024: Chỉ số giảm 24,18 điểm "
    "(từ 83,26 xuống 59,08), xếp loại từ Tốt xuống Trung bình, năm 2024 xếp thứ 5/20 "
    "(khác nhóm xếp hạng, không so sánh thứ bậc)"
)


def test_year_over_year_shows_the_index_and_class_change_and_no_places_across_different_groups(
    tree, personas
):
    """2024: 5/20 among the district's communes, 83,26, Tốt; 2025: 3/3, 59,08, Trung bình. The old
    sentence said "tăng 2 bậc" (5 → 3 of groups of different size) while the index fell 24,18 and the
    class dropped two bands. The sentence reads the same on the unit page, the public page and in the
    remediation plan (.docx, always Vietnamese), and the ranking .xlsx and the API give no place change."""
    from parindex.remediation import actions as remediation
    from parindex.results.history import import_results

    import_results(history_xlsx([[2024, "A1", "83.26", "100", "Tốt", 5, 20]]))
    fw = make_framework(tree["P"])
    rnd = make_round(
        fw,
        tree["P"],
        [tree["A1"], tree["A2"], tree["B1"]],
        year=2025,
        self_points={"A1": [25, 20, "9.08", 5], "A2": [25, 25, 25, 20], "B1": [25, 25, 20, 20]},
    )
    appraiser, manager = personas["appraiser_province"], personas["province_manager"]
    for sheet in rnd.assessments.all():
        appraisal.complete_round(
            sheet=appraisal.start_appraisal(assessment=sheet, by=appraiser), by=appraiser
        )
    pub = publish(rnd, manager)
    result = UnitResult.objects.get(publication=pub, unit=tree["A1"])
    assert (result.rank, result.rank_of, result.previous_rank, result.previous_rank_of) == (3, 3, 5, 20)

    c = client_for(personas["officer_a1"])
    for html in (
        c.get(reverse("results:unit", args=[tree["A1"].pk])).content.decode(),
        Client().get(reverse("results:public_unit", args=[tree["A1"].code])).content.decode(),
    ):
        sentence = html.split('data-testid="sentence">')[1].split("</p>")[0]
        assert " ".join(sentence.split()) == YEAR_OVER_YEAR

    # The remediation plan prints the sentence in Vietnamese, even for a user reading the site in English.
    plan = remediation.generate_plan(result=result, by=personas["officer_a1"])
    c.cookies["django_language"] = "en"
    assert "Ranked" in c.get(reverse("results:unit", args=[tree["A1"].pk])).content.decode()
    docx = c.get(reverse("remediation:plan_download", args=[plan.pk, "plan", "docx"])).content
    assert YEAR_OVER_YEAR in docx_text(docx)

    ws = load_workbook(
        io.BytesIO(c.get(reverse("results:group", args=[pub.pk, result.peer_key]) + "?format=xlsx").content)
    ).active
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    head = next(r for r in rows if "Unit code" in r)
    assert next(r for r in rows if "A1" in r)[head.index("Change in rank")] is None

    api = {r["unit_code"]: r for r in c.get("/api/v1/results", {"year": 2025}).json()["items"]}["A1"]
    assert (api["rank_change"], api["previous_rank"], api["previous_rank_of"]) == (None, 5, 20)
    assert D(api["previous_index_percent"]) == D("83.26") and api["previous_class_label"] == "Tốt"
    assert D(api["index_change"]) == D("-24.18")


# --- Defect 7: what "điểm" means ----------------------------------------------------------------


def _publish_with_not_applicable(tree, personas, fw, year):
    """A1 leaves 2.2 not applicable (max 75) and scores 74,5: total 74,5 beside an index of 99,33 %."""
    rnd = make_round(
        fw,
        tree["P"],
        [tree["A1"], tree["A2"]],
        year=year,
        self_points={"A1": [25, 25, "24.5", "na"], "A2": [25, 20, 20, 20]},
    )
    appraiser = personas["appraiser_province"]
    for sheet in rnd.assessments.all():
        appraisal.complete_round(
            sheet=appraisal.start_appraisal(assessment=sheet, by=appraiser), by=appraiser
        )
    pub = publish(rnd, personas["province_manager"])
    return pub, UnitResult.objects.get(publication=pub, unit=tree["A1"])


def test_the_published_points_are_a_framework_setting_and_both_figures_are_labelled(tree, personas):
    """With a not-applicable leaf the total (74,5 of 75) and the index (99,33) differ. By default (as the
    seeds' decisions) "điểm" is the total points, and the index is named beside it; a framework set to
    "index on a scale of 100" on its edit page publishes 99,33 điểm with the total named beside it."""
    manager = personas["province_manager"]
    fw = make_framework(tree["P"])
    assert fw.published_points == "total"
    pub, result = _publish_with_not_applicable(tree, personas, fw, 2024)
    c = client_for(personas["officer_a1"])

    def sentence_of(unit_page: str) -> str:
        return " ".join(unit_page.split('data-testid="sentence">')[1].split("</p>")[0].split())

    expected = "Xếp thứ 1/2, 74,5 điểm (tổng điểm, tối đa 75; Chỉ số CCHC 99,33%), xếp loại Xuất sắc"
    assert sentence_of(c.get(reverse("results:unit", args=[tree["A1"].pk])).content.decode()) == expected
    assert sentence_of(Client().get(reverse("results:public_unit", args=["A1"])).content.decode()) == expected
    api = {r["unit_code"]: r for r in c.get("/api/v1/results", {"year": 2024}).json()["items"]}["A1"]
    assert api["sentence"] == expected and api["published_points"] == "total"
    assert (D(api["total"]), D(api["published_figure"])) == (D("74.5"), D("74.5"))
    ws = load_workbook(
        io.BytesIO(c.get(reverse("results:group", args=[pub.pk, result.peer_key]) + "?format=xlsx").content)
    ).active
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    head = next(r for r in rows if "Mã đơn vị" in r)
    a1 = next(r for r in rows if "A1" in r)
    assert a1[head.index("Tổng điểm (điểm công bố)")] == 74.5
    assert round(a1[head.index("Chỉ số (%)")], 2) == 99.33

    # The edit page of the framework offers the setting; the .xlsx and YAML formats carry it.
    edit = reverse("frameworks:edit", args=[fw.pk])
    page = client_for(manager)
    assert 'name="published_points"' in page.get(edit).content.decode()
    response = page.post(
        edit,
        {
            "name": fw.name,
            "decision_number": "",
            "decision_date": "",
            "issuing_body": "",
            "unit_kinds": ["commune"],
            "valid_from_year": 2020,
            "valid_to_year": 2030,
            "max_total": "100",
            "tie_policy": "competition",
            "published_points": "index",
            "bonus_cap": "2",
            "penalty_cap": "2",
            "description": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    fw.refresh_from_db()
    assert fw.published_points == "index"
    yaml_text = page.get(reverse("frameworks:download", args=[fw.pk, "yaml"])).content.decode()
    assert "published_points: index" in yaml_text
    from parindex.frameworks.transfer import read_xlsx, read_yaml

    assert read_yaml(yaml_text.encode()).published_points == "index"
    xlsx_bytes = page.get(reverse("frameworks:download", args=[fw.pk, "xlsx"])).content
    assert read_xlsx(xlsx_bytes).published_points == "index"

    pub, result = _publish_with_not_applicable(tree, personas, fw, 2025)
    assert result.publication.published_points == "index"
    html = c.get(reverse("results:unit", args=[tree["A1"].pk])).content.decode()
    assert sentence_of(html).startswith(
        "Xếp thứ 1/2, 99,33 điểm (Chỉ số CCHC, thang điểm 100; tổng điểm 74,5/75), xếp loại Xuất sắc; "
    )
    ws = load_workbook(
        io.BytesIO(c.get(reverse("results:group", args=[pub.pk, result.peer_key]) + "?format=xlsx").content)
    ).active
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    head = next(r for r in rows if "Mã đơn vị" in r)
    assert "Chỉ số (%) (điểm công bố)" in head and "Tổng điểm" in head
    # The earlier table keeps what it published.
    assert UnitResult.objects.get(year=2024, unit=tree["A1"]).published_figure == D("74.5")
