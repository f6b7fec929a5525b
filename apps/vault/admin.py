from django.contrib import admin
from guardian.admin import GuardedModelAdmin

from apps.vault.models import Credential


@admin.register(Credential)
class CredentialAdmin(GuardedModelAdmin):
    """Metadata and rights only: the secret is not shown and is set through the API."""

    list_display = ["name", "kind", "created_by", "updated_at", "secret_changed_at"]
    search_fields = ["name"]
    fields = ["name", "description", "kind", "header", "username", "created_by", "secret_changed_at"]
    readonly_fields = ["created_by", "secret_changed_at"]

    def has_add_permission(self, request) -> bool:
        return False
