"""Production: a real secret key, HTTPS everywhere, nothing debug. ``check --deploy`` is clean."""

from .base import *  # noqa: F403
from .env import env_bool, env_int, secret_key, vault_keys

PRODUCTION = True
SECRET_KEY = secret_key(required=True)
VAULT_KEYS = vault_keys(required=True)
DEBUG = False

# Behind a TLS-terminating proxy, trust its X-Forwarded-Proto header.
if env_bool("TRUST_PROXY_HEADERS", True, "Trust X-Forwarded-Proto/Host from the reverse proxy (production)."):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True, "Redirect plain HTTP to HTTPS (production).")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, "HSTS max-age in seconds (production).")
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
