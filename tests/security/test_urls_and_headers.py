"""Every URL of the URL conf needs a login except the few public ones, and every answer
carries the security headers (CSP without inline script, nosniff, frame denial…)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.security.urls import all_routes

# The only views an anonymous visitor may reach. Adding one is a security decision:
# extend this set in the same commit and say why in docs/security.md.
PUBLIC = {
    "login",  # the login form
    "healthz",  # load-balancer probe: booleans only
    "set_language",  # the language switch on the login page
    "admin:login",  # Django admin's own login form
    "admin:logout",  # logging out needs no login
    "admin:view_on_site",  # redirects to the object's own (login-protected) page
    # Published results are public data by design (DESIGN.md §4); unpublished scores never are.
    "results:public_index",
    "results:public_group",
    "results:public_unit",
    # Citizens answer a satisfaction survey through a secret per-respondent link, without an account.
    "surveys:answer",
    "surveys:answer_one",
}
# Views that check credentials themselves instead of sending visitors to the login form:
# Django admin (its own login page) and the REST API (401 without a token or session).
SELF_AUTHENTICATING_PREFIXES = ("admin:", "api:")
# An anonymous request may be sent to a login form or refused; it may never be served.
REFUSED = (401, 403, 404, 405)

LOGIN_PREFIXES = ("/accounts/login/", "/admin/login/")


def _routes():
    return [pytest.param(route, id=route.path) for route in all_routes() if route.name not in PUBLIC]


def assert_security_headers(response):
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    csp = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if " " in part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in directives.get("default-src", "")
    assert "unsafe-eval" not in csp


def test_the_url_conf_is_enumerated_completely():
    names = {route.name for route in all_routes()}
    assert {"login", "home", "healthz", "audit_log", "admin:index", "two_factor_verify"} <= names
    assert len(names) > 20


@pytest.mark.django_db
@pytest.mark.parametrize("route", _routes())
def test_anonymous_visitor_is_sent_to_a_login_page_or_refused(client, route):
    for method in ("get", "post"):
        response = getattr(client, method)(route.path)
        if response.status_code == 301 and not response["Location"].startswith(LOGIN_PREFIXES):
            response = getattr(client, method)(response["Location"])  # APPEND_SLASH and the like
        if response.status_code in (301, 302):
            assert response["Location"].startswith(LOGIN_PREFIXES), (method, route.path, response["Location"])
        else:
            assert response.status_code in REFUSED, (method, route.path, response.status_code)
        assert_security_headers(response)


def test_only_the_allowed_views_are_exempt_from_the_login_requirement():
    exempt = {
        route.name or route.path
        for route in all_routes()
        if getattr(route.callback, "login_required", True) is False
        and not (route.name or "").startswith(SELF_AUTHENTICATING_PREFIXES)
    }
    assert {"login", "healthz", "set_language"} <= exempt  # the marker is really read
    assert exempt <= PUBLIC, f"views marked login_not_required but not allowed: {sorted(exempt - PUBLIC)}"


@pytest.mark.django_db
def test_public_pages_are_reachable_without_login(client):
    for name in ("login", "healthz"):
        assert client.get(reverse(name)).status_code == 200


@pytest.mark.django_db
def test_login_page_and_health_check_carry_the_security_headers(client):
    for url in (reverse("login"), reverse("healthz")):
        assert_security_headers(client.get(url))


@pytest.mark.django_db
def test_pages_of_a_logged_in_user_are_not_cached(client, officer_a1):
    client.force_login(officer_a1)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert_security_headers(response)
