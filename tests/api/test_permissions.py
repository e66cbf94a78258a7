"""Permission matrix of the API: every endpoint × every persona × an object of A1 (under
district DA) and one of B1 (under district DB).

The endpoints are read from the OpenAPI schema: an endpoint added without a row in
``MATRIX`` fails ``test_every_endpoint_of_the_schema_has_a_matrix_entry``.
"""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.db import transaction

from parindex.api.main import api
from tests.api.conftest import pdf_upload

PERSONAS = (
    "officer_a1",
    "head_a1",
    "officer_a2",
    "officer_b1",
    "district_manager_a",
    "appraiser_province",
    "province_manager",
    "viewer_province",
    "admin_user",
)
ALL = frozenset(PERSONAS)
# Unpublished data of a unit: its members and the index managers/appraisers overseeing it.
DATA = {
    "A1": frozenset(
        {
            "officer_a1",
            "head_a1",
            "district_manager_a",
            "appraiser_province",
            "province_manager",
            "admin_user",
        }
    ),
    "B1": frozenset({"officer_b1", "appraiser_province", "province_manager", "admin_user"}),
}
# Units themselves (names, tree): viewers see their subtree too.
UNITS = {"A1": DATA["A1"] | {"viewer_province"}, "B1": DATA["B1"] | {"viewer_province"}}
# Round A and the request of DA are also seen by A2 (it has a sheet in the round / receives the request).
ROUND = {"A1": DATA["A1"] | {"officer_a2"}, "B1": DATA["B1"]}
# Who may score a leaf / submit a sheet of the unit.
EDITORS = {
    "A1": frozenset({"officer_a1", "head_a1", "admin_user"}),
    "B1": frozenset({"officer_b1", "admin_user"}),
}
HEADS = {"A1": frozenset({"head_a1", "admin_user"}), "B1": frozenset({"admin_user"})}


def units_xlsx(parent_code: str) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Mã đơn vị", "Tên đơn vị", "Loại đơn vị", "Mã đơn vị cấp trên"])
    sheet.append([f"{parent_code}-X9", "Xã Thử Nghiệm", "Xã", parent_code])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def framework_yaml(world) -> bytes:
    from parindex.frameworks.models import Framework
    from parindex.frameworks.transfer import export_bytes

    return export_bytes(Framework.objects.get(pk=world["results_framework"].pk), "x.yaml")


# --- what each endpoint is called with and what it answers -------------------------------------------


def detail(path, key, sets):
    """GET path.format(id) → 200 for the personas in sets[target], else 404."""

    def run(api_as, world, persona, target):
        response = api_as(persona).get(path.format(id=key(world, target)))
        expected = 200 if persona in sets[target] else 404
        return response, expected

    return run


def listing(path, key, sets, id_field="id", params=None):
    """GET a list (always 200): the target's object is listed iff the persona may see it."""

    def run(api_as, world, persona, target):
        response = api_as(persona).get(path, data={"page_size": 200, **(params or {})})
        assert response.status_code == 200, response.content
        ids = {item[id_field] for item in response.json()["items"]}
        assert (key(world, target) in ids) == (persona in sets[target]), (persona, target, ids)
        return response, 200

    return run


def edit(call, ok, *, ok_status=200, denied_status=403, ok_sets=EDITORS, see_sets=DATA):
    def run(api_as, world, persona, target):
        response = call(api_as(persona), world, target)
        if persona in ok_sets[target]:
            expected = ok_status
        elif persona in see_sets[target]:
            expected = denied_status
        else:
            expected = 404
        return response, expected

    return run


def save_score_call(client, world, target):
    sheet, score = world["sheet"][target], world["score"][target]
    score.refresh_from_db()
    return client.put_json(
        f"sheets/{sheet.pk}/scores/{score.pk}", {"version": score.version, "inputs": {"value": True}}
    )


def upload_call(client, world, target):
    sheet, score = world["sheet"][target], world["score"][target]
    return client.post(
        f"sheets/{sheet.pk}/scores/{score.pk}/evidence", {"short_name": "Bao cao quy 1", "file": pdf_upload()}
    )


def import_units_run(api_as, world, persona, target):
    parent = {"A1": "DA", "B1": "DB"}[target]
    api = api_as(persona)
    response = api.post("units/import", {"file": io.BytesIO(units_xlsx(parent))})
    if persona in ("admin_user", "province_manager") or (persona == "district_manager_a" and target == "A1"):
        expected, outcome = 202, "succeeded"
    elif persona == "district_manager_a":
        expected, outcome = 202, "failed"  # a row outside the district is refused by the job, nothing written
    else:
        expected, outcome = 403, None
    if outcome is not None and response.status_code == 202:
        job = api.get(response.json()["status_url"]).json()
        assert job["status"] == outcome, (persona, target, job)
    return response, expected


