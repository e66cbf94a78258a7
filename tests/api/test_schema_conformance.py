"""The API answers what its OpenAPI schema says (issue 24, finding 9): JSON errors everywhere
under /api/v1/, every status code it returns documented, enum filters described by their own
values, schema-valid requests accepted. ``make api-fuzz`` checks the same with schemathesis."""

from __future__ import annotations

import pytest

from parindex.assessments.models import Round
from parindex.plans.models import Plan, PlanTask
from parindex.requests.models import Request


@pytest.fixture
def schema(api_as, world):
    return api_as("admin_user").get("openapi.json").json()


@pytest.mark.parametrize(
    "path", ["evidence/null,null", "units/-1", "tasks/1.5", "plans/abc/tasks", "no-such-thing"]
)
def test_a_path_id_that_is_not_a_whole_number_answers_the_json_404_not_an_html_page(api_as, world, path):
    response = api_as("officer_a1").get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"] == "Không tìm thấy."


@pytest.mark.parametrize(
    ("path", "choices"),
    [
        ("/api/v1/plans", Plan.Status),
        ("/api/v1/tasks", PlanTask.Status),
        ("/api/v1/rounds", Round.Status),
        ("/api/v1/requests", Request.Status),
    ],
)
def test_each_status_filter_is_described_by_its_own_values(api_as, schema, path, choices):
    """All the models' ``Status`` enums were one schema component, so the last one described
    every filter: ``GET /plans?status=cannot`` was schema-valid and answered 422."""
    parameter = next(p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == "status")
    ref = next(option["$ref"] for option in parameter["schema"]["anyOf"] if "$ref" in option)
    component = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert sorted(component["enum"]) == sorted(choices.values)
    for value in choices.values:
        assert api_as("admin_user").get(f"{path}?status={value}").status_code == 200


def test_an_empty_change_of_a_task_or_plan_is_accepted_and_changes_nothing(api_as, world):
    task, plan = world["task"]["A1"], world["plan"]["A1"]
    officer = api_as("officer_a1")
    response = officer.call("patch", f"tasks/{task.pk}", data={}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["content"] == "Rà soát thủ tục hành chính"
    assert (
        officer.call("patch", f"plans/{plan.pk}", data={}, content_type="application/json").status_code == 200
    )
    onlooker = api_as("viewer_province")  # sees nothing unpublished: still 404, not a no-op 200
    assert (
        onlooker.call("patch", f"tasks/{task.pk}", data={}, content_type="application/json").status_code
        == 404
    )


def test_a_body_that_is_not_json_answers_the_documented_400_in_vietnamese(api_as, world, schema):
    task = world["task"]["A1"]
    response = api_as("officer_a1").call(
        "patch", f"tasks/{task.pk}", data="\x00{", content_type="application/json"
    )
    assert response.status_code == 400
    assert "Không đọc được nội dung yêu cầu" in response.json()["detail"]
    assert "400" in {str(code) for code in schema["paths"]["/api/v1/tasks/{task_id}"]["patch"]["responses"]}


def test_every_operation_documents_the_errors_it_can_answer(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = {str(code) for code in operation["responses"]}
            assert {"401", "403"} <= codes, (method, path)
            if "{" in path:
                assert "404" in codes, (method, path)
            if "requestBody" in operation:
                assert "400" in codes, (method, path)


def test_the_evidence_download_documents_the_types_it_sends(api_as, world, schema):
    evidence = world["evidence"]["A1"]
    response = api_as("officer_a1").get(f"evidence/{evidence.pk}/download")
    documented = schema["paths"]["/api/v1/evidence/{evidence_id}/download"]["get"]["responses"]
    ok = documented.get(200) or documented["200"]
    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] in ok["content"]


def test_a_cancelled_task_needs_a_reason_in_the_schema_too(schema):
    body = schema["components"]["schemas"]["TaskCancelIn"]["properties"]["reason"]
    assert body["minLength"] == 1


def test_a_body_that_is_not_an_object_or_a_number_for_a_date_is_refused_with_422(api_as, world):
    """django-ninja read ``[null, null]`` as a body with every field unset (an empty change:
    200), and pydantic read ``"completion_date": 0`` as 01/01/1970."""
    task, plan = world["task"]["A1"], world["plan"]["A1"]
    officer = api_as("officer_a1")
    for path in (f"tasks/{task.pk}", f"plans/{plan.pk}"):
        refused = officer.call("patch", path, data="[null, null]", content_type="application/json")
        assert refused.status_code == 422, path
    done = officer.call(
        "post", f"tasks/{task.pk}/done", data={"completion_date": 0}, content_type="application/json"
    )
    assert done.status_code == 422
    task.refresh_from_db()
    assert task.completion_date is None and task.status == PlanTask.Status.NOT_STARTED


def test_text_that_must_not_be_blank_is_described_so_in_the_schema(schema):
    """The apps strip text with Python's idea of a space, which includes U+001C–U+001F: a reason
    of "\\x1d" was schema-valid and refused 422."""
    import re

    for name, field in (("CannotIn", "reason"), ("TaskCancelIn", "reason"), ("TaskIn", "content")):
        pattern = schema["components"]["schemas"][name]["properties"][field]["pattern"]
        for blank in ("", "   ", "\x1d", "\t\x1f\x85"):
            assert re.search(pattern, blank) is None, (name, repr(blank))
        assert re.search(pattern, "Thiếu kinh phí")


def test_a_null_task_number_keeps_the_number_instead_of_a_server_error(api_as, world):
    """``{"order": null, "status": null}`` was cleaned by the task form straight into the task
    object that was then saved: NOT NULL constraint failed, 500 (found by make api-fuzz)."""
    task = world["task"]["A1"]
    response = api_as("officer_a1").call(
        "patch", f"tasks/{task.pk}", data={"order": None, "status": None}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["order"] == 1
    task.refresh_from_db()
    assert task.order == 1
