"""Every URL of the URL conf needs a login, except the login page, the health check and the language switch."""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

# Public on purpose; adding a view here is a design decision and needs a reason.
PUBLIC = {
    "login",  # the login form
    "healthz",  # load balancer probe
    "set_language",  # the language switch on the login page
    "admin:login",  # Django admin's own login form
    "surveys:answer",  # citizens answer a sociological survey through a personal link (token in the URL)
    "surveys:answer_one",  # ...and its autosave
}
API_PREFIX = "api:v1:"
PUBLIC_PREFIXES = (
    "results:public_",  # published results are public data (DESIGN.md §4; results app)
)
SAMPLE = {
    "int": "1",
    "str": "x",
    "slug": "x",
    "uuid": str(uuid.UUID(int=1)),
    "path": "x/y",
}  # fixed: xdist collects identically


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name or ''}", prefix + str(entry.pattern)


def _url(route: str) -> str | None:
    if route.startswith("^") or "(?P" in route:  # regex routes (admin): fill groups with a sample
        route = route.lstrip("^").rstrip("$")
        route = re.sub(r"\(\?P<\w+>[^)]*\)", "1", route)
        route = route.replace("\\", "")
        if any(ch in route for ch in "()[]?*+|"):
            return None
    route = re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE.get(m.group(1) or "str", "x"), route)
    return "/" + route


ROUTES = sorted({(name, url) for name, route in _walk(get_resolver().url_patterns) if (url := _url(route))})


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "url"), ROUTES, ids=[f"{n or '?'} {u}" for n, u in ROUTES])
def test_anonymous_visitor_is_sent_to_a_login_page(client, name, url):
    if name in PUBLIC or name.startswith(PUBLIC_PREFIXES):
        pytest.skip("public by design")
    if name == "api:v1_not_found":
        # The catch-all under /api/v1/ (a typo, an id that is not a number; a regular expression
        # the walker cannot fill in) exists for nobody: it answers the API's JSON 404 to everyone,
        # and shows no data.
        response = client.get("/api/v1/no-such-thing/-1")
        assert response.status_code == 404 and response["Content-Type"] == "application/json"
        assert response.json()["detail"]
        return
    response = client.get(url)
    if name.startswith(API_PREFIX):
        # The REST API authenticates by itself (token or session) and answers 401, not a redirect;
        # endpoints of another method are asked with it; django-ninja's bare root has no content (404).
        for other_method in (client.post, client.put, client.patch, client.delete):
            if response.status_code != 405:
                break
            response = other_method(url)
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("login")), response["Location"]
            return
        expected = (401, 404) if name == f"{API_PREFIX}api-root" else (401,)
        assert response.status_code in expected, f"{url} answered {response.status_code} without login"
        return
    assert response.status_code == 302, f"{url} answered {response.status_code} without login"
    location = response["Location"]
    assert location.startswith((reverse("login"), reverse("admin:login"))), location


@pytest.mark.django_db
def test_the_public_urls_answer_without_login(client):
    assert client.get(reverse("login")).status_code == 200
    assert client.get(reverse("healthz")).status_code in (200, 503)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"


def test_the_enumeration_found_the_foundation_urls():
    names = {name for name, _url in ROUTES}
    assert {
        "home",
        "units:list",
        "units:detail",
        "units:import",
        "audit_log",
        "profile",
        "users_import",
    } <= names
