"""Django settings for Dealerdesk.

Everything that differs between a laptop and production comes from the environment.
Without any variables set the project runs on its embedded defaults: SQLite in ``var/``,
local-memory cache and in-process tasks. See docs/configuration.md.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url

from dealerdesk.integration.choices import Scope


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("DEALERDESK_DATA_DIR", Path.cwd() / "var")).resolve()


def _secret_key() -> str:
    """Use DEALERDESK_SECRET_KEY, else a random key kept in the data directory."""
    if key := os.environ.get("DEALERDESK_SECRET_KEY"):
        return key
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("DEALERDESK_DEBUG", False)
ALLOWED_HOSTS = _env_list("DEALERDESK_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = _env_list("DEALERDESK_CSRF_TRUSTED_ORIGINS", "")
# Absolute address of the portal, for links in e-mails sent outside a request (tasks).
BASE_URL = os.environ.get("DEALERDESK_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # serves the API docs' Swagger UI from its own static files, not a CDN
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_ratelimit",
    "oauth2_provider",
    "dealerdesk.core",
    "dealerdesk.accounts",
    "dealerdesk.catalog",
    "dealerdesk.pricing",
    "dealerdesk.inventory",
    "dealerdesk.ordering",
    "dealerdesk.integration",
    "dealerdesk.demo",
    "dealerdesk.web.portal",
    "dealerdesk.web.backoffice",
]

MIDDLEWARE = [
    "dealerdesk.web.ops.metrics.RequestLatencyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Axes last: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dealerdesk.urls"
ASGI_APPLICATION = "dealerdesk.asgi.application"
WSGI_APPLICATION = "dealerdesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dealerdesk.web.portal.context.portal",
            ],
        },
    },
]

# --- database -----------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'dealerdesk.sqlite3'}"),
        conn_max_age=int(os.environ.get("DEALERDESK_DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and _env_bool(
    "DEALERDESK_DB_POOL", True
):
    # A pool of open connections (psycopg_pool): no connect per request, and safe under
    # ASGI, where Django's persistent connections (CONN_MAX_AGE) are not.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": int(os.environ.get("DEALERDESK_DB_POOL_SIZE", "20")),
        "timeout": float(os.environ.get("DEALERDESK_DB_POOL_TIMEOUT", "10")),
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web process and a worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache --------------------------------------------------------------------------------
if redis_url := os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": os.environ.get("DEALERDESK_CACHE_PREFIX", "dealerdesk"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- background tasks ---------------------------------------------------------------------
# "database" (the default) queues tasks in the database for `dealerdesk worker` processes;
# "immediate" runs them in the process that enqueues them (no worker needed, but a webhook
# to a slow ERP then holds up the request that placed the order).
_TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
TASKS = {
    "default": {
        "BACKEND": _TASK_BACKENDS[os.environ.get("DEALERDESK_TASKS_BACKEND", "database")],
        "QUEUES": ["default", "imports"],
    }
}

# --- auth ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:dashboard"
LOGOUT_REDIRECT_URL = "portal:login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # a reset link works for one day

# Lockout after repeated failed logins (django-axes), per account name.
AXES_FAILURE_LIMIT = int(os.environ.get("DEALERDESK_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("DEALERDESK_LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username"]
# The lock is per account, as dealers expect ("your account is locked for 15 minutes");
# throttling by address belongs to the load balancer in front of the web processes.
# django-ratelimit counts in the default cache. Embedded, that is local memory, shared by
# the one web process there is; with REDIS_URL it is Django's RedisCache, whose incr() is
# atomic across processes (the library lists only django-redis by name).
SILENCED_SYSTEM_CHECKS = ["axes.W006", "django_ratelimit.E003", "django_ratelimit.W001"]
# Public "ask for access" form: submissions per client address (django-ratelimit rate).
# The address is the connection's; behind a load balancer run uvicorn with
# --proxy-headers --forwarded-allow-ips=<the balancer> so that it is the client's, taken
# from the balancer's X-Forwarded-For and nobody else's.
DEALERDESK_ACCESS_REQUEST_RATE = os.environ.get("DEALERDESK_ACCESS_REQUEST_RATE", "10/h")
AXES_USERNAME_FORM_FIELD = "username"
# Count failures per account, whatever the case of the e-mail typed.
AXES_USERNAME_CALLABLE = "dealerdesk.web.portal.views.auth.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "dealerdesk.web.portal.views.auth.lockout_response"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True

# With a shared cache (Redis) sessions are read from it and written through to the
# database; local memory is per process, so there they stay in the database alone.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if os.environ.get("REDIS_URL")
    else "django.contrib.sessions.backends.db"
)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = _env_bool("DEALERDESK_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- e-mail -------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "DEALERDESK_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = os.environ.get("DEALERDESK_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DEALERDESK_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DEALERDESK_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DEALERDESK_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("DEALERDESK_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEALERDESK_FROM_EMAIL", "Dealerdesk <portal@example.com>")

# --- i18n, static, media ------------------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = os.environ.get("DEALERDESK_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    # Never served by URL: ERP message bodies and order documents, read through views and
    # the API that check who asks.
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": os.environ.get("DEALERDESK_PRIVATE_ROOT", str(DATA_DIR / "private"))
        },
    },
}
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# Without a collectstatic step (the embedded set-up) WhiteNoise serves from the finders.
WHITENOISE_USE_FINDERS = _env_bool("DEALERDESK_STATIC_FROM_FINDERS", True)
if WHITENOISE_USE_FINDERS:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DEALERDESK_MEDIA_ROOT", DATA_DIR / "media"))
# In production a web server or object storage serves media; embedded, Django does.
SERVE_MEDIA = _env_bool("DEALERDESK_SERVE_MEDIA", True)

# Uploads: a hard cap; bigger bodies are refused before they are read.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
PRODUCT_IMAGE_MAX_BYTES = 5 * 1024 * 1024

# --- the domain ---------------------------------------------------------------------------
# Region used to read phone numbers written without a country code.
DEALERDESK_DEFAULT_PHONE_REGION = os.environ.get("DEALERDESK_DEFAULT_PHONE_REGION", "DE")
# Stock bands shown to dealers with the "banded" display policy, unless the company has its
# own: ">10", ">100", ">1000"; below the lowest band the exact number is shown.
DEALERDESK_STOCK_BANDS = [
    int(n) for n in os.environ.get("DEALERDESK_STOCK_BANDS", "10,100,1000").split(",") if n
]
DEALERDESK_INVITE_TTL = timedelta(days=int(os.environ.get("DEALERDESK_INVITE_TTL_DAYS", "7")))
DEALERDESK_SUPPLIER_NAME = os.environ.get("DEALERDESK_SUPPLIER_NAME", "Northwind Building Supply")
# The supplier's details printed on proforma invoices.
DEALERDESK_SUPPLIER = {
    "legal_name": os.environ.get(
        "DEALERDESK_SUPPLIER_LEGAL_NAME", "Northwind Building Supply GmbH"
    ),
    "address": os.environ.get(
        "DEALERDESK_SUPPLIER_ADDRESS", "Hafenstraße 12, 20457 Hamburg, Germany"
    ),
    "tax_id": os.environ.get("DEALERDESK_SUPPLIER_TAX_ID", "DE123456789"),
    "bank_name": os.environ.get("DEALERDESK_SUPPLIER_BANK", "Hamburger Sparkasse"),
    "iban": os.environ.get("DEALERDESK_SUPPLIER_IBAN", "DE89 3704 0044 0532 0130 00"),
    "bic": os.environ.get("DEALERDESK_SUPPLIER_BIC", "HASPDEHHXXX"),
    "email": os.environ.get("DEALERDESK_SUPPLIER_EMAIL", "orders@northwind.example"),
    "phone": os.environ.get("DEALERDESK_SUPPLIER_PHONE", "+49 40 1234567"),
}
# An order over a dealer's credit limit, unless the dealer has its own policy:
# "warn" (place it and say so), "approval" (hold it for a manager) or "block".
DEALERDESK_CREDIT_POLICY = os.environ.get("DEALERDESK_CREDIT_POLICY", "approval")
# Whether a dealer may order more than a warehouse can promise, the rest on backorder
# (waiting for the next delivery); false refuses such lines, at checkout too.
DEALERDESK_ALLOW_BACKORDERS = _env_bool("DEALERDESK_ALLOW_BACKORDERS", True)
# Portal order numbers: the prefix and the order's id, e.g. DD-0000123.
DEALERDESK_ORDER_PREFIX = os.environ.get("DEALERDESK_ORDER_PREFIX", "DD-")

# --- integration ----------------------------------------------------------------------------
# OAuth2 client credentials for machine clients (django-oauth-toolkit): the token endpoint is
# /api/v1/oauth/token; a token carries the scopes its client holds (integration.scopes).
OAUTH2_PROVIDER = {
    "SCOPES": {scope.value: str(scope.label) for scope in Scope},
    "SCOPES_BACKEND_CLASS": "dealerdesk.integration.scopes.ClientScopes",
    "ACCESS_TOKEN_EXPIRE_SECONDS": int(os.environ.get("DEALERDESK_OAUTH_TOKEN_SECONDS", "3600")),
}
# django-oauth-toolkit's models are swappable; these name its own ones (a foreign key to the
# application needs the setting to exist).
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"  # noqa: S105 (a model name)
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "oauth2_provider.RefreshToken"  # noqa: S105 (a model name)
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oauth2_provider.IDToken"  # noqa: S105 (a model name)
OAUTH2_PROVIDER_GRANT_MODEL = "oauth2_provider.Grant"
OAUTH2_PROVIDER_DEVICE_GRANT_MODEL = "oauth2_provider.DeviceGrant"
# Largest inbound message body (an ERP batch of 100,000 rows is about 15 MB of JSON).
DEALERDESK_INBOUND_MAX_BYTES = int(os.environ.get("DEALERDESK_INBOUND_MAX_MB", "64")) * 1024 * 1024
# Batches up to this many rows are applied while the ERP waits and answered row by row;
# larger ones are queued as an import job (202 with the job's address).
DEALERDESK_INBOUND_SYNC_ROWS = int(os.environ.get("DEALERDESK_INBOUND_SYNC_ROWS", "1000"))
# An import that has not got further for this long is taken as stopped (its process died)
# and queued again from its stored body.
DEALERDESK_IMPORT_STALL_SECONDS = int(os.environ.get("DEALERDESK_IMPORT_STALL_SECONDS", "300"))
# A large batch of prices or stock levels is applied in this many lanes side by side on
# PostgreSQL, each with a database connection of its own (every row about a product in the
# same lane, in the order sent). 1: one lane, the connection of the import alone.
DEALERDESK_IMPORT_LANES = int(os.environ.get("DEALERDESK_IMPORT_LANES", "2"))
# Order documents (an ERP invoice PDF) up to this size.
DEALERDESK_DOCUMENT_MAX_BYTES = 20 * 1024 * 1024
# Webhook delivery: seconds between attempts (the last repeats), then dead-lettered after
# the endpoint's max attempts; the circuit opens after this many failures in a row.
DEALERDESK_WEBHOOK_BACKOFF = [
    int(n)
    for n in os.environ.get("DEALERDESK_WEBHOOK_BACKOFF", "5,30,120,600,1800,3600").split(",")
    if n
]
DEALERDESK_WEBHOOK_CIRCUIT_FAILURES = int(os.environ.get("DEALERDESK_CIRCUIT_FAILURES", "5"))
DEALERDESK_WEBHOOK_CIRCUIT_SECONDS = int(os.environ.get("DEALERDESK_CIRCUIT_SECONDS", "60"))
# /metrics asks for "Authorization: Bearer <token>" when this is set.
DEALERDESK_METRICS_TOKEN = os.environ.get("DEALERDESK_METRICS_TOKEN", "")
# Seconds a worker holds a claimed webhook delivery beyond the endpoint's timeout; a worker
# that dies mid-send leaves it to another after that.
DEALERDESK_DELIVERY_LEASE_SECONDS = int(os.environ.get("DEALERDESK_DELIVERY_LEASE_SECONDS", "5"))
# Where seed-demo writes the ERP simulator's credentials (dealerdesk erp-sim --config …).
DEALERDESK_ERP_SIM_CONFIG = Path(
    os.environ.get("DEALERDESK_ERP_SIM_CONFIG", DATA_DIR / "erp-sim.json")
)
# A worker not seen for this long is not alive (/readyz).
DEALERDESK_WORKER_STALE_SECONDS = int(os.environ.get("DEALERDESK_WORKER_STALE_SECONDS", "60"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DEALERDESK_LOG_LEVEL", "INFO")},
    # httpx logs every request at INFO: one line per webhook is noise, failures are recorded
    # on the delivery attempts.
    "loggers": {"axes": {"level": "WARNING"}, "httpx": {"level": "WARNING"}},
}
