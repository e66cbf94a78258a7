"""The one settings module of parindex, driven by environment variables.

Zero-setup default: SQLite and local files under ``PARINDEX_DATA_DIR`` (``./var``).
Production: set ``DATABASE_URL`` (PostgreSQL), ``SECRET_KEY``, ``ALLOWED_HOSTS`` and the
storage/e-mail variables. Every variable is parsed strictly (see ``parindex.env``);
the table of variables is in README.md.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from parindex.env import env_bool, env_choice, env_int, env_list, env_str

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("PARINDEX_DATA_DIR", "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("PARINDEX_DEBUG", False)


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the data dir.

    A key from the environment must pass Django's own ``check --deploy`` rule (security.W009:
    at least 50 characters, at least 5 different ones, not a ``django-insecure-`` key): the
    settings refuse to start with a key that the deployment check would only warn about.
    """
    from django.core.checks.security.base import (
        SECRET_KEY_INSECURE_PREFIX,
        SECRET_KEY_MIN_LENGTH,
        SECRET_KEY_MIN_UNIQUE_CHARACTERS,
    )

    value = env_str("SECRET_KEY")
    if value is not None:
        if (
            len(value) < SECRET_KEY_MIN_LENGTH
            or len(set(value)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
            or value.startswith(SECRET_KEY_INSECURE_PREFIX)
        ):
            raise ImproperlyConfigured(
                f"SECRET_KEY must be at least {SECRET_KEY_MIN_LENGTH} characters long, with at least "
                f"{SECRET_KEY_MIN_UNIQUE_CHARACTERS} different characters and not start with "
                f"'{SECRET_KEY_INSECURE_PREFIX}' (the rule of `parindex check --deploy`). Make one with: "
                "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
            )
        return value
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # parindex first: for the same English text its own Vietnamese translation (and its templates)
    # must win over Django's (admin translates "History" as "Bản ghi nhớ", "Class" as "Phân loại", …).
    "parindex.twofactor",
    "parindex.core",
    "parindex.accounts",
    "parindex.units",
    "parindex.frameworks",
    "parindex.assessments",
    "parindex.appraisals",
    "parindex.results",
    "parindex.documents",
    "parindex.requests",
    "parindex.plans",
    "parindex.remediation",
    "parindex.surveys",
    "parindex.api",
    "parindex.loadgen",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks.backends.database",
    "ninja",  # the API docs page served from local static files (no CDN)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "parindex.core.logging.RequestLogMiddleware",
    "csp.middleware.CSPMiddleware",
    "parindex.core.security.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "parindex.core.middleware.LanguageMiddleware",  # Vietnamese unless chosen otherwise (not Accept-Language)
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "parindex.core.middleware.SessionTimeoutMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "parindex.core.security.TwoFactorMiddleware",
    "parindex.accounts.middleware.ForcePasswordChangeMiddleware",  # first login: own password first
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "parindex.urls"
WSGI_APPLICATION = "parindex.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "parindex.core.context_processors.shell",
            ],
            "builtins": ["parindex.core.templatetags.parindex"],
        },
    }
]

# --- Database -------------------------------------------------------------------
_default_db = f"sqlite:///{DATA_DIR / 'parindex.sqlite3'}"
try:
    DATABASES = {"default": dj_database_url.parse(env_str("DATABASE_URL", _default_db), conn_max_age=60)}
