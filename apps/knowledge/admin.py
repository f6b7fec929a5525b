from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from apps.knowledge.models import Collection, Document


@admin.register(Collection)
class CollectionAdmin(SimpleHistoryAdmin):
    """Collections change through the API (checked, audited); here they can be read with their history."""

    list_display = ["name", "created_by", "updated_at"]
    search_fields = ["name"]
    readonly_fields = ["name", "description", "embedding", "created_by", "updated_by"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    """Uploads and how their processing went (read-only)."""

    list_display = ["filename", "collection", "status", "size", "chunk_count", "created_at"]
    list_filter = ["status", "content_type"]
    fields = ["collection", "filename", "content_type", "size", "sha256", "status", "error", "pages", "chunk_count",
              "created_by", "created_at", "processed_at"]  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
