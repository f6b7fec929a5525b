"""The permission cases for every review endpoint and for ``/ws/reviews/``."""

from __future__ import annotations

import json

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from apps.accounts.services import object_share, token_create
from tests.engine.helpers import create_workflow, start_run, wait_run
from tests.permission_cases import Endpoint, PermissionCases, call, pytest_generate_tests_for, signed_in
from tests.reviews.helpers import open_review, review_graph

pytest_generate_tests = pytest_generate_tests_for


@pytest.mark.django_db
class TestReviewEndpoints(PermissionCases):
    endpoints = [
        Endpoint("GET", "/api/v1/reviews/", "decide", is_list=True),
        Endpoint("GET", "/api/v1/reviews/{key}/"),
        Endpoint("POST", "/api/v1/reviews/{key}/claim/", "decide"),
        Endpoint("POST", "/api/v1/reviews/{key}/release/", "decide"),
        Endpoint("POST", "/api/v1/reviews/{key}/decide/", "decide", body={"decision": "approve"}),
    ]

    def make_object(self, owner):
        return open_review(owner)

    def test_seeing_is_not_acting(self, endpoint: Endpoint, target, make_user):
        if not endpoint.is_list:
            return super().test_seeing_is_not_acting(endpoint, target, make_user)
        # The inbox lists what the user may decide: a task they may only see is not in it.
        viewer = make_user("viewer")
        self.grant(target, viewer, ["view"])
        assert call(signed_in(viewer), endpoint, self.key_of(target)).json()["count"] == 0

    def test_who_may_see_the_run_may_see_the_task_but_not_decide_it(self, target, make_user):
        watcher = make_user("watcher")
        object_share(obj=target.workflow, actor=None, user=watcher, actions=["view"])
        client = signed_in(watcher)
        assert client.get(f"/api/v1/reviews/{target.pk}/").json()["permissions"] == ["view"]
        assert client.post(f"/api/v1/reviews/{target.pk}/decide/", {"decision": "approve"},
                           content_type="application/json").status_code == 403  # fmt: skip

    def test_reassigning_needs_the_right_to_change_the_workflow(self, target, owner, make_user):
        reviewer, other = make_user("reviewer"), make_user("other")
        self.grant(target, reviewer, ["view", "decide"])
        body = {"assignees": ["user:other"]}
        url = f"/api/v1/reviews/{target.pk}/reassign/"
        assert "reassign" in signed_in(owner).get(f"/api/v1/reviews/{target.pk}/").json()["permissions"]
        assert "reassign" not in signed_in(reviewer).get(f"/api/v1/reviews/{target.pk}/").json()["permissions"]
        assert signed_in(reviewer).post(url, body, content_type="application/json").status_code == 403
        bad = signed_in(owner).post(url, {"assignees": ["user:nobody"]}, content_type="application/json")
        assert bad.status_code == 400 and bad.json()["field"] == "assignees[0]"
        moved = signed_in(owner).post(url, body, content_type="application/json")
        assert moved.status_code == 200 and moved.json()["assignees"] == ["user:other"]
        assert signed_in(other).get("/api/v1/reviews/").json()["count"] == 1
        assert signed_in(owner).get("/api/v1/reviews/").json()["count"] == 0  # the owner was the assignee


ORIGIN = "http://127.0.0.1"


def _headers(user) -> dict:
    return {"Authorization": f"Token {token_create(user=user)[1]}"}


@pytest.mark.django_db(transaction=True)
def test_the_live_inbox_tells_only_the_reviewers_who_may_decide(make_user, asgi_server, celery_worker_process):
    from django.contrib.auth.models import Group

    owner, rita, otto = make_user("owner"), make_user("rita"), make_user("otto")
    Group.objects.create(name="desk").user_set.add(rita)
    with pytest.raises(InvalidStatus):
        connect(f"{asgi_server.ws_url}/ws/reviews/", origin=ORIGIN, open_timeout=5)  # anonymous
    client = signed_in(owner)
    workflow = create_workflow(client, review_graph("group:desk"))
    url = f"{asgi_server.ws_url}/ws/reviews/"
    with connect(url, additional_headers=_headers(rita), origin=ORIGIN, open_timeout=5) as inbox, \
            connect(url, additional_headers=_headers(otto), origin=ORIGIN, open_timeout=5) as outsider:
        run = start_run(client, workflow["id"], {"amount": 5})
        created = json.loads(inbox.recv(timeout=30))
        assert created["type"] == "review.created" and created["task"]["run"] == run["id"]
        task_id = created["task"]["id"]
        signed_in(rita).post(f"/api/v1/reviews/{task_id}/claim/")
        assert json.loads(inbox.recv(timeout=10))["type"] == "review.claimed"
        signed_in(rita).post(f"/api/v1/reviews/{task_id}/decide/", {"decision": "approve"},
                             content_type="application/json")  # fmt: skip
        decided = json.loads(inbox.recv(timeout=10))
        assert (decided["type"], decided["task"]["status"]) == ("review.decided", "approved")
        with pytest.raises(TimeoutError):
            outsider.recv(timeout=1)
    assert wait_run(client, run["id"])["status"] == "succeeded"


@pytest.mark.django_db(transaction=True)
def test_the_live_inbox_follows_team_changes_without_reconnecting(make_user, asgi_server, celery_worker_process):
    from django.contrib.auth.models import Group

    owner, rita, otto = make_user("owner"), make_user("rita"), make_user("otto")
    desk = Group.objects.create(name="desk")
    desk.user_set.add(otto)
    client = signed_in(owner)
    workflow = create_workflow(client, review_graph("group:desk"))
    url = f"{asgi_server.ws_url}/ws/reviews/"
    with connect(url, additional_headers=_headers(rita), origin=ORIGIN, open_timeout=5) as joining, \
            connect(url, additional_headers=_headers(otto), origin=ORIGIN, open_timeout=5) as leaving:
        desk.user_set.add(rita)  # from the team's side
        otto.groups.remove(desk)  # from the user's side
        assert json.loads(joining.recv(timeout=10)) == {"type": "reviews.refresh"}
        assert json.loads(leaving.recv(timeout=10)) == {"type": "reviews.refresh"}
        run = start_run(client, workflow["id"], {"amount": 5})
        created = json.loads(joining.recv(timeout=30))
        assert created["type"] == "review.created" and created["task"]["run"] == run["id"]
        with pytest.raises(TimeoutError):
            leaving.recv(timeout=1)  # no longer in the team: hears nothing of its tasks