def import_framework_run(api_as, world, persona, target):
    owner = world["tree"]["DA" if target == "A1" else "DB"]
    upload = io.BytesIO(framework_yaml(world))
    upload.name = "bo-chi-so.yaml"
    response = api_as(persona).post("frameworks/import", {"owner_unit_id": owner.pk, "file": upload})
    allowed = {"admin_user", "province_manager"} | ({"district_manager_a"} if target == "A1" else set())
    return response, 202 if persona in allowed else 403


def own_job_run(api_as, world, persona, target):
    """A job is seen by the user who started it only (the province manager here), whatever the role."""
    from parindex.requests.models import UserJob

    owner = world["personas"]["province_manager"]
    job = UserJob.objects.create(user=owner, label="Nhập bộ chỉ số", func_path="x")
    response = api_as(persona).get(f"jobs/{job.pk}")
    return response, 200 if persona == "province_manager" else 404


def transition(action, *, ok_status):
    def call(client, world, target):
        return client.post(f"sheets/{world['sheet'][target].pk}/{action}")

    return edit(call, None, ok_status=ok_status, ok_sets=HEADS)


def stats_run(api_as, world, persona, target):
    result = world["result"][target]
    response = api_as(persona).get(
        "statistics/lost-points", data={"publication_id": result.publication_id, "peer_key": result.peer_key}
    )
    return response, 200


def tracking_run(api_as, world, persona, target):
    response = api_as(persona).get(f"requests/{world['request'][target].pk}/tracking")
    expected = 200 if persona in ROUND[target] else 404
    if expected == 200:
        units = {row["unit_id"] for row in response.json()["items"]}
        # a recipient unit sees only its own row; the issuing side every row
        if persona == "officer_a2":
            assert units == {world["tree"]["A2"].pk}
        else:
            assert world["tree"][target].pk in units
    return response, expected


PLAN_EDITORS = {
    "A1": frozenset({"officer_a1", "head_a1", "admin_user"}),
    "B1": frozenset({"officer_b1", "admin_user"}),
}


def task_call(action, body):
    def call(client, world, target):
        return client.call(
            "post", f"tasks/{world['task'][target].pk}/{action}", data=body, content_type="application/json"
        )

    return call


def progress_call(client, world, target):
    return client.call(
        "post",
        f"remediation-items/{world['remediation'][target].pk}/progress",
        data={"status": "in_progress", "note": "Đang rà soát"},
        content_type="application/json",
    )


# Who appraises a sheet of the unit: appraisers and index managers above it, never its members.
APPRAISERS = {
    "A1": frozenset({"district_manager_a", "appraiser_province", "province_manager", "admin_user"}),
    "B1": frozenset({"appraiser_province", "province_manager", "admin_user"}),
}
# Index managers of a unit above (remediation verification).
MANAGERS_ABOVE = {
    "A1": frozenset({"district_manager_a", "province_manager", "admin_user"}),
    "B1": frozenset({"province_manager", "admin_user"}),
}
# The issuing districts DA / DB: who sees the unit, who may issue from it or manage its requests.
ISSUER_SEES = {
    "A1": frozenset(
        {"district_manager_a", "appraiser_province", "province_manager", "viewer_province", "admin_user"}
    ),
    "B1": frozenset({"appraiser_province", "province_manager", "viewer_province", "admin_user"}),
}
ISSUERS = {"A1": frozenset({"district_manager_a", "admin_user"}), "B1": frozenset({"admin_user"})}


def json_call(method, path_of, body):
    def call(client, world, target):
        return client.call(method, path_of(world, target), data=body, content_type="application/json")

    return call


def form_call(path_of, body):
    def call(client, world, target):
        return client.post(path_of(world, target), dict(body))

    return call


def appraisal_path(suffix, key="appraisal_sheet"):
    return lambda world, target: f"sheets/{world[key][target].pk}/appraisal{suffix}"


def appraise_path(world, target):
    return f"sheets/{world['appraisal_sheet'][target].pk}/appraisal/entries/{world['leaf'].pk}"


def issue_call(client, world, target):
    issuer, recipient = {"A1": ("DA", "A1"), "B1": ("DB", "B1")}[target]
    return client.call(
        "post",
        "requests",
        content_type="application/json",
        data={
            "issuing_unit_id": world["tree"][issuer].pk,
            "number": "99/UBND",
            "subject": "Báo cáo nhanh",
            "deadline": "2099-12-31T17:00:00",
            "recipient_unit_ids": [world["tree"][recipient].pk],
        },
    )


