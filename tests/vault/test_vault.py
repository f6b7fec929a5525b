"""The credential vault: encrypted at rest, never returned, rotated keys, used by nodes without leaking."""

from __future__ import annotations

import base64
import io
import json
import logging
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from urllib.parse import quote

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import connection
from django.test import Client

from apps.accounts.services import object_share
from apps.audit.models import AuditEntry
from apps.audit.services import audit_seal, verify_chain
from apps.vault import crypto, services
from apps.vault.crypto import VaultError
from apps.vault.models import Credential
from apps.workflows.models import Workflow
from tests.engine.helpers import create_workflow, edge, node, start_run, steps_by_node, wait_run

CREDENTIALS = "/api/v1/credentials/"


def post(client, path: str, body: dict):
    return client.post(path, body, content_type="application/json")


def patch(client, path: str, body: dict):
    return client.patch(path, body, content_type="application/json")


def distinctive_secret() -> str:
    """A secret no other value of the system could contain by chance."""
    return f"sk-live-{secrets.token_hex(16)}"


def stored_ciphertext(credential_id: int) -> str:
    """The ciphertext column as the database holds it (raw SQL, no model code in between)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT ciphertext FROM {connection.ops.quote_name(Credential._meta.db_table)} WHERE id = %s",  # noqa: S608
            [credential_id],
        )
        return cursor.fetchone()[0]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- 1. Encrypted at rest, write-only through the API ---------------------------------------


@pytest.mark.django_db
def test_a_secret_is_encrypted_at_rest_and_never_returned(user_client):
    secret = distinctive_secret()
    created = post(user_client, CREDENTIALS, {"name": "crm", "kind": "bearer", "secret": secret})
    assert created.status_code == 201, created.content
    assert secret not in created.content.decode()
    body = created.json()
    assert body["has_secret"] is True and "secret" not in body and "ciphertext" not in body

    raw = stored_ciphertext(body["id"])
    assert raw and secret not in raw
    assert crypto.decrypt(raw) == secret

    detail = user_client.get(f"{CREDENTIALS}{body['id']}/")
    listed = user_client.get(CREDENTIALS)
    assert detail.status_code == 200 and listed.status_code == 200
    assert detail.json()["has_secret"] is True and detail.json()["name"] == "crm"
    assert [c["name"] for c in listed.json()["results"]] == ["crm"]
    for response in (detail, listed):
        text = response.content.decode()
        assert secret not in text and raw not in text


@pytest.mark.django_db
def test_a_new_secret_replaces_the_old_one(user_client):
    old, new = distinctive_secret(), distinctive_secret()
    credential_id = post(user_client, CREDENTIALS, {"name": "crm", "secret": old}).json()["id"]
    before = Credential.objects.get(pk=credential_id).secret_changed_at

    renamed = patch(user_client, f"{CREDENTIALS}{credential_id}/", {"description": "no secret change"})
    assert renamed.status_code == 200 and crypto.decrypt(stored_ciphertext(credential_id)) == old

    replaced = patch(user_client, f"{CREDENTIALS}{credential_id}/", {"secret": new})
    assert replaced.status_code == 200, replaced.content
    text = replaced.content.decode()
    assert new not in text and old not in text and replaced.json()["has_secret"] is True
    raw = stored_ciphertext(credential_id)
    assert crypto.decrypt(raw) == new and new not in raw
    assert Credential.objects.get(pk=credential_id).secret_changed_at > before
    update = AuditEntry.objects.filter(action="credential.update", object_id=str(credential_id)).order_by("id")
    assert [e.summary["changed"] for e in update] == [["description"], ["secret"]]


@pytest.mark.parametrize(
    ("method", "body", "field"),
    [
        ("post", {"name": "blank", "secret": ""}, "secret"),
        ("post", {"name": "nosecret"}, "secret"),
        ("patch", {"secret": ""}, "secret"),
        ("post", {"name": "hdr", "kind": "header", "secret": "s3cret-value"}, "header"),
        ("patch", {"kind": "header"}, "header"),
        ("post", {"name": "colon", "kind": "header", "header": "X-Key: x", "secret": "s3cret-value"}, "header"),
    ],
    ids=["create-blank-secret", "create-no-secret", "patch-blank-secret", "create-header-without-name",
         "patch-to-header-without-name", "header-name-with-colon"],
)  # fmt: skip
@pytest.mark.django_db
def test_an_invalid_credential_is_refused_naming_the_field(user, user_client, method, body, field):
    existing = services.credential_create(user=user, name="existing", secret="the-first-secret")
    path = CREDENTIALS if method == "post" else f"{CREDENTIALS}{existing.pk}/"
    response = getattr(user_client, method)(path, body, content_type="application/json")
    assert response.status_code == 400, response.content
    errors = response.json()
    assert errors.get("field", field) == field and errors[field], errors
    assert Credential.objects.count() == 1
    unchanged = Credential.objects.get()
    assert unchanged.kind == "bearer" and crypto.decrypt(unchanged.ciphertext) == "the-first-secret"


@pytest.mark.django_db
def test_rights_on_a_credential_404_without_view_403_without_change(user_client, make_user):
    secret = distinctive_secret()
    credential_id = post(user_client, CREDENTIALS, {"name": "crm", "secret": secret}).json()["id"]
    credential = Credential.objects.get(pk=credential_id)
    path = f"{CREDENTIALS}{credential_id}/"
    alice = credential.created_by

    stranger = signed_in(make_user("mallory"))
    assert stranger.get(path).status_code == 404
    assert stranger.get(CREDENTIALS).json()["results"] == []
    assert patch(stranger, path, {"secret": "taken-over"}).status_code == 404
    assert stranger.delete(path).status_code == 404
    assert stranger.get(f"{path}share/").status_code == 404

    viewer = make_user("victor")
    object_share(obj=credential, actor=alice, user=viewer, actions=["view"])
    watcher = signed_in(viewer)
    seen = watcher.get(path)
    assert seen.status_code == 200 and seen.json()["permissions"] == ["view"]
    assert secret not in seen.content.decode()
    assert patch(watcher, path, {"secret": "taken-over"}).status_code == 403
    assert patch(watcher, path, {"name": "renamed"}).status_code == 403
    assert watcher.delete(path).status_code == 403
    assert post(watcher, f"{path}share/", {"user": "victor", "permissions": ["use"]}).status_code == 403

    kept = Credential.objects.get(pk=credential_id)
    assert kept.name == "crm" and crypto.decrypt(kept.ciphertext) == secret
    # The owner still may do all of it.
    assert patch(user_client, path, {"name": "crm2"}).status_code == 200
    assert user_client.delete(path).status_code == 204
    assert not Credential.objects.filter(pk=credential_id).exists()


# --- 2. Key rotation ------------------------------------------------------------------------


@pytest.mark.django_db
def test_rotation_re_encrypts_with_the_new_key_so_the_old_one_can_go(settings, user):
    old, new, unrelated = crypto.new_key(), crypto.new_key(), crypto.new_key()
    settings.VAULT_KEYS = [old]
    secret = distinctive_secret()
    credential = services.credential_create(user=user, name="crm", secret=secret)
    before = stored_ciphertext(credential.pk)

    settings.VAULT_KEYS = [new]
    with pytest.raises(VaultError):  # not yet rotated: the new key alone cannot open it
        crypto.decrypt(before)

    settings.VAULT_KEYS = [new, old]
    out = io.StringIO()
    call_command("vault_key", "--rotate", stdout=out)
    assert "re-encrypted 1 credentials" in out.getvalue()
    after = stored_ciphertext(credential.pk)
    assert after != before and secret not in after

    settings.VAULT_KEYS = [new]
    assert crypto.decrypt(after) == secret
    settings.VAULT_KEYS = [unrelated]
    with pytest.raises(VaultError, match="no vault key opens"):
        crypto.decrypt(after)

    rotated = AuditEntry.objects.filter(action="vault.rotate")
    assert [(e.source, e.summary) for e in rotated] == [("command", {"credentials": 1})]
    audit_seal()
    checked, problem = verify_chain()
    assert problem is None and checked == AuditEntry.objects.count() >= 2


# --- 3. The secret search: a run that sends a credential leaves it nowhere ------------------


def echo_flow(url: str, credential) -> dict:
    return {
        "nodes": [node("in", "trigger.manual"), node("call", "http.request", url=url, credential=credential),
                  node("out", "output")],
        "edges": [edge("in", "call"), edge("call", "out")],
    }  # fmt: skip


@dataclass
class Received:
    port: int
    path: str
    headers: dict[str, str]


@pytest.fixture
def received(http_server, monkeypatch) -> list[Received]:
    """Every GET the loopback test servers answer during the test, with the headers as the
    server saw them (before any redaction)."""
    seen: list[Received] = []
    answer = http_server.handler.do_GET

    def recording(handler):
        headers = {name.lower(): value for name, value in handler.headers.items()}
        seen.append(Received(handler.server.server_address[1], handler.path, headers))
        return answer(handler)

    monkeypatch.setattr(http_server.handler, "do_GET", recording)
    return seen


def sent(received: list[Received], key: str, header: str = "authorization") -> list[str | None]:
    """The value of a header in each request the servers got for ``key``."""
    return [request.headers.get(header) for request in received if f"key={key}" in request.path]


def _text(value) -> str:
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def tables_as_text() -> dict[str, str]:
    """Every value of every row of every table, read twice: through each model (every
    concrete field, through tables included) and as raw SQL over every table the database
    has, so that neither a field nor a table without a model is skipped."""
    found: dict[str, list[str]] = {}
    models = django_apps.get_models(include_auto_created=True, include_swapped=True)
    for model in models:
        fields = [field.attname for field in model._meta.concrete_fields]
        for row in model._base_manager.values_list(*fields):
            found.setdefault(f"model {model._meta.label}", []).extend(_text(value) for value in row)
    tables = connection.introspection.table_names(include_views=True)
    assert {model._meta.db_table for model in models if model._meta.managed} <= set(tables)
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - introspected names
            for row in cursor.fetchall():
                found.setdefault(f"table {table}", []).extend(_text(value) for value in row)
    return {where: "\n".join(values) for where, values in found.items()}


def api_responses(run_id: str, workflow_id: int, credential_id: int, clients: dict[str, Client]) -> dict[str, str]:
    """The text of every API response and admin page about the run, its workflow and its credential."""
    paths = [
        f"/api/v1/runs/{run_id}/",
        "/api/v1/runs/",
        f"/api/v1/runs/?workflow={workflow_id}",
        f"/api/v1/runs/{run_id}/evidence/",
        f"/api/v1/workflows/{workflow_id}/",
        "/api/v1/workflows/",
        f"/api/v1/workflows/{workflow_id}/versions/",
        f"/api/v1/workflows/{workflow_id}/versions/1/",
        f"/api/v1/workflows/{workflow_id}/export/",
        f"{CREDENTIALS}{credential_id}/",
        CREDENTIALS,
        f"{CREDENTIALS}{credential_id}/share/",
        "/api/v1/me/",
    ]
    admin_only = [
        "/api/v1/audit/?page_size=500",
        f"/api/v1/audit/?object_type=credential&object_id={credential_id}",
        "/admin/audit/auditentry/",
        f"/admin/vault/credential/{credential_id}/change/",
        f"/admin/vault/credential/{credential_id}/history/",
        f"/admin/workflows/workflowversion/?workflow__id__exact={workflow_id}",
    ]
    texts = {}
    for who, client in clients.items():
        for path in paths + (admin_only if who == "admin" else []):
            response = client.get(path)
            assert response.status_code == 200, (who, path, response.status_code)
            texts[f"{who} GET {path}"] = response.content.decode()
    for entry in AuditEntry.objects.order_by("id"):
        response = clients["admin"].get(f"/api/v1/audit/{entry.seq}/")
        assert response.status_code == 200
        texts[f"admin GET /api/v1/audit/{entry.seq}/"] = response.content.decode()
    return texts


def assert_nowhere(needles: list[str], places: dict[str, str]) -> None:
    leaks = [(needle, where) for needle in needles for where, text in places.items() if needle in text]
    assert leaks == [], f"the secret is in: {[where for _, where in leaks]}"


@pytest.mark.parametrize("kind", ["bearer", "basic", "header"])
@pytest.mark.django_db(transaction=True)
def test_a_secret_sent_by_a_run_appears_nowhere(
    kind, user, user_client, make_user, http_server, received, celery_worker_process, caplog
):
    caplog.set_level(logging.DEBUG)
    secret = distinctive_secret()
    body = {"name": f"crm-{kind}", "kind": kind, "secret": secret, "description": "the CRM's API key"}
    header, needles, value = "authorization", [secret], f"Bearer {secret}"
    if kind == "basic":
        body["username"] = "svc-sluice"
        pair = base64.b64encode(f"svc-sluice:{secret}".encode()).decode()
        needles, value = [secret, pair], f"Basic {pair}"
    elif kind == "header":
        body["header"] = "X-Api-Key"
        header, value = "x-api-key", secret
    created = post(user_client, CREDENTIALS, body)
    assert created.status_code == 201, created.content
    credential_id = created.json()["id"]

    key = f"secret-search-{kind}-{secrets.token_hex(4)}"
    workflow = create_workflow(user_client, echo_flow(f"{http_server.url}/echo?key={key}", credential_id))
    run = wait_run(user_client, start_run(user_client, workflow["id"])["id"])
    assert run["status"] == "succeeded", run

    # The credential was sent, exactly as its kind says, to the one call of the run …
    assert sent(received, key, header) == [value]
    # … and what the server echoed back is in the record with the secret taken out.
    echoed = steps_by_node(run)["call"]["output"]["body"]["headers"]
    assert echoed[header] == "[redacted]"
    assert run["output"]["body"]["headers"][header] == "[redacted]"
    used = AuditEntry.objects.filter(action="credential.use", object_id=str(credential_id))
    assert [(e.actor, e.summary) for e in used] == [("alice", {"run": run["id"], "node": "call"})]

    admin = signed_in(make_user("root", superuser=True))
    places = api_responses(run["id"], workflow["id"], credential_id, {"alice": user_client, "admin": admin})
    assert "[redacted]" in places[f"alice GET /api/v1/runs/{run['id']}/evidence/"]  # the search reads the steps
    assert_nowhere(needles, places)

    tables = tables_as_text()
    ciphertext = stored_ciphertext(credential_id)
    assert ciphertext in tables["model vault.Credential"] and ciphertext in tables["table vault_credential"]
    assert "[redacted]" in tables["table engine_step"] and "[redacted]" in tables["model engine.Step"]
    assert_nowhere(needles, tables)

    worker_log = celery_worker_process.log()
    assert worker_log  # the worker logs (at info level) to this file
    assert_nowhere(needles, {"the worker's log": worker_log})

    records = {f"log record {i} ({r.name})": f"{r.getMessage()} {r.args!r} {r.exc_text or ''}"
               for i, r in enumerate(caplog.records)}  # fmt: skip
    assert_nowhere(needles, {"captured logs": caplog.text, **records})


@pytest.fixture
def other_origin(http_server) -> Iterator[str]:
    """A second loopback server, answering like the first, on another port: another origin."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), http_server.handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("kind", ["bearer", "header"])
