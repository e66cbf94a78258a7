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
}

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
def test_anonymous_visitor_is_sent_to_a_login_page(client, route):
    for method in ("get", "post"):
        response = getattr(client, method)(route.path)
        assert response.status_code in (301, 302, 401, 403), (method, route.path, response.status_code)
        if response.status_code in (301, 302):
            target = response["Location"]
            if response.status_code == 301 and not target.startswith(LOGIN_PREFIXES):
                # APPEND_SLASH and the like: follow once, then it must be a login page
                response = getattr(client, method)(target)
                target = response.get("Location", "")
            assert target.startswith(LOGIN_PREFIXES), (method, route.path, target)
        assert_security_headers(response)


@pytest.mark.django_db
def test_public_urls_are_exactly_the_allowed_ones(client):
    reachable = set()
    for route in all_routes():
        response = client.get(route.path)
        location = response.get("Location", "")
        if response.status_code in (301, 302) and location.startswith(LOGIN_PREFIXES):
            continue
        if response.status_code in (401, 403):
            continue
        reachable.add(route.name or route.path)
    assert reachable <= PUBLIC, reachable - PUBLIC


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
