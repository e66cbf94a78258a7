"""Through the pages: a task marked done with evidence shows on the score sheet (evidence and rate)."""

import re

import pytest
from django.urls import reverse

from tests.plans.conftest import pdf_upload

pytestmark = pytest.mark.django_db


def _leaf_html(body: str, code: str) -> str:
    start = body.index(f'data-testid="leaf-{code}"')
    nxt = re.compile(r'data-testid="leaf-\d').search(body, start + 10)
    return body[start: nxt.start() if nxt else len(body)]


def test_task_done_with_evidence_shows_on_the_linked_leaf_and_updates_the_rate(
    client, officer_a1, plan_a1, tasks_a1, sheet_a1
):
    client.force_login(officer_a1)
    task = tasks_a1[2]  # linked to leaf 2.2
    response = client.post(reverse("plans:task_done", args=[task.pk]), {
        "completion_date": "2023-09-20", "file": pdf_upload(), "short_name": "QD cong nhan sang kien",
    })
    assert response.status_code == 302
    response = client.post(reverse("plans:task_attach", args=[task.pk]), follow=True)
    assert "liên kết mới" in response.content.decode()
    name = task.evidence.get().generated_name

    sheet = client.get(reverse("assessments:sheet", args=[sheet_a1.pk])).content.decode()
    assert name in _leaf_html(sheet, "2.2")
    leaf = _leaf_html(sheet, "1.2")
    # The plan-fed leaf shows the plan's numbers read-only, marked as coming from the plan.
    assert "Tự động từ Kế hoạch CCHC" in leaf
    assert re.search(r'data-testid="fed-input">Số đã thực hiện: <strong>3</strong>', leaf)
    assert re.search(r'data-testid="fed-input">Tổng số: <strong>4</strong>', leaf)
    assert 'name="in_numerator"' not in leaf
    assert "3,75" in leaf  # 5 × 3/4 points
