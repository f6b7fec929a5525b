"""The one place that reads the environment.

Every variable Sluice understands is declared here through one of the ``env_*`` helpers,
which also records it in ``REGISTRY`` so the README's configuration table and the
docker compose file can be checked against the code. Bad values raise ``ConfigError``
whose message is one line naming the variable; ``manage.py`` and the launcher print it
and exit instead of showing a traceback.
"""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parents[3]


class ConfigError(ImproperlyConfigured):
    """A configuration value is missing or malformed; the message names the variable."""

    def __init__(self, variable: str, problem: str):
        self.variable = variable
        self.problem = problem
        super().__init__(f"{variable}: {problem}")


@dataclass(frozen=True)
class Variable:
    name: str
    default: str
    help: str


REGISTRY: dict[str, Variable] = {}


def _declare(name: str, default: object, help: str) -> str | None:
    REGISTRY.setdefault(name, Variable(name, "" if default is None else str(default), help))
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def env_str(name: str, default: str | None, help: str) -> str | None:
    value = _declare(name, default, help)
    return default if value is None else value


def env_bool(name: str, default: bool, help: str) -> bool:
    value = _declare(name, "true" if default else "false", help)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(name, f"expected true or false, got {value!r}")


def env_int(name: str, default: int, help: str, *, minimum: int = 0, maximum: int | None = None) -> int:
    value = _declare(name, default, help)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(name, f"expected a whole number, got {value!r}") from None
    if number < minimum or (maximum is not None and number > maximum):
        bounds = f">= {minimum}" if maximum is None else f"between {minimum} and {maximum}"
        raise ConfigError(name, f"must be {bounds}, got {number}")
    return number


def env_list(name: str, default: list[str], help: str) -> list[str]:
    value = _declare(name, ",".join(default), help)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def data_dir() -> Path:
    """Where the embedded default keeps its database, secret key, broker files and logs."""
    raw = env_str("SLUICE_DATA_DIR", None, "Folder for the embedded default's data (SQLite, key, broker).")
    path = Path(raw).expanduser().resolve() if raw else BASE_DIR / ".data"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _kept_once(path: Path, value: str) -> str:
    """``value`` written to ``path`` if it does not exist yet; otherwise what the file holds."""
    try:
        # O_EXCL: when several processes start at once, exactly one value is ever written.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as handle:
        handle.write(value)
    return value


def secret_key(*, required: bool) -> str:
    """SECRET_KEY from the environment; otherwise one generated once and kept in the data dir."""
    value = env_str("SECRET_KEY", None, "Django secret key. Required in production; generated once otherwise.")
    if value:
        if len(value) < 50:
            raise ConfigError("SECRET_KEY", "must be at least 50 characters long")
        return value
    if required:
        raise ConfigError("SECRET_KEY", "must be set in production (at least 50 random characters)")
    return _kept_once(data_dir() / "secret_key", secrets.token_urlsafe(64))


VAULT_KEY_FILE = "vault_keys"


def vault_keys(*, required: bool) -> list[str]:
    """The credential vault's Fernet keys, newest first: SLUICE_VAULT_KEYS, or (embedded
    default) a key generated once and kept in the data dir, where key rotation adds new ones."""
    raw = env_str(
        "SLUICE_VAULT_KEYS", None,
        "Comma-separated Fernet keys encrypting stored credentials, the one to encrypt with first. "
        "Required in production; generated once otherwise.",
    )  # fmt: skip
    if not raw and required:
        raise ConfigError("SLUICE_VAULT_KEYS", "must be set in production (python manage.py vault_key --new)")
    if not raw:
        raw = _kept_once(data_dir() / VAULT_KEY_FILE, base64.urlsafe_b64encode(os.urandom(32)).decode())
    keys = [key.strip() for key in raw.replace("\n", ",").split(",") if key.strip()]
    for key in keys:
        try:
            if len(base64.urlsafe_b64decode(key.encode())) != 32:
                raise ValueError
        except ValueError:
            raise ConfigError("SLUICE_VAULT_KEYS", "each key must be 32 url-safe base64-encoded bytes") from None
    return keys


POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql"}


