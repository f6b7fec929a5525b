"""Workflows and their numbered versions (the snapshots runs are pinned to)."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

TAG_NAME = RegexValidator(r"^[a-z0-9][a-z0-9._-]{0,49}$", "lower-case letters, digits, '.', '_' and '-' (50 at most)")


class Workflow(models.Model):
    """A workflow: a name and the current graph; every save bumps ``revision`` and adds a version."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    graph = models.JSONField(default=dict)
    revision = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="workflows_created"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Who changed what and why, for operators and the admin. The graph of each save is in
    # WorkflowVersion (what runs are pinned to), so history rows leave it out and stay lean.
    history = HistoricalRecords(excluded_fields=["graph"])

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["name"])]
        # Beside Django's view, change and delete (see apps.accounts.permissions).
        permissions = [
            ("run_workflow", "Can run workflow"),
            ("publish_workflow", "Can move the tags of workflow"),
            ("rollback_workflow", "Can roll workflow back"),
            ("share_workflow", "Can share workflow"),
        ]

    def __str__(self) -> str:
        return self.name


class WorkflowUserPermission(UserObjectPermissionBase):
    """A right on one workflow granted to one user (guardian, with a real foreign key)."""

    content_object = models.ForeignKey(Workflow, on_delete=models.CASCADE)


class WorkflowGroupPermission(GroupObjectPermissionBase):
    """A right on one workflow granted to a team."""

    content_object = models.ForeignKey(Workflow, on_delete=models.CASCADE)


class WorkflowVersion(models.Model):
    """One saved state of a workflow; ``version`` counts 1, 2, … per workflow and never changes."""

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    graph = models.JSONField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["workflow", "version"], name="workflow_version_unique")]

    def __str__(self) -> str:
        return f"{self.workflow_id} v{self.version}"


class WorkflowTag(models.Model):
    """A name (``production``, ``staging``, any) pointing at one version; every move is in its history."""

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=50, validators=[TAG_NAME])
    version = models.ForeignKey(WorkflowVersion, on_delete=models.PROTECT, related_name="tags")
    moved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    moved_at = models.DateTimeField(auto_now=True)
    reason = models.CharField(max_length=500, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["workflow", "name"], name="workflow_tag_unique")]

    def __str__(self) -> str:
        return f"{self.workflow_id}@{self.name} → v{self.version.version}"


class Webhook(models.Model):
    """The URL of one ``trigger.webhook`` node: ``POST /hooks/{token}/`` starts a run of the workflow."""

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="webhooks")
    node_id = models.CharField(max_length=100)
    token = models.CharField(max_length=64, unique=True)
    # Shared secret for the optional HMAC-SHA256 signature, encrypted with the vault's keys
    # (a Fernet token). Write-only through the API.
    secret = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workflow", "node_id"], name="workflow_webhook_node_unique")]

    def __str__(self) -> str:
        return f"webhook {self.workflow_id}/{self.node_id}"


class Schedule(models.Model):
    """When the ``trigger.schedule`` node of a workflow next fires (kept in step with the graph)."""

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="schedules")
    node_id = models.CharField(max_length=100)
    cron = models.CharField(max_length=200)
    timezone = models.CharField(max_length=64, default="UTC")
    next_run_at = models.DateTimeField(db_index=True)
    last_run_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workflow", "node_id"], name="workflow_schedule_node_unique")]

    def __str__(self) -> str:
        return f"schedule {self.workflow_id}/{self.node_id} ({self.cron})"