@pytest.mark.django_db(transaction=True)
def test_a_redirect_to_another_origin_does_not_carry_the_secret(
    kind, user_client, http_server, other_origin, received, celery_worker_process
):
    secret = distinctive_secret()
    body = {"name": f"crm-{kind}", "kind": kind, "secret": secret}
    header, value = ("x-api-key", secret) if kind == "header" else ("authorization", f"Bearer {secret}")
    if kind == "header":
        body["header"] = "X-Api-Key"
    credential_id = post(user_client, CREDENTIALS, body).json()["id"]
    key = f"elsewhere-{secrets.token_hex(4)}"
    target = f"{other_origin}/echo?key={key}"
    workflow = create_workflow(user_client, echo_flow(f"{http_server.url}/redirect?to={quote(target, safe='')}",
                                                      credential_id))  # fmt: skip
    run = wait_run(user_client, start_run(user_client, workflow["id"])["id"])
    assert run["status"] == "succeeded", run
    assert steps_by_node(run)["call"]["output"]["body"]["path"] == "/echo"  # the redirect was followed

    first_port, other_port = int(http_server.url.rsplit(":", 1)[1]), int(other_origin.rsplit(":", 1)[1])
    first = [r for r in received if r.port == first_port and r.path.startswith("/redirect") and key in r.path]
    other = [r for r in received if r.port == other_port and r.path == f"/echo?key={key}"]
    assert [r.headers.get(header) for r in first] == [value]  # the API itself got the credential
    assert len(other) == 1
    assert secret not in json.dumps(other[0].headers), f"the other origin got {other[0].headers}"


