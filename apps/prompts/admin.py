from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from apps.prompts.models import Prompt, PromptTag, PromptVersion


@admin.register(Prompt)
class PromptAdmin(SimpleHistoryAdmin):
    list_display = ["name", "revision", "created_by", "updated_at"]
    search_fields = ["name"]
    readonly_fields = ["revision", "created_by", "created_at", "updated_at"]


@admin.register(PromptVersion)
class PromptVersionAdmin(admin.ModelAdmin):
    list_display = ["prompt", "version", "author", "reason", "created_at"]
    readonly_fields = ["prompt", "version", "template", "system", "variables", "defaults", "author", "reason"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PromptTag)
class PromptTagAdmin(SimpleHistoryAdmin):
    list_display = ["prompt", "name", "version", "moved_by", "moved_at"]
