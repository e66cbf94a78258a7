"""Plans and tasks through the API: create and edit a plan, add and edit tasks, progress —
the plans app's actions with the plan page's checks and messages."""

from __future__ import annotations

import datetime as dt

from parindex.plans.models import Plan, PlanTask


def send(client, method, path, body):
    return client.call(method, path, data=body, content_type="application/json")


def test_an_officer_creates_a_plan_adds_a_task_and_reports_progress(caller, world):
    tree = world["tree"]
    officer = caller("officer_a1")
    created = send(
        officer,
        "post",
        "plans",
        {
            "unit_id": tree["A1"].pk,
            "year": 2025,
            "title": "Kế hoạch CCHC năm 2025",
            "number": "19/KH-UBND",
            "document_date": "2025-01-15",
        },
    )
    assert created.status_code == 201, created.content
    plan = Plan.objects.get(pk=created.json()["id"])
    assert (plan.unit, plan.year, plan.number, plan.status) == (tree["A1"], 2025, "19/KH-UBND", "draft")
    assert plan.created_by == world["personas"]["officer_a1"]
    assert created.json()["counts"]["planned"] == 0

    area = plan.framework.criteria.filter(depth=1).order_by("sort_key").first()
    leaf = plan.framework.criteria.filter(is_leaf=True, area=area).order_by("sort_key").first()
    added = send(
        officer,
        "post",
        f"plans/{plan.pk}/tasks",
        {
            "content": "Rà soát, đơn giản hoá thủ tục hành chính",
            "area_id": area.pk,
            "criteria_ids": [leaf.pk],
            "lead_unit_id": tree["A1"].pk,
            "lead_official_id": world["personas"]["officer_a1"].pk,
            "coordinating_unit_ids": [tree["DA"].pk],
            "start_date": "2025-02-01",
            "due_date": "2025-06-30",
        },
    )
    assert added.status_code == 201, added.content
    task = PlanTask.objects.get(pk=added.json()["id"])
    assert task.order == 1 and task.area == area and list(task.criteria.all()) == [leaf]
    assert list(task.coordinating_units.all()) == [tree["DA"]]
    assert added.json()["criteria_ids"] == [leaf.pk]

    progress = send(officer, "patch", f"tasks/{task.pk}", {"status": "in_progress"})
    assert progress.status_code == 200, progress.content
    edited = send(
        officer, "patch", f"tasks/{task.pk}", {"due_date": "2025-09-30", "expected_output": "Quyết định"}
    )
    assert edited.status_code == 200, edited.content
    task.refresh_from_db()
    assert (task.status, task.due_date, task.expected_output) == (
        "in_progress",
        dt.date(2025, 9, 30),
        "Quyết định",
    )
    assert list(task.criteria.all()) == [leaf]  # fields not sent keep their value
    listed = officer.get("tasks", data={"plan_id": plan.pk}).json()["items"]
    assert [(t["id"], t["status"], t["due_date"]) for t in listed] == [(task.pk, "in_progress", "2025-09-30")]

    approved = send(caller("head_a1"), "patch", f"plans/{plan.pk}", {"status": "approved"})
    assert approved.status_code == 200, approved.content
    assert officer.get(f"plans/{plan.pk}").json()["status"] == "approved"
    assert officer.get(f"plans/{plan.pk}").json()["counts"]["planned"] == 1


def test_the_lead_official_only_reports_progress(api_as, world):
    task = world["task"]["A1"]
    task.lead_official = world["personas"]["district_manager_a"]
    task.save()
    lead = api_as("district_manager_a")
    assert send(lead, "patch", f"tasks/{task.pk}", {"status": "in_progress"}).status_code == 200
    refused = send(lead, "patch", f"tasks/{task.pk}", {"content": "Việc khác"})
    assert refused.status_code == 403
    task.refresh_from_db()
    assert (task.status, task.content) == ("in_progress", "Rà soát thủ tục hành chính")