# --- 4. Who may use a credential: checked at save, and again at every run -------------------


@pytest.mark.django_db(transaction=True)
def test_use_is_checked_when_a_workflow_is_saved_and_again_when_it_runs(
    user, user_client, make_user, http_server, received, celery_worker_process
):
    secret = distinctive_secret()
    credential_id = post(user_client, CREDENTIALS, {"name": "crm", "secret": secret}).json()["id"]
    credential = Credential.objects.get(pk=credential_id)
    share = f"{CREDENTIALS}{credential_id}/share/"

    # The owner saves a workflow sending it, and it runs.
    alice_key, bob_key = f"alice-{secrets.token_hex(4)}", f"bob-{secrets.token_hex(4)}"
    theirs = create_workflow(user_client, echo_flow(f"{http_server.url}/echo?key={alice_key}", credential_id))
    alice_run = wait_run(user_client, start_run(user_client, theirs["id"])["id"])
    assert alice_run["status"] == "succeeded", alice_run
    assert sent(received, alice_key) == [f"Bearer {secret}"]

    # Bob may not: saving a graph that names it (by id or by name) is refused, nothing is saved.
    bob = make_user("bob")
    bob_client = signed_in(bob)
    for reference in (credential_id, "crm"):
        refused = post(
            bob_client,
            "/api/v1/workflows/",
            {"name": "bob's", "graph": echo_flow(f"{http_server.url}/echo?key={bob_key}", reference)},
        )
        assert refused.status_code == 400, refused.content
        errors = refused.json()["errors"]
        assert errors[0]["field"] == "params.credential" and errors[0]["code"] == "not_allowed"
        assert errors[0]["node"] == "call"
    assert not Workflow.objects.filter(created_by=bob).exists()

    # Alice lets him use it, and nothing else: he can save and run, but not see or read it.
    shared = post(user_client, share, {"user": "bob", "permissions": ["use"]})
    assert shared.status_code == 200, shared.content
    assert {"user": "bob", "permissions": ["use"]} in shared.json()["grants"]
    bobs = create_workflow(bob_client, echo_flow(f"{http_server.url}/echo?key={bob_key}", credential_id), "bob's")
    first = wait_run(bob_client, start_run(bob_client, bobs["id"])["id"])
    assert first["status"] == "succeeded", first
    assert steps_by_node(first)["call"]["output"]["body"]["headers"]["authorization"] == "[redacted]"
    assert sent(received, bob_key) == [f"Bearer {secret}"]
    assert http_server.hits(bob_key) == 1
    assert bob_client.get(f"{CREDENTIALS}{credential_id}/").status_code == 404  # `use` is not `view`
    assert bob_client.get(CREDENTIALS).json()["results"] == []
    assert patch(bob_client, f"{CREDENTIALS}{credential_id}/", {"secret": "x"}).status_code == 404
    assert secret not in json.dumps(first)

    # Alice takes it back: bob's saved workflow no longer sends it, and no request goes out.
    revoked = post(user_client, share, {"user": "bob", "permissions": []})
    assert revoked.status_code == 200 and all(g.get("user") != "bob" for g in revoked.json()["grants"])
    second = wait_run(bob_client, start_run(bob_client, bobs["id"])["id"])
    assert second["status"] == "failed", second
    assert second["error"]["node"] == "call"
    message = second["error"]["message"]
    assert message == f"credential: no credential {credential_id} that this workflow's publisher may use"
    steps = steps_by_node(second)
    assert steps["call"]["status"] == "failed" and steps["call"]["attempts"] == 1
    assert steps["call"]["error"]["message"] == message and "out" not in steps and second["output"] is None
    assert http_server.hits(bob_key) == 1
    assert sent(received, bob_key) == [f"Bearer {secret}"]

    used = AuditEntry.objects.filter(action="credential.use", object_id=str(credential.pk)).order_by("id")
    assert [(e.actor, e.summary["run"]) for e in used] == [("alice", alice_run["id"]), ("bob", first["id"])]
    # Alice's own workflow still runs.
    assert wait_run(user_client, start_run(user_client, theirs["id"])["id"])["status"] == "succeeded"
