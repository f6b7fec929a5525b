"""Knowledge writes: collections, documents (upload, then text → passages → vectors in a worker),
and ``collection_search`` — the query's vector against the collection's passages.

Retrieval is a cosine similarity computed with numpy over the collection's stored vectors
(unit float32 rows, so a dot product): the same on SQLite and PostgreSQL, no extension needed.
"""

from __future__ import annotations

import hashlib
import logging
import re
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.accounts import permissions
from apps.accounts.services import grant_all
from apps.audit.services import audit_record
from apps.core.api import Conflict, DomainError
from apps.knowledge import chunking, embeddings
from apps.knowledge.models import Chunk, Collection, Document, DocumentStatus

logger = logging.getLogger(__name__)

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$")
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_TOP_K = 50


def max_upload_bytes() -> int:
    return int(getattr(settings, "KNOWLEDGE_MAX_UPLOAD_BYTES", MAX_UPLOAD_BYTES))


def _check_embedding(embedding: Any, user) -> None:
    problem = embeddings.shape_problem(embedding)
    if problem:
        raise DomainError(problem, field="embedding")
    if embedding == embeddings.LOCAL:
        return
    from apps.gateway.selectors import profiles_for

    if not profiles_for(user=user, action="use").filter(name=embedding["profile"]).exists():
        raise DomainError(f"no model profile {embedding['profile']!r} that you may use", field="embedding")


def _check_name(name: str, *, exclude: int | None = None) -> None:
    if not NAME.match(name or ""):
        raise DomainError("letters, digits, spaces, '.', '_' and '-' (up to 100), starting with a letter or digit",
                          field="name")  # fmt: skip
    if Collection.objects.filter(name=name).exclude(pk=exclude).exists():
        raise Conflict(f"there is already a collection named {name!r}", field="name")


@transaction.atomic
def collection_create(*, user, name: str, description: str = "", embedding: dict | None = None) -> Collection:
    """A new, empty collection; its creator holds every right on it. Audited."""
    embedding = dict(embeddings.LOCAL) if embedding is None else embedding
    _check_name(name)
    _check_embedding(embedding, user)
    collection = Collection.objects.create(name=name, description=description, embedding=embedding,
                                           created_by=user, updated_by=user)  # fmt: skip
    grant_all(obj=collection, user=user)
    audit_record(action="collection.create", user=user, obj=collection, summary={"embedding": embedding})
    return collection


@transaction.atomic
def collection_update(*, collection: Collection, user, **changes) -> Collection:
    """Rename, describe, or change the embedding (every document is then embedded again). Audited."""
    locked = Collection.objects.select_for_update().get(pk=collection.pk)
    if "name" in changes:
        _check_name(changes["name"], exclude=locked.pk)
    if "embedding" in changes:
        _check_embedding(changes["embedding"], user)
    changed = sorted(f for f in ("name", "description", "embedding")
                     if f in changes and changes[f] != getattr(locked, f))  # fmt: skip
    for field in changed:
        setattr(locked, field, changes[field])
    if "embedding" in changed:
        locked.updated_by = user
    locked.save()
    if "embedding" in changed:
        for document_id in Document.objects.filter(collection=locked).values_list("pk", flat=True):
            _queue(document_id)
        Document.objects.filter(collection=locked).update(status=DocumentStatus.QUEUED, error="")
    audit_record(action="collection.update", user=user, obj=locked, summary={"changed": changed})
    return locked


@transaction.atomic
def collection_delete(*, collection: Collection, user) -> None:
    """Delete the collection with its documents and passages. Audited."""
    audit_record(action="collection.delete", user=user, obj=collection,
                 summary={"documents": collection.documents.count()})  # fmt: skip
    collection.delete()


