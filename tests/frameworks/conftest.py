"""Fixtures of the frameworks tests: a small valid framework as data, files built from it."""

from __future__ import annotations

import io
from decimal import Decimal as D
from pathlib import Path

import pytest

from parindex.frameworks.validation import BandData, CriterionData, FrameworkData

EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "parindex" / "frameworks" / "examples"


def small_data(**header) -> FrameworkData:
    """Two areas, 10 points in total, a leaf of every method."""
    data = FrameworkData(
        name="Bộ tiêu chí thử",
        decision_number="12/QĐ-UBND",
        unit_kinds=["commune"],
        valid_from_year=2024,
        valid_to_year=2025,
        max_total=D(10),
        bands=[BandData("Tốt", D(80)), BandData("Khá", D(50)), BandData("Yếu", D(0))],
    )
    for name, value in header.items():
        setattr(data, name, value)
    C = CriterionData
    data.criteria = [
        C("1", "Lĩnh vực một", D(6)),
        C("1.1", "Kế hoạch", D("2.5")),
        C("1.1.1", "Ban hành kế hoạch", D("0.5"), method="binary", rule_text="Có: 0,5 điểm"),
        C(
            "1.1.2",
            "Hoàn thành kế hoạch",
            D(2),
            method="ratio",
            params={
                "bands": [{"min_percent": 100, "percent": 100}, {"min_percent": 80, "percent": 50}],
                "feed": "plan_completion",
            },
        ),
        C("1.2", "Báo cáo", D("1.5"), method="deduction", params={"per_violation": "0.25"}),
        C("1.3", "Sáng kiến", D(1), method="count", params={"per_item": "0.5"}),
        C(
            "1.4",
            "Chất lượng",
            D(1),
            method="levels",
            params={"levels": [{"label": "Tốt", "percent": 100}, {"label": "Chưa tốt", "points": "0.25"}]},
            allow_not_applicable=True,
        ),
        C("2", "Lĩnh vực hai", D(4)),
        C("2.1", "Tự chấm", D(2), method="manual", params={"step": "0.25"}, lead_text="Văn phòng"),
        C("2.2", "Hài lòng", D(2), method="survey", source="survey", params={"instrument": "SIPAS"}),
    ]
    return data


@pytest.fixture
def data():
    return small_data()


def xlsx_bytes(data: FrameworkData) -> bytes:
    from parindex.frameworks.transfer import write_xlsx

    return write_xlsx(data)


def edit_xlsx(content: bytes, sheet: str, edits: dict) -> bytes:
    """Change cells ({"D4": value}) of a sheet and return the new file."""
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content))
    for ref, value in edits.items():
        workbook[sheet][ref] = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
