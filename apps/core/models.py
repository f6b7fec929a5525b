"""Core models: only the heartbeats that /healthz reads."""

from django.db import models


class ServiceHeartbeat(models.Model):
    """The last time a worker (or the beat scheduler) said it was alive."""

    class Kind(models.TextChoices):
        WORKER = "worker", "Celery worker"
        SCHEDULER = "scheduler", "Beat scheduler"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    name = models.CharField(max_length=255, help_text="Worker host name, or 'beat'.")
    pid = models.IntegerField(null=True, blank=True)
    queues = models.JSONField(default=list, blank=True)
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "name"], name="core_heartbeat_kind_name")]

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"
