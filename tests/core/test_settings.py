"""Bad environment values stop start-up with a clear message (run in a fresh interpreter)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

GOOD_KEY = "k3J9-pQ2_vX7wZ1mN8bL4cR6tY0aS5dF2gH7jK9lP3oI6uE1rT4yW8qV0zB5nM"


def _start(tmp_path, **env):
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("PARINDEX_", "DATABASE_URL", "SECRET_KEY"))
    }
    environment.update(
        {"PARINDEX_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "parindex.settings", **env}
    )
    return subprocess.run(
        [sys.executable, "-c", "import parindex.settings"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PARINDEX_DEBUG": "maybe"}, "PARINDEX_DEBUG='maybe' is not a boolean"),
        (
            {"DATABASE_URL": "mysql://user:pw@localhost/parindex"},
            "DATABASE_URL must point to SQLite or PostgreSQL",
        ),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL is not a database URL"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY must be at least 50 characters long"),
        ({"PARINDEX_UPLOAD_MAX_MB": "abc"}, "PARINDEX_UPLOAD_MAX_MB='abc' is not a whole number"),
        ({"PARINDEX_UPLOAD_MAX_MB": "0"}, "PARINDEX_UPLOAD_MAX_MB=0 is below the minimum 1"),
        ({"PARINDEX_SESSION_HOURS": "100"}, "PARINDEX_SESSION_HOURS=100 is above the maximum 24"),
        ({"ALLOWED_HOSTS": "a.gov.vn,,b.gov.vn"}, "ALLOWED_HOSTS='a.gov.vn,,b.gov.vn' has an empty item"),
        ({"PARINDEX_STORAGE": "ftp"}, "PARINDEX_STORAGE='ftp' is not one of: local, s3"),
    ],
)
def test_a_bad_environment_value_stops_start_up_with_a_clear_message(tmp_path, env, message):
    result = _start(tmp_path, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("Zx8#kQ2!mV7pL4tR9wB1nC6yH3jF5dS0", id="32-random-characters"),
        pytest.param("x" * 60, id="60-characters-one-letter"),
        pytest.param(
            "django-insecure-" + "k3J9pQ2vX7wZ1mN8bL4cR6tY0aS5dF2gH7jK9lP3", id="django-insecure-prefix"
        ),
    ],
)
def test_a_secret_key_that_check_deploy_would_warn_about_stops_start_up(tmp_path, key):
    """Issue 24, finding 11: the settings refuse what `check --deploy` warns about (security.W009)."""
    result = _start(tmp_path, SECRET_KEY=key)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY must be at least 50 characters long" in result.stderr
    assert "secrets.token_urlsafe(50)" in result.stderr  # and says how to make a good one


def test_good_values_start(tmp_path):
    result = _start(tmp_path, SECRET_KEY=GOOD_KEY, PARINDEX_DEBUG="no", PARINDEX_UPLOAD_MAX_MB="20")
    assert result.returncode == 0, result.stderr


def test_the_console_script_reports_a_configuration_error_without_a_traceback(tmp_path):
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("PARINDEX_", "DATABASE_URL", "SECRET_KEY"))
    }
    environment.update({"PARINDEX_DATA_DIR": str(tmp_path), "PARINDEX_DEBUG": "maybe"})
    parindex = os.path.join(os.path.dirname(sys.executable), "parindex")
    result = subprocess.run([parindex, "check"], env=environment, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "parindex: configuration error: PARINDEX_DEBUG='maybe' is not a boolean" in result.stderr
    assert "Traceback" not in result.stderr
