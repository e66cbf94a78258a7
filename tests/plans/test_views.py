"""Screens: permission matrix, steps through the views, roll-up, home panel, query-count guards."""

import datetime as dt
import io

import pytest
from django.urls import reverse

from parindex.plans.models import Plan, PlanTask
from tests.plans.conftest import D, add_task, crit, pdf_upload

pytestmark = pytest.mark.django_db


# persona → expected status on A1's plan pages (read, write)
MATRIX = {
    "officer_a1": (200, 200),  # own unit
    "head_a1": (200, 200),  # own unit
    "officer_a2": (404, 404),  # another unit
    "officer_b1": (404, 404),  # another district
    "district_manager_a": (200, 403),  # oversees the subtree: reads, does not write
    "province_manager": (200, 403),
    "appraiser_province": (200, 403),
    "viewer_province": (404, 404),  # steering committee: no unpublished unit data
    "admin_user": (200, 200),
}


@pytest.mark.parametrize("persona", MATRIX)
def test_permission_matrix_of_plan_pages(client, personas, persona, plan_a1, tasks_a1):
    read, write = MATRIX[persona]
    client.force_login(personas[persona])
    task = tasks_a1[3]
    for name, args in [
        ("plans:detail", [plan_a1.pk]),
        ("plans:export_xlsx", [plan_a1.pk]),
        ("plans:export_docx", [plan_a1.pk]),
    ]:
        assert client.get(reverse(name, args=args)).status_code == read, name
    for name, args in [
        ("plans:edit", [plan_a1.pk]),
        ("plans:task_create", [plan_a1.pk]),
        ("plans:import", [plan_a1.pk]),
        ("plans:task_edit", [task.pk]),
        ("plans:task_done", [task.pk]),
        ("plans:task_cancel", [task.pk]),
    ]:
        assert client.get(reverse(name, args=args)).status_code == write, name
    assert client.post(reverse("plans:task_attach", args=[task.pk])).status_code in (
        (302,) if write == 200 else (write,)
    )


@pytest.mark.parametrize("persona", MATRIX)
def test_plan_list_shows_only_visible_plans(client, personas, persona, plan_a1, tree):
    Plan.objects.create(unit=tree["B1"], year=2023, title="Kế hoạch của Quang Thuận")
    client.force_login(personas[persona])
    body = client.get(reverse("plans:list") + "?year=2023").content.decode()
    assert ("Kế hoạch cải cách hành chính năm 2023" in body) == (MATRIX[persona][0] == 200)
    assert ("Kế hoạch của Quang Thuận" in body) == (
        persona in ("officer_b1", "province_manager", "appraiser_province", "admin_user")
    )


