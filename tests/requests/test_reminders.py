"""Reminders with a fake clock: the right ones at the right times, once each, even across restarts."""

from __future__ import annotations

import datetime as dt
import socket

import pytest
from django.core import mail

from parindex.requests import actions, reminders
from parindex.requests.models import Delivery, Notification, ReminderStep
from tests.requests.conftest import DEADLINE, local


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def steps_of(unit):
    return sorted(
        k.split("@")[0]
        for k in ReminderStep.objects.filter(recipient__unit=unit).values_list("step", flat=True)
    )


def test_issuing_notifies_heads_and_officers_of_each_recipient_in_app_and_by_email(
    issued, officer_a1, head_a1, head_a2
):
    assert Notification.objects.filter(user=officer_a1).count() == 1
    note = Notification.objects.get(user=head_a2)
    assert note.title == "Yêu cầu mới 15/UBND-NV: Xây dựng kế hoạch khắc phục tồn tại, hạn chế năm 2023"
    assert "10h00 19/03/2024" in note.body
    reminders.deliver_pending_emails(now=local(2024, 3, 5, 9, 1))
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        ["an@a1.example", "binh@a1.example", "cuong@a2.example", "hanh@a2.example"]
    )


def test_reminders_go_out_at_the_right_times_once_each(issued, tree, officer_a1):
    mail.outbox.clear()
    clock = local(2024, 3, 5, 10)
    while clock < local(2024, 3, 22):
        reminders.send_due_reminders(now=clock)
        reminders.send_due_reminders(now=clock)  # a second worker (or a re-run) at the same moment
        clock += dt.timedelta(hours=1)
    expected = ["before-1", "before-3", "before-7", "issued", "on-day", "overdue-1"]
    assert steps_of(tree["A1"]) == expected
    assert steps_of(tree["A2"]) == expected
    # officer A1: 1 notice + 5 reminders in the bell, one e-mail each.
    assert Notification.objects.filter(user=officer_a1).count() == 6
    subjects = [m.subject for m in mail.outbox if m.to == ["an@a1.example"]]
    assert len(subjects) == 6
    assert subjects[0].startswith("Yêu cầu mới 15/UBND-NV")
    assert subjects[1] == "Nhắc hạn: 15/UBND-NV — Xây dựng kế hoạch khắc phục tồn tại, hạn chế năm 2023"
    assert subjects[4].startswith("Hôm nay là hạn chót: 15/UBND-NV")
    assert subjects[5].startswith("Quá hạn: 15/UBND-NV")


def test_first_reminder_is_sent_at_seven_in_the_morning_seven_days_before(issued, tree):
    reminders.send_due_reminders(now=local(2024, 3, 12, 6, 59))
    assert steps_of(tree["A1"]) == ["issued"]
    reminders.send_due_reminders(now=local(2024, 3, 12, 7, 0))
    assert steps_of(tree["A1"]) == ["before-7", "issued"]


def test_a_restarted_worker_does_not_send_pending_reminders_twice(issued, tree):
    mail.outbox.clear()
    moment = local(2024, 3, 16, 7, 5)
    # The worker planned the step (in-app notices and e-mails queued) and then stopped before sending.
    reminders.plan_reminders(now=moment)
    assert (
        Delivery.objects.filter(channel="email", status="pending").exclude(step__step="issued").count() == 4
    )
    # Restarted (two workers even): each pending e-mail goes out exactly once; nothing is planned again.
    reminders.send_due_reminders(now=moment + dt.timedelta(minutes=10))
    reminders.send_due_reminders(now=moment + dt.timedelta(minutes=11))
    reminder_mails = [m for m in mail.outbox if m.subject.startswith("Nhắc hạn")]
    assert len(reminder_mails) == 4
    assert steps_of(tree["A1"]) == ["before-3", "issued"]


def test_an_email_stuck_in_sending_after_a_crash_is_retried_later(issued):
    mail.outbox.clear()
    stuck = Delivery.objects.filter(channel="email").first()
    Delivery.objects.filter(pk=stuck.pk).update(status="sending", claimed_at=local(2024, 3, 5, 9, 0))
    reminders.deliver_pending_emails(now=local(2024, 3, 5, 9, 5))
    assert Delivery.objects.get(pk=stuck.pk).status == "sending"
    reminders.deliver_pending_emails(now=local(2024, 3, 5, 9, 20))
    assert Delivery.objects.get(pk=stuck.pk).status == "sent"


