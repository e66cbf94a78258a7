"""Optional TOTP two-step login: required per role, set up with a QR code, verified after login."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from parindex.core.models import AuditEntry

PASSWORD = "mat-khau-thu-nghiem"


def code(device, *, offset: int = 0) -> str:
    value = totp(device.bin_key, step=device.step, t0=device.t0 - offset * device.step, digits=device.digits)
    return f"{value:0{device.digits}d}"


def login(client, username):
    return client.post(reverse("login"), {"username": username, "password": PASSWORD})


@pytest.fixture
def managers_need_2fa(settings):
    settings.PARINDEX_2FA_REQUIRED_ROLES = ("index_manager", "admin")


@pytest.mark.django_db
def test_a_manager_must_set_up_two_step_login_then_enter_a_code_at_every_login(
    managers_need_2fa, client, province_manager
):
    login(client, "snv.p")
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_setup"))

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"<svg" in page.content  # the QR code, inline: no external image, nothing for the CSP to block
    device = TOTPDevice.objects.get(user=province_manager, confirmed=False)

    wrong = client.post(reverse("two_factor_setup"), {"token": "000000"})
    assert "Mã không đúng" in wrong.content.decode()
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()

    done = client.post(reverse("two_factor_setup"), {"token": code(device), "next": reverse("home")})
    assert done.status_code == 302 and done["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEntry.objects.filter(action="security.2fa_enabled", actor=province_manager).exists()

    client.post(reverse("logout"))
    login(client, "snv.p")
    held = client.get(reverse("audit_log"))
    assert held["Location"].startswith(reverse("two_factor_verify"))
    assert client.get(reverse("audit_log"), HTTP_HX_REQUEST="true")["HX-Redirect"] == reverse(
        "two_factor_verify"
    )

    device.refresh_from_db()
    passed = client.post(
        reverse("two_factor_verify") + "?next=/audit/", {"token": code(device, offset=1), "next": "/audit/"}
    )
    assert passed.status_code == 302 and passed["Location"] == "/audit/"
    assert client.get(reverse("audit_log")).status_code == 200


@pytest.mark.django_db
def test_a_wrong_code_is_refused_and_repeated_guesses_are_throttled(
    managers_need_2fa, client, province_manager
):
    device = TOTPDevice.objects.create(user=province_manager, name="phone", confirmed=True)
    login(client, "snv.p")
    for _ in range(2):
        refused = client.post(reverse("two_factor_verify"), {"token": "123456"})
        assert refused.status_code == 200
        assert "Mã không đúng hoặc đã hết hạn" in refused.content.decode()
    # Right code right after two failures: still refused (back-off), so codes cannot be brute-forced.
    throttled = client.post(reverse("two_factor_verify"), {"token": code(device)})
    assert throttled.status_code == 200
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.django_db
def test_an_open_redirect_through_next_is_ignored(managers_need_2fa, client, province_manager):
    device = TOTPDevice.objects.create(user=province_manager, name="phone", confirmed=True)
    login(client, "snv.p")
    response = client.post(
        reverse("two_factor_verify"), {"token": code(device), "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("home")


@pytest.mark.django_db
def test_roles_that_need_no_second_factor_are_not_held(managers_need_2fa, client, officer_a1):
    login(client, "canbo.a1")
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_by_default_nobody_is_asked_for_a_second_factor(client, province_manager, settings):
    assert settings.PARINDEX_2FA_REQUIRED_ROLES == ()
    login(client, "snv.p")
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_a_user_may_turn_on_two_step_login_without_being_required_to(
    client, officer_a1, django_assert_num_queries
):
    login(client, "canbo.a1")
    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=officer_a1)
    client.post(reverse("two_factor_setup"), {"token": code(device)})
    client.post(reverse("logout"))
    login(client, "canbo.a1")
    assert client.get(reverse("home"))["Location"].startswith(reverse("two_factor_verify"))


@pytest.mark.django_db
def test_an_administrator_requires_two_step_login_for_a_role_in_django_admin(client, appraiser_province):
    from django.contrib.auth import get_user_model

    from parindex.twofactor.models import RequiredRole

    admin = get_user_model().objects.create_superuser("root", "root@example.gov.vn", PASSWORD)
    client.force_login(admin)
    response = client.post(reverse("admin:twofactor_requiredrole_add"), {"role": "appraiser"})
    assert response.status_code == 302
    rule = RequiredRole.objects.get()
    assert rule.role == "appraiser" and rule.set_by == admin
    assert str(rule) == "Thẩm định viên" or str(rule) == "Appraiser"
    client.post(reverse("logout"))

    login(client, "thamdinh.p")
    assert client.get(reverse("home"))["Location"].startswith(reverse("two_factor_setup"))


@pytest.mark.django_db
def test_an_unknown_role_cannot_be_required(client):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root", "root@example.gov.vn", PASSWORD)
    client.force_login(admin)
    response = client.post(reverse("admin:twofactor_requiredrole_add"), {"role": "everyone"})
    assert response.status_code == 200
    assert "everyone" in response.content.decode()  # the form shows the refused choice with an error
