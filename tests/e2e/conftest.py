"""The browser harness: Playwright's sync API driving Debian's ``chromium`` against the live server.

Fixtures: ``browser`` (one Chromium per test session), ``page`` (a fresh context per test:
no cookies shared; viewport from the ``viewport`` fixture, which a test can override with
``@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}])``), and the helpers
``login(page, base_url, username, password=...)``, ``switch_user(...)`` (forget the session,
then log in as someone else) and ``click_and_wait(page, locator)`` (click something that loads
a new page, and wait for that page). Every test here is marked ``e2e``.

Robustness on a busy machine (CI runs on 2 cores next to other jobs): every Playwright wait —
actions, navigations and ``expect(...)`` assertions — is bounded by ``DEFAULT_TIMEOUT_MS``
(30 s; ``expect``'s own default of 5 s is too short under load). Tests wait for what they
need (``expect``, ``wait_for_url`` with a pattern the current page does not match,
``click_and_wait``), never with sleeps and never with a bare ``wait_for_load_state()`` after a
click (it returns at once, while the old page is still shown).

Chromium is never downloaded: the Debian package must be on the PATH (``.ci/run`` installs
it). Without it the journeys FAIL in CI (``CI`` set to anything but ``""``/``0``/``false``)
and are skipped on a developer machine. On failure a screenshot is written to
``test-results/`` (git-ignored).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a
# thread with a running loop unless told otherwise. The ORM use here is plain test setup.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

PASSWORD = "mat-khau-thu-nghiem"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEFAULT_TIMEOUT_MS = 30_000
RESULTS_DIR = Path(__file__).resolve().parents[2] / "test-results"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Mark everything here ``e2e``; run the tests on the shared browser last.

    The shared Playwright instance keeps its event loop until the session ends; a test that
    runs its own event loop afterwards (``asyncio.run``, another ``sync_playwright()``) would
    fail ("Sync API inside the asyncio loop"), so tests that use the browser run after all
    the others when the whole suite runs in one process.
    """
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)
    items.sort(key=lambda item: "browser" in getattr(item, "fixturenames", ()))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        page = item.funcargs.get("page") if hasattr(item, "funcargs") else None
        if page is not None:
            RESULTS_DIR.mkdir(exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid)[-150:]
            try:
                page.screenshot(path=str(RESULTS_DIR / f"{name}.png"), full_page=True)
            except Exception:  # noqa: BLE001, S110 — a screenshot must never hide the real failure
                pass
    return report


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def find_chromium() -> str:
    """Debian's chromium; without it fail in CI (a skipped journey is a hole in CI) and skip elsewhere."""
    path = shutil.which("chromium")
    if path is None:
        message = (
            "Debian's chromium is not on the PATH: install it with `apt-get install chromium` "
            "(.ci/run does this). Playwright must not download a browser."
        )
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def chromium_path() -> str:
    return find_chromium()


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=DEFAULT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def viewport() -> dict:
    return {"width": 1280, "height": 900}


@pytest.fixture
def page(browser, viewport, transactional_db):
    context = browser.new_context(
        viewport=viewport, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", accept_downloads=True
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    context.set_default_navigation_timeout(DEFAULT_TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    context.close()


def login(page, base_url: str, username: str, password: str = PASSWORD) -> None:
    """Log in through the form and wait until the home page has loaded."""
    opened = page.goto(f"{base_url}/accounts/login/")
    if opened is not None and opened.status >= 400:
        raise AssertionError(f"the login page answered HTTP {opened.status}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    with page.expect_navigation() as navigation:
        page.locator("#login-form button[type=submit]").click()
    response = navigation.value
    if response is not None and response.status >= 400:
        raise AssertionError(f"logging in as {username} answered HTTP {response.status} at {page.url}")
    if "/accounts/login/" in page.url:
        alerts = page.locator("[role=alert]").all_inner_texts()
        raise AssertionError(f"logging in as {username} failed: {alerts or page.title()}")
    page.wait_for_load_state("domcontentloaded")


def switch_user(page, base_url: str, username: str, password: str = PASSWORD) -> None:
    """Forget the current session (a fresh login, as on a shared office computer) and log in."""
    page.context.clear_cookies()
    login(page, base_url, username, password)


def click_and_wait(page, target) -> None:
    """Click something that loads a new page (a plain form post, a link) and wait for the new page.

    Waiting for the navigation itself is what makes this safe: the next assertion can never read
    the page that was shown before the click.
    """
    with page.expect_navigation(wait_until="domcontentloaded"):
        target.click()
