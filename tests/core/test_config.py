"""Configuration from the environment: safe defaults, one clear line for bad values."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys

import pytest

from apps.core.settings import env
from tests.conftest import BASE_DIR


def run_manage(*args: str, timeout: float = 60, **variables: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    environment.update(variables)
    return subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), *args],
        env=environment,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("DATABASE_URL", "mysql://root@localhost/sluice", "unsupported scheme 'mysql'"),
        ("DATABASE_URL", "postgres//localhost/sluice", "unsupported scheme"),
        ("DATABASE_URL", "postgres://localhost:port/sluice", "the port is not a number"),
        ("DATABASE_URL", "postgres://localhost:5432", "needs a database name"),
        ("DATABASE_URL", "postgres:///sluice", "needs a host"),
        ("REDIS_URL", "http://localhost:6379", "unsupported scheme 'http'"),
        ("CELERY_BROKER_URL", "sqs//queue", "unsupported scheme"),
        ("DEBUG", "maybe", "expected true or false"),
        ("WORKER_CONCURRENCY", "lots", "expected a whole number"),
        ("WORKER_CONCURRENCY", "0", "must be between 1 and 64"),
        ("SECRET_KEY", "short", "at least 50 characters"),
    ],
)
def test_bad_configuration_is_one_line_naming_the_variable(variable, value, says, tmp_path):
    result = run_manage("check", SLUICE_DATA_DIR=str(tmp_path), **{variable: value})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"sluice: configuration error: {variable}: ")
    assert says in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_production_requires_a_secret_key(tmp_path):
    result = run_manage(
        "check", SLUICE_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="apps.core.settings.production"
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "sluice: configuration error: SECRET_KEY: must be set in production (at least 50 random characters)"
    )


def test_production_requires_vault_keys(tmp_path):
    result = run_manage(
        "check", SLUICE_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="apps.core.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip().startswith("sluice: configuration error: SLUICE_VAULT_KEYS: must be set in production")
    bad = run_manage(
        "check", SLUICE_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="apps.core.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64), SLUICE_VAULT_KEYS="not-a-key",
    )  # fmt: skip
    assert bad.returncode == 2
    assert "SLUICE_VAULT_KEYS: each key must be 32 url-safe base64-encoded bytes" in bad.stderr


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SLUICE_DATA_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="apps.core.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),
        SLUICE_VAULT_KEYS=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        ALLOWED_HOSTS="sluice.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("SLUICE_DATA_DIR", str(tmp_path))
    first = env.secret_key(required=False)
    assert len(first) >= 50
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert env.secret_key(required=False) == first


def test_debug_is_off_unless_asked(monkeypatch):
    monkeypatch.delenv("DEBUG", raising=False)
    assert env.env_bool("DEBUG", False, "") is False
    monkeypatch.setenv("DEBUG", "true")
    assert env.env_bool("DEBUG", False, "") is True


def test_database_url_postgres(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://sluice:s%40cret@db.internal:6543/sluice")
    config = env.database_config(default_sqlite=BASE_DIR / "unused.sqlite3")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db.internal", 6543, "sluice")
    assert config["PASSWORD"] == "s@cret"


def test_default_database_is_sqlite_in_wal_mode(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    config = env.database_config(default_sqlite=tmp_path / "sluice.sqlite3")
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


@pytest.mark.parametrize(
    ("redis", "broker", "expected"),
    [
        ("unix:///run/sluice/redis.sock", None, "redis+socket:///run/sluice/redis.sock"),
        ("redis://cache:6379/0", None, "redis://cache:6379/0"),
        ("redis://cache:6379/0", "amqp://guest:guest@mq:5672//", "amqp://guest:guest@mq:5672//"),
        (None, None, "memory://"),
    ],
)
def test_broker_defaults_to_the_redis_of_redis_url(redis, broker, expected, monkeypatch):
    if broker:
        monkeypatch.setenv("CELERY_BROKER_URL", broker)
    else:
        monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    assert env.broker_url(redis) == expected


def test_celery_only_speaks_json():
    from apps.core.celery_app import app

    assert app.conf.accept_content == ["json"]
    assert app.conf.task_serializer == "json"
    assert app.conf.task_acks_late is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_always_eager is False
    assert {"default", "io", "llm"} <= {route["queue"] for route in app.conf.task_routes.values()}
    assert app.amqp.router.route({}, "sluice.llm.call")["queue"].name == "llm"
    assert app.amqp.router.route({}, "sluice.io.http")["queue"].name == "io"
    assert app.amqp.router.route({}, "sluice.core.live_check")["queue"].name == "default"
