"""Issue 17, defect 11: the general plan and the plan's appendices follow the framework's order of
areas and criteria — never the alphabetical order of the area titles."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.urls import reverse

from tests.appraisals.helpers import make_framework, make_round
from tests.remediation.conftest import approved, publish_round

AREAS = {  # framework order 1, 2, 3; alphabetically 3, 1, 2
    "1": "Công tác chỉ đạo, điều hành cải cách hành chính",
    "2": "Xây dựng và tổ chức thực hiện văn bản quy phạm pháp luật",
    "3": "Cải cách thủ tục hành chính",
}


@pytest.fixture
def ordered_plan(db, tree, personas):
    """A1: 1.1 at max, 1.2 not applicable, 2.1 and 3.1 below max (self-deducted), 2.2 and 3.2 at max."""
    from parindex.appraisals.models import AppraiserAssignment
    from parindex.frameworks.models import Criterion
    from parindex.remediation import actions
    from parindex.results.models import UnitResult

    fw = make_framework(tree["P"], areas=3)
    for code, title in AREAS.items():
        Criterion.objects.filter(framework=fw, code=code).update(title=title)
    rnd = make_round(fw, tree["DA"], [tree["A1"]], self_points={"A1": [25, "na", 20, 25, 15, 25]}, year=2024)
    AppraiserAssignment.objects.create(round=rnd, appraiser=personas["appraiser_province"], unit=tree["A1"])
    pub = publish_round(rnd, personas["appraiser_province"], personas["district_manager_a"])
    result = UnitResult.objects.get(publication=pub, unit=tree["A1"])
    plan = actions.generate_plan(result=result, by=personas["officer_a1"])
    # A criterion added by hand after generation belongs to area 1, not after area 3.
    actions.add_item(
        plan, by=personas["officer_a1"], criterion=Criterion.objects.get(framework=fw, code="1.2")
    )
    return {"plan": plan, "published": {**personas, **tree}}


def _area_column(content: bytes, sheet: str) -> list[str]:
    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(content))[sheet].iter_rows(min_row=3, values_only=True))
    column = list(rows[0]).index("Lĩnh vực")
    return [row[column] for row in rows[1:]]


def _docx_text(content: bytes) -> str:
    from docx import Document

    document = Document(io.BytesIO(content))
    return "\n".join("\t".join(cell.text for cell in row.cells) for t in document.tables for row in t.rows)


def _first(text: str, *needles: str) -> list[int]:
    return [text.index(n) for n in needles]


def test_general_plan_docx_and_xlsx_list_areas_in_framework_order(client, ordered_plan):
    plan, published = ordered_plan["plan"], ordered_plan["published"]
    approved(plan, published)
    client.force_login(published["district_manager_a"])
    url = reverse("remediation:compilation") + "?year=2025"

    xlsx = client.get(url + "&format=general-xlsx").content
    phu_luc_ii = [a for a in _area_column(xlsx, "Phụ lục II")]
    assert phu_luc_ii == [AREAS["1"], AREAS["2"], AREAS["3"]]
    phu_luc_i = _area_column(xlsx, "Phụ lục I")
    assert phu_luc_i == [AREAS["1"], AREAS["2"], AREAS["3"]]

    text = _docx_text(client.get(url + "&format=general-docx").content)
    for needles in ((f"I\t{AREAS['1']}", f"II\t{AREAS['2']}", f"III\t{AREAS['3']}"),):
        positions = _first(text, *needles)
        assert positions == sorted(positions)
    assert f"I\t{AREAS['3']}" not in text.replace(f"III\t{AREAS['3']}", "")

    page = client.get(url).content.decode()
    assert page.index(AREAS["1"]) < page.index(AREAS["2"]) < page.index(AREAS["3"])


def test_a_criterion_added_by_hand_sits_in_its_area_in_the_plans_appendix(client, ordered_plan):
    plan, published = ordered_plan["plan"], ordered_plan["published"]
    client.force_login(published["officer_a1"])
    xlsx = client.get(reverse("remediation:plan_download", args=[plan.pk, "plan", "xlsx"])).content
    assert _area_column(xlsx, "Phụ lục II") == [AREAS["1"], AREAS["2"], AREAS["3"]]
    docx = _docx_text(
        client.get(reverse("remediation:plan_download", args=[plan.pk, "plan", "docx"])).content
    )
    headings = [line.split("\t")[:2] for line in docx.splitlines() if line.split("\t")[1:2] == [AREAS["1"]]]
    assert headings == [["I", AREAS["1"]], ["I", AREAS["1"]]]  # one heading in Phụ lục I, one in Phụ lục II
    assert zipfile.is_zipfile(io.BytesIO(xlsx))
