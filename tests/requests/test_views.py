"""Pages of requests as users see them: forms, permission matrix, tracking, exports, notifications."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from parindex.requests import actions
from parindex.requests.models import Notification, Request, UserJob
from parindex.requests.selectors import tracking_rows
from parindex.units.models import Unit
from tests.assessments.conftest import framework, round_a  # noqa: F401 — fixtures used by name
from tests.requests.conftest import DEADLINE, ISSUED_AT

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"


def login(client, user):
    client.force_login(user)
    return client


def form_data(tree, **overrides):
    future = timezone.localtime(timezone.now() + dt.timedelta(days=10))
    data = {
        "issuing_unit": tree["DA"].pk,
        "number": "20/UBND-NV",
        "issued_on": timezone.localdate().isoformat(),
        "subject": "Báo cáo kết quả khắc phục tồn tại",
        "body": "",
        "deliverable": "report",
        "deadline_date": future.date().isoformat(),
        "deadline_time": "10:00",
        "remind_days_before": "7, 3, 1, 0",
        "remind_overdue_every": "2",
        "remind_overdue_max": "10",
        "recipients": [tree["A1"].pk],
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_issuer_creates_a_request_and_the_recipients_are_notified(
    client, tree, district_manager_a, officer_a1
):
    response = login(client, district_manager_a).post("/requests/new/", form_data(tree))
    item = Request.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/requests/{item.pk}/"
    assert list(item.recipients.values_list("unit__code", flat=True)) == ["A1"]
    assert Notification.objects.filter(user=officer_a1, title__startswith="Yêu cầu mới 20/UBND-NV").exists()


def test_recipients_can_be_picked_by_unit_type(client, tree, district_manager_a):
    login(client, district_manager_a).post(
        "/requests/new/", form_data(tree, recipients=None, recipient_kinds=["commune"])
    )
    assert sorted(Request.objects.get().recipients.values_list("unit__code", flat=True)) == ["A1", "A2"]


def test_a_deadline_in_the_past_is_refused_in_vietnamese(client, tree, district_manager_a):
    response = login(client, district_manager_a).post(
        "/requests/new/", form_data(tree, deadline_date="2024-03-19", deadline_time="10:00")
    )
    assert response.status_code == 200
    assert (
        "Hạn chót 10h00 19/03/2024 đã qua: hãy chọn ngày và giờ trong tương lai." in response.content.decode()
    )
    assert not Request.objects.exists()


def test_an_empty_recipient_list_is_refused_in_vietnamese(client, tree, district_manager_a):
    response = login(client, district_manager_a).post("/requests/new/", form_data(tree, recipients=None))
    assert "Chưa chọn đơn vị nhận nào: hãy chọn ít nhất một đơn vị." in response.content.decode()
    assert not Request.objects.exists()


def test_a_unit_outside_the_issuers_tree_cannot_be_a_recipient(client, tree, district_manager_a):
    response = login(client, district_manager_a).post(
        "/requests/new/", form_data(tree, recipients=[tree["B1"].pk])
    )
    assert response.status_code == 200 and not Request.objects.exists()


def test_the_action_refuses_a_past_deadline_and_no_recipients_too(tree, district_manager_a):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="đã qua"):
        actions.issue_request(
            by=district_manager_a,
            issuing_unit=tree["DA"],
            number="1",
            subject="x",
            deadline=timezone.now() - dt.timedelta(minutes=1),
            recipient_units=[tree["A1"]],
        )
    with pytest.raises(ValidationError, match="Chưa chọn đơn vị nhận nào"):
        actions.issue_request(
            by=district_manager_a,
            issuing_unit=tree["DA"],
            number="1",
            subject="x",
            deadline=timezone.now() + dt.timedelta(days=1),
            recipient_units=[],
        )


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("district_manager_a", 200),
        ("province_manager", 200),
        ("appraiser_province", 200),
        ("admin_user", 200),
        ("officer_a1", 302),
        ("head_a1", 302),
        ("officer_a2", 302),
        ("officer_b1", 404),
        ("viewer_province", 404),
    ],
)
def test_permission_matrix_of_the_tracking_page(client, issued, personas, persona, expected):
    response = login(client, personas[persona]).get(f"/requests/{issued.pk}/")
    assert response.status_code == expected


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("officer_a1", 200),
        ("head_a1", 200),
        ("district_manager_a", 200),
        ("province_manager", 200),
        ("officer_a2", 404),
        ("officer_b1", 404),
        ("viewer_province", 404),
    ],
)
def test_permission_matrix_of_a_recipients_page(client, tree, issued, personas, persona, expected):
    recipient = issued.recipients.get(unit=tree["A1"])
    assert (
        login(client, personas[persona]).get(f"/requests/recipient/{recipient.pk}/").status_code == expected
    )


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("district_manager_a", 302), ("province_manager", 403), ("officer_a1", 404), ("officer_b1", 404)],
)
def test_only_the_issuer_may_remind_close_or_edit(client, issued, personas, persona, expected):
    c = login(client, personas[persona])
    assert c.post(f"/requests/{issued.pk}/remind/").status_code == expected
    assert c.get(f"/requests/{issued.pk}/edit/").status_code == (200 if expected == 302 else expected)
    assert c.post(f"/requests/{issued.pk}/close/").status_code == expected


def test_officers_cannot_open_the_new_request_form(client, officer_a1):
    assert login(client, officer_a1).get("/requests/new/").status_code == 404


def test_a_recipient_sends_a_report_and_the_issuer_sees_it_delivered(
    client, tree, district_manager_a, officer_a1, head_a1, officer_a2
):
    item = actions.issue_request(
        by=district_manager_a,
        issuing_unit=tree["DA"],
        number="21/UBND-NV",
        subject="Báo cáo",
        deadline=timezone.now() + dt.timedelta(days=3),
        recipient_units=[tree["A1"], tree["A2"]],
    )
    recipient = item.recipients.get(unit=tree["A1"])
    response = login(client, officer_a1).post(
        f"/requests/recipient/{recipient.pk}/",
        {
            "file": SimpleUploadedFile("Báo cáo kết quả.pdf", PDF, "application/pdf"),
            "note": "Kèm theo báo cáo",
        },
    )
    assert response.status_code == 302
    page = client.get(f"/requests/recipient/{recipient.pk}/").content.decode()
    assert "Đã nộp đúng hạn" in page and "Báo cáo kết quả.pdf" in page
    report_url = f"/requests/report/{recipient.reports.get().pk}/file"
    assert client.get(report_url).status_code == 200
    tracking = login(client, district_manager_a).get(f"/requests/{item.pk}/?sort=unit").content.decode()
    assert tracking.count("Đã nộp đúng hạn") == 2  # the counter badge and A1's row
    assert client.get(report_url).status_code == 200
    # The head of the same commune reads it; another commune cannot.
    assert login(client, head_a1).get(report_url).status_code == 200
    assert login(client, officer_a2).get(report_url).status_code == 404


@pytest.fixture
def open_a1(tree, issued):
    issued.deadline = timezone.now() + dt.timedelta(days=2)
    issued.save()
    return issued.recipients.get(unit=tree["A1"])


def test_a_report_of_the_wrong_type_is_refused_in_vietnamese_by_the_evidence_service(
    client, open_a1, officer_a1
):
    response = login(client, officer_a1).post(
        f"/requests/recipient/{open_a1.pk}/",
        {"file": SimpleUploadedFile("virus.exe", b"MZ\x90\x00", "application/octet-stream")},
    )
    page = response.content.decode()
    assert response.status_code == 200 and 'data-testid="error-file"' in page
    # The wording (and its Vietnamese) belongs to the assessments app's evidence service.
    assert not open_a1.reports.exists()


def test_without_the_evidence_service_reports_are_checked_here_in_vietnamese(
    client, open_a1, officer_a1, monkeypatch
):
    monkeypatch.setattr(actions, "_evidence_service", lambda: None)
    c = login(client, officer_a1)
    response = c.post(
        f"/requests/recipient/{open_a1.pk}/",
        {"file": SimpleUploadedFile("virus.exe", b"MZ\x90\x00", "application/octet-stream")},
    )
    assert "Không nhận tệp loại .exe" in response.content.decode()
    response = c.post(
        f"/requests/recipient/{open_a1.pk}/",
        {"file": SimpleUploadedFile("gia.pdf", b"PK\x03\x04 not a pdf", "application/pdf")},
    )
    assert "Nội dung tệp không khớp với phần mở rộng .pdf." in response.content.decode()
    response = c.post(
        f"/requests/recipient/{open_a1.pk}/",
        {"file": SimpleUploadedFile("bao-cao.pdf", PDF, "application/pdf")},
    )
    assert response.status_code == 302
    report = open_a1.reports.get()
    assert report.evidence_id is None and report.file and report.sha256
    assert c.get(f"/requests/report/{report.pk}/file").status_code == 200


def test_another_commune_cannot_send_a_report_for_a1(client, tree, issued, officer_a2, officer_b1):
    recipient = issued.recipients.get(unit=tree["A1"])
    for user in (officer_a2, officer_b1):
        response = login(client, user).post(
            f"/requests/recipient/{recipient.pk}/",
            {"file": SimpleUploadedFile("a.pdf", PDF, "application/pdf")},
        )
        assert response.status_code == 404


def test_a_report_after_the_deadline_is_marked_late(client, tree, issued, officer_a1):
    recipient = issued.recipients.get(unit=tree["A1"])
    login(client, officer_a1).post(
        f"/requests/recipient/{recipient.pk}/", {"file": SimpleUploadedFile("a.pdf", PDF, "application/pdf")}
    )
    assert "Đã nộp muộn" in client.get(f"/requests/recipient/{recipient.pk}/").content.decode()


def _add_communes(tree, n):
    units = []
    for i in range(n):
        units.append(
            Unit.objects.create(code=f"AX{i}", name=f"Xã Thử {i}", kind=Unit.Kind.COMMUNE, parent=tree["DA"])
        )
    return units


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_tracking_page_costs_the_same_queries_for_2_or_12_recipients(
    client, tree, district_manager_a, officer_a1
):
    small = actions.issue_request(
        by=district_manager_a,
        issuing_unit=tree["DA"],
        number="1",
        subject="nhỏ",
        deadline=timezone.now() + dt.timedelta(days=3),
        recipient_units=[tree["A1"], tree["A2"]],
    )
    big = actions.issue_request(
        by=district_manager_a,
        issuing_unit=tree["DA"],
        number="2",
        subject="lớn",
        deadline=timezone.now() + dt.timedelta(days=3),
        recipient_units=[tree["A1"], tree["A2"], *_add_communes(tree, 10)],
    )
    for item in (small, big):
        recipient = item.recipients.get(unit=tree["A1"])
        actions.submit_report(
            recipient=recipient,
            by=officer_a1,
            uploaded_file=SimpleUploadedFile("a.pdf", PDF, "application/pdf"),
        )
    c = login(client, district_manager_a)
    _queries(c, f"/requests/{small.pk}/")  # warm caches (content types, sessions)
    assert _queries(c, f"/requests/{small.pk}/") == _queries(c, f"/requests/{big.pk}/")
    assert _queries(c, "/requests/") <= 20


def test_the_tracking_table_downloads_as_xlsx(client, tree, issued, district_manager_a):
    from openpyxl import load_workbook

    response = login(client, district_manager_a).get(f"/requests/{issued.pk}/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[c for c in r] for r in sheet.iter_rows(values_only=True)]
    assert list(rows[2][:3]) == ["STT", "Đơn vị", "Trạng thái"]
    assert {rows[3][1], rows[4][1]} == {"Xã Yên Thượng", "Xã Bằng Lãng"}
    assert rows[3][2] == "Quá hạn"


def test_the_background_export_shows_progress_then_offers_the_file_and_notifies(
    client, issued, district_manager_a
):
    c = login(client, district_manager_a)
    response = c.post(f"/requests/{issued.pk}/export/")
    job = UserJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/requests/jobs/{job.pk}/"
    page = c.get(response["Location"]).content.decode()
    assert "Đã xong" in page and f"/requests/jobs/{job.pk}/download" in page
    download = c.get(f"/requests/jobs/{job.pk}/download")
    assert download.status_code == 200 and b"".join(download.streaming_content)[:2] == b"PK"
    assert Notification.objects.filter(
        user=district_manager_a, title__contains="Bảng theo dõi văn bản 15/UBND-NV"
    ).exists()


def test_send_reminders_now_runs_as_a_job_and_reminds_only_units_that_have_not_delivered(
    client, tree, issued, district_manager_a, officer_a1, head_a2
):
    actions.submit_report(
        recipient=issued.recipients.get(unit=tree["A1"]),
        by=officer_a1,
        uploaded_file=SimpleUploadedFile("a.pdf", PDF, "application/pdf"),
    )
    before_a1 = Notification.objects.filter(user=officer_a1).count()
    login(client, district_manager_a).post(f"/requests/{issued.pk}/remind/")
    job = UserJob.objects.get()
    assert job.status == "succeeded" and job.message == "Đã gửi nhắc nhở tới 1 đơn vị."
    assert Notification.objects.filter(user=officer_a1).count() == before_a1
    assert Notification.objects.filter(user=head_a2, title__startswith="Quá hạn").count() == 1


def test_the_reminder_letter_lists_every_overdue_unit(client, issued, district_manager_a):
    from docx import Document

    response = login(client, district_manager_a).get(f"/requests/{issued.pk}/letter.docx")
    assert response.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    for needle in ("Yên Thượng", "Bằng Lãng", "15/UBND-NV", "19/03/2024"):
        assert needle in text


def test_the_plain_reminder_letter_is_used_when_the_documents_app_has_none(issued, monkeypatch):
    from docx import Document

    from parindex.requests import docx as letters
    from parindex.requests.selectors import tracking_rows

    monkeypatch.setattr(letters, "_documents_generator", lambda: None)
    content = letters.reminder_letter(issued, tracking_rows(issued))
    document = Document(io.BytesIO(content))
    cells = [p.text for t in document.tables for row in t.rows for cell in row.cells for p in cell.paragraphs]
    text = "\n".join([p.text for p in document.paragraphs] + cells)
    for needle in (
        "Xã Yên Thượng",
        "Xã Bằng Lãng",
        "15/UBND-NV",
        "10h00 19/03/2024",
        "Kính gửi:",
        "Nơi nhận:",
    ):
        assert needle in text


def test_the_deadline_can_be_extended_and_the_schedule_edited(client, issued, district_manager_a):
    future = timezone.localtime(timezone.now() + dt.timedelta(days=5))
    response = login(client, district_manager_a).post(
        f"/requests/{issued.pk}/edit/",
        {
            "deadline_date": future.date().isoformat(),
            "deadline_time": "16:30",
            "remind_days_before": "2, 0",
            "remind_overdue_every": "1",
            "remind_overdue_max": "3",
        },
    )
    assert response.status_code == 302
    issued.refresh_from_db()
    assert (
        issued.remind_days_before == [2, 0]
        and timezone.localtime(issued.deadline).strftime("%H:%M") == "16:30"
    )


def test_bell_counts_unread_and_opening_a_notification_marks_it_read(client, issued, officer_a1):
    c = login(client, officer_a1)
    bell = c.get("/requests/notifications/bell/", headers={"HX-Request": "true"}).content.decode()
    assert 'data-testid="unread-count">1<' in bell
    note = Notification.objects.get(user=officer_a1)
    response = c.get(f"/requests/notifications/{note.pk}/")
    assert response.status_code == 302 and "/requests/recipient/" in response["Location"]
    note.refresh_from_db()
    assert note.read_at is not None
    assert "unread-count" not in c.get("/requests/notifications/bell/").content.decode()


def test_someone_elses_notification_is_404_and_mark_all_read_is_personal(client, issued, officer_a1, head_a1):
    note = Notification.objects.get(user=officer_a1)
    c = login(client, head_a1)
    assert c.get(f"/requests/notifications/{note.pk}/").status_code == 404
    c.post("/requests/notifications/read-all/")
    assert Notification.objects.get(pk=note.pk).read_at is None
    assert not Notification.objects.filter(user=head_a1, read_at__isnull=True).exists()


def test_the_navbar_has_the_bell_slot(client, officer_a1):
    page = login(client, officer_a1).get("/requests/notifications/").content.decode()
    assert 'id="notification-bell"' in page and "/requests/notifications/bell/" in page


def test_a_user_switches_email_reminders_off(client, officer_a1):
    c = login(client, officer_a1)
    assert c.get("/requests/preferences/").status_code == 200
    assert c.post("/requests/preferences/", {}).status_code == 302
    officer_a1.refresh_from_db()
    assert officer_a1.email_notifications is False


def test_home_pages_show_the_issuer_count_and_the_recipients_open_requests(
    client, issued, district_manager_a, officer_a1
):
    page = login(client, district_manager_a).get("/").content.decode()
    assert 'data-testid="panel-requests-issued"' in page and 'data-testid="issued-count">1<' in page
    page = login(client, officer_a1).get("/").content.decode()
    assert 'data-testid="panel-requests-received"' in page and "15/UBND-NV" in page


def test_the_request_list_separates_issued_and_received(
    client, issued, district_manager_a, officer_a1, officer_b1
):
    assert "15/UBND-NV" in login(client, district_manager_a).get("/requests/").content.decode()
    assert "15/UBND-NV" in login(client, officer_a1).get("/requests/").content.decode()
    assert "15/UBND-NV" not in login(client, officer_b1).get("/requests/").content.decode()


def test_issued_at_fixture_is_before_the_deadline():
    assert ISSUED_AT < DEADLINE


def test_a_self_assessment_request_tracks_the_rounds_score_sheets(
    client,
    tree,
    district_manager_a,
    round_a,  # noqa: F811
):
    from parindex.assessments.models import Assessment

    item = actions.issue_request(
        by=district_manager_a,
        issuing_unit=tree["DA"],
        number="30/UBND-NV",
        subject="Tự đánh giá, chấm điểm Chỉ số CCHC năm 2023",
        deadline=timezone.now() + dt.timedelta(days=5),
        recipient_units=[tree["A1"], tree["A2"]],
        deliverable="self_assessment",
        round_id=round_a.pk,
    )
    Assessment.objects.filter(round=round_a, unit=tree["A1"]).update(
        status="submitted", submitted_at=timezone.now()
    )
    page = login(client, district_manager_a).get(f"/requests/{item.pk}/?sort=unit").content.decode()
    assert 'data-unit="A1"' in page
    statuses = {r.unit.code: r.status for r in tracking_rows(item)}
    assert statuses == {"A1": "on_time", "A2": "not_started"}


def test_a_self_assessment_request_needs_a_round(tree, district_manager_a):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Hãy chọn đợt đánh giá"):
        actions.issue_request(
            by=district_manager_a,
            issuing_unit=tree["DA"],
            number="31",
            subject="x",
            deadline=timezone.now() + dt.timedelta(days=5),
            recipient_units=[tree["A1"]],
            deliverable="self_assessment",
        )


def test_the_request_list_and_notifications_cost_the_same_queries_for_1_or_6_requests(
    client, tree, district_manager_a, officer_a1
):
    def issue(n):
        for i in range(n):
            actions.issue_request(
                by=district_manager_a,
                issuing_unit=tree["DA"],
                number=f"{i}/UBND",
                subject="x",
                deadline=timezone.now() + dt.timedelta(days=3),
                recipient_units=[tree["A1"], tree["A2"]],
            )

    issue(1)
    manager = login(client, district_manager_a)
    officer = login(client.__class__(), officer_a1)
    _queries(manager, "/requests/")
    _queries(officer, "/requests/notifications/")
    small = {
        "issued list": _queries(manager, "/requests/"),
        "bell page": _queries(officer, "/requests/notifications/"),
    }
    officer_list_small = _queries(officer, "/requests/")
    issue(5)
    large = {
        "issued list": _queries(manager, "/requests/"),
        "bell page": _queries(officer, "/requests/notifications/"),
    }
    assert small == large
    # Requests addressed to the officer: one resolver read per open request, at most 20 shown.
    assert _queries(officer, "/requests/") <= officer_list_small + 5


def test_closing_a_closed_request_again_is_refused_with_a_message_and_no_second_audit_entry(
    client, issued, district_manager_a
):
    from parindex.core.models import AuditEntry

    c = login(client, district_manager_a)
    c.post(f"/requests/{issued.pk}/close/")
    before = AuditEntry.objects.filter(action="requests.close").count()
    page = c.post(f"/requests/{issued.pk}/close/", follow=True).content.decode()
    assert "Yêu cầu này đã kết thúc rồi." in page
    assert AuditEntry.objects.filter(action="requests.close").count() == before == 1
