"""Scores, evidence and results through the API: the same rules and messages as the pages."""

from __future__ import annotations

from decimal import Decimal

import pytest

from parindex.assessments.models import Assessment, EvidenceLink
from tests.api.conftest import pdf_upload


def url(world, code="A1"):
    return f"sheets/{world['sheet'][code].pk}/scores/{world['score'][code].pk}"


def version(world, code="A1"):
    world["score"][code].refresh_from_db()
    return world["score"][code].version


def test_an_officer_reads_the_sheet_with_its_leaves_and_evidence(api_as, world):
    data = api_as("officer_a1").get(f"sheets/{world['sheet']['A1'].pk}").json()
    codes = [leaf["code"] for leaf in data["leaves"]]
    assert codes == ["1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "2.4"]
    leaf = data["leaves"][0]
    assert leaf["editable"] is True and leaf["evidence"][0]["evidence_id"] == world["evidence"]["A1"].pk
    assert data["can_edit"] is True
    assert leaf["input_fields"] == [
        {
            "name": "value",
            "label": "Đạt",
            "type": "bool",
            "choices": [{"value": "1", "label": "Có"}, {"value": "0", "label": "Không"}],
        }
    ]
    levels = data["leaves"][1]["input_fields"][0]
    assert levels["name"] == "level" and levels["choices"][0] == {"value": "day-du", "label": "Đầy đủ"}


def test_saving_a_leaf_computes_points_and_bumps_the_version(api_as, world):
    response = api_as("officer_a1").put_json(
        url(world),
        {"version": version(world), "inputs": {"value": True}, "note": "Có kế hoạch số 12/KH-UBND"},
    )
    assert response.status_code == 200
    assert Decimal(response.json()["self_points"]) == Decimal(2)
    assert response.json()["version"] == 2
    assert response.json()["note"] == "Có kế hoạch số 12/KH-UBND"


def test_a_stale_version_answers_409_with_the_current_value_in_vietnamese(api_as, world):
    api = api_as("officer_a1")
    old = version(world)
    assert api.put_json(url(world), {"version": old, "inputs": {"value": True}}).status_code == 200
    stale = api_as("head_a1").put_json(url(world), {"version": old, "inputs": {"value": False}})
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale"
    assert "Nguyễn Văn An" in stale.json()["detail"]
    assert "đã sửa tiêu chí này sau khi bạn mở trang" in stale.json()["detail"]


def test_the_stale_message_is_english_for_an_english_client(api_as, world):
    old = version(world)
    api_as("officer_a1").put_json(url(world), {"version": old, "inputs": {"value": True}})
    stale = api_as("head_a1", language="en-US,en;q=0.9").put_json(url(world), {"version": old, "inputs": {}})
    assert stale.status_code == 409
    assert "Someone else (Nguyễn Văn An) changed this criterion" in stale.json()["detail"]
    assert stale["Content-Language"] == "en"


def test_an_invalid_input_answers_422_with_the_sheet_message(api_as, world):
    score = world["sheet"]["A1"].scores.get(criterion__code="1.2")  # levels
    response = api_as("officer_a1").put_json(
        f"sheets/{world['sheet']['A1'].pk}/scores/{score.pk}",
        {"version": score.version, "inputs": {"level": "XYZ"}},
    )
    assert response.status_code == 422
    assert (
        "không phải là một mức của tiêu chí này" in response.json()["detail"]
        or "XYZ" in response.json()["detail"]
    )


def test_a_malformed_body_answers_422_not_500(api_as, world):
    api = api_as("officer_a1")
    assert api.put_json(url(world), {"inputs": {"value": True}}).status_code == 422  # no version
    assert api.put_json(url(world), {"version": "abc"}).status_code == 422
    assert api.put_json(url(world), {"version": 1, "inputs": {"value": [1, 2]}}).status_code == 422
    bad_json = api.call("put", url(world), data="{not json", content_type="application/json")
    assert bad_json.status_code in (400, 422)


def test_a_score_of_another_sheet_answers_404(api_as, world):
    b1_score = world["score"]["B1"]
    response = api_as("admin_user").put_json(
        f"sheets/{world['sheet']['A1'].pk}/scores/{b1_score.pk}", {"version": b1_score.version, "inputs": {}}
    )
    assert response.status_code == 404


def test_huge_ids_and_pages_answer_404_or_422_never_500(api_as, world):
    api = api_as("admin_user")
    assert api.get("sheets/99999999").status_code == 404
    assert api.get("sheets/99999999999999999999").status_code == 422
    assert api.get("units", data={"page": 10**12}).status_code == 422
    assert api.get("units", data={"page": 1000}).json()["items"] == []


def test_a_submitted_sheet_refuses_edits_with_409(api_as, world):
    head = api_as("head_a1")
    assert head.post(f"sheets/{world['sheet']['A1'].pk}/submit").status_code == 200
    assert Assessment.objects.get(pk=world["sheet"]["A1"].pk).status == "submitted"
    response = api_as("officer_a1").put_json(
        url(world), {"version": version(world), "inputs": {"value": True}}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "submitted"
    again = head.post(f"sheets/{world['sheet']['A1'].pk}/submit")
    assert again.status_code == 409
    assert again.json()["detail"] == "Bảng tự chấm điểm đã được gửi rồi."
    assert head.post(f"sheets/{world['sheet']['A1'].pk}/withdraw").status_code == 200


def test_withdrawing_a_draft_is_an_out_of_order_step_409(api_as, world):
    response = api_as("head_a1", language="en").post(f"sheets/{world['sheet']['A1'].pk}/withdraw")
    assert response.status_code == 409
    assert response.json()["detail"] == "Only a submitted score sheet can be withdrawn."


def test_an_officer_may_not_submit_403_in_vietnamese(api_as, world):
    response = api_as("officer_a1").post(f"sheets/{world['sheet']['A1'].pk}/submit")
    assert response.status_code == 403
    assert response.json()["detail"] == "Chỉ thủ trưởng đơn vị mới được gửi bảng tự chấm điểm."


def test_an_uploaded_evidence_is_linked_to_the_leaf_and_downloads_under_its_generated_name(api_as, world):
    api = api_as("officer_a1")
    response = api.post(
        f"{url(world)}/evidence", {"short_name": "Báo cáo quý 1", "file": pdf_upload("scan.pdf")}
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert EvidenceLink.objects.filter(evidence_id=data["id"], score=world["score"]["A1"]).exists()
    assert data["original_name"] == "scan.pdf"
    download = api.get(f"evidence/{data['id']}/download")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment; filename=")
    assert data["generated_name"].encode() not in b"".join([])  # streamed: no .content on FileResponse
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_an_evidence_of_a_refused_type_answers_422_in_vietnamese(api_as, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("x.exe", b"MZ\x90\x00" + b"\x00" * 100, content_type="application/octet-stream")
    response = api_as("officer_a1").post(f"{url(world)}/evidence", {"short_name": "x", "file": bad})
    assert response.status_code == 422
    assert "Loại tệp này không được chấp nhận" in response.json()["detail"]


def test_evidence_without_a_short_name_answers_422(api_as, world):
    response = api_as("officer_a1").post(f"{url(world)}/evidence", {"file": pdf_upload()})
    assert response.status_code == 422


def test_the_province_ranking_is_filtered_by_year_kind_and_province(api_as, world):
    api = api_as("officer_b1")
    rows = api.get(
        "rankings", data={"year": 2024, "unit_kind": "commune", "province_id": world["tree"]["P"].pk}
    ).json()["items"]
    assert [(r["unit_code"], r["rank"], r["rank_of"]) for r in rows] == [
        ("B1", 1, 3),
        ("A1", 2, 3),
        ("A2", 3, 3),
    ]
    district = api.get(
        "rankings", data={"year": 2024, "unit_kind": "commune", "province_id": world["tree"]["DB"].pk}
    ).json()["items"]
    assert [r["unit_code"] for r in district] == ["B1"]
    assert api.get("rankings", data={"year": 2023, "unit_kind": "commune"}).json()["count"] == 0
    assert api.get("rankings", data={"year": 2024, "unit_kind": "nonsense"}).status_code == 422


def test_a_result_shows_areas_and_leaves_with_exact_decimals(api_as, world):
    data = api_as("officer_a2").get(f"results/{world['result']['A1'].pk}").json()
    assert data["total"] == "85.0000"
    assert [a["code"] for a in data["areas"]] == ["1", "2"]
    assert len(data["leaves"]) == 4


def test_the_lost_points_statistics_of_a_peer_group(api_as, world):
    result = world["result"]["A1"]
    data = (
        api_as("viewer_province")
        .get(
            "statistics/lost-points",
            data={"publication_id": result.publication_id, "peer_key": result.peer_key},
        )
        .json()
    )
    assert data["units"] == 3
    assert {row["code"] for row in data["lost"]} == {"1.1", "1.2", "2.1", "2.2"}
    unknown = api_as("viewer_province").get(
        "statistics/lost-points", data={"publication_id": result.publication_id, "peer_key": "nope"}
    )
    assert unknown.status_code == 404


@pytest.mark.parametrize("language,expected", [("vi", "Không tìm thấy."), ("en", "Not found.")])
def test_404_messages_follow_accept_language(api_as, world, language, expected):
    response = api_as("officer_b1", language=language).get(f"sheets/{world['sheet']['A1'].pk}")
    assert response.status_code == 404
    assert response.json()["detail"] == expected


def test_the_framework_exports_as_yaml_and_xlsx(api_as, world):
    api = api_as("officer_a1")
    yaml_response = api.get(f"frameworks/{world['framework'].pk}/export", data={"format": "yaml"})
    assert yaml_response.status_code == 200
    assert yaml_response["Content-Type"].startswith("application/yaml")
    assert "framework:" in yaml_response.content.decode()
    xlsx = api.get(f"frameworks/{world['framework'].pk}/export")
    assert xlsx.content[:2] == b"PK"
    assert api.get(f"frameworks/{world['framework'].pk}/export", data={"format": "docx"}).status_code == 422


def test_list_queries_do_not_grow_with_rows(api_as, world, django_assert_max_num_queries):
    api = api_as("admin_user")
    for path in (
        "units",
        "sheets",
        "evidence",
        "results",
        "appraisal-entries",
        "plans",
        "tasks",
        "requests",
        "remediation-items",
        "rounds",
        "frameworks",
        "publications",
    ):
        with django_assert_max_num_queries(12):
            assert api.get(path).status_code == 200, path


def test_a_task_done_in_the_future_is_422_and_a_cancelled_task_cannot_be_done_409(api_as, world):
    api = api_as("officer_a1", language="en")
    task = world["task"]["A1"]
    future = api.call(
        "post",
        f"tasks/{task.pk}/done",
        data={"completion_date": "2999-01-01"},
        content_type="application/json",
    )
    assert future.status_code == 422
    assert future.json()["detail"] == "The completion date cannot be in the future."
    cancel = api.call(
        "post", f"tasks/{task.pk}/cancel", data={"reason": "Trùng nhiệm vụ"}, content_type="application/json"
    )
    assert cancel.status_code == 200 and cancel.json()["status"] == "cancelled"
    done = api.call(
        "post",
        f"tasks/{task.pk}/done",
        data={"completion_date": "2024-06-01"},
        content_type="application/json",
    )
    assert done.status_code == 409
    assert done.json()["detail"] == "A cancelled task cannot be marked done."


def test_a_remediation_progress_note_is_recorded(api_as, world):
    item = world["remediation"]["A1"]
    response = api_as("head_a1").call(
        "post",
        f"remediation-items/{item.pk}/progress",
        data={"note": "Đã giao phòng chuyên môn"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert item.notes.get().text == "Đã giao phòng chuyên môn"
    empty = api_as("head_a1").call(
        "post", f"remediation-items/{item.pk}/progress", data={}, content_type="application/json"
    )
    assert empty.status_code == 422
    assert empty.json()["detail"] == "Hãy ghi tiến độ hoặc thay đổi trạng thái."


def test_a_nul_character_in_text_answers_422_not_a_database_error(api_as, world):
    api = api_as("officer_a1")
    response = api.put_json(
        url(world), {"version": version(world), "inputs": {"value": True}, "note": "a\x00b"}
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "Dữ liệu không hợp lệ."
    english = api_as("officer_a1", language="en").put_json(url(world), {"version": "x"})
    assert english.json()["detail"] == "Invalid input."
    anonymous = api_as(None, language="vi").get("units")
    assert anonymous.status_code == 401
    assert anonymous.json()["detail"] == "Cần xác thực: mã truy cập API hoặc phiên đăng nhập."
    assert api.get("units", data={"q": "x\x00"}).status_code == 422


def test_the_sheet_and_list_query_counts_do_not_grow_with_evidence_and_rows(api_as, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from parindex.assessments import actions

    api = api_as("officer_a1")
    sheet_path = f"sheets/{world['sheet']['A1'].pk}"

    def count(path):
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(path).status_code == 200
        return len(ctx.captured_queries)

    api.get("units")  # the token's last-use write happens once a minute: not part of the count
    before = {path: count(path) for path in (sheet_path, "evidence", "sheets")}
    for i in range(3):
        for code in ("1.2", "2.1"):
            score = world["sheet"]["A1"].scores.get(criterion__code=code)
            actions.upload_evidence(
                score=score,
                by=world["personas"]["officer_a1"],
                uploaded_file=pdf_upload(),
                short_name=f"Tai lieu {code} {i}",
            )
    after = {path: count(path) for path in before}
    assert after == before
