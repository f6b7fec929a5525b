"""Per-object permissions: every endpoint through the permission mixin, roles, sharing, teams,
and list queries that do not grow with the number of objects."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts import permissions
from apps.accounts.services import object_share, role_actions, team_save
from apps.audit.models import AuditEntry
from apps.engine import batches
from apps.engine import services as engine
from apps.prompts import services as prompts
from apps.vault import services as vault
from apps.workflows import services as workflows
from apps.workflows.models import Workflow, WorkflowGroupPermission
from tests.engine.helpers import edge, node
from tests.permission_cases import Endpoint, PermissionCases, pytest_generate_tests_for, signed_in

pytestmark = pytest.mark.django_db
pytest_generate_tests = pytest_generate_tests_for

GRAPH = {
    "nodes": [node("in", "trigger.manual"), node("out", "output", x=200, value="{{ input }}")],
    "edges": [edge("in", "out")],
}
ITEMS = {"items": [{"input": {}}]}


def make_workflow(owner, name="Claims"):
    return workflows.workflow_create(name=name, graph=GRAPH, user=owner)


class TestWorkflowEndpoints(PermissionCases):
    endpoints = [
        Endpoint("GET", "/api/v1/workflows/", is_list=True),
        Endpoint("GET", "/api/v1/workflows/{key}/"),
        Endpoint("PATCH", "/api/v1/workflows/{key}/", "change", body={"name": "Renamed", "revision": 1}),
        Endpoint("DELETE", "/api/v1/workflows/{key}/", "delete", ok=204),
        Endpoint("POST", "/api/v1/workflows/{key}/runs/", "run", ok=201, body={"input": {}}),
        Endpoint("POST", "/api/v1/workflows/{key}/batches/", "run", ok=201, body=ITEMS),
        Endpoint("POST", "/api/v1/workflows/{key}/compare/", "run", ok=201, body={"items": [{}], "version": 1}),
        Endpoint("GET", "/api/v1/workflows/{key}/versions/"),
        Endpoint("GET", "/api/v1/workflows/{key}/versions/1/"),
        Endpoint("GET", "/api/v1/workflows/{key}/diff/", query="from=1&to=1"),
        Endpoint("POST", "/api/v1/workflows/{key}/versions/1/rollback/", "rollback", ok=201, body={}),
        Endpoint("GET", "/api/v1/workflows/{key}/tags/"),
        Endpoint("PUT", "/api/v1/workflows/{key}/tags/production/", "publish", body={"version": 1}),
        Endpoint("GET", "/api/v1/workflows/{key}/tags-history/"),
        Endpoint("GET", "/api/v1/workflows/{key}/export/"),
        Endpoint("POST", "/api/v1/workflows/{key}/duplicate/", ok=201, body={}),
        Endpoint("GET", "/api/v1/workflows/{key}/webhooks/"),
        Endpoint("GET", "/api/v1/workflows/{key}/share/"),
        Endpoint("POST", "/api/v1/workflows/{key}/share/", "share", body={"group": "claims", "role": "viewer"}),
    ]

    @pytest.fixture(autouse=True)
    def _team(self, db):
        Group.objects.get_or_create(name="claims")

    def make_object(self, owner):
        return make_workflow(owner)


class TestPromptEndpoints(PermissionCases):
    endpoints = [
        Endpoint("GET", "/api/v1/prompts/", is_list=True),
        Endpoint("GET", "/api/v1/prompts/{key}/"),
        Endpoint("PATCH", "/api/v1/prompts/{key}/", "change", body={"template": "Hi {{ name }}!", "revision": 1}),
        Endpoint("DELETE", "/api/v1/prompts/{key}/", "delete", ok=204),
        Endpoint("GET", "/api/v1/prompts/{key}/versions/"),
        Endpoint("GET", "/api/v1/prompts/{key}/versions/1/"),
        Endpoint("GET", "/api/v1/prompts/{key}/diff/", query="from=1&to=1"),
        Endpoint("POST", "/api/v1/prompts/{key}/versions/1/rollback/", "rollback", ok=201, body={}),
        Endpoint("PUT", "/api/v1/prompts/{key}/tags/production/", "publish", body={"version": 1}),
        Endpoint("GET", "/api/v1/prompts/{key}/tags/"),
        Endpoint("GET", "/api/v1/prompts/{key}/tags-history/"),
        Endpoint("POST", "/api/v1/prompts/{key}/preview/", body={"variables": {"name": "Ada"}}),
        Endpoint("GET", "/api/v1/prompts/{key}/share/"),
        Endpoint("POST", "/api/v1/prompts/{key}/share/", "share", body={"user": "owner", "role": "admin"}),
    ]

    def make_object(self, owner):
        return prompts.prompt_create(name=f"greet-{owner.username}", template="Hello {{ name }}",
                                     variables=["name"], user=owner)  # fmt: skip

    def key_of(self, obj):
        return obj.name


class TestCredentialEndpoints(PermissionCases):
    endpoints = [
        Endpoint("GET", "/api/v1/credentials/", is_list=True),
        Endpoint("GET", "/api/v1/credentials/{key}/"),
        Endpoint("PATCH", "/api/v1/credentials/{key}/", "change", body={"description": "the claims API"}),
        Endpoint("DELETE", "/api/v1/credentials/{key}/", "delete", ok=204),
        Endpoint("GET", "/api/v1/credentials/{key}/share/"),
        Endpoint("POST", "/api/v1/credentials/{key}/share/", "share", body={"user": "owner", "permissions": ["use"]}),
    ]

    def make_object(self, owner):
        return vault.credential_create(name=f"api-{owner.username}", secret="s3cret-value", user=owner)


class TestModelProfileEndpoints(PermissionCases):
    endpoints = [
        Endpoint("GET", "/api/v1/model-profiles/", is_list=True),
        Endpoint("GET", "/api/v1/model-profiles/{key}/"),
        Endpoint("PATCH", "/api/v1/model-profiles/{key}/", "change", body={"policy": "cost", "revision": 1}),
        Endpoint("DELETE", "/api/v1/model-profiles/{key}/", "delete", ok=204),
        # Refused by the outbound rules (no server at that address may be reached), but allowed to try.
        Endpoint("POST", "/api/v1/model-profiles/{key}/test/", "use", body={"message": "hi"}),
        Endpoint("GET", "/api/v1/model-profiles/{key}/share/"),
        Endpoint("POST", "/api/v1/model-profiles/{key}/share/", "share", body={"user": "owner", "role": "runner"}),
    ]

    def make_object(self, owner):
        from apps.gateway.services import profile_create

        return profile_create(user=owner, name=f"profile-{owner.username}",
                              targets=[{"provider": "openai", "model": "m", "base_url": "http://10.0.0.1/v1"}])


class TestCollectionEndpoints(PermissionCases):
    endpoints = [
        Endpoint("GET", "/api/v1/collections/", is_list=True),
        Endpoint("GET", "/api/v1/collections/{key}/"),
        Endpoint("PATCH", "/api/v1/collections/{key}/", "change", body={"description": "the policies"}),
        Endpoint("DELETE", "/api/v1/collections/{key}/", "delete", ok=204),
        Endpoint("GET", "/api/v1/collections/{key}/documents/"),
        Endpoint("POST", "/api/v1/collections/{key}/documents/", "change", ok=201,
                 upload=("refunds.md", b"# Refunds\nWithin 30 days.", "text/markdown")),
        Endpoint("POST", "/api/v1/collections/{key}/search/", "use", body={"query": "refunds"}),
        Endpoint("GET", "/api/v1/collections/{key}/share/"),
        Endpoint("POST", "/api/v1/collections/{key}/share/", "share", body={"user": "owner", "role": "runner"}),
    ]

    def make_object(self, owner):
        from apps.knowledge.services import collection_create

        return collection_create(user=owner, name=f"collection-{owner.username}")


class TestRunEndpoints(PermissionCases):
    """Runs have the rights of their workflow: view to see, run to re-run or cancel."""

    endpoints = [
        Endpoint("GET", "/api/v1/runs/", is_list=True),
        Endpoint("GET", "/api/v1/runs/{key}/"),
        Endpoint("GET", "/api/v1/runs/{key}/evidence/"),
        Endpoint("POST", "/api/v1/runs/{key}/rerun/", "run", ok=201),
        Endpoint("POST", "/api/v1/runs/{key}/cancel/", "cancel"),
    ]

    def make_object(self, owner):
        version = make_workflow(owner).versions.get()
        # Started by the owner and never handed to a worker: it stays queued, so it can be cancelled.
        return engine.run_start(workflow_version=version, input={"n": 1}, user=owner)

    def key_of(self, run):
        return str(run.pk)

    def keys_listed(self, body) -> list:
        return [row["id"] for row in body["results"]]

    def grant(self, run, user, actions):
        object_share(obj=run.workflow, actor=None, user=user,
                     actions=["run" if a == "cancel" else a for a in actions])  # fmt: skip


class TestBatchEndpoints(TestRunEndpoints):
    endpoints = [
        Endpoint("GET", "/api/v1/batches/", is_list=True),
        Endpoint("GET", "/api/v1/batches/{key}/"),
        Endpoint("GET", "/api/v1/batches/{key}/runs/"),
        Endpoint("POST", "/api/v1/batches/{key}/retry/", "run"),
        Endpoint("POST", "/api/v1/batches/{key}/cancel/", "cancel"),
    ]

    def make_object(self, owner):
        version = make_workflow(owner).versions.get()
        return batches.batch_start(workflow_version=version, items=[{}, {}], user=owner)


class TestAdminOnlyEndpoints:
    @pytest.mark.parametrize("path", ["/api/v1/audit/"])
    def test_only_staff_read_the_audit_log(self, client, make_user, path):
        assert client.get(path).status_code == 401
        assert signed_in(make_user("someone")).get(path).status_code == 403
        assert signed_in(make_user("root", superuser=True)).get(path).status_code == 200

    def test_only_staff_manage_users_and_teams(self, make_user):
        someone = signed_in(make_user("someone"))
        assert someone.get("/api/v1/users/").status_code == 200  # names, to share with
        body = {"username": "new", "password": "long-enough-pass"}
        assert someone.post("/api/v1/users/", body, content_type="application/json").status_code == 403
        assert someone.post("/api/v1/teams/", {"name": "t"}, content_type="application/json").status_code == 403
        admin = signed_in(make_user("root", superuser=True))
        created = admin.post("/api/v1/users/", {**body, "teams": []}, content_type="application/json")
        assert created.status_code == 201
        team = admin.post("/api/v1/teams/", {"name": "claims", "usernames": ["new"]}, content_type="application/json")
        assert team.status_code == 201 and team.json()["usernames"] == ["new"]
        unknown = admin.post("/api/v1/teams/", {"name": "x", "usernames": ["ghost"]}, content_type="application/json")
        assert unknown.status_code == 400 and unknown.json()["field"] == "usernames"
        assert not Group.objects.filter(name="x").exists()  # nothing half-saved

    def test_tokens_are_each_users_own(self, make_user):
        from apps.accounts.services import token_create

        theirs, _ = token_create(user=make_user("them"), name="ci")
        me = signed_in(make_user("me"))
        assert me.get("/api/v1/tokens/").json()["count"] == 0
        assert me.delete(f"/api/v1/tokens/{theirs.pk}/").status_code == 404
        theirs.refresh_from_db()
        assert theirs.revoked_at is None


# --- Roles, in the words of the issue ----------------------------------------------------


def test_a_viewer_sees_the_workflow_and_its_runs_but_cannot_change_run_roll_back_or_share(make_user):
    owner, viewer = make_user("owner"), make_user("viewer")
    workflow = make_workflow(owner)
    run = engine.run_start(workflow_version=workflow.versions.get(), input={}, user=owner)
    object_share(obj=workflow, actor=owner, user=viewer, actions=role_actions(model=Workflow, role="viewer"))
    client = signed_in(viewer)
    detail = client.get(f"/api/v1/workflows/{workflow.pk}/")
    assert detail.status_code == 200 and detail.json()["permissions"] == ["view"]
    assert client.get(f"/api/v1/runs/{run.pk}/").json()["permissions"] == ["view"]
    assert [r["id"] for r in client.get("/api/v1/runs/").json()["results"]] == [str(run.pk)]
    base = f"/api/v1/workflows/{workflow.pk}"
    refused = [
        client.patch(f"{base}/", {"name": "x", "revision": 1}, content_type="application/json"),
        client.post(f"{base}/runs/", {"input": {}}, content_type="application/json"),
        client.post(f"{base}/versions/1/rollback/", {}, content_type="application/json"),
        client.post(f"{base}/share/", {"user": "viewer", "role": "admin"}, content_type="application/json"),
        client.post(f"/api/v1/runs/{run.pk}/cancel/"),
    ]
    assert [r.status_code for r in refused] == [403] * 5
    workflow.refresh_from_db()
    assert workflow.revision == 1 and workflow.runs.count() == 1
    assert permissions.actions_on(viewer, workflow) == ["view"]


def test_a_runner_can_run_but_not_edit(make_user):
    owner, runner = make_user("owner"), make_user("runner")
    workflow = make_workflow(owner)
    object_share(obj=workflow, actor=owner, user=runner, actions=role_actions(model=Workflow, role="runner"))
    client = signed_in(runner)
    base = f"/api/v1/workflows/{workflow.pk}"
    assert client.get(f"{base}/").json()["permissions"] == ["view", "run"]
    started = client.post(f"{base}/runs/", {"input": {"n": 1}}, content_type="application/json")
    assert started.status_code == 201 and started.json()["permissions"] == ["view", "run", "cancel"]
    assert client.patch(f"{base}/", {"name": "x", "revision": 1}, content_type="application/json").status_code == 403
    assert client.put(f"{base}/tags/production/", {"version": 1}, content_type="application/json").status_code == 403


def test_the_creator_holds_every_right_and_an_admin_role_can_share(make_user):
    owner, helper = make_user("owner"), make_user("helper")
    make_user("third")
    workflow = make_workflow(owner)
    assert permissions.actions_on(owner, workflow) == list(permissions.ACTIONS["workflows.workflow"])
    object_share(obj=workflow, actor=owner, user=helper, actions=role_actions(model=Workflow, role="admin"))
    shared = signed_in(helper).post(f"/api/v1/workflows/{workflow.pk}/share/", {"user": "third", "role": "editor"},
                                    content_type="application/json")  # fmt: skip
    assert shared.status_code == 200
    grants = {g.get("user"): g["permissions"] for g in shared.json()["grants"]}
    assert grants["third"] == ["view", "change", "run", "publish", "rollback"]
    assert shared.json()["roles"]["runner"] == ["view", "run"]  # `use` means nothing on a workflow


def test_sharing_with_a_team_shows_the_workflow_to_its_members_and_every_change_is_audited(make_user):
    owner, member, outsider = make_user("owner"), make_user("member"), make_user("outsider")
    team = team_save(team=None, actor=None, name="claims", usernames=["member"])
    workflow = make_workflow(owner)
    client = signed_in(owner)
    base = f"/api/v1/workflows/{workflow.pk}/share/"
    assert client.post(base, {"group": "claims", "permissions": ["view", "run"]},
                       content_type="application/json").status_code == 200  # fmt: skip
    assert [w["id"] for w in signed_in(member).get("/api/v1/workflows/").json()["results"]] == [workflow.pk]
    assert signed_in(outsider).get("/api/v1/workflows/").json()["count"] == 0
    assert signed_in(member).get(f"/api/v1/workflows/{workflow.pk}/").json()["permissions"] == ["view", "run"]
    # Revoking: an empty list.
    assert client.post(base, {"group": "claims", "permissions": []}, content_type="application/json").json()[
        "grants"] == [{"user": "owner", "permissions": list(permissions.ACTIONS["workflows.workflow"])}]  # fmt: skip
    assert signed_in(member).get(f"/api/v1/workflows/{workflow.pk}/").status_code == 404
    changes = AuditEntry.objects.filter(action="permissions.change", object_id=str(workflow.pk)).order_by("id")
    assert [(e.actor, e.summary) for e in changes] == [
        ("owner", {"group": "claims", "before": [], "after": ["view", "run"]}),
        ("owner", {"group": "claims", "before": ["view", "run"], "after": []}),
    ]
    assert team.pk


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"user": "ghost", "role": "viewer"}, "user"),
        ({"group": "ghosts", "role": "viewer"}, "group"),
        ({"user": "owner", "permissions": ["fly"]}, "permissions"),
        ({"user": "owner", "role": "pilot"}, "role"),
        ({"role": "viewer"}, "user"),
        ({"user": "owner", "group": "x", "role": "viewer"}, "user"),
        ({"user": "owner"}, "permissions"),
    ],
)
def test_bad_shares_name_the_field_and_change_nothing(make_user, body, field):
    owner = make_user("owner")
    workflow = make_workflow(owner)
    response = signed_in(owner).post(f"/api/v1/workflows/{workflow.pk}/share/", body, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()
    assert permissions.actions_on(owner, workflow) == list(permissions.ACTIONS["workflows.workflow"])


def test_a_team_role_on_every_workflow(make_user):
    owner, auditor = make_user("owner"), make_user("auditor")
    first, second = make_workflow(owner, "One"), make_workflow(owner, "Two")
    team_save(team=None, actor=None, name="auditors", usernames=["auditor"], roles={"workflow": ["view"]})
    client = signed_in(auditor)
    assert sorted(w["id"] for w in client.get("/api/v1/workflows/").json()["results"]) == [first.pk, second.pk]
    assert client.get(f"/api/v1/workflows/{first.pk}/").json()["permissions"] == ["view"]
    assert client.post(f"/api/v1/workflows/{first.pk}/runs/", {}, content_type="application/json").status_code == 403


# --- Lists cost the same number of queries whatever their size ----------------------------


def _team_with_workflows(owner, member, count: int) -> Group:
    """``count`` workflows shared with a team ``member`` belongs to (bulk, like an import)."""
    team, _ = Group.objects.get_or_create(name="everyone")
    team.user_set.add(member)
    created = Workflow.objects.bulk_create(
        [Workflow(name=f"Flow {i}", graph=GRAPH, created_by=owner) for i in range(count)]
    )
    view = Permission.objects.get(codename="view_workflow")
    WorkflowGroupPermission.objects.bulk_create(
        [WorkflowGroupPermission(group=team, permission=view, content_object=w) for w in created]
    )
    return team


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return len(context)


@pytest.mark.parametrize("path", ["/api/v1/workflows/", "/api/v1/workflows/?ordering=-last_run_at&search=Flow"])
def test_the_list_query_count_does_not_grow_with_the_number_of_objects(make_user, path):
    owner, member = make_user("owner"), make_user("member")
    client = signed_in(member)
    _team_with_workflows(owner, member, 10)
    few = _queries(client, path)
    _team_with_workflows(owner, member, 3000)
    many = _queries(client, path)
    assert many == few
    body = client.get(path).json()
    assert body["count"] == 3010 and len(body["results"]) == 50
    assert all(row["permissions"] == ["view"] for row in body["results"])


def test_the_run_list_query_count_does_not_grow(make_user):
    from apps.engine.models import Run

    owner, member = make_user("owner"), make_user("member")
    workflow = make_workflow(owner)
    object_share(obj=workflow, actor=owner, user=member, actions=["view"])
    client = signed_in(member)
    version = workflow.versions.get()

    def add(count):
        Run.objects.bulk_create([Run(workflow=workflow, workflow_version=version, version=1, trigger_node="in",
                                     created_by=owner) for _ in range(count)])  # fmt: skip

    add(5)
    few = _queries(client, "/api/v1/runs/")
    add(2000)
    assert _queries(client, "/api/v1/runs/") == few
    assert client.get("/api/v1/runs/").json()["count"] == 2005


def test_who_started_a_run_still_sees_and_cancels_it_after_losing_the_workflow(make_user):
    owner, runner = make_user("owner"), make_user("runner")
    workflow = make_workflow(owner)
    object_share(obj=workflow, actor=owner, user=runner, actions=["view", "run"])
    run = engine.run_start(workflow_version=workflow.versions.get(), input={}, user=runner)
    object_share(obj=workflow, actor=owner, user=runner, actions=[])
    client = signed_in(runner)
    assert client.get(f"/api/v1/workflows/{workflow.pk}/").status_code == 404
    assert client.get(f"/api/v1/runs/{run.pk}/").json()["permissions"] == ["view", "cancel"]
    assert client.post(f"/api/v1/runs/{run.pk}/rerun/").status_code == 403
    assert client.post(f"/api/v1/runs/{run.pk}/cancel/").status_code == 200


def test_saving_a_graph_that_uses_what_the_saver_may_not_is_refused(make_user):
    owner, other = make_user("owner"), make_user("other")
    secret = vault.credential_create(name="claims-api", secret="xyz", user=owner)
    prompt = prompts.prompt_create(name="triage", template="Hi", user=owner)
    theirs = make_workflow(owner, "Theirs")
    graph = {
        "nodes": [node("in", "trigger.manual"),
                  node("call", "http.request", x=100, url="https://example.com", credential=secret.pk),
                  node("ask", "prompt.render", x=200, prompt="triage@latest"),
                  node("sub", "workflow.call", x=300, workflow=theirs.pk)],
        "edges": [edge("in", "call"), edge("call", "ask"), edge("ask", "sub")],
    }  # fmt: skip
    response = signed_in(other).post("/api/v1/workflows/", {"name": "mine", "graph": graph},
                                     content_type="application/json")  # fmt: skip
    assert response.status_code == 400
    assert [(e["node"], e["field"]) for e in response.json()["errors"]] == [
        ("call", "params.credential"), ("ask", "params.prompt"), ("sub", "params.workflow")
    ]
    assert not Workflow.objects.filter(name="mine").exists()
    object_share(obj=secret, actor=owner, user=other, actions=["use"])
    object_share(obj=prompt, actor=owner, user=other, actions=["view"])
    object_share(obj=theirs, actor=owner, user=other, actions=["view", "run"])
    again = signed_in(other).post("/api/v1/workflows/", {"name": "mine", "graph": graph},
                                  content_type="application/json")  # fmt: skip
    assert again.status_code == 201, again.content


def test_session_writes_need_the_csrf_token_and_token_clients_do_not(make_user):
    from django.test import Client

    from apps.accounts.services import token_create

    user = make_user("writer")
    browser = Client(enforce_csrf_checks=True)
    browser.get("/accounts/login/")  # the sign-in page sets the CSRF cookie the app sends back
    browser.force_login(user)
    body = {"name": "Claims", "graph": GRAPH}
    assert browser.post("/api/v1/workflows/", body, content_type="application/json").status_code == 403
    csrf = browser.cookies["csrftoken"].value
    made = browser.post("/api/v1/workflows/", body, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert made.status_code == 201
    script = Client(enforce_csrf_checks=True)
    key = token_create(user=user)[1]
    assert script.post("/api/v1/workflows/", body, content_type="application/json",
                       HTTP_AUTHORIZATION=f"Token {key}").status_code == 201  # fmt: skip
