"""Bad environment values stop start-up with a clear message (run in a fresh interpreter)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

GOOD_KEY = "x" * 40


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
        ({"SECRET_KEY": "short"}, "SECRET_KEY must be at least 32 characters long"),
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
