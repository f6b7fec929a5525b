"""Knowledge reads, through the restriction point: collections, and their documents."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from apps.accounts.permissions import restrict
from apps.knowledge.models import Collection, Document, DocumentStatus


def collections_for(*, user, action: str = "view", search: str = "") -> QuerySet[Collection]:
    queryset = restrict(Collection.objects.select_related("created_by"), user, action).annotate(
        document_count=Count("documents"),
        ready_count=Count("documents", filter=Q(documents__status=DocumentStatus.READY)),
    ).order_by("name")
    return queryset.filter(name__icontains=search) if search else queryset


def documents_of(*, collection: Collection) -> QuerySet[Document]:
    """The collection's documents, without their bytes."""
    return Document.objects.filter(collection=collection).select_related("created_by").defer("content")
