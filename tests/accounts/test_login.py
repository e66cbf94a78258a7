"""Login, logout, password change, session limits and login throttling, through the views."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from parindex.core.middleware import LOGIN_AT, SEEN_AT

pytestmark = pytest.mark.django_db
PASSWORD = "mat-khau-thu-nghiem"


def login(client, username, password=PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_login_page_is_vietnamese_by_default(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "Đăng nhập" in response.content.decode()
    assert 'lang="vi"' in response.content.decode()


def test_officer_logs_in_and_lands_on_the_home_page(client, officer_a1):
    response = login(client, "canbo.a1")
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    home = client.get(reverse("home"))
    assert "Xin chào, Nguyễn Văn An" in home.content.decode()


def test_wrong_password_shows_a_vietnamese_message(client, officer_a1):
    response = login(client, "canbo.a1", "sai-mat-khau")
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.content.decode()


def test_logout_needs_post_and_ends_the_session(client, officer_a1):
    client.force_login(officer_a1)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_password_change_works_and_enforces_the_validators(client, officer_a1):
    client.force_login(officer_a1)
    short = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "ngan", "new_password2": "ngan"},
    )
    assert short.status_code == 200
    assert "Mật khẩu quá ngắn" in short.content.decode()
    ok = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Mot-mat-khau-moi-2025",
            "new_password2": "Mot-mat-khau-moi-2025",
        },
    )
    assert ok.status_code == 302
    officer_a1.refresh_from_db()
    assert officer_a1.check_password("Mot-mat-khau-moi-2025")


def test_five_failed_logins_lock_the_account(client, officer_a1):
    for _ in range(5):
        login(client, "canbo.a1", "sai-mat-khau")
    locked = login(client, "canbo.a1")  # even the right password is refused now
    assert locked.status_code == 429
    assert "Đăng nhập sai quá nhiều lần" in locked.content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_four_failed_logins_do_not_lock(client, officer_a1):
    for _ in range(4):
        login(client, "canbo.a1", "sai-mat-khau")
    assert login(client, "canbo.a1").status_code == 302


def _age_session(client, *, login_ago: float, seen_ago: float):
    session = client.session
    now = timezone.now().timestamp()
    session[LOGIN_AT] = now - login_ago
    session[SEEN_AT] = now - seen_ago
    session.save()


def test_session_idle_for_more_than_an_hour_is_logged_out(client, officer_a1):
    login(client, "canbo.a1")
    _age_session(client, login_ago=2 * 3600, seen_ago=3601)
    response = client.get(reverse("units:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "expired=1" in response["Location"]
    page = client.get(response["Location"])
    assert "Phiên làm việc đã hết hạn" in page.content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_session_older_than_eight_hours_is_logged_out_even_when_active(client, officer_a1):
    login(client, "canbo.a1")
    _age_session(client, login_ago=8 * 3600 + 1, seen_ago=10)
    assert client.get(reverse("home")).status_code == 302


def test_active_session_within_the_limits_stays(client, officer_a1):
    login(client, "canbo.a1")
    _age_session(client, login_ago=7 * 3600, seen_ago=3500)
    assert client.get(reverse("home")).status_code == 200
    # ...and that request counted as activity.
    assert timezone.now().timestamp() - client.session[SEEN_AT] < 60


def test_frozen_clock_moves_the_session_past_the_idle_limit(client, officer_a1, monkeypatch):
    login(client, "canbo.a1")
    later = timezone.now() + timezone.timedelta(minutes=61)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    assert client.get(reverse("home")).status_code == 302


def test_htmx_request_of_an_expired_session_gets_hx_redirect(client, officer_a1):
    login(client, "canbo.a1")
    _age_session(client, login_ago=9 * 3600, seen_ago=9 * 3600)
    response = client.get(reverse("units:list"), headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("login"))


def test_language_can_be_switched_before_logging_in(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    assert response.status_code == 302
    page = client.get(reverse("login"))
    assert "Log in" in page.content.decode()
    assert 'lang="en"' in page.content.decode()


def test_an_english_browser_still_gets_vietnamese_until_the_user_switches(client):
    page = client.get(reverse("login"), headers={"Accept-Language": "en-US,en;q=0.9"})
    assert 'lang="vi"' in page.content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    page = client.get(reverse("login"), headers={"Accept-Language": "vi"})
    assert 'lang="en"' in page.content.decode()


def test_an_unknown_language_cookie_falls_back_to_vietnamese(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert 'lang="vi"' in client.get(reverse("login")).content.decode()
