"""Login throttling beyond django-axes' user name + address pair (issue 24, finding 7):
one account failing from many addresses, and one address failing for many accounts."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import make_user

PASSWORD = "mat-khau-thu-nghiem"


def attempt(username: str, password: str, *, ip: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": ip}
    if forwarded:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return Client().post(reverse("login"), {"username": username, "password": password}, **extra)


def logged_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == reverse("home")


@pytest.mark.django_db
def test_an_account_guessed_from_many_addresses_is_locked_everywhere_with_a_vietnamese_message(
    officer_a1, settings
):
    # Three failures from each of five addresses: never 5 from one pair, 15 in all.
    for n in range(settings.PARINDEX_LOGIN_ACCOUNT_FAILURES):
        attempt("canbo.a1", "sai-mat-khau", ip=f"198.51.100.{n // 3 + 1}")
    refused = attempt("canbo.a1", PASSWORD, ip="203.0.113.50")  # the right password, a new address
    assert refused.status_code == 429
    assert "bị đăng nhập sai quá nhiều lần từ nhiều nơi" in refused.content.decode()
    assert not logged_in(refused)
    # Other accounts from those addresses are not affected by this limit.
    make_user("canbo.khac", "Ngô Thị Hoa")
    assert logged_in(attempt("canbo.khac", PASSWORD, ip="203.0.113.51"))


@pytest.mark.django_db
def test_spraying_one_wrong_password_at_many_accounts_pauses_logins_from_that_address(tree, settings):
    users = [make_user(f"nguoidung{n}", f"Người dùng {n}") for n in range(16)]
    answers = [attempt(u.username, "Mua-thu-2025", ip="192.0.2.66") for u in users]
    assert [a.status_code for a in answers].count(429) >= 16 - settings.PARINDEX_LOGIN_ADDRESS_FAILURES
    refused = attempt(users[0].username, PASSWORD, ip="192.0.2.66")
    assert refused.status_code == 429 and not logged_in(refused)
    assert "Có quá nhiều lần đăng nhập sai từ địa chỉ mạng này" in refused.content.decode()
    # The sprayed accounts themselves still log in from elsewhere.
    assert logged_in(attempt(users[0].username, PASSWORD, ip="192.0.2.77"))


@pytest.mark.django_db
def test_behind_the_proxy_the_client_address_comes_from_x_forwarded_for(tree, settings):
    settings.PARINDEX_PROXY_HOPS = 1
    users = [
        make_user(f"nguoidung{n}", f"Người dùng {n}") for n in range(settings.PARINDEX_LOGIN_ADDRESS_FAILURES)
    ]
    for u in users:  # all through the proxy at 10.0.0.2, from one client
        attempt(u.username, "sai", ip="10.0.0.2", forwarded="spoofed-by-client, 192.0.2.66")
    # Another client behind the same proxy is not paused; the spraying one is.
    assert logged_in(attempt(users[0].username, PASSWORD, ip="10.0.0.2", forwarded="192.0.2.99"))
    assert attempt(users[1].username, PASSWORD, ip="10.0.0.2", forwarded="192.0.2.66").status_code == 429