def collection_usable(*, name: str, user_id: int | None) -> Collection:
    """The collection, if ``user_id`` (a workflow's publisher) may use it."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=user_id, is_active=True).first() if user_id else None
    collection = permissions.restrict(Collection.objects.all(), user, "use").filter(name=name).first()
    if collection is None:
        raise DomainError(f"no collection {name!r} that this workflow's publisher may use", field="collection")
    return collection


# --- Documents -------------------------------------------------------------------------------


def _queue(document_id: int) -> None:
    from apps.knowledge.tasks import embed_document

    transaction.on_commit(lambda: embed_document.delay(document_id=document_id))


@transaction.atomic
def document_add(*, collection: Collection, user, filename: str, content_type: str, data: bytes) -> Document:
    """Store an upload (text, Markdown or PDF) and queue it to be cut into passages and embedded. Audited."""
    filename = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:255]
    if not filename:
        raise DomainError("the file needs a name", field="file")
    kind = chunking.content_type_of(filename, content_type)
    if kind is None:
        raise DomainError(f"{content_type or 'this type'} is not text/plain, text/markdown or application/pdf "
                          "(.txt, .md, .pdf)", field="file")  # fmt: skip
    if not data:
        raise DomainError("the file is empty", field="file")
    if len(data) > max_upload_bytes():
        raise DomainError(f"the file is {len(data)} bytes; at most {max_upload_bytes()} are accepted", field="file")
    if kind == "application/pdf" and not data.startswith(b"%PDF-"):
        raise DomainError("the file is not a PDF (it does not start with %PDF-)", field="file")
    if kind != "application/pdf":
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DomainError("the file is not UTF-8 text", field="file") from None
    document = Document.objects.create(collection=collection, filename=filename, content_type=kind, size=len(data),
                                       sha256=hashlib.sha256(data).hexdigest(), content=data,
                                       created_by=user)  # fmt: skip
    audit_record(action="collection.document_add", user=user, obj=collection,
                 summary={"document": document.pk, "filename": filename, "size": len(data),
                          "sha256": document.sha256})  # fmt: skip
    _queue(document.pk)
    return document


@transaction.atomic
def document_delete(*, document: Document, user) -> None:
    """Remove a document and its passages from its collection. Audited."""
    audit_record(action="collection.document_delete", user=user, obj=document.collection,
                 summary={"document": document.pk, "filename": document.filename})  # fmt: skip
    document.delete()


def _failed(document_id: int, message: str) -> None:
    Document.objects.filter(pk=document_id).update(status=DocumentStatus.FAILED, error=message[:2000],
                                                   processed_at=timezone.now())  # fmt: skip


def document_process(*, document_id: int) -> str:
    """Read the document's text, cut it into passages, embed them and store them (the worker's
    part of an upload). Safe to run twice; returns the document's status."""
    document = Document.objects.select_related("collection").filter(pk=document_id).first()
    if document is None or document.status not in (DocumentStatus.QUEUED, DocumentStatus.PROCESSING):
        return document.status if document else "gone"
    Document.objects.filter(pk=document_id).update(status=DocumentStatus.PROCESSING)
    collection = document.collection
    embedding = collection.embedding
    try:
        pages = chunking.extract(bytes(document.content), document.content_type)
        pieces = chunking.chunk_pages(pages)
        if not pieces:
            raise chunking.ExtractionError("no text found in the file (a scanned PDF has none: OCR it first)")
        texts = [piece.text for piece in pieces]
        vectors = embeddings.embed(embedding=embedding, texts=texts, owner_id=collection.updated_by_id,
                                   user_id=document.created_by_id).matrix  # fmt: skip
    except chunking.ExtractionError as exc:
        _failed(document_id, str(exc))
        return DocumentStatus.FAILED
    except DomainError as exc:
        _failed(document_id, exc.message)
        return DocumentStatus.FAILED
    except Exception as exc:  # a broken file must fail its document, not loop in the worker
        logger.exception("document %s could not be processed", document_id)
        _failed(document_id, f"{type(exc).__name__}: {str(exc)[:500]}")
        return DocumentStatus.FAILED
    with transaction.atomic():
        locked = Document.objects.select_for_update().filter(pk=document_id).first()
        if locked is None:
            return "gone"
        if Collection.objects.filter(pk=collection.pk).values_list("embedding", flat=True).first() != embedding:
            return locked.status  # the embedding changed meanwhile: the queued re-run does it
        Chunk.objects.filter(document=locked).delete()
        Chunk.objects.bulk_create([
            Chunk(collection_id=collection.pk, document=locked, index=p.index, start=p.start, end=p.end, page=p.page,
                  text=p.text, embedding=vector.astype("<f4").tobytes())
            for p, vector in zip(pieces, vectors, strict=True)
        ], batch_size=500)  # fmt: skip
        locked.status, locked.error, locked.chunk_count = DocumentStatus.READY, "", len(pieces)
        locked.pages = len(pages) if document.content_type == "application/pdf" else None
        locked.processed_at = timezone.now()
        locked.save(update_fields=["status", "error", "chunk_count", "pages", "processed_at"])
    return DocumentStatus.READY


# --- Retrieval -------------------------------------------------------------------------------


def collection_search(*, collection: Collection, query: str, top_k: int = 4, min_score: float | None = None,
                      run_id: str | None = None, node_id: str = "", user_id: int | None = None,
                      workflow_id: int | None = None) -> dict[str, Any]:  # fmt: skip
    """The ``top_k`` passages most like ``query`` (cosine similarity), best first, each with its
    source (file name), position (passage index, character offsets), page and score."""
    query = (query or "").strip()
    if not query:
        raise DomainError("a question or some words to look for", field="query")
    if not 1 <= int(top_k) <= MAX_TOP_K:
        raise DomainError(f"a number from 1 to {MAX_TOP_K}", field="top_k")
    rows = list(Chunk.objects.filter(collection=collection, document__status=DocumentStatus.READY)
                .values_list("pk", "embedding"))  # fmt: skip
    result: dict[str, Any] = {"query": query, "collection": collection.name, "passages": [], "searched": len(rows)}
    if not rows:
        return result
    vectors = embeddings.embed(embedding=collection.embedding, texts=[query], owner_id=collection.updated_by_id,
                               run_id=run_id, node_id=node_id, user_id=user_id, workflow_id=workflow_id)  # fmt: skip
    wanted = vectors.matrix[0]
    width = wanted.shape[0] * 4
    rows = [(pk, bytes(vector)) for pk, vector in rows if len(vector) == width]
    if not rows:
        return result
    import numpy as np

    matrix = np.frombuffer(b"".join(vector for _, vector in rows), dtype="<f4").reshape(len(rows), wanted.shape[0])
    scores = matrix @ wanted
    best = np.argsort(-scores, kind="stable")[: int(top_k)]
    chosen = [(rows[i][0], float(scores[i])) for i in best if min_score is None or scores[i] >= min_score]
    chunks = Chunk.objects.select_related("document").in_bulk([pk for pk, _ in chosen])
    result["passages"] = [
        {"text": chunks[pk].text, "source": chunks[pk].document.filename, "document": chunks[pk].document_id,
         "position": {"index": chunks[pk].index, "start": chunks[pk].start, "end": chunks[pk].end},
         "page": chunks[pk].page, "score": round(score, 4)}
        for pk, score in chosen
    ]  # fmt: skip
    result["model"] = vectors.model
    return result
