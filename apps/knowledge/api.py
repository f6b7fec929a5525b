"""``/api/v1/collections/``: document collections, their uploads and a search preview. Views are thin."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from apps.accounts.api import ObjectRightsMixin, PermissionsField, ShareMixin
from apps.core.api import DomainError
from apps.knowledge import selectors, services
from apps.knowledge.models import Chunk, Collection, Document


class CollectionOutput(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    document_count = serializers.IntegerField(read_only=True, default=None)
    ready_count = serializers.IntegerField(read_only=True, default=None,
                                           help_text="Documents whose passages are searchable.")  # fmt: skip
    permissions = PermissionsField()

    class Meta:
        model = Collection
        fields = ["id", "name", "description", "embedding", "document_count", "ready_count", "created_by",
                  "created_at", "updated_at", "permissions"]  # fmt: skip


class CollectionCreateInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    embedding = serializers.JSONField(required=False, help_text='{"provider": "local"} (default) or '
                                                                '{"profile": "<model profile>"}')  # fmt: skip


class CollectionUpdateInput(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    embedding = serializers.JSONField(required=False, help_text="Changing it embeds every document again.")


class DocumentOutput(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Document
        fields = ["id", "filename", "content_type", "size", "sha256", "status", "error", "pages", "chunk_count",
                  "created_by", "created_at", "processed_at"]  # fmt: skip


class ChunkOutput(serializers.ModelSerializer):
    class Meta:
        model = Chunk
        fields = ["index", "start", "end", "page", "text"]


class DocumentDetailOutput(DocumentOutput):
    chunks = serializers.SerializerMethodField(help_text="The document's passages, in order.")

    class Meta(DocumentOutput.Meta):
        fields = [*DocumentOutput.Meta.fields, "chunks"]

    def get_chunks(self, document) -> list[dict]:
        return ChunkOutput(document.chunks.defer("embedding").order_by("index"), many=True).data


class DocumentUploadInput(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, help_text="text/plain, text/markdown or application/pdf")


class SearchInput(serializers.Serializer):
    query = serializers.CharField(max_length=4000, trim_whitespace=True)
    top_k = serializers.IntegerField(min_value=1, max_value=services.MAX_TOP_K, default=4)
    min_score = serializers.FloatField(min_value=-1, max_value=1, required=False, allow_null=True)


class CollectionViewSet(ObjectRightsMixin, ShareMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        mixins.DestroyModelMixin, viewsets.GenericViewSet):  # fmt: skip
    """Collections the user may see; `change` uploads and removes documents, `use` searches (and
    lets a workflow's knowledge.search node read it)."""

    serializer_class = CollectionOutput
    rights = {"partial_update": "change", "destroy": "delete", "search": "use"}

    def right_needed(self) -> str:
        if self.action in ("documents", "document") and self.request.method not in ("GET", "HEAD"):
            return "change"
        return super().right_needed()

    def get_queryset(self):
        return selectors.collections_for(user=self.request.user, search=self.request.query_params.get("search", ""))

    def output(self, collection) -> dict:
        fresh = self.get_queryset().filter(pk=collection.pk).first() or collection
        return CollectionOutput(fresh, context=self.get_serializer_context()).data

    @extend_schema(parameters=[OpenApiParameter("search", str)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=CollectionCreateInput, responses={201: CollectionOutput})
    def create(self, request):
        data = CollectionCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        collection = services.collection_create(user=request.user, **data.validated_data)
        return Response(self.output(collection), status=status.HTTP_201_CREATED)

    @extend_schema(request=CollectionUpdateInput, responses=CollectionOutput)
    def partial_update(self, request, pk=None):
        collection = self.get_object()
        data = CollectionUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        collection = services.collection_update(collection=collection, user=request.user, **data.validated_data)
        return Response(self.output(collection))

    def perform_destroy(self, instance):
        services.collection_delete(collection=instance, user=self.request.user)

    @extend_schema(methods=["GET"], responses=DocumentOutput(many=True))
    @extend_schema(methods=["POST"], request={"multipart/form-data": DocumentUploadInput},
                   responses={201: DocumentOutput})  # fmt: skip
    @action(detail=True, methods=["get", "post"], parser_classes=[MultiPartParser, FormParser, JSONParser])
    def documents(self, request, pk=None):
        """GET: the documents and their status (queued, processing, ready, failed). POST (multipart
        ``file``): upload one; the worker cuts it into passages and embeds them."""
        collection = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(selectors.documents_of(collection=collection))
            return self.get_paginated_response(DocumentOutput(page, many=True).data)
        data = DocumentUploadInput(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        if upload.size is not None and upload.size > services.max_upload_bytes():
            raise DomainError(f"the file is {upload.size} bytes; at most {services.max_upload_bytes()} are accepted",
                              field="file")  # fmt: skip
        document = services.document_add(collection=collection, user=request.user, filename=upload.name or "",
                                          content_type=upload.content_type or "", data=upload.read())  # fmt: skip
        return Response(DocumentOutput(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], responses=DocumentDetailOutput)
    @extend_schema(methods=["DELETE"], responses={204: None})
    @action(detail=True, methods=["get", "delete"], url_path=r"documents/(?P<document_id>[0-9]+)")
    def document(self, request, pk=None, document_id=None):
        """One document with its passages (index, character offsets, page, text); DELETE removes it."""
        collection = self.get_object()
        document = selectors.documents_of(collection=collection).filter(pk=document_id).first()
        if document is None:
            raise Http404
        if request.method == "DELETE":
            services.document_delete(document=document, user=request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(DocumentDetailOutput(document).data)

    @extend_schema(request=SearchInput, responses={200: dict})
    @action(detail=True, methods=["post"])
    def search(self, request, pk=None):
        """The passages most like the query, best first: text, source, position, page, score."""
        collection = self.get_object()
        data = SearchInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(services.collection_search(collection=collection, user_id=request.user.pk,
                                                   **data.validated_data))  # fmt: skip