def test_rollup_is_for_those_who_oversee_units(client, officer_a1, district_manager_a, tasks_a1, tree):
    client.force_login(officer_a1)
    assert client.get(reverse("plans:rollup")).status_code == 404
    client.force_login(district_manager_a)
    response = client.get(reverse("plans:rollup") + "?year=2023")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Xã Yên Thượng" in body and "Xã Quang Thuận" not in body
    assert "50%" in body
    xlsx = client.get(reverse("plans:rollup") + "?year=2023&format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_rollup_of_another_subtree_answers_404(client, district_manager_a, tree):
    client.force_login(district_manager_a)
    assert client.get(reverse("plans:rollup") + f"?unit={tree['DB'].pk}").status_code == 404


def test_officer_creates_a_plan_and_adds_a_task_through_the_pages(client, officer_a1, tree, framework):
    client.force_login(officer_a1)
    response = client.post(
        reverse("plans:create"),
        {
            "unit": tree["A1"].pk,
            "year": 2024,
            "title": "",
            "number": "05/KH-UBND",
            "document_date": "2024-01-10",
            "parent_plan": "",
            "status": "draft",
        },
    )
    plan = Plan.objects.get(unit=tree["A1"], year=2024)
    assert response.status_code == 302 and plan.framework == framework
    response = client.post(
        reverse("plans:task_create", args=[plan.pk]),
        {
            "order": "",
            "area": crit(framework, "1").pk,
            "content": "Ban hành kế hoạch",
            "due_date": "2024-01-31",
            "criteria": [crit(framework, "1.1").pk],
            "status": "not_started",
        },
    )
    assert response.status_code == 302
    assert plan.tasks.get().criteria.get().code == "1.1"


def test_officer_cannot_approve_through_the_form(client, officer_a1, tree, framework):
    client.force_login(officer_a1)
    response = client.post(
        reverse("plans:create"), {"unit": tree["A1"].pk, "year": 2024, "status": "approved"}
    )
    assert response.status_code == 403


def test_officer_cannot_pick_another_unit_in_the_create_form(client, officer_a1, tree):
    client.force_login(officer_a1)
    response = client.post(reverse("plans:create"), {"unit": tree["A2"].pk, "year": 2024, "status": "draft"})
    assert response.status_code == 200
    assert not Plan.objects.filter(unit=tree["A2"]).exists()


def test_mark_done_page_uploads_evidence_and_shows_it(client, officer_a1, tasks_a1, plan_a1):
    client.force_login(officer_a1)
    task = tasks_a1[3]
    response = client.post(
        reverse("plans:task_done", args=[task.pk]),
        {
            "completion_date": "2023-08-20",
            "result_note": "Đã thực hiện",
            "file": pdf_upload(),
            "short_name": "Bao cao ket qua",
        },
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == PlanTask.Status.DONE and task.evidence.count() == 1
    page = client.get(reverse("plans:detail", args=[plan_a1.pk])).content.decode()
    assert task.evidence.get().generated_name in page
    assert "75%" in page  # 3 of 4


def test_mark_done_without_short_name_for_the_upload_is_refused_in_vietnamese(client, officer_a1, tasks_a1):
    client.force_login(officer_a1)
    response = client.post(
        reverse("plans:task_done", args=[tasks_a1[3].pk]),
        {
            "completion_date": "2023-08-20",
            "file": pdf_upload(),
        },
    )
    assert "Hãy đặt tên ngắn gọn cho tài liệu tải lên." in response.content.decode()


def test_cancel_page_requires_a_reason(client, officer_a1, tasks_a1):
    client.force_login(officer_a1)
    response = client.post(reverse("plans:task_cancel", args=[tasks_a1[3].pk]), {"reason": ""})
    assert response.status_code == 200
    assert PlanTask.objects.get(pk=tasks_a1[3].pk).status == PlanTask.Status.NOT_STARTED


def test_empty_plan_shows_an_undefined_rate(client, officer_a1, plan_a1):
    client.force_login(officer_a1)
    body = client.get(reverse("plans:detail", args=[plan_a1.pk])).content.decode()
    assert 'data-testid="plan-rate">—<' in body
    assert "chưa xác định được tỷ lệ hoàn thành" in body


def test_home_panel_lists_overdue_due_soon_and_missing_evidence(client, officer_a1, plan_a1, tasks_a1):
    today = dt.date.today()
    add_task(plan_a1, 6, due=today + dt.timedelta(days=3))
    client.force_login(officer_a1)
    body = client.get(reverse("home")).content.decode()
    assert 'data-testid="my-plan-tasks"' in body
    assert body.count('data-kind="overdue"') == 1  # task 3, due 30/09/2023
    assert body.count('data-kind="due-soon"') == 2  # task 4 (in 5 days) and task 6
    assert body.count('data-kind="missing-evidence"') == 2  # tasks 1 and 2, done without evidence


def test_home_panel_is_absent_for_someone_with_nothing_to_do(client, officer_b1):
    client.force_login(officer_b1)
    assert 'data-testid="my-plan-tasks"' not in client.get(reverse("home")).content.decode()


def test_assign_page_gives_the_task_to_communes(client, tree, framework):
    from parindex.units.models import Membership
    from tests.conftest import make_user

    officer = make_user("canbo.da", "Đỗ Văn Khoa", [(tree["DA"], Membership.Role.UNIT_OFFICER)])
    plan = Plan.objects.create(unit=tree["DA"], year=2023, framework=framework, status=Plan.Status.APPROVED)
    task = add_task(plan, 1, due=D(2023, 11, 30))
    client.force_login(officer)
    response = client.post(
        reverse("plans:task_assign", args=[task.pk]), {"units": [tree["A1"].pk, tree["A2"].pk]}
    )
    assert response.status_code == 302
    assert task.child_tasks.count() == 2
    body = client.get(reverse("plans:detail", args=[plan.pk])).content.decode()
    assert "(0/2)" in body


# --- query-count guards ----------------------------------------------------------------------


def _many_tasks(plan, framework, n):
    for i in range(n):
        task = add_task(
            plan,
            100 + i,
            area=crit(framework, "1" if i % 2 else "2"),
            status=PlanTask.Status.DONE if i % 3 == 0 else PlanTask.Status.IN_PROGRESS,
            done_on=D(2023, 5, 1) if i % 3 == 0 else None,
            due=D(2023, 6, 1),
            criteria=[crit(framework, "1.1")],
        )
        task.coordinating_units.set([plan.unit])


def _count_queries(client, url, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", ["plans:detail", "plans:export_xlsx", "plans:export_docx"])
def test_plan_pages_do_not_grow_queries_with_tasks(
    client, officer_a1, plan_a1, framework, name, django_assert_max_num_queries
):
    client.force_login(officer_a1)
    url = reverse(name, args=[plan_a1.pk])
    _many_tasks(plan_a1, framework, 3)
    small = _count_queries(client, url, django_assert_max_num_queries)
    _many_tasks(plan_a1, framework, 30)
    with django_assert_max_num_queries(small):
        client.get(url)


@pytest.mark.parametrize("name", ["plans:list", "plans:rollup"])
def test_lists_do_not_grow_queries_with_units(
    client, district_manager_a, tree, framework, name, django_assert_max_num_queries
):
    from parindex.units.models import Unit

    client.force_login(district_manager_a)
    url = reverse(name) + "?year=2023"
    plan = Plan.objects.create(unit=tree["A1"], year=2023, framework=framework)
    _many_tasks(plan, framework, 3)
    small = _count_queries(client, url, django_assert_max_num_queries)
    for i in range(10):
        unit = Unit.objects.create(
            code=f"AX{i}", name=f"Xã Thử {i}", kind=Unit.Kind.COMMUNE, parent=tree["DA"]
        )
        _many_tasks(Plan.objects.create(unit=unit, year=2023, framework=framework), framework, 3)
    with django_assert_max_num_queries(small):
        client.get(url)


def test_home_panel_queries_do_not_grow(
    client, officer_a1, plan_a1, framework, django_assert_max_num_queries
):
    client.force_login(officer_a1)
    _many_tasks(plan_a1, framework, 3)
    small = _count_queries(client, reverse("home"), django_assert_max_num_queries)
    _many_tasks(plan_a1, framework, 20)
    with django_assert_max_num_queries(small):
        client.get(reverse("home"))


def test_plan_list_of_one_unit_shows_every_year(client, officer_a1, plan_a1, tree, framework):
    Plan.objects.create(unit=tree["A1"], year=2024, number="07/KH-UBND")
    client.force_login(officer_a1)
    body = client.get(reverse("plans:list") + f"?unit={tree['A1'].pk}").content.decode()
    assert "19/KH-UBND" in body and "07/KH-UBND" in body
    assert client.get(reverse("plans:list") + f"?unit={tree['B1'].pk}").status_code == 404


def test_commune_officers_read_the_issued_plan_of_their_district_but_not_its_draft(
    client, officer_a1, officer_b1, tree, framework
):
    district_plan = Plan.objects.create(
        unit=tree["DA"], year=2023, number="132/KH-UBND", status=Plan.Status.APPROVED
    )
    task = add_task(district_plan, 1)
    client.force_login(officer_a1)
    assert client.get(reverse("plans:detail", args=[district_plan.pk])).status_code == 200
    assert client.get(reverse("plans:task_edit", args=[task.pk])).status_code == 403  # reads, cannot write
    client.force_login(officer_b1)  # another district
    assert client.get(reverse("plans:detail", args=[district_plan.pk])).status_code == 404
    district_plan.status = Plan.Status.DRAFT
    district_plan.save()
    client.force_login(officer_a1)
    assert client.get(reverse("plans:detail", args=[district_plan.pk])).status_code == 404


def test_commune_officer_links_the_plan_to_the_district_plan_in_the_form(client, officer_a1, tree, framework):
    district_plan = Plan.objects.create(
        unit=tree["DA"], year=2024, number="132/KH-UBND", status=Plan.Status.APPROVED
    )
    client.force_login(officer_a1)
    response = client.post(
        reverse("plans:create"),
        {
            "unit": tree["A1"].pk,
            "year": 2024,
            "parent_plan": district_plan.pk,
            "status": "draft",
        },
    )
    assert response.status_code == 302
    assert Plan.objects.get(unit=tree["A1"], year=2024).parent_plan == district_plan


def test_commune_officer_sees_only_their_own_plan_and_task_progress_on_the_district_plan_page(
    client, officer_a1, district_manager_a, tree, framework
):
    """Issue 24, finding 8: the district's plan page listed every sibling commune's plan status
    ("Xã Bằng Lãng — Đã ban hành") and rolled sibling communes' task progress into "Assigned units"."""
    from openpyxl import load_workbook

    district_plan = Plan.objects.create(
        unit=tree["DA"], year=2023, number="132/KH-UBND", status=Plan.Status.APPROVED
    )
    district_task = add_task(district_plan, 1, due=D(2023, 11, 30))
    own = Plan.objects.create(unit=tree["A1"], year=2023, parent_plan=district_plan, status=Plan.Status.DRAFT)
    sibling = Plan.objects.create(
        unit=tree["A2"], year=2023, parent_plan=district_plan, status=Plan.Status.APPROVED
    )
    add_task(own, 1, parent_task=district_task, due=D(2023, 11, 30))
    add_task(
        sibling,
        1,
        parent_task=district_task,
        status=PlanTask.Status.DONE,
        due=D(2023, 11, 30),
        done_on=D(2023, 10, 1),
    )

    client.force_login(officer_a1)
    body = client.get(reverse("plans:detail", args=[district_plan.pk])).content.decode()
    assert tree["A1"].name in body
    assert tree["A2"].name not in body
    assert f"/plans/{sibling.pk}/" not in body
    assert "(0/1)" in body  # the roll-up counts the officer's own commune only
    sheet = load_workbook(
        io.BytesIO(client.get(reverse("plans:export_xlsx", args=[district_plan.pk])).content)
    ).active
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "0/1" in values and "1/2" not in values

    client.force_login(district_manager_a)  # the district oversees both communes
    body = client.get(reverse("plans:detail", args=[district_plan.pk])).content.decode()
    assert tree["A1"].name in body and tree["A2"].name in body
    assert "(1/2)" in body
