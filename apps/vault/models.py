"""Credentials: a secret (encrypted at rest) and how a node sends it; the secret never leaves."""

from django.conf import settings
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords


class CredentialKind(models.TextChoices):
    OPENAI = "openai", "An OpenAI(-compatible) API key (Authorization: Bearer)"
    ANTHROPIC = "anthropic", "An Anthropic API key (x-api-key)"
    BEARER = "bearer", "Authorization: Bearer <secret>"
    HEADER = "header", "A header of your choice"
    BASIC = "basic", "HTTP basic (username + secret as password)"


class Credential(models.Model):
    """A named secret. Nodes may *use* it (the vault adds it to their call) without reading it."""

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=16, choices=CredentialKind.choices, default=CredentialKind.BEARER)
    header = models.CharField(max_length=100, blank=True, help_text="The header name, for kind 'header'.")
    username = models.CharField(max_length=200, blank=True, help_text="For kind 'basic'.")
    # Where the secret may be sent: host names ("api.example.com", "*.example.com"); empty: anywhere
    # the outbound rules allow. Stops a workflow that may use it from sending it to a server of its own.
    hosts = models.JSONField(default=list, blank=True)
    # Fernet token of the secret (apps.vault.crypto); never serialised, logged or kept in history.
    ciphertext = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    secret_changed_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["ciphertext"])

    class Meta:
        ordering = ["name"]
        permissions = [
            ("use_credential", "Can use credential in a workflow without reading it"),
            ("share_credential", "Can share credential"),
        ]

    def __str__(self) -> str:
        return self.name


class CredentialUserPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Credential, on_delete=models.CASCADE)


class CredentialGroupPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Credential, on_delete=models.CASCADE)
