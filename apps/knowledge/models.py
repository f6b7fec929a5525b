"""Document collections: uploaded documents, their passages (chunks) and the passages' embeddings."""

from django.conf import settings
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords


class Collection(models.Model):
    """A named set of documents that ``knowledge.search`` retrieves passages from.

    ``embedding``: ``{"provider": "local"}`` (all-MiniLM-L6-v2, in-process) or
    ``{"profile": "<model profile>"}`` (an OpenAI-compatible ``/embeddings`` target of a profile).
    """

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    embedding = models.JSONField(default=dict)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # Whose rights the embedding profile is used with (who last set the embedding).
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        permissions = [
            ("use_collection", "Can search collection from a workflow"),
            ("share_collection", "Can share collection"),
        ]

    def __str__(self) -> str:
        return self.name


class CollectionUserPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Collection, on_delete=models.CASCADE)


class CollectionGroupPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Collection, on_delete=models.CASCADE)


class DocumentStatus(models.TextChoices):
    QUEUED = "queued"
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


class Document(models.Model):
    """One uploaded file; its bytes are kept so that it can be embedded again."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="documents")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()
    status = models.CharField(max_length=16, choices=DocumentStatus.choices, default=DocumentStatus.QUEUED)
    error = models.TextField(blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    chunk_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["collection", "status"])]

    def __str__(self) -> str:
        return self.filename


class Chunk(models.Model):
    """A passage of a document: where it is (index, character offsets, page) and its vector."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="+")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    page = models.PositiveIntegerField(null=True, blank=True)
    text = models.TextField()
    # float32, little-endian, unit length: read straight into numpy on any database.
    embedding = models.BinaryField()

    class Meta:
        ordering = ["document", "index"]
        constraints = [models.UniqueConstraint(fields=["document", "index"], name="knowledge_chunk_position")]

    def __str__(self) -> str:
        return f"{self.document_id}#{self.index}"
