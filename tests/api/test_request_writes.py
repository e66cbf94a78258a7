"""Requests through the API: issue with a deadline, extend, close, and a recipient's report —
the requests app's actions with their permission checks, notifications and messages."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from parindex.requests.models import Notification, ReportSubmission, Request
from tests.api.conftest import pdf_upload


def send(client, method, path, body):
    return client.call(method, path, data=body, content_type="application/json")


def issue_body(world, **extra):
    return {
        "issuing_unit_id": world["tree"]["DA"].pk,
        "number": "57/UBND",
        "subject": "Báo cáo kết quả CCHC quý I",
        "deadline": "2099-03-31T17:00:00",
        "recipient_unit_ids": [world["tree"]["A1"].pk],
        **extra,
    }


def test_a_district_issues_a_request_a_commune_reports_and_the_district_closes_it(caller, world):
    tree = world["tree"]
    manager = caller("district_manager_a")
    issued = send(
        manager, "post", "requests", issue_body(world, recipient_kinds=["commune"], remind_days_before=[5, 1])
    )
    assert issued.status_code == 201, issued.content
    req = Request.objects.get(pk=issued.json()["id"])
    assert set(req.recipients.values_list("unit__code", flat=True)) == {"A1", "A2"}
    # a time without an offset is local time (UTC+7)
    assert req.deadline == dt.datetime(2099, 3, 31, 10, 0, tzinfo=dt.UTC)
    assert (req.number, req.created_by, req.remind_days_before) == (
        "57/UBND",
        world["personas"]["district_manager_a"],
        [5, 1],
    )
    assert Notification.objects.filter(user=world["personas"]["officer_a1"]).exists()
    assert issued.json()["deadline"].startswith("2099-03-31T")

    officer = caller("officer_a1")
    mine = officer.get(f"requests/{req.pk}/tracking").json()["items"]
    assert [row["unit_id"] for row in mine] == [tree["A1"].pk]
    report = officer.post(
        f"requests/{req.pk}/recipients/{mine[0]['recipient_id']}/reports",
        {"note": "Gửi kèm báo cáo", "file": pdf_upload("bao-cao-quy-1.pdf")},
    )
    assert report.status_code == 201, report.content
    assert report.json()["late"] is False and report.json()["original_name"] == "bao-cao-quy-1.pdf"
    stored = ReportSubmission.objects.get(pk=report.json()["id"])
    assert (stored.note, stored.submitted_by) == ("Gửi kèm báo cáo", world["personas"]["officer_a1"])
    rows = {row["unit_id"]: row for row in manager.get(f"requests/{req.pk}/tracking").json()["items"]}
    assert rows[tree["A1"].pk]["reports"] == 1 and rows[tree["A1"].pk]["delivered_at"] is not None
    assert rows[tree["A2"].pk]["reports"] == 0

    extended = send(manager, "patch", f"requests/{req.pk}", {"deadline": "2099-04-15T17:00:00+07:00"})
    assert extended.status_code == 200, extended.content
    req.refresh_from_db()
    assert req.deadline == dt.datetime(2099, 4, 15, 10, 0, tzinfo=dt.UTC)
    assert req.remind_days_before == [5, 1]  # not sent: kept
    closed = manager.post(f"requests/{req.pk}/close")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert manager.get(f"requests/{req.pk}").json()["status"] == "closed"


def test_another_units_official_gets_404_and_a_bystander_403(api_as, world):
    req = world["request"]["A1"]
    recipient = req.recipients.get(unit=world["tree"]["A1"])
    url = f"requests/{req.pk}/recipients/{recipient.pk}/reports"
    assert api_as("officer_b1").post(url, {"file": pdf_upload()}).status_code == 404
    assert (
        api_as("officer_a2").post(url, {"file": pdf_upload()}).status_code == 404
    )  # the other recipient's row
    assert api_as("district_manager_a").post(url, {"file": pdf_upload()}).status_code == 403
    assert not ReportSubmission.objects.exists()
    # officer_a2 receives the request but may not close it; province staff see DA but do not issue for it
    assert api_as("officer_a2").post(f"requests/{req.pk}/close").status_code == 403
    assert send(api_as("province_manager"), "post", "requests", issue_body(world)).status_code == 403
    assert send(api_as("officer_b1"), "post", "requests", issue_body(world)).status_code == 404
    assert (
        send(api_as("officer_a2"), "patch", f"requests/{req.pk}", {"remind_overdue_max": 1}).status_code
        == 403
    )
    assert Request.objects.get(pk=req.pk).status == "open"
    assert Request.objects.count() == 2


def test_bad_requests_and_reports_answer_422_in_vietnamese_and_write_nothing(api_as, world):
    manager = api_as("district_manager_a")
    past = send(manager, "post", "requests", issue_body(world, deadline="2020-01-01T17:00:00"))
    assert past.status_code == 422
    assert past.json()["detail"].startswith("Hạn chót ")
    assert past.json()["detail"].endswith("đã qua: hãy chọn ngày và giờ trong tương lai.")
    outside = send(
        manager, "post", "requests", issue_body(world, recipient_unit_ids=[world["tree"]["B1"].pk])
    )
    assert outside.status_code == 422
    assert outside.json()["detail"] == "Các đơn vị sau không trực thuộc Huyện Chợ Đồn: Xã Quang Thuận."
    unknown = send(manager, "post", "requests", issue_body(world, recipient_unit_ids=[999999]))
    assert unknown.status_code == 422
    assert unknown.json()["detail"] == "Không có đơn vị nào có id: 999999."
    none = send(manager, "post", "requests", issue_body(world, recipient_unit_ids=[]))
    assert none.status_code == 422
    assert (
        send(manager, "post", "requests", issue_body(world, deadline="9999-12-31T23:59:59-12:00")).status_code
        == 422
    )
    assert send(manager, "post", "requests", issue_body(world, number="")).status_code == 422
    assert send(manager, "post", "requests", issue_body(world, subject="   ")).status_code == 422
    assert Request.objects.count() == 2

    req = world["request"]["A1"]
    recipient = req.recipients.get(unit=world["tree"]["A1"])
    url = f"requests/{req.pk}/recipients/{recipient.pk}/reports"
    officer = api_as("officer_a1")
    assert officer.post(url, {"note": "không có tệp"}).status_code == 422
    exe = SimpleUploadedFile("bao-cao.pdf", b"MZ\x90\x00" + b"\x00" * 300, content_type="application/pdf")
    refused = officer.post(url, {"file": exe})
    assert refused.status_code == 422
    assert "không" in refused.json()["detail"]
    assert not ReportSubmission.objects.exists()


def test_closed_requests_refuse_changes_and_reports_with_409(api_as, world):
    manager = api_as("district_manager_a")
    req = world["request"]["A1"]
    assert manager.post(f"requests/{req.pk}/close").status_code == 200
    twice = manager.post(f"requests/{req.pk}/close")
    assert twice.status_code == 409
    assert twice.json()["detail"] == "Yêu cầu này đã kết thúc rồi."
    changed = send(manager, "patch", f"requests/{req.pk}", {"remind_overdue_every": 1})
    assert changed.status_code == 409
    assert changed.json()["detail"] == "Yêu cầu này đã kết thúc."
    recipient = req.recipients.get(unit=world["tree"]["A1"])
    late = api_as("officer_a1").post(
        f"requests/{req.pk}/recipients/{recipient.pk}/reports", {"file": pdf_upload()}
    )
    assert late.status_code == 409
    assert late.json()["detail"] == "Yêu cầu này đã kết thúc."
    assert late.json()["code"] == "closed"
    # a request about a score sheet takes no report files
    about_round = send(
        manager,
        "post",
        "requests",
        issue_body(
            world,
            deliverable="self_assessment",
            round_id=world["round"]["A1"].pk,
            deadline=(timezone.now() + dt.timedelta(days=3)).isoformat(),
        ),
    )
    assert about_round.status_code == 201, about_round.content
    other = Request.objects.get(pk=about_round.json()["id"]).recipients.get()
    refused = api_as("officer_a1").post(
        f"requests/{other.request_id}/recipients/{other.pk}/reports", {"file": pdf_upload()}
    )
    assert refused.status_code == 409
    assert refused.json()["detail"] == "Yêu cầu này không nhận báo cáo dạng tệp."
    assert not ReportSubmission.objects.exists()
