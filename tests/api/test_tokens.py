"""Personal API tokens: hashed storage, shown once, expiry, revocation, last use; the session path."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.test import Client
from django.utils import timezone

from parindex.api.actions import create_token
from parindex.api.models import ApiToken
from parindex.core.models import AuditEntry


def login(client, user):
    client.force_login(user)
    return client


def bearer(secret):
    return {"Authorization": f"Bearer {secret}"}


def test_the_token_page_shows_a_new_token_once_and_stores_only_its_hash(client, officer_a1):
    login(client, officer_a1)
    response = client.post("/api/tokens/", {"name": "Bảng điều khiển tỉnh", "expires_in_days": "90"})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=officer_a1)
    secret = response.context["secret"]
    assert secret.startswith(f"pdx_{token.prefix}_")
    assert secret in response.content.decode()
    assert token.hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str([getattr(token, f.attname) for f in ApiToken._meta.concrete_fields])
    assert AuditEntry.objects.filter(action="api.token.create", actor=officer_a1).exists()
    # shown once: the list page never shows it again
    again = client.get("/api/tokens/")
    assert secret not in again.content.decode()
    assert token.prefix in again.content.decode()
    assert abs(token.expires_at - (timezone.now() + dt.timedelta(days=90))) < dt.timedelta(minutes=1)


def test_the_token_page_needs_a_name_with_a_vietnamese_message(client, officer_a1):
    login(client, officer_a1)
    response = client.post("/api/tokens/", {"name": "", "expires_in_days": "90"})
    assert response.status_code == 400
    assert "Trường này là bắt buộc." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_token_authenticates_and_notes_its_last_use(client, officer_a1, tree):
    token, secret = create_token(user=officer_a1, name="x")
    assert token.last_used_at is None
    response = client.get(f"/api/v1/units/{tree['A1'].pk}", headers=bearer(secret))
    assert response.status_code == 200
    assert response.json()["code"] == "A1"
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_an_expired_token_answers_401(client, officer_a1, tree):
    token, secret = create_token(user=officer_a1, name="x", expires_in_days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.get("/api/v1/units", headers=bearer(secret))
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json; charset=utf-8"


def test_a_revoked_token_answers_401_and_revoking_is_audited(client, officer_a1, tree):
    token, secret = create_token(user=officer_a1, name="x")
    login(client, officer_a1)
    assert client.post(f"/api/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEntry.objects.filter(action="api.token.revoke").count() == 1
    assert Client().get("/api/v1/units", headers=bearer(secret)).status_code == 401


def test_nobody_revokes_another_users_token(client, officer_a1, officer_b1):
    token, _secret = create_token(user=officer_a1, name="x")
    login(client, officer_b1)
    assert client.post(f"/api/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_token_of_an_inactive_user_answers_401(client, officer_a1):
    _token, secret = create_token(user=officer_a1, name="x")
    officer_a1.is_active = False
    officer_a1.save()
    assert client.get("/api/v1/units", headers=bearer(secret)).status_code == 401


@pytest.mark.parametrize(
    "header", ["Bearer", "Bearer nonsense", "Bearer pdx_abc_def", "Token abc", "Basic eDp5"]
)
def test_a_bad_authorization_header_answers_401_json_not_a_redirect(client, db, header):
    response = client.get("/api/v1/units", headers={"Authorization": header})
    assert response.status_code == 401
    assert "detail" in response.json()


def test_the_session_reads_the_api_and_writes_only_with_the_csrf_token(officer_a1, tree):
    from tests.assessments.factories import make_framework, open_test_round, score_of

    client = Client(enforce_csrf_checks=True)
    login(client, officer_a1)
    assert client.get("/api/v1/units").status_code == 200
    # a sheet to write to
    from parindex.units.models import Membership

    manager = officer_a1.__class__.objects.create_user(username="m", password="mat-khau-thu-nghiem")
    Membership.objects.create(user=manager, unit=tree["DA"], role="index_manager")
    rnd = open_test_round(make_framework(tree["P"]), manager, tree["DA"])
    sheet = rnd.assessments.get(unit=tree["A1"])
    score = score_of(sheet, "1.1")
    url = f"/api/v1/sheets/{sheet.pk}/scores/{score.pk}"
    body = {"version": score.version, "inputs": {"value": True}}
    refused = client.put(url, body, content_type="application/json")
    assert refused.status_code == 403
    client.get("/api/tokens/")  # sets the CSRF cookie, as any page does
    csrf = client.cookies["csrftoken"].value
    ok = client.put(url, body, content_type="application/json", headers={"X-CSRFToken": csrf})
    assert ok.status_code == 200, ok.content
    assert ok.json()["self_points"] == "2.0000"


def test_the_interactive_docs_are_for_logged_in_users_only(client, officer_a1):
    response = client.get("/api/v1/docs")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get("/api/v1/openapi.json").status_code == 401
    login(client, officer_a1)
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page and "cdn" not in page.lower()  # no CDN
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/sheets/{sheet_id}/scores/{score_id}" in schema["paths"]


def test_the_schema_can_be_read_with_a_token(client, officer_a1):
    _token, secret = create_token(user=officer_a1, name="x")
    assert client.get("/api/v1/openapi.json", headers=bearer(secret)).status_code == 200


def test_the_api_token_command_prints_a_working_token(officer_a1):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("api_token", officer_a1.username, "--name", "script", stdout=out)
    secret = out.getvalue().strip()
    assert Client().get("/api/v1/units", headers=bearer(secret)).status_code == 200


# --- Issue 24, finding 6: a token never skips the two-step login a role requires ------------------


@pytest.fixture
def managers_need_2fa(settings):
    settings.PARINDEX_2FA_REQUIRED_ROLES = ("index_manager", "admin")


def _totp_code(device) -> str:
    from django_otp.oath import totp

    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


def test_a_token_minted_before_two_step_login_was_required_answers_403_json(
    client, province_manager, managers_need_2fa
):
    from django.test import override_settings

    with override_settings(PARINDEX_2FA_REQUIRED_ROLES=()):
        _token, secret = create_token(user=province_manager, name="bảng điều khiển")
    response = client.get("/api/v1/units", headers={**bearer(secret), "Accept-Language": "vi"})
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "đăng nhập hai bước" in response.json()["detail"]
    assert response.json()["code"] == "two_factor_required"
    assert client.get("/api/v1/openapi.json", headers=bearer(secret)).status_code == 403
    english = client.get("/api/v1/units", headers={**bearer(secret), "Accept-Language": "en"})
    assert "two-step login" in english.json()["detail"]


def test_a_manager_who_must_use_two_step_login_makes_a_working_token_only_after_entering_a_code(
    province_manager, managers_need_2fa
):
    import io

    from django.core.exceptions import ValidationError
    from django.core.management import CommandError, call_command
    from django_otp.plugins.otp_totp.models import TOTPDevice

    browser = Client()
    browser.post("/accounts/login/", {"username": "snv.p", "password": "mat-khau-thu-nghiem"})
    held = browser.post("/api/tokens/", {"name": "x", "expires_in_days": "30"})
    assert held.status_code == 302 and "/2fa/setup/" in held["Location"]
    # Neither the workflow step nor the operator's command mints one without the second factor.
    with pytest.raises(ValidationError):
        create_token(user=province_manager, name="x")
    with pytest.raises(CommandError, match="two-step login"):
        call_command("api_token", "snv.p", stdout=io.StringIO())
    assert not ApiToken.objects.exists()

    browser.get("/accounts/2fa/setup/")
    device = TOTPDevice.objects.get(user=province_manager)
    assert browser.post("/accounts/2fa/setup/", {"token": _totp_code(device)}).status_code == 302
    made = browser.post("/api/tokens/", {"name": "bảng điều khiển", "expires_in_days": "30"})
    assert made.status_code == 200
    secret = made.context["secret"]
    assert ApiToken.objects.get(user=province_manager).two_factor
    assert Client().get("/api/v1/units", headers=bearer(secret)).status_code == 200
    # Lost phone: the administrator deletes the device; the token stops until a new one is set up.
    TOTPDevice.objects.filter(user=province_manager).delete()
    assert Client().get("/api/v1/units", headers=bearer(secret)).status_code == 403


def test_a_session_still_waiting_for_the_second_step_gets_401_json_from_the_api(
    province_manager, managers_need_2fa
):
    browser = Client()
    browser.post("/accounts/login/", {"username": "snv.p", "password": "mat-khau-thu-nghiem"})
    response = browser.get("/api/v1/units")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert "đăng nhập hai bước" in response.json()["detail"]
    assert browser.get("/api/v1/openapi.json").status_code == 401
