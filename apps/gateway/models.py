"""Model profiles (which models, in which order, by which policy), prices, and every call made."""

from django.conf import settings
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords


class RoutingPolicy(models.TextChoices):
    FAILOVER = "failover", "In order; the next target when one fails"
    LATENCY = "latency", "Lowest observed latency first"
    COST = "cost", "Lowest price first"
    WEIGHTED = "weighted", "A weighted random split"


class ModelProfile(models.Model):
    """A named chain of provider+model targets and how to choose among them (``default``, ``cheap``…).

    ``targets``: ``[{"provider": "openai"|"anthropic"|"local", "model", "base_url", "credential",
    "timeout", "weight", "retries"}]``. Every save bumps ``revision``; history keeps each one.
    """

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    policy = models.CharField(max_length=16, choices=RoutingPolicy.choices, default=RoutingPolicy.FAILOVER)
    targets = models.JSONField(default=list)
    revision = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # Whose rights the profile's credentials are used with (who last saved its targets).
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        permissions = [
            ("use_modelprofile", "Can call models through model profile"),
            ("share_modelprofile", "Can share model profile"),
        ]

    def __str__(self) -> str:
        return self.name


class ModelProfileUserPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(ModelProfile, on_delete=models.CASCADE)


class ModelProfileGroupPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(ModelProfile, on_delete=models.CASCADE)


class ModelPrice(models.Model):
    """What a model costs, per million tokens (editable in the admin and the API)."""

    provider = models.CharField(max_length=32)
    model = models.CharField(max_length=200)
    input_per_million = models.DecimalField(max_digits=12, decimal_places=6)
    output_per_million = models.DecimalField(max_digits=12, decimal_places=6)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["provider", "model"]
        constraints = [models.UniqueConstraint(fields=["provider", "model"], name="gateway_price_unique")]

    def __str__(self) -> str:
        return f"{self.provider}/{self.model}"


class CallStatus(models.TextChoices):
    OK = "ok"
    ERROR = "error"


class LLMCall(models.Model):
    """One call through a profile: which target answered, after how many attempts and
    failovers, how long it took, the tokens and the cost — linked to its run and step."""

    run = models.ForeignKey("engine.Run", null=True, blank=True, on_delete=models.CASCADE, related_name="llm_calls")
    node_id = models.CharField(max_length=100, blank=True)
    workflow = models.ForeignKey("workflows.Workflow", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")  # fmt: skip
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")  # fmt: skip
    profile = models.CharField(max_length=100)
    prompt = models.CharField(max_length=100, blank=True)
    prompt_version = models.PositiveIntegerField(null=True, blank=True)
    provider = models.CharField(max_length=32, blank=True)
    model = models.CharField(max_length=200, blank=True)
    target = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Index of the target that answered.")
    attempts = models.PositiveSmallIntegerField(default=0)
    failovers = models.PositiveSmallIntegerField(default=0)
    # Each try: [{"target", "provider", "model", "status", "error", "latency_ms"}].
    tries = models.JSONField(default=list, blank=True)
    latency_ms = models.FloatField(null=True, blank=True)
    ttft_ms = models.FloatField(null=True, blank=True, help_text="Time to first token, when streamed.")
    input_tokens = models.PositiveIntegerField(default=0)
    output_tokens = models.PositiveIntegerField(default=0)
    tokens_estimated = models.BooleanField(default=False, help_text="The provider gave no usage; counted here.")
    cost = models.DecimalField(max_digits=14, decimal_places=8, null=True, blank=True)
    status = models.CharField(max_length=8, choices=CallStatus.choices)
    error = models.TextField(blank=True)
    streamed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["run", "node_id"]), models.Index(fields=["model", "created_at"])]

    def __str__(self) -> str:
        return f"{self.profile} → {self.provider}/{self.model} ({self.status})"
