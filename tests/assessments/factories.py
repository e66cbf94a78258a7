"""Small frameworks and rounds built directly with the ORM for the assessments tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from parindex.frameworks.models import Criterion, Framework

M = Criterion.Method

LEVELS = {
    "levels": [
        {"key": "day-du", "label": "Đầy đủ", "percent": "100"},
        {"key": "chua-day-du", "label": "Chưa đầy đủ", "percent": "50"},
        {"key": "khong", "label": "Không thực hiện", "percent": "0"},
    ]
}


def make_framework(
    owner, *, extra_leaves: int = 0, kinds=("commune",), name="Bộ chỉ số CCHC cấp xã"
) -> Framework:
    """Two areas: 1 (binary, levels, ratio) and 2 (count, deduction N/A-able, manual, survey).

    ``extra_leaves`` adds that many manual leaves to area 1 (query-count tests).
    """
    framework = Framework.objects.create(
        name=name,
        decision_number="1325/QĐ-UBND",
        unit_kinds=list(kinds),
        valid_from_year=2023,
        valid_to_year=2025,
        owner_unit=owner,
    )

    def add(code, title, max_points, parent=None, method="", params=None, **extra):
        return Criterion.objects.create(
            framework=framework,
            parent=parent,
            code=code,
            title=title,
            max_points=Decimal(max_points),
            method=method,
            params=params or {},
            order=len(code) * 100 + int(code.split(".")[-1]),
            rule_text=f"Cách tính điểm của tiêu chí {code}",
            **extra,
        )

    a1 = add("1", "Công tác chỉ đạo, điều hành CCHC", 10 + extra_leaves)
    add("1.1", "Ban hành kế hoạch CCHC năm", 2, a1, M.BINARY)
    add("1.2", "Báo cáo CCHC định kỳ", 3, a1, M.LEVELS, LEVELS)
    add("1.3", "Mức độ hoàn thành kế hoạch CCHC", 5, a1, M.RATIO, {"mode": "linear"})
    for i in range(extra_leaves):
        add(f"1.{4 + i}", f"Tiêu chí bổ sung {i + 1}", 1, a1, M.MANUAL, {"step": "0.25"})
    a2 = add("2", "Cải cách thủ tục hành chính", 10)
    add("2.1", "Sáng kiến cải cách", 3, a2, M.COUNT, {"per_item": "1"})
    add(
        "2.2",
        "Vi phạm quy định công khai TTHC",
        2,
        a2,
        M.DEDUCTION,
        {"per_violation": "0.5"},
        allow_not_applicable=True,
    )
    add("2.3", "Chấm điểm thủ công", 2, a2, M.MANUAL, {"step": "0.25"})
    add("2.4", "Mức độ hài lòng (SIPAS)", 3, a2, M.SURVEY, {}, source=Criterion.Source.SURVEY)
    framework.rebuild_tree()
    return framework


def deadline(days: int = 7) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=days)


def open_test_round(
    framework, manager, owner, *, units=None, days: int = 7, previous=None, name="Tự chấm điểm lần 1 năm 2023"
):
    from parindex.assessments.actions import open_round

    return open_round(
        by=manager,
        framework=framework,
        owner_unit=owner,
        name=name,
        year=2023,
        self_deadline=deadline(days),
        units=units,
        previous=previous,
    )


def score_of(sheet, code):
    return sheet.scores.select_related("criterion").get(criterion__code=code)


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"0" * 200
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    + b"\x00" * 64
)
