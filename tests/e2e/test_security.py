"""In a real browser, the pages run under the CSP without a single violation, and the
two-step login works end to end with the QR page."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import login

COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline") + " " + event.sourceFile + ":" + event.lineNumber);
});
"""


@pytest.fixture
def watched_page(page):
    page.add_init_script(COLLECT_VIOLATIONS)
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    page.csp_messages = messages
    return page


def violations(page) -> list[str]:
    found = list(page.evaluate("window.__cspViolations || []"))
    found += [m for m in page.csp_messages if "Content Security Policy" in m]
    return found


def test_main_pages_run_under_the_csp_without_violations(
    watched_page, live_server, officer_a1, province_manager
):
    page = watched_page
    page.goto(f"{live_server.url}/accounts/login/")
    assert violations(page) == []
    login(page, live_server.url, "snv.p")
    for path in (
        "/",
        "/units/",
        "/frameworks/",
        "/assessments/",
        "/appraisals/",
        "/results/",
        "/plans/",
        "/requests/",
        "/remediation/",
        "/surveys/",
        "/documents/templates/",
        "/audit/",
        "/accounts/profile/",
    ):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        assert violations(page) == [], path
    # Bootstrap's JavaScript runs (a dropdown opens): external scripts are allowed, inline ones are not needed.
    page.locator("[data-testid=current-user]").click()
    assert page.locator(".dropdown-menu.show").count() == 1


def test_setting_up_two_step_login_shows_a_qr_code_and_accepts_a_code(watched_page, live_server, officer_a1):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    page = watched_page
    login(page, live_server.url, "canbo.a1")
    page.goto(f"{live_server.url}/accounts/2fa/setup/")
    assert page.locator("[data-testid=totp-qr] svg").count() == 1
    device = TOTPDevice.objects.get(user=officer_a1)
    token = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    page.locator("input[name=token]").fill(token)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(lambda url: "/2fa/" not in url)
    assert violations(page) == []
    device.refresh_from_db()
    assert device.confirmed


def test_django_admin_runs_under_the_csp_without_violations(watched_page, live_server, tree):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("root", "root@example.gov.vn", "mat-khau-thu-nghiem")
    page = watched_page
    page.goto(f"{live_server.url}/admin/login/")
    page.locator("#id_username").fill("root")
    page.locator("#id_password").fill("mat-khau-thu-nghiem")
    page.locator("input[type=submit]").click()
    page.wait_for_url(lambda url: "/admin/login/" not in url)
    for path in (
        "/admin/",
        "/admin/units/unit/",
        "/admin/units/unit/add/",
        "/admin/twofactor/requiredrole/add/",
    ):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        assert violations(page) == [], path