def create_plan_call(client, world, target):
    return client.call(
        "post",
        "plans",
        content_type="application/json",
        data={"unit_id": world["tree"][target].pk, "year": 2025, "title": "Kế hoạch CCHC 2025"},
    )


def report_call(client, world, target):
    req = world["request"][target]
    recipient = req.recipients.get(unit=world["tree"][target])
    return client.post(
        f"requests/{req.pk}/recipients/{recipient.pk}/reports",
        {"note": "Báo cáo quý IV", "file": pdf_upload()},
    )


def k(name, attr="pk"):
    return lambda world, target: getattr(world[name][target], attr)


def unit_id(world, target):
    return world["tree"][target].pk


def fw_id(world, target):
    return world["framework"].pk


MATRIX = {
    "list_units": listing("units", unit_id, UNITS),
    "get_unit": detail("units/{id}", unit_id, UNITS),
    "import_units": import_units_run,
    "list_frameworks": listing("frameworks", fw_id, {"A1": ALL, "B1": ALL}),
    "get_framework": detail("frameworks/{id}", fw_id, {"A1": ALL, "B1": ALL}),
    "export_framework": detail("frameworks/{id}/export?format=yaml", fw_id, {"A1": ALL, "B1": ALL}),
    "import_framework": import_framework_run,
    "get_job": own_job_run,
    "list_rounds": listing("rounds", k("round"), ROUND),
    "get_round": detail("rounds/{id}", k("round"), ROUND),
    "list_sheets": listing("sheets", k("sheet"), DATA),
    "get_sheet": detail("sheets/{id}", k("sheet"), DATA),
    "save_score": edit(save_score_call, None),
    "submit_sheet": transition("submit", ok_status=200),
    "withdraw_sheet": transition("withdraw", ok_status=409),  # a draft cannot be withdrawn
    "list_evidence": listing("evidence", k("evidence"), DATA),
    "get_evidence": detail("evidence/{id}", k("evidence"), DATA),
    "download_evidence": detail("evidence/{id}/download", k("evidence"), DATA),
    "upload_evidence": edit(upload_call, None, ok_status=201),
    "list_publications": listing("publications", lambda w, t: w["publication"].pk, {"A1": ALL, "B1": ALL}),
    "get_publication": detail("publications/{id}", lambda w, t: w["publication"].pk, {"A1": ALL, "B1": ALL}),
    "list_results": listing("results", k("result"), {"A1": ALL, "B1": ALL}),
    "get_result": detail("results/{id}", k("result"), {"A1": ALL, "B1": ALL}),
    "list_rankings": listing(
        "rankings",
        k("result"),
        {"A1": ALL, "B1": ALL},
        id_field="result_id",
        params={"year": 2024, "unit_kind": "commune"},
    ),
    "lost_points": stats_run,
    "list_appraisal_entries": listing("appraisal-entries", k("entry"), DATA),
    "list_plans": listing("plans", k("plan"), DATA),
    "get_plan": detail("plans/{id}", k("plan"), DATA),
    "list_tasks": listing("tasks", k("task"), DATA),
    "get_task": detail("tasks/{id}", k("task"), DATA),
    "mark_task_done": edit(
        task_call("done", {"completion_date": "2024-06-20", "result_note": "Xong"}),
        None,
        ok_sets=PLAN_EDITORS,
    ),
    "cancel_task": edit(task_call("cancel", {"reason": "Không còn phù hợp"}), None, ok_sets=PLAN_EDITORS),
    "list_requests": listing("requests", k("request"), ROUND),
    "get_request": detail("requests/{id}", k("request"), ROUND),
    "request_tracking": tracking_run,
    "list_remediation_items": listing("remediation-items", k("remediation"), DATA),
    "get_remediation_item": detail("remediation-items/{id}", k("remediation"), DATA),
    "report_remediation_progress": edit(progress_call, None, ok_sets=PLAN_EDITORS),
    "record_remediation_result": edit(
        form_call(
            lambda w, t: f"remediation-items/{w['remediation'][t].pk}/result", {"result_text": "Đã khắc phục"}
        ),
        None,
        ok_sets=PLAN_EDITORS,
    ),
    "mark_remediation_cannot": edit(
        json_call(
            "post",
            lambda w, t: f"remediation-items/{w['remediation'][t].pk}/cannot",
            {"reason": "Vượt thẩm quyền của xã"},
        ),
        None,
        ok_sets=PLAN_EDITORS,
    ),
    "verify_remediation_result": edit(
        json_call("post", lambda w, t: f"remediation-items/{w['remedied'][t].pk}/verify", {"note": "Đạt"}),
        None,
        ok_sets=MANAGERS_ABOVE,
    ),
    # appraisal
    "get_appraisal": detail("sheets/{id}/appraisal", k("appraisal_sheet"), DATA),
    "start_appraisal": edit(json_call("post", appraisal_path("/start"), {}), None, ok_sets=APPRAISERS),
    "appraise_leaf": edit(
        json_call("put", appraise_path, {"points": "20", "reason": "Thiếu minh chứng"}),
        None,
        ok_sets=APPRAISERS,
    ),
    "complete_appraisal_round": edit(
        json_call("post", appraisal_path("/complete"), {}), None, ok_sets=APPRAISERS
    ),
    "answer_explanation": edit(
        form_call(
            lambda w, t: f"appraisal-entries/{w['flagged'][t].pk}/explanation",
            {"text": "Kế hoạch ban hành ngày 10/01"},
        ),
        None,
    ),
    # nothing explained yet: the unit's side is refused for the state (409), the others as usual
    "submit_explanation": edit(
        json_call("post", appraisal_path("/explanation/submit", "explanation_sheet"), {}), None, ok_status=409
    ),
    # plans
    "create_plan": edit(create_plan_call, None, ok_status=201, ok_sets=PLAN_EDITORS, see_sets=UNITS),
    "update_plan": edit(
        json_call("patch", lambda w, t: f"plans/{w['plan'][t].pk}", {"number": "12/KH-UBND"}),
        None,
        ok_sets=PLAN_EDITORS,
    ),
    "add_task": edit(
        json_call("post", lambda w, t: f"plans/{w['plan'][t].pk}/tasks", {"content": "Số hoá hồ sơ"}),
        None,
        ok_status=201,
        ok_sets=PLAN_EDITORS,
    ),
    "update_task": edit(
        json_call("patch", lambda w, t: f"tasks/{w['task'][t].pk}", {"status": "in_progress"}),
        None,
        ok_sets=PLAN_EDITORS,
    ),
    # requests
    "issue_request": edit(issue_call, None, ok_status=201, ok_sets=ISSUERS, see_sets=ISSUER_SEES),
    "update_request": edit(
        json_call(
            "patch", lambda w, t: f"requests/{w['request'][t].pk}", {"deadline": "2099-06-30T17:00:00+07:00"}
        ),
        None,
        ok_sets=ISSUERS,
        see_sets=ROUND,
    ),
    "close_request": edit(
        json_call("post", lambda w, t: f"requests/{w['request'][t].pk}/close", {}),
        None,
        ok_sets=ISSUERS,
        see_sets=ROUND,
    ),
    "submit_report": edit(report_call, None, ok_status=201),
}


