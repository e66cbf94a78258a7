"""A real SMTP server on loopback (aiosmtpd): the reminder arrives with the right Vietnamese text."""

from __future__ import annotations

import email
import email.policy
import socket
import time

import pytest
from aiosmtpd.controller import Controller

from parindex.requests import reminders
from tests.requests.conftest import local


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "parindex <no-reply@chodon.example>"
    yield inbox
    controller.stop()


def _wait_for(inbox, count, timeout=5.0):
    end = time.monotonic() + timeout
    while len(inbox.messages) < count and time.monotonic() < end:
        time.sleep(0.05)


def test_reminder_email_arrives_through_a_real_smtp_server_in_vietnamese(smtp_server, issued, head_a2):
    reminders.deliver_pending_emails(now=local(2024, 3, 5, 9, 1))  # the four "new request" notices
    _wait_for(smtp_server, 4)
    smtp_server.messages.clear()
    reminders.send_due_reminders(now=local(2024, 3, 16, 7, 30))  # "3 days before"
    _wait_for(smtp_server, 4)
    assert len(smtp_server.messages) == 4
    to_hanh = [content for rcpts, content in smtp_server.messages if rcpts == ["hanh@a2.example"]]
    assert len(to_hanh) == 1
    message = email.message_from_bytes(to_hanh[0], policy=email.policy.default)
    assert (
        str(message["Subject"]).strip()
        == "Nhắc hạn: 15/UBND-NV — Xây dựng kế hoạch khắc phục tồn tại, hạn chế năm 2023"
    )
    assert message["To"] == "hanh@a2.example"
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Kính gửi Ngô Thị Hạnh," in body
    assert "Còn 3 ngày nữa là đến hạn chót 10h00 19/03/2024." in body
    assert "Đơn vị của bạn: Xã Bằng Lãng" in body
    assert "Đơn vị ban hành: Huyện Chợ Đồn" in body


def test_overdue_email_through_smtp_says_how_late_the_unit_is(smtp_server, issued):
    reminders.deliver_pending_emails(now=local(2024, 3, 5, 9, 1))
    _wait_for(smtp_server, 4)
    smtp_server.messages.clear()
    reminders.send_due_reminders(now=local(2024, 3, 21, 7, 10))
    _wait_for(smtp_server, 4)
    message = email.message_from_bytes(smtp_server.messages[0][1], policy=email.policy.default)
    assert str(message["Subject"]).strip().startswith("Quá hạn: 15/UBND-NV")
    assert (
        "Đã quá hạn 10h00 19/03/2024 được 2 ngày mà đơn vị chưa gửi kết quả."
        in message.get_body().get_content()
    )
