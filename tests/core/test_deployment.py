"""docker/ and the README stay true to the settings: every variable they name exists."""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import re
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
import yaml

from apps.core.launcher import LAUNCHER_VARIABLES
from tests.conftest import BASE_DIR

COMPOSE = BASE_DIR / "docker" / "compose.yaml"
APP_SERVICES = {"web", "worker", "worker-llm", "beat", "migrate"}


def declared_variables() -> dict[str, dict]:
    """Every variable the settings (production included) and the launcher read."""
    script = (
        "import json, os\n"
        "os.environ.setdefault('SECRET_KEY', 'x' * 64)\n"
        "os.environ.setdefault('SLUICE_VAULT_KEYS', 'A' * 43 + '=')\n"
        "import apps.core.settings.production\n"
        "from apps.core.settings.env import REGISTRY\n"
        "print(json.dumps({n: {'default': v.default, 'help': v.help} for n, v in REGISTRY.items()}))\n"
    )
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="apps.core.settings.production")
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=BASE_DIR, capture_output=True, text=True, check=True
    )
    variables = json.loads(out.stdout)
    variables.update({name: {"default": d, "help": h} for name, (d, h) in LAUNCHER_VARIABLES.items()})
    variables["DJANGO_SETTINGS_MODULE"] = {"default": "apps.core.settings.base", "help": ""}
    return variables


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def variables() -> dict[str, dict]:
    return declared_variables()


def test_compose_has_the_services(compose):
    assert {"web", "worker", "beat", "postgres", "redis"} <= set(compose["services"])


@pytest.mark.parametrize("service", sorted(APP_SERVICES))
def test_app_services_use_only_known_variables(compose, variables, service):
    environment = compose["services"][service]["environment"]
    unknown = set(environment) - set(variables)
    assert not unknown, f"{service} sets variables no setting reads: {unknown}"
    assert {"DJANGO_SETTINGS_MODULE", "SECRET_KEY", "DATABASE_URL", "REDIS_URL"} <= set(environment)
    assert importlib.util.find_spec(environment["DJANGO_SETTINGS_MODULE"]) is not None


def test_service_urls_point_at_compose_services(compose):
    environment = compose["services"]["web"]["environment"]
    for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"):
        host = urlsplit(environment[name]).hostname
        assert host in compose["services"], f"{name} points at {host}, not a compose service"


def test_commands_name_real_entry_points(compose):
    commands = " ".join(" ".join(compose["services"][s].get("command", [])) for s in APP_SERVICES)
    dockerfile = (BASE_DIR / "docker" / "Dockerfile").read_text()
    assert "apps.core.asgi:application" in dockerfile
    assert "apps.core.celery_app" in commands
    importlib.import_module("apps.core.celery_app")
    queues = set(re.findall(r"-Q (\S+)", commands))
    consumed = {queue for group in queues for queue in group.split(",")}
    from django.conf import settings

    assert consumed == set(settings.CELERY_TASK_QUEUES_NAMES), "every queue needs a worker in compose"


def test_dockerfile_copies_what_exists():
    dockerfile = (BASE_DIR / "docker" / "Dockerfile").read_text()
    for source in re.findall(r"^COPY (?!--from)(.+) \S+$", dockerfile, flags=re.MULTILINE):
        for path in source.split():
            assert (BASE_DIR / path).exists(), f"Dockerfile copies missing {path}"


def test_readme_documents_every_variable(variables):
    readme = (BASE_DIR / "README.md").read_text()
    table = set(re.findall(r"^\| `([A-Z_]+)` \|", readme, flags=re.MULTILINE))
    assert set(variables) <= table, f"README lacks: {sorted(set(variables) - table)}"
    assert table <= set(variables), f"README documents variables nothing reads: {sorted(table - set(variables))}"


def test_readme_shows_the_two_commands():
    readme = (BASE_DIR / "README.md").read_text()
    assert "make run" in readme and "make test" in readme
