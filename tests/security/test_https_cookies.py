"""Under the production HTTPS settings: __Host- cookies with Secure/HttpOnly/SameSite, HSTS, redirect."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.deploy.test_production_settings import load_settings, production_env

COPIED = [
    "SESSION_COOKIE_NAME",
    "CSRF_COOKIE_NAME",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "LANGUAGE_COOKIE_SECURE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
    "CONTENT_SECURITY_POLICY",
    "SESSION_COOKIE_AGE",
]


@pytest.fixture
def https_settings(settings, tmp_path, monkeypatch):
    with monkeypatch.context() as patch:
        production = load_settings(patch, production_env(tmp_path))
    for name in COPIED:
        setattr(settings, name, production[name])
    return settings


@pytest.mark.django_db
def test_session_and_csrf_cookies_are_host_only_secure_and_http_only(https_settings, client, officer_a1):
    page = client.get(reverse("login"), secure=True)
    csrf = page.cookies["__Host-csrftoken"]
    assert csrf["secure"] and csrf["httponly"] and csrf["path"] == "/" and not csrf["domain"]
    assert csrf["samesite"] == "Lax"

    response = client.post(
        reverse("login"), {"username": "canbo.a1", "password": "mat-khau-thu-nghiem"}, secure=True
    )

    assert response.status_code == 302
    session = response.cookies["__Host-sessionid"]
    assert session["secure"] and session["httponly"]
    assert session["path"] == "/" and not session["domain"]
    assert session["samesite"] == "Lax"
    assert int(session["max-age"]) <= 24 * 3600
    assert "sessionid" not in response.cookies


@pytest.mark.django_db
def test_https_answers_carry_hsts_and_plain_http_is_redirected(https_settings, client):
    response = client.get(reverse("login"), secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "upgrade-insecure-requests" in response["Content-Security-Policy"]

    plain = client.get(reverse("login"))
    assert plain.status_code == 301
    assert plain["Location"].startswith("https://")


@pytest.mark.django_db
def test_behind_the_proxy_the_forwarded_scheme_counts_as_https(https_settings, client):
    response = client.get(reverse("login"), HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert "Strict-Transport-Security" in response
