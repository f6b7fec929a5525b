from django.contrib import admin

from apps.reviews.models import ReviewTask


@admin.register(ReviewTask)
class ReviewTaskAdmin(admin.ModelAdmin):
    """Read-only: decisions are taken in the inbox or the API, where they are checked and audited."""

    list_display = ("id", "node_id", "workflow", "status", "priority", "deadline", "decided_by", "created_at")
    list_filter = ("status", "priority")
    search_fields = ("node_id", "title")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
