"""The audit log: what is recorded, the hash chain, verify_audit, and that nothing edits it."""

from __future__ import annotations

import itertools

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from apps.audit.models import AuditEntry
from apps.audit.services import audit_record, audit_seal, verify_chain
from apps.workflows import services as workflows
from tests.engine.helpers import edge, node

pytestmark = pytest.mark.django_db

GRAPH = {"nodes": [node("in", "trigger.manual"), node("out", "output", x=200)], "edges": [edge("in", "out")]}


def _some_history(user) -> None:
    workflow = workflows.workflow_create(name="Claims", graph=GRAPH, user=user)
    workflows.workflow_save(workflow=workflow, base_revision=1, user=user, name="Claims v2", reason="rename")
    workflows.tag_move(workflow=workflow, name="production", version=2, user=user)
    workflows.version_rollback(workflow=workflow, version=1, user=user)
    assert audit_seal() >= 4


def test_changes_are_recorded_with_who_what_and_from_where(user_client, user):
    created = user_client.post("/api/v1/workflows/", {"name": "Claims", "graph": GRAPH},
                               content_type="application/json", REMOTE_ADDR="192.0.2.10").json()  # fmt: skip
    user_client.patch(f"/api/v1/workflows/{created['id']}/", {"name": "Claims 2", "revision": 1, "reason": "typo"},
                      content_type="application/json", REMOTE_ADDR="192.0.2.10")  # fmt: skip
    entries = list(AuditEntry.objects.filter(object_type="workflow").order_by("id"))
    assert [(e.action, e.actor, e.source, e.object_id) for e in entries] == [
        ("workflow.create", "alice", "192.0.2.10", str(created["id"])),
        ("workflow.update", "alice", "192.0.2.10", str(created["id"])),
    ]
    assert entries[1].summary == {"revision": 2, "reason": "typo", "changed": ["name"]}
    assert entries[1].object_repr == "Claims 2"


def test_the_chain_verifies_and_each_entry_holds_the_previous_hash(user):
    _some_history(user)
    entries = list(AuditEntry.objects.order_by("seq"))
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert all(later.prev_hash == earlier.hash for earlier, later in itertools.pairwise(entries))
    expected = {"workflow.create", "workflow.update", "workflow.tag_move", "workflow.rollback"}
    assert expected <= {e.action for e in entries}
    assert verify_chain() == (len(entries), None)
    call_command("verify_audit")


def _tamper(sql: str, params: list) -> None:
    """Change a row behind the application's back, as someone with database access could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_append_only")
            cursor.execute(sql, params)
            cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER audit_entry_append_only")
        else:
            cursor.execute("DROP TRIGGER audit_entry_append_only")
            cursor.execute(sql, params)


@pytest.mark.parametrize(
    ("tamper", "problem"),
    [
        ("UPDATE audit_auditentry SET actor = %s WHERE seq = %s", "does not match its hash"),
        ("UPDATE audit_auditentry SET summary = %s WHERE seq = %s", "does not match its hash"),
        ("DELETE FROM audit_auditentry WHERE seq = %s", "is missing"),
    ],
)
def test_tampering_with_one_row_makes_verify_audit_fail_and_name_it(user, tamper, problem):
    _some_history(user)
    total = AuditEntry.objects.count()
    victim = 2
    params = [victim] if tamper.startswith("DELETE") else ["mallory" if "actor" in tamper else '{"x": 1}', victim]
    with transaction.atomic():  # the test's own transaction keeps the trigger change local
        _tamper(tamper, params)
        checked, found = verify_chain()
        assert found is not None and found.seq == victim and problem in found.problem
        assert checked == victim - 1
        with pytest.raises(CommandError, match=f"audit log broken at entry #{victim}:"):
            call_command("verify_audit")
        transaction.set_rollback(True)
    assert verify_chain() == (total, None)


def test_a_forged_entry_whose_hash_is_recomputed_still_breaks_the_chain(user):
    _some_history(user)
    first = AuditEntry.objects.get(seq=1)
    from apps.audit.services import entry_digest

    forged = entry_digest(seq=1, at=first.at, actor_id=first.actor_id, actor="mallory", source=first.source,
                          action=first.action, object_type=first.object_type, object_id=first.object_id,
                          object_repr=first.object_repr, summary=first.summary, prev_hash=first.prev_hash)  # fmt: skip
    with transaction.atomic():
        _tamper("UPDATE audit_auditentry SET actor = %s, hash = %s WHERE seq = 1", ["mallory", forged])
        _, found = verify_chain()
        assert found is not None and found.seq == 2 and "prev_hash" in found.problem
        transaction.set_rollback(True)


def test_entries_cannot_be_changed_through_the_database_or_the_admin(user, admin_client):
    entry = audit_record(action="test.thing", user=user, summary={"a": 1})
    # Before sealing, only sealing may touch the entry: its content is as locked as after.
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(actor="mallory")
    audit_seal()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(actor="mallory")
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEntry.objects.filter(pk=entry.pk).delete()
    entry.refresh_from_db()
    assert entry.actor == "alice"
    assert admin_client.get(f"/admin/audit/auditentry/{entry.pk}/change/").status_code in (200, 403)
    assert admin_client.post(f"/admin/audit/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin_client.post("/admin/audit/auditentry/add/", {}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk, actor="alice").exists()


def test_entries_are_sealed_in_the_order_they_were_written_and_sealing_is_idempotent(user):
    first = audit_record(action="test.one", user=user)
    second = audit_record(action="test.two", user=user)
    assert first.seq is None and first.hash == ""
    assert audit_seal() == 2
    assert audit_seal() == 0
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.seq, second.seq) == (1, 2) and second.prev_hash == first.hash
    third = audit_record(action="test.three", user=user)
    call_command("verify_audit")  # seals what is new, then checks everything
    third.refresh_from_db()
    assert third.seq == 3 and third.prev_hash == second.hash
    assert verify_chain() == (3, None)


def test_a_rolled_back_change_leaves_no_entry(user):
    before = AuditEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        workflows.workflow_create(name="Claims", graph=GRAPH, user=user)
        raise RuntimeError("the caller failed after the create")
    assert AuditEntry.objects.count() == before
    audit_seal()
    assert verify_chain()[1] is None


def test_the_audit_api_filters(user, make_user):
    from django.test import Client

    _some_history(user)
    admin = Client()
    admin.force_login(make_user("root", superuser=True))
    everything = admin.get("/api/v1/audit/").json()
    assert everything["count"] == AuditEntry.objects.count()
    assert [e["seq"] for e in everything["results"]] == sorted((e["seq"] for e in everything["results"]), reverse=True)
    updates = admin.get("/api/v1/audit/?action=workflow.update").json()["results"]
    assert [e["action"] for e in updates] == ["workflow.update"]
    workflow_ones = admin.get("/api/v1/audit/?action=workflow.&actor=alice").json()["results"]
    assert {e["action"] for e in workflow_ones} >= {"workflow.create", "workflow.rollback"}
    assert admin.get("/api/v1/audit/?actor=nobody").json()["count"] == 0
    assert admin.get("/api/v1/audit/?since=not-a-date").status_code == 400
    assert admin.post("/api/v1/audit/", {}).status_code == 405
    assert admin.delete(f"/api/v1/audit/{everything['results'][0]['seq']}/").status_code == 405
