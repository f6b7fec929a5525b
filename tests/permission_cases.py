"""The reusable permission test mixin: every endpoint as anonymous, as a user without rights,
with a foreign object's id, and as a user holding exactly the right the endpoint needs.

A test class lists its endpoints (``Endpoint``) and says how to make the object they act on
(``make_object``, owned by ``owner``) and how to give a user rights on it (``grant``);
``PermissionCases`` generates the four cases for each endpoint:

- anonymous: 401 (no session, no token), and nothing changes;
- signed in, no rights: 404 for an object endpoint (it "does not exist"), an empty list for
  a list endpoint;
- allowed elsewhere, foreign id: a user who holds the right on *their own* object asks for
  the owner's object by id — 404;
- allowed: a user given exactly ``right`` (and view) gets the success status; a user with
  view only gets 403 when the endpoint needs more than view.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # "{key}" is replaced by the object's id (or name)
    right: str = "view"
    ok: int = 200
    body: dict[str, Any] | list | None = None
    is_list: bool = False
    query: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    upload: tuple[str, bytes, str] | None = None  # (file name, content, type): a multipart ``file``

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}{'?' + self.query if self.query else ''}"


def call(client: Client, endpoint: Endpoint, key) -> Any:
    path = endpoint.path.format(key=key) + (f"?{endpoint.query}" if endpoint.query else "")
    method = getattr(client, endpoint.method.lower())
    if endpoint.upload is not None:
        from django.core.files.uploadedfile import SimpleUploadedFile

        return method(path, {"file": SimpleUploadedFile(*endpoint.upload)})  # multipart, a fresh file each time
    if endpoint.body is None:
        return method(path)
    return method(path, endpoint.body, content_type="application/json")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


class PermissionCases:
    """Mix into a test class; define ``endpoints``, ``make_object``, ``key_of`` and ``grant``."""

    endpoints: list[Endpoint] = []

    def make_object(self, owner):
        raise NotImplementedError

    def key_of(self, obj):
        return obj.pk

    def grant(self, obj, user, actions: list[str]) -> None:
        from apps.accounts.services import object_share

        object_share(obj=obj, actor=None, user=user, actions=actions)

    def rights_for(self, right: str) -> list[str]:
        """The rights that let a user do ``right`` on the object (view comes with every right)."""
        return sorted({"view", right})

    @pytest.fixture
    def owner(self, make_user):
        return make_user("owner")

    @pytest.fixture
    def target(self, owner):
        return self.make_object(owner)

    def test_anonymous_is_refused(self, endpoint: Endpoint, target):
        response = call(Client(), endpoint, self.key_of(target))
        assert response.status_code == 401, response.content

    def test_a_user_without_rights_finds_nothing(self, endpoint: Endpoint, target, make_user):
        response = call(signed_in(make_user("stranger")), endpoint, self.key_of(target))
        if endpoint.is_list:
            assert response.status_code == 200, response.content
            assert response.json()["count"] == 0
        else:
            assert response.status_code == 404, response.content

    def test_a_foreign_id_is_not_found(self, endpoint: Endpoint, target, make_user):
        other = make_user("other")
        own = self.make_object(other)
        self.grant(own, other, self.rights_for(endpoint.right))
        response = call(signed_in(other), endpoint, self.key_of(target))
        if endpoint.is_list:
            assert response.status_code == 200
            assert self.key_of(target) not in self.keys_listed(response.json())
        else:
            assert response.status_code == 404, response.content

    def test_the_allowed_user_may(self, endpoint: Endpoint, target, make_user):
        allowed = make_user("allowed")
        self.grant(target, allowed, self.rights_for(endpoint.right))
        response = call(signed_in(allowed), endpoint, self.key_of(target))
        assert response.status_code == endpoint.ok, response.content
        if endpoint.is_list:
            assert self.key_of(target) in self.keys_listed(response.json())

    def test_seeing_is_not_acting(self, endpoint: Endpoint, target, make_user):
        viewer = make_user("viewer")
        self.grant(target, viewer, ["view"])
        response = call(signed_in(viewer), endpoint, self.key_of(target))
        assert response.status_code == 403, response.content

    def keys_listed(self, body) -> list:
        return [row.get("id", row.get("name")) for row in body["results"]]


def pytest_generate_tests_for(metafunc) -> None:
    """Parametrize ``endpoint`` from the class's list (called from a conftest hook)."""
    if "endpoint" in metafunc.fixturenames and metafunc.cls is not None:
        endpoints = metafunc.cls.endpoints
        if metafunc.function.__name__ == "test_seeing_is_not_acting":
            endpoints = [e for e in endpoints if e.right != "view"]  # those that need more than view
        metafunc.parametrize("endpoint", endpoints, ids=[e.id for e in endpoints])