def database_config(*, default_sqlite: Path) -> dict:
    """The default database from DATABASE_URL (PostgreSQL or SQLite), SQLite in WAL mode otherwise."""
    import dj_database_url

    url = env_str(
        "DATABASE_URL",
        None,
        "Database, e.g. postgres://user:pass@host:5432/sluice. Unset: SQLite in the data dir.",
    )
    pool_size = env_int("DATABASE_POOL_SIZE", 10, "Most PostgreSQL connections one process keeps.", minimum=1)
    if url is None:
        return _sqlite(default_sqlite)
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        name = parts.path[1:] if parts.path.startswith("//") else parts.path.lstrip("/")
        if not name:
            raise ConfigError("DATABASE_URL", "sqlite URL needs a file path, e.g. sqlite:////var/lib/sluice.db")
        return _sqlite(Path("/" + name.lstrip("/")) if parts.path.startswith("//") else BASE_DIR / name)
    if parts.scheme not in POSTGRES_SCHEMES:
        raise ConfigError(
            "DATABASE_URL", f"unsupported scheme {parts.scheme or '(none)'!r}; use postgres:// or sqlite://"
        )
    try:
        parts.port  # noqa: B018 - parsing the port is the check
    except ValueError:
        raise ConfigError("DATABASE_URL", "the port is not a number") from None
    if not parts.hostname and "host=" not in parts.query:
        raise ConfigError("DATABASE_URL", "needs a host, e.g. postgres://user@db.example.com:5432/sluice")
    if not parts.path.strip("/"):
        raise ConfigError("DATABASE_URL", "needs a database name after the host, e.g. …:5432/sluice")
    # A connection pool rather than persistent connections: under ASGI every request may run
    # on a new thread, and per-thread persistent connections would pile up until PostgreSQL
    # refuses more clients. The pool is shared by the threads of one process.
    config = dj_database_url.parse(url, conn_max_age=0)
    options = config.setdefault("OPTIONS", {})
    options.setdefault("connect_timeout", 5)
    options["pool"] = {
        "min_size": 1,
        "max_size": pool_size,
        "timeout": 10,
    }
    return config


def _sqlite(path: Path) -> dict:
    path.parent.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        # Several processes (web, worker, beat) share the file: WAL lets readers run beside
        # the single writer, IMMEDIATE takes the write lock up front instead of failing
        # half-way through a transaction, and the timeout waits for a busy writer.
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        },
        "TEST": {"NAME": str(path.with_name(f"test-{path.name}"))},
    }


def redis_url() -> str | None:
    url = env_str(
        "REDIS_URL",
        None,
        "Redis for the channel layer, cache, rate limits and breaker state (redis://, rediss://, unix://).",
    )
    if url is None:
        return None
    scheme = urlsplit(url).scheme
    if scheme not in {"redis", "rediss", "unix"}:
        raise ConfigError("REDIS_URL", f"unsupported scheme {scheme or '(none)'!r}; use redis://, rediss:// or unix://")
    return url


def otlp_endpoint() -> str | None:
    """The OTLP/HTTP collector that receives the gateway's spans; unset: no spans are exported."""
    url = env_str(
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        None,
        "OTLP/HTTP collector (http://collector:4318) receiving a span per model call. Unset: none.",
    )
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigError("OTEL_EXPORTER_OTLP_ENDPOINT", "an http(s) URL, e.g. http://collector:4318")
    return url


def broker_url(redis: str | None) -> str:
    """CELERY_BROKER_URL if set, else the Redis from REDIS_URL, else an in-process broker."""
    url = env_str(
        "CELERY_BROKER_URL",
        None,
        "Celery broker (redis://, amqp://). Unset: the Redis of REDIS_URL.",
    )
    if url is None:
        if redis is None:
            return "memory://"
        return redis_to_broker_url(redis)
    scheme = urlsplit(url).scheme
    if scheme not in {"redis", "rediss", "redis+socket", "amqp", "amqps", "pyamqp", "memory", "filesystem"}:
        raise ConfigError("CELERY_BROKER_URL", f"unsupported scheme {scheme or '(none)'!r}; use redis:// or amqp://")
    return url


def broker_variable() -> str:
    """The variable the broker URL came from, for error messages."""
    return "CELERY_BROKER_URL" if os.environ.get("CELERY_BROKER_URL", "").strip() else "REDIS_URL"


def redis_to_broker_url(url: str) -> str:
    """kombu names a Redis unix socket ``redis+socket://``; redis-py names it ``unix://``."""
    if url.startswith("unix://"):
        return "redis+socket://" + url[len("unix://") :]
    return url
