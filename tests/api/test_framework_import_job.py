"""POST /frameworks/import runs on the worker: 202 with the job, GET /jobs/{id} for its outcome
(issue 24, finding 1). Tests run jobs inline, so the job has finished when the POST answers."""

from __future__ import annotations

import io

import pytest

from parindex.frameworks.models import Framework
from parindex.requests.models import UserJob
from tests.frameworks.conftest import small_data
from tests.frameworks.test_import_limits import alias_bomb

pytestmark = pytest.mark.django_db


def upload(text: str, name: str = "bo-chi-so.yaml"):
    handle = io.BytesIO(text.encode())
    handle.name = name
    return handle


def small_yaml() -> str:
    from parindex.frameworks.transfer import write_yaml

    return write_yaml(small_data())


def test_framework_import_answers_202_with_the_job_and_its_status_url_gives_the_framework(api_as, tree):
    api = api_as("province_manager")
    response = api.post("frameworks/import", {"owner_unit_id": tree["P"].pk, "file": upload(small_yaml())})
    assert response.status_code == 202, response.content
    body = response.json()
    job = UserJob.objects.get(pk=body["job_id"])
    assert body["status_url"] == f"/api/v1/jobs/{job.pk}"
    assert job.func_path == "parindex.frameworks.jobs.import_framework"
    status = api.get(body["status_url"])
    assert status.status_code == 200
    outcome = status.json()
    assert outcome["status"] == "succeeded"
    framework = Framework.objects.get(pk=outcome["result"]["framework_id"])
    assert framework.name == "Bộ tiêu chí thử" and framework.owner_unit == tree["P"]
    assert framework.criteria.count() == 10


def test_an_alias_bomb_through_the_api_fails_its_job_with_the_message_and_writes_nothing(api_as, tree):
    # Job messages are written on the worker in the site's language (Vietnamese).
    api = api_as("province_manager")
    response = api.post(
        "frameworks/import", {"owner_unit_id": tree["P"].pk, "file": upload(alias_bomb(levels=6))}
    )
    assert response.status_code == 202, response.content
    outcome = api.get(response.json()["status_url"]).json()
    assert outcome["status"] == "failed"
    assert outcome["error"] == "Tệp có lỗi; chưa nhập dữ liệu nào."
    assert any("neo hoặc bí danh (& hoặc *) gần dòng 1" in line for line in outcome["details"])
    assert outcome["result"] == {}
    assert Framework.objects.count() == 0


def test_the_probes_2000_repeated_unit_kinds_import_through_the_api_with_each_kind_once(api_as, tree):
    from tests.frameworks.test_import_limits import yaml_with

    kinds = "[" + ", ".join(["commune"] * 2000) + "]"
    api = api_as("province_manager")
    response = api.post(
        "frameworks/import", {"owner_unit_id": tree["P"].pk, "file": upload(yaml_with(unit_kinds=kinds))}
    )
    assert response.status_code == 202
    outcome = api.get(response.json()["status_url"]).json()
    assert outcome["status"] == "succeeded", outcome["details"]
    assert Framework.objects.get(pk=outcome["result"]["framework_id"]).unit_kinds == ["commune"]


def test_a_yaml_over_the_size_limit_is_refused_by_the_api_before_a_job_is_queued(api_as, tree):
    from parindex.frameworks.transfer import MAX_YAML_BYTES

    text = small_yaml() + "#" + "x" * MAX_YAML_BYTES + "\n"
    response = api_as("province_manager").post(
        "frameworks/import", {"owner_unit_id": tree["P"].pk, "file": upload(text)}
    )
    assert response.status_code == 422
    assert "2 MB" in response.json()["errors"][0]
    assert not UserJob.objects.exists()


def test_an_unsupported_file_type_is_refused_by_the_api_with_422(api_as, tree):
    response = api_as("province_manager").post(
        "frameworks/import", {"owner_unit_id": tree["P"].pk, "file": upload("x", "bo.txt")}
    )
    assert response.status_code == 422
    assert not UserJob.objects.exists()


def test_nobody_reads_another_users_job(api_as, tree):
    response = api_as("province_manager").post(
        "frameworks/import", {"owner_unit_id": tree["P"].pk, "file": upload(small_yaml())}
    )
    url = response.json()["status_url"]
    for persona in ("district_manager_a", "admin_user", "officer_a1"):
        other = api_as(persona).get(url)
        assert other.status_code == 404
        assert "label" not in other.json()
    assert api_as(None).get(url).status_code == 401
    assert api_as("province_manager").get("jobs/00000000-0000-0000-0000-000000000000").status_code == 404


def test_the_import_and_the_job_status_are_in_the_openapi_schema(api_as, tree):
    schema = api_as("province_manager").get("openapi.json").json()
    operation = schema["paths"]["/api/v1/frameworks/import"]["post"]
    assert "202" in operation["responses"] and "201" not in operation["responses"]
    job = schema["paths"]["/api/v1/jobs/{job_id}"]["get"]
    assert job["operationId"] == "get_job"
    assert set(job["responses"]) >= {"200", "401", "404"}


def test_units_import_through_the_api_runs_on_the_worker_and_its_job_gives_the_counts(api_as, tree):
    from parindex.units.models import Unit
    from tests.api.test_permissions import units_xlsx

    api = api_as("province_manager")
    response = api.post("units/import", {"file": io.BytesIO(units_xlsx("DA"))})
    assert response.status_code == 202, response.content
    job = UserJob.objects.get(pk=response.json()["job_id"])
    assert job.func_path == "parindex.units.jobs.import_units"
    outcome = api.get(response.json()["status_url"]).json()
    assert outcome["status"] == "succeeded"
    assert outcome["result"]["created"] == 1 and outcome["result"]["updated"] == 0
    assert Unit.objects.get(code="DA-X9").parent == tree["DA"]


def test_a_units_file_that_is_not_a_spreadsheet_is_refused_by_the_api_without_a_job(api_as, tree):
    response = api_as("province_manager").post("units/import", {"file": upload("x", "don-vi.xlsx")})
    assert response.status_code == 422
    assert response.json()["errors"] == ["Tệp: Đây không phải là tệp Excel .xlsx."]
    assert not UserJob.objects.exists()


def test_a_job_id_that_is_not_a_uuid_answers_json_never_an_html_page(api_as, client, tree):
    response = api_as("province_manager").get("jobs/x")
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/json")
    assert client.get("/api/v1/jobs/x").status_code == 401
