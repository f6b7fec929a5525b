"""Settings shared by every deployment. Values come from the environment through ``env``."""

from pathlib import Path

from .celery import *  # noqa: F403 - one module per integration, merged here
from .celery import REDIS_KEY_PREFIX, REDIS_URL
from .env import BASE_DIR, data_dir, database_config, env_bool, env_list, env_str, otlp_endpoint, secret_key

DATA_DIR = data_dir()
PRODUCTION = False

SECRET_KEY = secret_key(required=False)
DEBUG = env_bool("DEBUG", False, "Django debug pages. Never in production.")
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"], "Comma-separated host names Sluice answers to."
)
CSRF_TRUSTED_ORIGINS = env_list(
    "CSRF_TRUSTED_ORIGINS", [], "Comma-separated origins (https://sluice.example.com) allowed to POST forms."
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "simple_history",
    "guardian",
    "apps.core",
    "apps.accounts",
    "apps.workflows",
    "apps.engine",
    "apps.prompts",
    "apps.vault",
    "apps.audit",
    "apps.gateway",
    "apps.knowledge",
    "apps.reviews",
]

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    # Per-object permissions (shares); lists go through apps.accounts.permissions.restrict.
    "guardian.backends.ObjectPermissionBackend",
]
# No guardian "anonymous user" row: anonymous requests have no rights at all.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
# The credential vault's Fernet keys (newest first). None: the embedded default's key file in
# the data dir, made on first use (apps.vault.crypto); production requires SLUICE_VAULT_KEYS.
VAULT_KEYS: list[str] | None = None

# The model gateway's circuit breakers: open after this many failures in a row, half-open
# (one trial call) after the cool-down.
GATEWAY_BREAKER_FAILURES = 3
GATEWAY_BREAKER_COOLDOWN = 30
GATEWAY_RETRY_BASE_SECONDS = 0.2
METRICS_TOKEN = env_str(
    "METRICS_TOKEN", "", "Bearer token a Prometheus scraper sends to /metrics (staff users may read it anyway)."
)
# OpenTelemetry spans of model calls (apps.gateway.telemetry); unset: none are exported.
OTEL_EXPORTER_OTLP_ENDPOINT = otlp_endpoint()

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The client's address, for the audit entries the request writes.
    "apps.audit.middleware.AuditSourceMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Who made a change, for every history row written during the request.
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "apps.core.urls"
WSGI_APPLICATION = "apps.core.wsgi.application"
ASGI_APPLICATION = "apps.core.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": database_config(default_sqlite=DATA_DIR / "sluice.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"{REDIS_KEY_PREFIX}:cache",
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py's async client times reads out after 5 s by default, the same
                # 5 s channels-redis blocks waiting for a message: give reads room.
                "hosts": [{"address": REDIS_URL, "socket_timeout": 30}],
                "prefix": f"{REDIS_KEY_PREFIX}:asgi",
                "capacity": 1000,
            },
        }
    }
else:
    # Without Redis everything stays inside one process: fine for unit tests and
    # management commands, and /healthz says so (the launcher always provides a Redis).
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in throttling: this many failures for one username (or from one address) within the
# window lock further attempts out until the window has passed.
LOGIN_FAILURE_LIMIT = 5
LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "app"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC", "Time zone used to display dates.")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(
    env_str("SLUICE_STATIC_ROOT", None, "Where collectstatic puts static files. Unset: static/ in the data dir.")
    or DATA_DIR / "static"
)
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
FRONTEND_DIST = BASE_DIR / "frontend" / "dist"
STATICFILES_DIRS = [FRONTEND_DIST] if FRONTEND_DIST.is_dir() else []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "apps.core.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.core.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Sluice API",
    "DESCRIPTION": "Workflows, runs, prompts, models, reviews and audit. Authenticate with a session "
    "or `Authorization: Token <key>` from `POST /api/v1/auth/token/`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "RunStatusEnum": "apps.engine.models.RunStatus",
        "StepStatusEnum": "apps.engine.models.StepStatus",
        "BatchStatusEnum": "apps.engine.models.BatchStatus",
        "DocumentStatusEnum": "apps.knowledge.models.DocumentStatus",
    },
}

# Outbound HTTP (HTTP node, webhooks, model providers) refuses private and loopback
# addresses; these CIDRs or addresses are let through (e.g. an internal API).
OUTBOUND_ALLOWLIST = env_list(
    "OUTBOUND_ALLOWLIST", [], "Comma-separated CIDRs/addresses outbound HTTP may reach despite being private."
)
SLUICE_NODE_TYPES = env_list("SLUICE_NODE_TYPES", [], "Comma-separated dotted paths of extra node type classes.")

LOG_LEVEL = env_str("LOG_LEVEL", "INFO", "Log level: DEBUG, INFO, WARNING, ERROR.").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # httpx logs every request's full URL at INFO: a query string may carry a key.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        "uvicorn.access": {"level": "WARNING"},
    },
}
