"""Operators' view: workflows with their history, versions with a rollback action, tags with theirs."""

from django.contrib import admin, messages
from simple_history.admin import SimpleHistoryAdmin

from apps.core.api import DomainError
from apps.workflows import services
from apps.workflows.models import Workflow, WorkflowTag, WorkflowVersion


@admin.register(Workflow)
class WorkflowAdmin(SimpleHistoryAdmin):
    list_display = ["name", "revision", "created_by", "updated_at"]
    search_fields = ["name"]
    readonly_fields = ["graph", "revision", "created_by", "created_at", "updated_at"]
    history_list_display = ["revision"]


@admin.register(WorkflowVersion)
class WorkflowVersionAdmin(admin.ModelAdmin):
    list_display = ["workflow", "version", "author", "reason", "created_at"]
    list_filter = ["workflow"]
    readonly_fields = ["workflow", "version", "name", "description", "graph", "author", "reason", "created_at"]
    actions = ["roll_back"]

    def has_add_permission(self, request):
        return False  # versions come from saves

    def has_delete_permission(self, request, obj=None):
        return False  # history is never rewritten

    @admin.action(description="Roll the workflow back to this version (a new version equal to it)")
    def roll_back(self, request, queryset):
        for version in queryset.select_related("workflow"):
            try:
                workflow = services.version_rollback(
                    workflow=version.workflow, version=version.version, user=request.user, reason="from the admin"
                )
            except DomainError as exc:
                self.message_user(request, f"{version}: {exc.message}", messages.ERROR)
                continue
            done = f"{workflow.name}: version {version.version} is now revision {workflow.revision}"
            self.message_user(request, done)


@admin.register(WorkflowTag)
class WorkflowTagAdmin(SimpleHistoryAdmin):
    list_display = ["workflow", "name", "version", "moved_by", "moved_at"]
    list_filter = ["name"]
    readonly_fields = ["moved_by", "moved_at"]
