"""Access-control figures: the workflow list with 10,000 workflows visible through a team,
through the real ASGI server (rights are resolved in the same single list query).

Run with `make bench`; prints figures, asserts nothing about time.
"""

from __future__ import annotations

import time

import httpx
import pytest
from django.contrib.auth.models import Group, Permission

from apps.accounts import services
from apps.workflows.models import Workflow, WorkflowGroupPermission
from tests.benchmarks.test_foundation import summary
from tests.engine.helpers import edge, node

WORKFLOWS = 10_000
ROUNDS = 40
GRAPH = {"nodes": [node("in", "trigger.manual"), node("out", "output", x=200)], "edges": [edge("in", "out")]}


@pytest.mark.django_db(transaction=True)
def test_workflow_list_with_10000_visible_through_a_team(make_user, asgi_server):
    owner, member = make_user("owner"), make_user("member")
    team = Group.objects.create(name="claims")
    team.user_set.add(member)
    # Someone else's workflows too, which the list must leave out.
    Workflow.objects.bulk_create([Workflow(name=f"Private {i}", graph=GRAPH, created_by=owner) for i in range(2000)])
    shared = Workflow.objects.bulk_create(
        [Workflow(name=f"Claims flow {i}", graph=GRAPH, created_by=owner) for i in range(WORKFLOWS)], batch_size=2000
    )
    view = Permission.objects.get(codename="view_workflow")
    WorkflowGroupPermission.objects.bulk_create(
        [WorkflowGroupPermission(group=team, permission=view, content_object=w) for w in shared], batch_size=2000
    )
    _, key = services.token_create(user=member)
    with httpx.Client(base_url=asgi_server.url, headers={"Authorization": f"Token {key}"}, timeout=30) as http:
        first = http.get("/api/v1/workflows/").json()
        assert first["count"] == WORKFLOWS
        for path, label in [
            ("/api/v1/workflows/", "first page, newest first"),
            ("/api/v1/workflows/?search=flow%2099", "search"),
            ("/api/v1/workflows/?page=150", "page 150 of 200"),
        ]:
            samples = []
            for _ in range(ROUNDS):
                started = time.perf_counter()
                assert http.get(path).status_code == 200
                samples.append((time.perf_counter() - started) * 1000)
            summary(f"workflow list, {WORKFLOWS:,} visible through a team ({label})", samples)
