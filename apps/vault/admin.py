from django.contrib import admin

from apps.vault.models import Credential


@admin.register(Credential)
class CredentialAdmin(admin.ModelAdmin):
    """Read-only: credentials change through the API (checked, audited); the secret is never shown."""

    list_display = ["name", "kind", "created_by", "updated_at", "secret_changed_at"]
    search_fields = ["name"]
    fields = ["name", "description", "kind", "header", "username", "hosts", "created_by", "secret_changed_at"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
