"""Remediation through the API: the unit reports the result with its evidence, the level above
verifies it — the remediation app's actions with their checks and messages."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from parindex.remediation.models import RemediationItem
from tests.api.conftest import pdf_upload


def send(client, method, path, body):
    return client.call(method, path, data=body, content_type="application/json")


def test_the_unit_reports_the_result_with_a_file_and_the_district_verifies_it(caller, world):
    item = world["remediation"]["A1"]
    officer = caller("officer_a1")
    response = officer.post(
        f"remediation-items/{item.pk}/result",
        {
            "result_text": "Đã ban hành kế hoạch bổ sung",
            "completed_on": "2025-03-10",
            "short_name": "KH bo sung",
            "file": pdf_upload("ke-hoach.pdf"),
            "evidence_ids": [world["evidence"]["A1"].pk],
        },
    )
    assert response.status_code == 200, response.content
    item.refresh_from_db()
    assert (item.status, item.result_text, item.completed_on) == (
        "done",
        "Đã ban hành kế hoạch bổ sung",
        dt.date(2025, 3, 10),
    )
    evidence = list(item.evidence.order_by("pk"))
    assert len(evidence) == 2 and evidence[0] == world["evidence"]["A1"]
    assert "KH bo sung" in evidence[1].generated_name
    read = officer.get(f"remediation-items/{item.pk}").json()
    assert read["status"] == "done" and read["evidence_ids"] == [e.pk for e in evidence]
    assert read["verified_at"] is None

    verified = send(
        caller("district_manager_a"), "post", f"remediation-items/{item.pk}/verify", {"note": "Đạt"}
    )
    assert verified.status_code == 200, verified.content
    item.refresh_from_db()
    assert item.verified_by == world["personas"]["district_manager_a"] and item.verification_note == "Đạt"
    assert officer.get(f"remediation-items/{item.pk}").json()["verified_by_id"] == item.verified_by_id


def test_an_item_that_cannot_be_remedied(api_as, world):
    item = world["remediation"]["B1"]
    response = send(
        api_as("officer_b1"),
        "post",
        f"remediation-items/{item.pk}/cannot",
        {"reason": "Vượt thẩm quyền của xã"},
    )
    assert response.status_code == 200, response.content
    assert (
        response.json()["status"] == "cannot" and response.json()["cannot_reason"] == "Vượt thẩm quyền của xã"
    )
    assert RemediationItem.objects.get(pk=item.pk).status == "cannot"


def test_another_units_official_gets_404_and_a_bystander_403(api_as, world):
    item, remedied = world["remediation"]["A1"], world["remedied"]["A1"]
    body = {"result_text": "Đã khắc phục"}
    assert api_as("officer_b1").post(f"remediation-items/{item.pk}/result", body).status_code == 404
    assert api_as("appraiser_province").post(f"remediation-items/{item.pk}/result", body).status_code == 403
    assert (
        send(api_as("officer_b1"), "post", f"remediation-items/{remedied.pk}/verify", {}).status_code == 404
    )
    own = send(api_as("head_a1"), "post", f"remediation-items/{remedied.pk}/verify", {})
    assert own.status_code == 403
    assert own.json()["detail"] == "Chỉ cán bộ quản lý chỉ số của cơ quan cấp trên mới được xác nhận kết quả."
    assert RemediationItem.objects.get(pk=item.pk).status == "not_started"
    assert RemediationItem.objects.get(pk=remedied.pk).verified_at is None


def test_bad_results_answer_422_in_vietnamese_and_write_nothing(api_as, world):
    item = world["remediation"]["A1"]
    officer = api_as("officer_a1")
    url = f"remediation-items/{item.pk}/result"
    future = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    cases = [
        ({"result_text": "Xong", "completed_on": future}, "Ngày hoàn thành không được"),
        ({"result_text": "Xong", "file": pdf_upload()}, "Hãy "),  # … the short name (two catalogues word it)
        (
            {"result_text": "Xong", "evidence_ids": [world["evidence"]["B1"].pk]},
            f"Các minh chứng sau không tồn tại hoặc bạn không được xem: {world['evidence']['B1'].pk}.",
        ),
        ({"result_text": "   "}, "Hãy mô tả kết quả khắc phục."),
    ]
    for body, message in cases:
        response = officer.post(url, body)
        assert response.status_code == 422, (body, response.content)
        assert response.json()["detail"].startswith(message), response.json()
        if "file" in body:
            assert "tên ngắn gọn" in response.json()["detail"]
    assert officer.post(url, {}).status_code == 422
    # another unit's evidence, even when the caller sees it
    foreign = api_as("admin_user").post(
        url, {"result_text": "Xong", "evidence_ids": [world["evidence"]["B1"].pk]}
    )
    assert foreign.status_code == 422
    item.refresh_from_db()
    assert (item.status, item.result_text, item.evidence.count()) == ("not_started", "", 0)


def test_verification_out_of_order_answers_409(api_as, world):
    manager = api_as("district_manager_a")
    open_item, remedied = world["remediation"]["A1"], world["remedied"]["A1"]
    early = send(manager, "post", f"remediation-items/{open_item.pk}/verify", {})
    assert early.status_code == 409
    assert early.json()["detail"] == "Chỉ xác nhận tồn tại đã được khắc phục."
    assert send(manager, "post", f"remediation-items/{remedied.pk}/verify", {}).status_code == 200
    twice = send(manager, "post", f"remediation-items/{remedied.pk}/verify", {})
    assert twice.status_code == 409
    assert twice.json()["detail"] == "Kết quả này đã được xác nhận."
    officer = api_as("officer_a1")
    changed = officer.post(f"remediation-items/{remedied.pk}/result", {"result_text": "Sửa lại"})
    assert changed.status_code == 409
    assert changed.json()["detail"].startswith("Tồn tại này đã được xác nhận")
    given_up = send(officer, "post", f"remediation-items/{remedied.pk}/cannot", {"reason": "x"})
    assert given_up.status_code == 409
    assert RemediationItem.objects.get(pk=remedied.pk).result_text == "Đã ban hành quy chế"
