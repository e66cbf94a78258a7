"""Production settings come from the environment only, and Django's deploy checks pass with them."""

from __future__ import annotations

import os
import re
import runpy
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

import parindex.settings as settings_module

PARINDEX = str(Path(sys.executable).with_name("parindex"))


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A province deployment's environment (no server is contacted by the commands run with it)."""
    # Without the test-only switches (the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE).
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PARINDEX_", "EMAIL_", "DATABASE_URL", "DJANGO_"))
    }
    env.update(
        {
            "PARINDEX_DATA_DIR": str(tmp_path / "data"),
            "SECRET_KEY": secrets.token_urlsafe(60),
            "ALLOWED_HOSTS": "cchc.backan.gov.vn",
            "CSRF_TRUSTED_ORIGINS": "https://cchc.backan.gov.vn",
            "DATABASE_URL": "postgres://parindex:secret@127.0.0.1:1/parindex",
            "PARINDEX_HTTPS": "1",
            "PARINDEX_BEHIND_PROXY": "1",
            "PARINDEX_COLLECTSTATIC": "1",
            "PARINDEX_STORAGE": "s3",
            "PARINDEX_S3_ENDPOINT": "http://127.0.0.1:1",
            "PARINDEX_S3_BUCKET": "parindex-evidence",
            "PARINDEX_S3_ACCESS_KEY": "key",
            "PARINDEX_S3_SECRET_KEY": "secret",
            "PARINDEX_CACHE_URL": "db://parindex_cache",
            "EMAIL_HOST": "smtp.backan.gov.vn",
            "EMAIL_PORT": "587",
            "EMAIL_USE_TLS": "1",
            "PARINDEX_2FA_REQUIRED_ROLES": "admin,index_manager",
        }
    )
    env.update(extra)
    return env


def load_settings(monkeypatch, env: dict[str, str]) -> dict:
    """Evaluate settings.py under ``env`` (in this process, without touching Django's live settings)."""
    for key in list(os.environ):
        if key.startswith(
            ("PARINDEX_", "EMAIL_", "DATABASE_URL", "SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED")
        ):
            monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return runpy.run_path(settings_module.__file__)


def test_check_deploy_passes_with_production_settings(tmp_path):
    result = subprocess.run(
        [PARINDEX, "check", "--deploy", "--fail-level", "WARNING"],
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_when_https_is_off(tmp_path):
    result = subprocess.run(
        [PARINDEX, "check", "--deploy", "--fail-level", "WARNING"],
        env=production_env(tmp_path, PARINDEX_HTTPS="0"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout


def test_a_bad_variable_stops_start_up_with_a_message(tmp_path):
    result = subprocess.run(
        [PARINDEX, "check"],
        env=production_env(tmp_path, PARINDEX_CACHE_URL="memcached://x"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "PARINDEX_CACHE_URL" in result.stderr


def test_production_environment_gives_postgres_s3_cache_smtp_and_proxy_settings(tmp_path, monkeypatch):
    values = load_settings(monkeypatch, production_env(tmp_path))
    assert values["DATABASES"]["default"]["ENGINE"] == "django.db.backends.postgresql"
    assert values["DATABASES"]["default"]["CONN_MAX_AGE"] == 60
    assert values["DATABASES"]["default"]["CONN_HEALTH_CHECKS"] is True
    storage = values["STORAGES"]["default"]
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"]["bucket_name"] == "parindex-evidence"
    assert storage["OPTIONS"]["addressing_style"] == "path"
    assert storage["OPTIONS"]["default_acl"] is None
    assert storage["OPTIONS"]["file_overwrite"] is False
    assert values["STORAGES"]["staticfiles"]["BACKEND"] == "parindex.core.staticstorage.StaticFilesStorage"
    assert values["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert values["EMAIL_USE_TLS"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert values["SESSION_COOKIE_NAME"] == "__Host-sessionid"
    assert values["CSRF_COOKIE_NAME"] == "__Host-csrftoken"
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["PARINDEX_2FA_REQUIRED_ROLES"] == ("admin", "index_manager")
    assert values["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["upgrade-insecure-requests"] is True


@pytest.mark.parametrize(
    ("url", "backend"),
    [
        ("redis://cache:6379/0", "django.core.cache.backends.redis.RedisCache"),
        ("locmem://", "django.core.cache.backends.locmem.LocMemCache"),
        ("db://my_cache", "django.core.cache.backends.db.DatabaseCache"),
    ],
)
def test_cache_url_chooses_the_backend(tmp_path, monkeypatch, url, backend):
    values = load_settings(monkeypatch, production_env(tmp_path, PARINDEX_CACHE_URL=url))
    assert values["CACHES"]["default"]["BACKEND"] == backend


def test_default_embedded_settings_stay_sqlite_local_files_and_plain_cookies(tmp_path, monkeypatch):
    values = load_settings(monkeypatch, {"PARINDEX_DATA_DIR": str(tmp_path / "data")})
    assert values["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert values["STORAGES"]["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    # "__Host-" cookies need HTTPS; plain HTTP keeps Django's names.
    assert "SESSION_COOKIE_NAME" not in values


_SERVE_STATIC = """
import django, os, re
django.setup()
from django.test import Client
from django.contrib.staticfiles.storage import staticfiles_storage
url = staticfiles_storage.url("vendor/htmx/htmx.min.js")
assert re.search(r"htmx\\.min\\.[0-9a-f]{12}\\.js$", url), url
response = Client().get(url, HTTP_HOST="cchc.backan.gov.vn", HTTP_X_FORWARDED_PROTO="https", HTTP_ACCEPT_ENCODING="gzip")
assert response.status_code == 200, response.status_code
assert "immutable" in response["Cache-Control"], response["Cache-Control"]
assert response.get("Content-Encoding") == "gzip", dict(response.headers)
print("served", url)
"""


def test_collectstatic_writes_hashed_compressed_files_that_whitenoise_serves(tmp_path):
    env = production_env(tmp_path)
    result = subprocess.run(
        [PARINDEX, "collectstatic", "--noinput"], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    static_root = Path(env["PARINDEX_DATA_DIR"]) / "static"
    assert (static_root / "staticfiles.json").exists()
    assert list(static_root.glob("vendor/htmx/htmx.min.*.js.gz"))
    served = subprocess.run(
        [sys.executable, "-c", _SERVE_STATIC],
        env={**env, "DJANGO_SETTINGS_MODULE": "parindex.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert served.returncode == 0, served.stdout + served.stderr
    assert re.search(r"served /static/vendor/htmx/htmx\.min\.[0-9a-f]{12}\.js", served.stdout)


def test_gunicorn_config_reads_its_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PARINDEX_BIND", "0.0.0.0:9000")
    monkeypatch.setenv("PARINDEX_WEB_WORKERS", "5")
    config = runpy.run_path(str(Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"))
    assert config["bind"] == ["0.0.0.0:9000"]
    assert config["workers"] == 5
    assert config["wsgi_app"] == "parindex.wsgi:application"
    assert config["accesslog"] is None  # parindex.request logs every request as JSON