def test_units_that_delivered_get_no_more_reminders(issued, tree, officer_a1):
    from django.core.files.uploadedfile import SimpleUploadedFile

    recipient = issued.recipients.get(unit=tree["A1"])
    actions.submit_report(
        recipient=recipient,
        by=officer_a1,
        now=local(2024, 3, 10),
        uploaded_file=SimpleUploadedFile(
            "bao-cao.pdf", b"%PDF-1.4\n1 0 obj\n", content_type="application/pdf"
        ),
    )
    reminders.send_due_reminders(now=local(2024, 3, 12, 8))
    assert steps_of(tree["A1"]) == ["issued"]
    assert steps_of(tree["A2"]) == ["before-7", "issued"]


def test_closed_requests_send_nothing(issued, tree, district_manager_a):
    actions.close_request(request=issued, by=district_manager_a)
    reminders.send_due_reminders(now=local(2024, 3, 12, 8))
    assert steps_of(tree["A1"]) == ["issued"]


def test_users_who_switched_email_off_get_only_the_in_app_reminder(issued, officer_a1):
    actions.set_email_notifications(user=officer_a1, enabled=False)
    mail.outbox.clear()
    reminders.send_due_reminders(now=local(2024, 3, 12, 8))
    assert not [m for m in mail.outbox if m.to == ["an@a1.example"]]
    assert Notification.objects.filter(user=officer_a1, title__startswith="Nhắc hạn").count() == 1


def test_unreachable_smtp_is_retried_with_backoff_and_the_failure_is_shown_to_the_issuer(
    issued, settings, client, district_manager_a
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    start = local(2024, 3, 5, 9, 1)
    reminders.deliver_pending_emails(now=start)
    first = Delivery.objects.filter(channel="email").first()
    assert first.status == "pending" and first.attempts == 1 and first.last_error
    assert first.next_attempt_at == start + dt.timedelta(minutes=1)
    # Not retried before its time.
    reminders.deliver_pending_emails(now=start + dt.timedelta(seconds=30))
    assert Delivery.objects.get(pk=first.pk).attempts == 1
    clock = start
    for _ in range(reminders.MAX_ATTEMPTS + 2):
        clock += dt.timedelta(hours=4)
        reminders.deliver_pending_emails(now=clock)
    first.refresh_from_db()
    assert first.status == "failed" and first.attempts == reminders.MAX_ATTEMPTS
    # One alert for the issuer, not one per failed e-mail.
    assert Notification.objects.filter(user=district_manager_a, title__contains="không gửi được").count() == 1
    client.force_login(district_manager_a)
    page = client.get(f"/requests/{issued.pk}/").content.decode()
    assert "chưa gửi được" in page
    # Nothing lost: the issuer puts them back in the queue and they go out once the server answers.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()
    response = client.post(f"/requests/{issued.pk}/retry-emails/")
    assert response.status_code == 302
    reminders.deliver_pending_emails()
    assert len(mail.outbox) == 4
    assert not Delivery.objects.filter(channel="email").exclude(status="sent").exists()


@pytest.mark.parametrize("days", [[7, 3, 1, 0], [2]])
def test_an_edited_schedule_is_followed(issued, tree, district_manager_a, days):
    actions.update_request(
        request=issued,
        by=district_manager_a,
        deadline=DEADLINE,
        days_before=days,
        overdue_every=0,
        overdue_max=0,
        now=local(2024, 3, 6),
    )
    clock = local(2024, 3, 6)
    while clock < local(2024, 3, 30):
        reminders.send_due_reminders(now=clock)
        clock += dt.timedelta(hours=6)
    expected = {"before-7", "before-3", "before-1", "on-day"} if len(days) == 4 else {"before-2"}
    assert set(steps_of(tree["A1"])) == expected | {"issued"}


def test_the_send_reminders_command_sends_what_is_due_once(issued):
    from io import StringIO

    from django.core.management import call_command

    mail.outbox.clear()
    out = StringIO()
    call_command("send_reminders", stdout=out)
    call_command("send_reminders", stdout=StringIO())
    # Run today (years after the 2024 deadline): the 4 "new request" notices and one overdue reminder per head/officer.
    assert out.getvalue().strip() == "reminder steps: 2; e-mails sent: 8; failed attempts: 0"
    assert len(mail.outbox) == 8