def schema_operations() -> set[str]:
    schema = api.get_openapi_schema()
    return {op["operationId"] for ops in schema["paths"].values() for op in ops.values()}


def test_every_endpoint_of_the_schema_has_a_matrix_entry():
    assert schema_operations() == set(MATRIX)


@pytest.mark.parametrize("target", ["A1", "B1"])
@pytest.mark.parametrize("operation", sorted(MATRIX))
def test_permission_matrix(operation, target, api_as, world):
    """Every persona in turn, each call rolled back (a savepoint) so that one persona's write
    (a submitted sheet, an imported unit) does not change what the next one meets."""
    wrong = []
    for persona in PERSONAS:
        with transaction.atomic():
            try:
                response, expected = MATRIX[operation](api_as, world, persona, target)
            except AssertionError as exc:
                wrong.append((persona, "listing", str(exc)[:300]))
            else:
                if response.status_code != expected:
                    wrong.append((persona, response.status_code, expected, response.content[:300]))
            transaction.set_rollback(True)
    assert not wrong, wrong


@pytest.mark.parametrize("operation", sorted(MATRIX))
def test_every_endpoint_answers_401_json_without_credentials(operation, client, world):
    schema = api.get_openapi_schema()
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            if op["operationId"] != operation:
                continue
            url = path.replace("{", "").replace("}", "")
            url = url.replace("job_id", "00000000-0000-0000-0000-000000000001")
            for name in (
                "unit_id",
                "framework_id",
                "round_id",
                "sheet_id",
                "score_id",
                "evidence_id",
                "publication_id",
                "result_id",
                "plan_id",
                "task_id",
                "request_id",
                "item_id",
                "criterion_id",
                "entry_id",
                "recipient_id",
            ):
                url = url.replace(f"int:{name}", "1")
                url = url.replace(name, "1")
            response = getattr(client, method)(url)
            assert response.status_code == 401, (method, url)
            assert response["Content-Type"].startswith("application/json")
