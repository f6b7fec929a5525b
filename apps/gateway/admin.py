from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from apps.gateway.models import LLMCall, ModelPrice, ModelProfile


@admin.register(ModelProfile)
class ModelProfileAdmin(SimpleHistoryAdmin):
    """Profiles change through the API (checked, audited); here they can be read with their history."""

    list_display = ["name", "policy", "revision", "updated_at"]
    readonly_fields = ["name", "description", "policy", "targets", "revision", "created_by", "updated_by"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ModelPrice)
class ModelPriceAdmin(admin.ModelAdmin):
    """The price table the recorded calls' cost comes from (per million tokens)."""

    list_display = ["provider", "model", "input_per_million", "output_per_million", "updated_at"]
    search_fields = ["provider", "model"]


@admin.register(LLMCall)
class LLMCallAdmin(admin.ModelAdmin):
    list_display = ["created_at", "profile", "provider", "model", "status", "attempts", "failovers", "latency_ms"]
    list_filter = ["status", "provider"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
