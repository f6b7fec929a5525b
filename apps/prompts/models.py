"""Prompts: a named template with declared variables and model defaults, numbered versions and tags."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from apps.workflows.models import TAG_NAME

PROMPT_NAME = RegexValidator(
    r"^[a-z0-9][a-z0-9._-]{0,99}$", "lower-case letters, digits, '.', '_' and '-' (100 at most)"
)


class Prompt(models.Model):
    """The current state of a prompt; every save bumps ``revision`` and adds a PromptVersion."""

    name = models.CharField(max_length=100, unique=True, validators=[PROMPT_NAME])
    description = models.TextField(blank=True)
    template = models.TextField()
    system = models.TextField(blank=True)
    variables = models.JSONField(default=list)
    # Model defaults: {"profile", "temperature", "max_tokens", "output_schema"}.
    defaults = models.JSONField(default=dict, blank=True)
    revision = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Who changed what and why; the texts of each save are in PromptVersion, not repeated here.
    history = HistoricalRecords(excluded_fields=["template", "system", "defaults"])

    class Meta:
        ordering = ["name"]
        permissions = [
            ("publish_prompt", "Can move the tags of prompt"),
            ("rollback_prompt", "Can roll prompt back"),
            ("share_prompt", "Can share prompt"),
        ]

    def __str__(self) -> str:
        return self.name


class PromptUserPermission(UserObjectPermissionBase):
    """A right on one prompt granted to one user."""

    content_object = models.ForeignKey(Prompt, on_delete=models.CASCADE)


class PromptGroupPermission(GroupObjectPermissionBase):
    """A right on one prompt granted to a team."""

    content_object = models.ForeignKey(Prompt, on_delete=models.CASCADE)


class PromptVersion(models.Model):
    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    template = models.TextField()
    system = models.TextField(blank=True)
    variables = models.JSONField(default=list)
    defaults = models.JSONField(default=dict, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["prompt", "version"], name="prompt_version_unique")]

    def __str__(self) -> str:
        return f"{self.prompt_id}@{self.version}"


class PromptTag(models.Model):
    prompt = models.ForeignKey(Prompt, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=50, validators=[TAG_NAME])
    version = models.ForeignKey(PromptVersion, on_delete=models.PROTECT, related_name="tags")
    moved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    moved_at = models.DateTimeField(auto_now=True)
    reason = models.CharField(max_length=500, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["prompt", "name"], name="prompt_tag_unique")]

    def __str__(self) -> str:
        return f"{self.prompt_id}@{self.name}"
