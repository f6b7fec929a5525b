"""Document collections through the API: uploads processed by a real worker, passages with their
positions, search with the local model and with a provider's embeddings, bad uploads, rights."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.accounts.services import object_share
from apps.audit.models import AuditEntry
from apps.gateway import services as gateway
from apps.gateway.models import LLMCall
from apps.knowledge import services
from apps.knowledge.models import Chunk, Collection, Document
from tests.knowledge.helpers import tiny_pdf, upload, wait_processed

COLLECTIONS = "/api/v1/collections/"

HANDBOOK = """# Customer handbook

## Refunds

Refunds are paid back to the original card within five working days of the return arriving.
A refund never includes the shipping cost of the first delivery.

## Shipping

Parcels ship from the warehouse in Rotterdam every weekday. Delivery inside the country takes
one or two days; abroad it takes up to a week.
"""
OFFICE = "The office is closed on public holidays.\n\nVisitors sign in at the front desk and wear a badge."


def create(client, name: str = "handbook", **body) -> dict:
    response = client.post(COLLECTIONS, {"name": name, **body}, content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()


def search(client, collection_id: int, query: str, **body) -> dict:
    response = client.post(f"{COLLECTIONS}{collection_id}/search/", {"query": query, **body},
                           content_type="application/json")  # fmt: skip
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.django_db(transaction=True)
def test_text_markdown_and_pdf_uploads_become_passages_with_positions(user_client, celery_worker_process):
    collection = create(user_client)
    assert collection["embedding"] == {"provider": "local"} and collection["document_count"] == 0
    long_text = "\n\n".join(f"Paragraph {n}. " + "Claims are checked by the team before payment. " * 6
                            for n in range(1, 7))  # fmt: skip
    uploads = {
        "notes.txt": (long_text.encode(), "text/plain"),
        "handbook.md": (HANDBOOK.encode(), "text/markdown"),
        "policy.pdf": (tiny_pdf(["Refunds take five working days.", "Shipping is free over 50 EUR."]),
                       "application/pdf"),
        "scan.pdf": (tiny_pdf([""]), "application/pdf"),  # a PDF without a text layer
    }  # fmt: skip
    created = {}
    for name, (data, content_type) in uploads.items():
        response = upload(user_client, collection["id"], name, data, content_type)
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["status"] == "queued" and body["size"] == len(data) and len(body["sha256"]) == 64
        created[name] = body["id"]
    done = {name: wait_processed(user_client, collection["id"], document_id) for name, document_id in created.items()}

    notes = done["notes.txt"]
    assert notes["status"] == "ready" and notes["chunk_count"] == len(notes["chunks"]) > 1
    for chunk in notes["chunks"]:
        assert long_text[chunk["start"]:chunk["end"]] == chunk["text"] and chunk["page"] is None
        assert len(chunk["text"]) <= 800
    assert [c["index"] for c in notes["chunks"]] == list(range(len(notes["chunks"])))
    assert notes["chunks"][1]["start"] < notes["chunks"][0]["end"], "passages overlap"

    markdown = done["handbook.md"]
    assert markdown["status"] == "ready" and markdown["content_type"] == "text/markdown"
    assert markdown["chunks"][0]["text"].startswith("# Customer handbook")

    pdf = done["policy.pdf"]
    assert (pdf["status"], pdf["pages"]) == ("ready", 2)
    assert [(c["index"], c["page"], c["text"]) for c in pdf["chunks"]] == [
        (0, 1, "Refunds take five working days."), (1, 2, "Shipping is free over 50 EUR.")]  # fmt: skip
    assert pdf["chunks"][1]["start"] == len("Refunds take five working days.") + 2  # pages joined by a blank line

    scan = done["scan.pdf"]
    assert scan["status"] == "failed" and "no text found" in scan["error"] and scan["chunks"] == []

    listed = user_client.get(f"{COLLECTIONS}{collection['id']}/documents/").json()
    assert {row["filename"]: row["status"] for row in listed["results"]} == {
        "notes.txt": "ready", "handbook.md": "ready", "policy.pdf": "ready", "scan.pdf": "failed"}  # fmt: skip
    detail = user_client.get(f"{COLLECTIONS}{collection['id']}/").json()
    assert (detail["document_count"], detail["ready_count"]) == (4, 3)

    # Removing a document removes its passages; both are audited.
    response = user_client.delete(f"{COLLECTIONS}{collection['id']}/documents/{created['notes.txt']}/")
    assert response.status_code == 204
    assert not Chunk.objects.filter(document_id=created["notes.txt"]).exists()
    actions = list(AuditEntry.objects.filter(object_type="collection").values_list("action", flat=True))
    assert actions.count("collection.document_add") == 4 and "collection.document_delete" in actions


@pytest.mark.django_db(transaction=True)
def test_the_local_model_finds_the_passage_that_answers_first(user_client, celery_worker_process):
    collection = create(user_client)
    for name, text in (("handbook.md", HANDBOOK), ("office.txt", OFFICE)):
        document = upload(user_client, collection["id"], name, text.encode(), "text/plain").json()
        assert wait_processed(user_client, collection["id"], document["id"])["status"] == "ready"
    found = search(user_client, collection["id"], "How long until my money is back on my card?", top_k=2)
    assert found["query"] == "How long until my money is back on my card?"
    assert found["model"] == {"provider": "local", "model": "all-MiniLM-L6-v2"}
    first, second = found["passages"]
    assert first["source"] == "handbook.md" and "Refunds are paid back" in first["text"]
    assert set(first["position"]) == {"index", "start", "end"} and first["page"] is None
    assert 0 < second["score"] < first["score"] <= 1
    other = search(user_client, collection["id"], "Where do visitors sign in?", top_k=1)["passages"]
    assert other[0]["source"] == "office.txt"
    # A threshold leaves out what is not alike enough.
    assert search(user_client, collection["id"], "Where do visitors sign in?", min_score=0.99)["passages"] == []
    assert not LLMCall.objects.exists()  # the local model is not a provider call


@pytest.mark.django_db(transaction=True)
def test_a_providers_embeddings_find_the_passage_and_their_calls_are_recorded(
    user, user_client, model_server, celery_worker_process, settings
):
    # The test provider, for the search made in this process (the worker's env allows it too).
    settings.OUTBOUND_ALLOWLIST = ["127.0.0.1/32"]
    gateway.profile_create(user=user, name="embedder", targets=[
        {"provider": "anthropic", "model": "claude", "base_url": model_server.base_url("ok", "anthropic")},
        {"provider": "openai", "model": "text-embedding-3-small", "base_url": model_server.base_url("ok")},
    ])  # fmt: skip
    model_server.reset()
    # Made with the local model, then switched: every document is embedded again by the provider.
    collection = create(user_client)
    for name, text in (("handbook.md", HANDBOOK), ("office.txt", OFFICE)):
        document = upload(user_client, collection["id"], name, text.encode(), "text/plain").json()
        assert wait_processed(user_client, collection["id"], document["id"])["status"] == "ready"
    response = user_client.patch(f"{COLLECTIONS}{collection['id']}/", {"embedding": {"profile": "embedder"}},
                                 content_type="application/json")  # fmt: skip
    assert response.status_code == 200, response.content
    for document in Document.objects.filter(collection_id=collection["id"]):
        assert wait_processed(user_client, collection["id"], document.pk)["status"] == "ready"
    widths = {len(bytes(v)) for v in Chunk.objects.filter(collection_id=collection["id"]).values_list("embedding",
                                                                                                       flat=True)}
    assert widths == {256 * 4}  # the provider's vectors, not the local model's 384

    found = search(user_client, collection["id"], "visitors badge front desk", top_k=3)
    assert found["passages"][0]["source"] == "office.txt" and "badge" in found["passages"][0]["text"]
    assert found["model"]["provider"] == "openai" and found["model"]["profile"] == "embedder"
    sent = model_server.requests("ok")
    assert all(r["path"] == "/v1/embeddings" for r in sent)
    assert sent[-1]["body"] == {"model": "text-embedding-3-small", "input": ["visitors badge front desk"]}
    # Every embedding call is recorded: the documents' (by the worker) and the query's.
    calls = LLMCall.objects.filter(profile="embedder").order_by("id")
    assert calls.count() == 3 and all(c.status == "ok" and c.output_tokens == 0 for c in calls)
    query_call = calls.last()
    assert (query_call.model, query_call.input_tokens, query_call.failovers) == ("text-embedding-3-small", 4, 1)
    assert query_call.tries[0]["status"] == "skipped"  # the Anthropic target has no embeddings API


@pytest.mark.django_db(transaction=True)
def test_a_failing_provider_fails_the_document_with_the_reason(user, user_client, model_server,
                                                                celery_worker_process):  # fmt: skip
    gateway.profile_create(user=user, name="broken", targets=[
        {"provider": "openai", "model": "m", "base_url": model_server.base_url("fail-400")}])  # fmt: skip
    collection = create(user_client, embedding={"profile": "broken"})
    document = upload(user_client, collection["id"], "office.txt", OFFICE.encode()).json()
    failed = wait_processed(user_client, collection["id"], document["id"])
    assert failed["status"] == "failed" and "HTTP 400" in failed["error"]


# --- Without a worker: checks made at the request -------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name, data, content_type, message",
    [
        ("photo.png", b"\x89PNG\r\n", "image/png", "is not text/plain, text/markdown or application/pdf"),
        ("empty.txt", b"", "text/plain", "the file is empty"),
        ("big.txt", b"x" * 101, "text/plain", "at most 100 are accepted"),
        ("fake.pdf", b"hello", "application/pdf", "not a PDF"),
        ("latin1.txt", "café".encode("latin-1"), "text/plain", "not UTF-8 text"),
    ],
)
def test_a_bad_upload_is_refused_naming_the_file_field(user_client, settings, name, data, content_type, message):
    settings.KNOWLEDGE_MAX_UPLOAD_BYTES = 100
    collection = create(user_client)
    response = upload(user_client, collection["id"], name, data, content_type)
    assert response.status_code == 400, response.content
    assert response.json()["field"] == "file" and message in response.json()["file"][0]
    assert not Document.objects.exists()


@pytest.mark.django_db
def test_an_upload_without_a_file_names_the_field(user_client):
    collection = create(user_client)
    response = user_client.post(f"{COLLECTIONS}{collection['id']}/documents/", {})
    assert response.status_code == 400 and "file" in response.json()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body, status, field",
    [
        ({"name": "  "}, 400, "name"),
        ({"name": "ok", "embedding": {"provider": "openai"}}, 400, "embedding"),
        ({"name": "ok", "embedding": {"profile": "nobody-shared-this"}}, 400, "embedding"),
        ({"name": "handbook"}, 409, "name"),
    ],
)
def test_a_bad_collection_is_refused_naming_the_field(user_client, body, status, field):
    create(user_client, "handbook")
    response = user_client.post(COLLECTIONS, body, content_type="application/json")
    assert response.status_code == status, response.content
    assert field in response.json()
    assert Collection.objects.count() == 1


@pytest.mark.django_db
def test_a_search_names_a_bad_query(user_client):
    collection = create(user_client)
    response = user_client.post(f"{COLLECTIONS}{collection['id']}/search/", {"query": "x", "top_k": 0},
                                content_type="application/json")  # fmt: skip
    assert response.status_code == 400 and "top_k" in response.json()
    # An empty collection finds nothing (and asks no model).
    assert search(user_client, collection["id"], "anything")["passages"] == []


@pytest.mark.django_db
def test_creating_changing_and_deleting_are_audited_and_kept_in_history(user, user_client):
    collection = create(user_client, description="v1")
    response = user_client.patch(f"{COLLECTIONS}{collection['id']}/", {"description": "v2"},
                                 content_type="application/json")  # fmt: skip
    assert response.json()["description"] == "v2"
    assert Collection.objects.get().history.count() == 2
    assert user_client.delete(f"{COLLECTIONS}{collection['id']}/").status_code == 204
    actions = list(AuditEntry.objects.filter(object_type="collection").order_by("id").values_list("action", flat=True))
    assert actions == ["collection.create", "collection.update", "collection.delete"]


@pytest.mark.django_db
def test_a_collection_is_invisible_without_rights_and_read_only_with_view(user, make_user):
    owner = make_user("owner")
    collection = services.collection_create(user=owner, name="private")
    client = Client()
    client.force_login(user)
    assert client.get(f"{COLLECTIONS}{collection.pk}/").status_code == 404
    assert client.get(COLLECTIONS).json()["count"] == 0
    assert upload(client, collection.pk, "a.txt", b"hello").status_code == 404
    object_share(obj=collection, actor=owner, user=user, actions=["view"])
    seen = client.get(f"{COLLECTIONS}{collection.pk}/").json()
    assert seen["permissions"] == ["view"]
    assert upload(client, collection.pk, "a.txt", b"hello").status_code == 403
    assert client.post(f"{COLLECTIONS}{collection.pk}/search/", {"query": "hello"},
                       content_type="application/json").status_code == 403  # fmt: skip