def test_another_units_official_gets_404_and_an_onlooker_403(api_as, world):
    tree = world["tree"]
    body = {"unit_id": tree["A1"].pk, "year": 2025}
    assert send(api_as("officer_b1"), "post", "plans", body).status_code == 404
    onlooker = send(api_as("viewer_province"), "post", "plans", body)
    assert onlooker.status_code == 403
    assert not Plan.objects.filter(year=2025).exists()
    task, plan = world["task"]["A1"], world["plan"]["A1"]
    assert (
        send(api_as("officer_b1"), "patch", f"tasks/{task.pk}", {"status": "in_progress"}).status_code == 404
    )
    assert (
        send(api_as("district_manager_a"), "patch", f"tasks/{task.pk}", {"status": "in_progress"}).status_code
        == 403
    )
    assert send(api_as("officer_b1"), "post", f"plans/{plan.pk}/tasks", {"content": "x"}).status_code == 404
    assert (
        send(api_as("province_manager"), "post", f"plans/{plan.pk}/tasks", {"content": "x"}).status_code
        == 403
    )
    # approving is for the unit head
    officer = send(api_as("officer_a1"), "patch", f"plans/{plan.pk}", {"status": "approved"})
    assert officer.status_code == 403
    assert officer.json()["detail"] == "Chỉ thủ trưởng đơn vị được phê duyệt hoặc kết thúc kế hoạch."
    assert PlanTask.objects.filter(plan=plan).count() == 1


def test_bad_payloads_answer_422_in_vietnamese_and_write_nothing(api_as, world):
    api = api_as("officer_a1")
    plan = world["plan"]["A1"]
    assert send(api, "post", "plans", {"unit_id": world["tree"]["A1"].pk, "year": 1999}).status_code == 422
    dates = send(
        api,
        "post",
        f"plans/{plan.pk}/tasks",
        {"content": "Số hoá hồ sơ", "start_date": "2024-05-01", "due_date": "2024-04-01"},
    )
    assert dates.status_code == 422
    assert dates.json()["detail"] == "Hạn hoàn thành không được trước ngày bắt đầu."
    foreign = send(
        api,
        "post",
        f"plans/{plan.pk}/tasks",
        {"content": "Số hoá hồ sơ", "lead_unit_id": world["tree"]["B1"].pk},
    )
    assert foreign.status_code == 422
    assert foreign.json()["detail"].startswith("Hãy chọn một lựa chọn hợp lệ.")
    blank = send(api, "post", f"plans/{plan.pk}/tasks", {"content": "   "})
    assert blank.status_code == 422
    assert send(api, "post", f"plans/{plan.pk}/tasks", {"content": ""}).status_code == 422
    # An empty change is schema-valid: it changes nothing and answers 200 (issue 24, finding 9).
    nothing = send(api, "patch", f"tasks/{world['task']['A1'].pk}", {})
    assert nothing.status_code == 200
    assert nothing.json()["content"] == "Rà soát thủ tục hành chính"
    done = send(api, "patch", f"tasks/{world['task']['A1'].pk}", {"status": "done"})
    assert done.status_code == 422
    assert PlanTask.objects.filter(plan=plan).count() == 1


def test_a_second_plan_of_the_year_and_changes_to_a_closed_plan_answer_409(api_as, world):
    head = api_as("head_a1")
    plan, task = world["plan"]["A1"], world["task"]["A1"]
    twice = send(head, "post", "plans", {"unit_id": world["tree"]["A1"].pk, "year": 2024})
    assert twice.status_code == 409
    assert twice.json()["detail"] == "Đơn vị này đã có kế hoạch của năm này."
    assert send(head, "patch", f"plans/{plan.pk}", {"status": "closed"}).status_code == 200
    for response in (
        send(head, "post", f"plans/{plan.pk}/tasks", {"content": "Việc mới"}),
        send(head, "patch", f"tasks/{task.pk}", {"status": "in_progress"}),
        send(head, "patch", f"plans/{plan.pk}", {"title": "Tên khác"}),
    ):
        assert response.status_code == 409, response.content
        assert response.json()["detail"] == "Kế hoạch đã kết thúc; không thể thay đổi nữa."
    english = send(api_as("head_a1", language="en"), "post", f"plans/{plan.pk}/tasks", {"content": "x"})
    assert english.json()["detail"] == "This plan is closed; it can no longer be changed."
    assert PlanTask.objects.filter(plan=plan).count() == 1


def test_a_session_write_without_the_csrf_token_is_refused(world, personas):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(personas["officer_a1"])
    body = {"unit_id": world["tree"]["A1"].pk, "year": 2025}
    refused = client.post("/api/v1/plans", body, content_type="application/json")
    assert refused.status_code == 403
    assert not Plan.objects.filter(year=2025).exists()
