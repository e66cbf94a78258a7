"""Fixtures of the plans tests: a commune framework with a plan-fed ratio leaf, plans of A1/A2/DA."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from parindex.frameworks.models import Criterion, Framework
from parindex.plans.models import Plan, PlanTask

M = Criterion.Method
D = dt.date
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"0" * 200


def make_framework(owner, *, kinds=("commune",)) -> Framework:
    """Area 1: 1.1 binary, 1.2 ratio fed by the plan (max 5); area 2: 2.1 manual, 2.2 binary."""
    framework = Framework.objects.create(
        name="Bộ chỉ số CCHC cấp xã", decision_number="1325/QĐ-UBND", unit_kinds=list(kinds),
        valid_from_year=2023, valid_to_year=2025, owner_unit=owner,
    )

    def add(code, title, max_points, parent=None, method="", params=None):
        return Criterion.objects.create(
            framework=framework, parent=parent, code=code, title=title, max_points=Decimal(max_points),
            method=method, params=params or {}, order=int(code.split(".")[-1]),
        )

    a1 = add("1", "Công tác chỉ đạo, điều hành CCHC", 7)
    add("1.1", "Ban hành kế hoạch CCHC năm", 2, a1, M.BINARY)
    add("1.2", "Mức độ hoàn thành kế hoạch CCHC", 5, a1, M.RATIO, {"mode": "linear", "feed": "plan_completion"})
    a2 = add("2", "Cải cách thủ tục hành chính", 4)
    add("2.1", "Công khai thủ tục hành chính", 2, a2, M.MANUAL, {"step": "0.25"})
    add("2.2", "Sáng kiến cải cách", 2, a2, M.BINARY)
    framework.rebuild_tree()
    return framework


def crit(framework, code):
    return framework.criteria.get(code=code)


@pytest.fixture
def framework(tree):
    return make_framework(tree["P"])


@pytest.fixture
def plan_a1(framework, tree, head_a1):
    return Plan.objects.create(
        unit=tree["A1"], year=2023, number="19/KH-UBND", document_date=D(2023, 1, 18), framework=framework,
        status=Plan.Status.APPROVED, title="Kế hoạch cải cách hành chính năm 2023",
    )


def add_task(plan, order, *, area=None, status=PlanTask.Status.NOT_STARTED, due=None, done_on=None, reason="",
             criteria=(), **extra):
    task = PlanTask.objects.create(
        plan=plan, order=order, area=area, content=f"Nhiệm vụ {order}", status=status, due_date=due,
        completion_date=done_on, cancel_reason=reason, **extra,
    )
    task.criteria.set(list(criteria))
    return task


@pytest.fixture
def tasks_a1(plan_a1, framework):
    """5 tasks: 2 done (1 late), 1 overdue, 1 open in the future, 1 cancelled → 2/4 = 50 %."""
    area1, area2 = crit(framework, "1"), crit(framework, "2")
    S = PlanTask.Status
    future = timezone.localdate() + dt.timedelta(days=5)
    return [
        add_task(plan_a1, 1, area=area1, status=S.DONE, due=D(2023, 6, 30), done_on=D(2023, 6, 1),
                 criteria=[crit(framework, "1.1")]),
        add_task(plan_a1, 2, area=area1, status=S.DONE, due=D(2023, 6, 30), done_on=D(2023, 7, 15)),
        add_task(plan_a1, 3, area=area2, status=S.IN_PROGRESS, due=D(2023, 9, 30), criteria=[crit(framework, "2.2")]),
        add_task(plan_a1, 4, area=area2, due=future),
        add_task(plan_a1, 5, area_text="Nhiệm vụ khác", status=S.CANCELLED, reason="Huyện rút nhiệm vụ"),
    ]


@pytest.fixture
def round_a(framework, tree, district_manager_a):
    from parindex.assessments.actions import open_round

    return open_round(
        by=district_manager_a, framework=framework, owner_unit=tree["DA"], name="Tự chấm điểm lần 1 năm 2023",
        year=2023, self_deadline=timezone.now() + dt.timedelta(days=7),
    )


@pytest.fixture
def sheet_a1(round_a, tree):
    return round_a.assessments.get(unit=tree["A1"])


def score_of(sheet, code):
    return sheet.scores.select_related("criterion").get(criterion__code=code)


def pdf_upload(name="quyet-dinh.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")