except (ValueError, KeyError) as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL this app understands: {exc}")
if DATABASES["default"]["ENGINE"] not in (
    "django.db.backends.sqlite3",
    "django.db.backends.postgresql",
):
    raise ImproperlyConfigured("DATABASE_URL must point to SQLite or PostgreSQL.")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    # PostgreSQL: persistent connections are checked before reuse, so a database restart or
    # failover does not surface as errors; PARINDEX_DB_CONN_MAX_AGE=0 behind PgBouncer.
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("PARINDEX_DB_CONN_MAX_AGE", 60, minimum=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts, sessions, login throttling ---------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Absolute session lifetime and idle timeout (enforced by SessionTimeoutMiddleware).
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=env_int("PARINDEX_SESSION_HOURS", 8, minimum=1, maximum=24))
SESSION_IDLE_TIMEOUT = timedelta(minutes=env_int("PARINDEX_IDLE_MINUTES", 60, minimum=5, maximum=24 * 60))
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_TIMEOUT.total_seconds())
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
HTTPS = env_bool("PARINDEX_HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
# Login throttling (accounts/throttle.py, docs/security.md): 5 failures of a user name from one
# address lock that pair for 15 minutes (axes); besides, one account failing from any
# addresses and one address failing for any accounts are limited over longer windows.
AXES_FAILURE_LIMIT = env_int("PARINDEX_LOGIN_FAILURES", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HANDLER = "parindex.accounts.throttle.LoginThrottleHandler"
AXES_LOCKOUT_CALLABLE = "parindex.accounts.throttle.lockout_response"
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # the rows the two wider limits count
AXES_CLIENT_IP_CALLABLE = "parindex.accounts.throttle.client_ip"
PARINDEX_LOGIN_ACCOUNT_FAILURES = env_int("PARINDEX_LOGIN_ACCOUNT_FAILURES", 15, minimum=1)
PARINDEX_LOGIN_ACCOUNT_WINDOW_HOURS = env_int("PARINDEX_LOGIN_ACCOUNT_WINDOW_HOURS", 6, minimum=1, maximum=24 * 7)
PARINDEX_LOGIN_ADDRESS_FAILURES = env_int("PARINDEX_LOGIN_ADDRESS_FAILURES", 10, minimum=1)
PARINDEX_LOGIN_ADDRESS_WINDOW_MINUTES = env_int(
    "PARINDEX_LOGIN_ADDRESS_WINDOW_MINUTES", 30, minimum=1, maximum=24 * 60
)

# --- Security headers (owned by issue 11; see docs/security.md) --------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# The CSRF token reaches HTMX through the page (hx-headers on <body>), never through JS
# reading the cookie, so the cookie can be HttpOnly.
CSRF_COOKIE_HTTPONLY = True
if HTTPS:
    SECURE_SSL_REDIRECT = env_bool("PARINDEX_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("PARINDEX_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # "__Host-" cookies are only accepted by browsers when Secure, Path=/ and without a
    # Domain: a sibling sub-domain cannot plant or overwrite them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    LANGUAGE_COOKIE_SECURE = True
BEHIND_PROXY = env_bool("PARINDEX_BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
# The client address for login throttling: behind N reverse proxies in a row, the N-th
# X-Forwarded-For entry from the right (the one the outermost trusted proxy appended).
PARINDEX_PROXY_HOPS = env_int("PARINDEX_PROXY_HOPS", 1 if BEHIND_PROXY else 0, minimum=0, maximum=5)
# Content-Security-Policy (django-csp): no inline script, no eval, nothing from other origins.
# style-src-attr allows style="" attributes (progress-bar widths) but never <style> blocks;
# the one <style> allowed is the indicator rule htmx 2.0.x inserts, by its hash
# (tests/e2e/test_security.py fails if an htmx upgrade changes it).
HTMX_INDICATOR_STYLE_HASH = "'sha256-faU7yAF8NxuMTNEwVmBz+VcYeIoBQ2EMHW3WaVxCvnk='"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", HTMX_INDICATOR_STYLE_HASH],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        **({"upgrade-insecure-requests": True} if HTTPS else {}),
    }
}
# Optional TOTP two-factor login (django-otp): the roles that must use it, e.g.
# "admin,index_manager,appraiser" ("admin" includes superusers). Anyone may turn it on.
PARINDEX_2FA_REQUIRED_ROLES = tuple(env_list("PARINDEX_2FA_REQUIRED_ROLES", []))
OTP_TOTP_ISSUER = env_str("PARINDEX_2FA_ISSUER", "parindex")

# Encryption of `parindex backup` with the operator's age key (core/backup_crypto.py,
# docs/deployment.md): an identity file (AGE-SECRET-KEY-1…, as age-keygen writes it), the
# identity itself, or public keys only (age1…, enough to write a backup, not to restore).
PARINDEX_BACKUP_KEY_FILE = env_str("PARINDEX_BACKUP_KEY_FILE", "")
PARINDEX_BACKUP_KEY = env_str("PARINDEX_BACKUP_KEY", "")
PARINDEX_BACKUP_RECIPIENTS = tuple(env_list("PARINDEX_BACKUP_RECIPIENTS", []))

# --- Cache ---------------------------------------------------------------------------------
# PARINDEX_CACHE_URL: "db://parindex_cache" (default; run `parindex createcachetable`),
# "redis://host:6379/0" (needs the `redis` package), "locmem://" or "dummy://".
CACHE_URL = env_str("PARINDEX_CACHE_URL", "db://parindex_cache")
if CACHE_URL.startswith("db://"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": CACHE_URL.removeprefix("db://") or "parindex_cache",
        }
    }
elif CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
elif CACHE_URL.startswith("locmem://"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
elif CACHE_URL.startswith("dummy://"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
else:
    raise ImproperlyConfigured(
        f"PARINDEX_CACHE_URL={CACHE_URL!r}: use db://TABLE, redis://…, locmem:// or dummy://."
    )

# --- Language, time, formats --------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["parindex.formats"]

# --- Files ----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every start if it is missing
# The project-wide assets (Bootstrap, htmx, ECharts, app.css) live beside settings.py;
# `parindex` itself is not an installed app, so the app-directories finder misses them.
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media-not-served/"  # evidence is only ever served through permission-checked views
STORAGE_BACKEND = env_choice("PARINDEX_STORAGE", "local", ("local", "s3"))
if STORAGE_BACKEND == "s3":
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "endpoint_url": env_str("PARINDEX_S3_ENDPOINT"),
            "bucket_name": env_str("PARINDEX_S3_BUCKET"),
            "access_key": env_str("PARINDEX_S3_ACCESS_KEY"),
            "secret_key": env_str("PARINDEX_S3_SECRET_KEY"),
            "region_name": env_str("PARINDEX_S3_REGION", "us-east-1"),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
            # SeaweedFS, MinIO and Ceph on a private host name answer path-style requests.
            "addressing_style": env_choice(
                "PARINDEX_S3_ADDRESSING_STYLE", "path", ("path", "virtual", "auto")
            ),
            "signature_version": "s3v4",
            "location": env_str("PARINDEX_S3_PREFIX", ""),
            # storage.open() buffers a whole object; past this size the buffer goes to a temp file.
            "max_memory_size": 2 * 1024 * 1024,
        },
    }
    if not _default_storage["OPTIONS"]["bucket_name"]:
        raise ImproperlyConfigured("PARINDEX_STORAGE=s3 needs PARINDEX_S3_BUCKET.")
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
# Production (PARINDEX_COLLECTSTATIC=1): `parindex collectstatic` writes hashed, compressed
# files to STATIC_ROOT and WhiteNoise serves them with far-future cache headers.
_COLLECTED_STATIC = not DEBUG and env_bool("PARINDEX_COLLECTSTATIC", False)
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "parindex.core.staticstorage.StaticFilesStorage"
        if _COLLECTED_STATIC
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not _COLLECTED_STATIC
# Published results on public pages without login (results app); off hides /results/public/.
PARINDEX_PUBLIC_RESULTS = env_bool("PARINDEX_PUBLIC_RESULTS", True)
# A worker silent (no heartbeat) this long is taken for dead: its running jobs are failed
# cleanly so they can be started again (core.jobs.recover_lost_tasks).
PARINDEX_WORKER_LOST_SECONDS = env_int("PARINDEX_WORKER_LOST_SECONDS", 120, minimum=5, maximum=24 * 3600)
UPLOAD_MAX_MB = env_int("PARINDEX_UPLOAD_MAX_MB", 50, minimum=1, maximum=2048)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Imports read their file in a child process under these limits (core/limits.py): wall-clock
# seconds and memory in MB on top of the worker's own size.
PARINDEX_IMPORT_TIME_LIMIT = env_int("PARINDEX_IMPORT_TIME_LIMIT", 120, minimum=5, maximum=3600)
PARINDEX_IMPORT_MEMORY_MB = env_int("PARINDEX_IMPORT_MEMORY_MB", 512, minimum=64, maximum=16384)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- E-mail -----------------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20, minimum=1)
    if EMAIL_USE_TLS and EMAIL_USE_SSL:
        raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on.")
