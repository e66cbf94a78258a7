"""The error pages: 503 + Retry-After when the database is down, never a page that needs the database."""

import pytest
from django.db import OperationalError
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(officer_a1):
    client = Client(raise_request_exception=False)
    client.force_login(officer_a1)
    return client


@pytest.fixture
def database_down(monkeypatch):
    """Every session read fails as it does while PostgreSQL restarts."""
    from django.contrib.sessions.backends.db import SessionStore

    def load(self):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(SessionStore, "load", load)


def test_a_page_asked_while_the_database_restarts_answers_503_with_retry_after_in_vietnamese(
    logged_in, database_down
):
    response = logged_in.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    page = response.content.decode()
    assert "Hệ thống đang bận hoặc đang khởi động lại" in page and "thử lại sau một phút" in page


def test_an_api_call_while_the_database_restarts_answers_503_json(logged_in, database_down):
    response = logged_in.get("/api/v1/units")
    assert response.status_code == 503 and response["Retry-After"] == "60"
    assert response.json()["code"] == "unavailable"


def test_a_real_bug_still_answers_500_with_a_page_that_needs_no_database(database_down):
    from django.test import RequestFactory

    from parindex.core.errors import server_error

    try:
        raise ZeroDivisionError
    except ZeroDivisionError:  # Django calls the handler inside the failed request's except block
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500 and "Retry-After" not in response
    assert "Đã xảy ra lỗi ngoài dự kiến" in response.content.decode()
