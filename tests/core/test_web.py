"""Web basics: admin, login, the app shell, OpenAPI schema and docs, demo data."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command


@pytest.mark.django_db
def test_schema_documents_the_api(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/auth/token/", "/api/v1/me/", "/api/v1/live-check/"} <= set(schema["paths"])
    assert "tokenAuth" in schema["components"]["securitySchemes"]


@pytest.mark.django_db
def test_docs_are_served_without_a_cdn(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn.jsdelivr" not in html
    assert "/static/drf_spectacular_sidecar/" in html


@pytest.mark.django_db
def test_admin_login_page(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert "Sluice administration" in response.content.decode()


@pytest.mark.django_db
def test_app_shell_requires_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/accounts/login/?next=/"


@pytest.mark.django_db
def test_sign_in_then_the_app_shell_loads_the_built_bundle(client, user, settings):
    response = client.post("/accounts/login/", {"username": "alice", "password": "correct-horse-battery"})
    assert response.status_code == 302
    page = client.get("/").content.decode()
    assert 'data-username="alice"' in page
    manifest = json.loads((settings.FRONTEND_DIST / ".vite" / "manifest.json").read_text())
    assert f'/static/{manifest["src/main.tsx"]["file"]}' in page


@pytest.mark.django_db
def test_wrong_password_shows_an_error(client, user):
    response = client.post("/accounts/login/", {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert "did not match" in response.content.decode()


@pytest.mark.django_db
def test_health_api_always_answers_200_with_the_report(user_client):
    response = user_client.get("/api/v1/health/")
    assert response.status_code == 200
    assert set(response.json()["checks"]) >= {"database", "broker", "worker"}


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_keeps_passwords(data_dir, capsys):
    (data_dir / "demo-logins.json").unlink(missing_ok=True)
    call_command("seed_demo")
    first = json.loads((data_dir / "demo-logins.json").read_text())
    call_command("seed_demo")
    assert json.loads((data_dir / "demo-logins.json").read_text()) == first
    assert set(first) == {"admin", "analyst", "reviewer"}
    assert User.objects.get(username="admin").is_superuser
    assert User.objects.get(username="admin").check_password(first["admin"])
    assert User.objects.get(username="reviewer").groups.filter(name="claims-reviewers").exists()
    assert Group.objects.filter(name="analysts").exists()
    assert (data_dir / "demo-logins.json").stat().st_mode & 0o077 == 0
    from apps.workflows.models import Workflow

    names = sorted(Workflow.objects.filter(created_by__username="analyst").values_list("name", flat=True))
    assert names == ["Ask the local model (demo)", "Claims triage (demo)", "Claims with a reviewer (demo)",
                     "Webhook greeting (demo)"]
    from apps.gateway.models import ModelProfile
    from apps.workflows.models import Workflow as Flow

    assert ModelProfile.objects.get(name="local").targets == [
        {"provider": "local", "model": "SmolLM2-135M-Instruct", "timeout": 120}
    ]
    assert Flow.objects.filter(name="Ask the local model (demo)").count() == 1  # idempotent
    # The reviewers' team may look at the demo workflows, not change them.
    from apps.accounts.permissions import actions_on

    reviewer = User.objects.get(username="reviewer")
    assert actions_on(reviewer, Flow.objects.get(name="Claims triage (demo)")) == ["view"]


def test_openapi_schema_generates_without_warnings(tmp_path):
    import subprocess
    import sys

    from tests.conftest import BASE_DIR

    result = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "s")],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