else:
    # Embedded default: messages are written as files under the data dir.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = DATA_DIR / "outbox"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "parindex <no-reply@localhost>")

# --- Background work (owned by the requests/jobs issue) ------------------------------
# django-tasks with its database backend: ``parindex worker`` runs the queue and the
# periodic scheduler (parindex.core.jobs). Tasks are enqueued when the transaction commits.
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.database.DatabaseBackend",
        "QUEUES": ["default"],
        "ENQUEUE_ON_COMMIT": True,
    }
}
# Absolute address of the site, prefixed to links in reminder e-mails ("https://cchc.example.gov.vn").
PARINDEX_SITE_URL = (env_str("PARINDEX_SITE_URL", "") or "").rstrip("/")

# --- Logging -----------------------------------------------------------------------------
# PARINDEX_LOG_FORMAT=json (default unless DEBUG): one JSON object a line with a UTC
# timestamp; "parindex.request" logs every request, "parindex.audit" every audit entry.
LOG_FORMAT = env_choice("PARINDEX_LOG_FORMAT", "plain" if DEBUG else "json", ("json", "plain"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "parindex.core.logging.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {
        "handlers": ["console"],
        "level": env_choice("PARINDEX_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
    },
    "loggers": {
        "django.request": {"level": "ERROR"},
        "axes": {"level": "WARNING"},
        # The worker's own task lines (one per periodic job every minute) only when something fails.
        "django_tasks": {"level": "WARNING"},
        "parindex.request": {"level": "INFO"},
        "parindex.audit": {"level": "INFO"},
    },
}
