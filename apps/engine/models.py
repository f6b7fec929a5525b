"""Runs and their steps: the engine's state machine, stored."""

import uuid

from django.conf import settings
from django.db import models


class RunStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    WAITING = "waiting"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


TERMINAL_RUN_STATUSES = frozenset({RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED})


class StepStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    WAITING = "waiting"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


class BatchStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"
    CANCELLED = "cancelled"


class Batch(models.Model):
    """One run per item of an uploaded list, at most ``concurrency`` of them in flight."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workflow = models.ForeignKey("workflows.Workflow", on_delete=models.CASCADE, related_name="batches")
    workflow_version = models.ForeignKey("workflows.WorkflowVersion", on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=BatchStatus.choices, default=BatchStatus.QUEUED)
    total = models.PositiveIntegerField(default=0)
    concurrency = models.PositiveIntegerField(default=50)
    source = models.CharField(max_length=200, blank=True, help_text="File name or 'json'.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"batch {self.id} ({self.status})"


class Run(models.Model):
    """One execution of one pinned workflow version with one input."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workflow = models.ForeignKey("workflows.Workflow", on_delete=models.CASCADE, related_name="runs")
    workflow_version = models.ForeignKey("workflows.WorkflowVersion", on_delete=models.PROTECT, related_name="runs")
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    trigger = models.CharField(max_length=16, default="manual")
    trigger_node = models.CharField(max_length=100)
    # The tag the run was started by (`production`…), if any; the version it pointed at then
    # is `workflow_version`.
    tag = models.CharField(max_length=50, blank=True, default="")
    # Versions this run must use rather than resolve again (set by a re-run): {"prompts": {ref: n}}.
    pins = models.JSONField(default=dict, blank=True)
    input = models.JSONField(default=dict, blank=True)
    output = models.JSONField(null=True, blank=True)
    error = models.JSONField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    batch = models.ForeignKey(Batch, null=True, blank=True, on_delete=models.CASCADE, related_name="runs")
    batch_index = models.PositiveIntegerField(null=True, blank=True)
    # Set when the batch pump hands the run to a worker; the pump never hands it out twice.
    dispatched_at = models.DateTimeField(null=True, blank=True)
    # A batch item that was retried: the newer run with the same index counts instead.
    superseded = models.BooleanField(default=False)
    # A run started by a workflow.call node: the step that waits for it, and how deep it nests.
    parent_step = models.ForeignKey(
        "engine.Step", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    depth = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["workflow", "-created_at"]),
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["batch", "status"]),
            models.Index(fields=["batch", "dispatched_at", "batch_index"]),
        ]

    def __str__(self) -> str:
        return f"run {self.id} ({self.status})"


class Step(models.Model):
    """What one node did in one run: rendered params, input, output, error, attempts, timings."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="steps")
    node_id = models.CharField(max_length=100)
    type = models.CharField(max_length=100)
    status = models.CharField(max_length=16, choices=StepStatus.choices)
    sequence = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    params = models.JSONField(null=True, blank=True)
    input = models.JSONField(null=True, blank=True)
    output = models.JSONField(null=True, blank=True)
    ports = models.JSONField(default=list, blank=True)
    error = models.JSONField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True)
    # The Celery task that holds the step; a redelivery of the same task may take it over.
    task_id = models.CharField(max_length=64, blank=True)
    wake_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["sequence", "id"]
        constraints = [models.UniqueConstraint(fields=["run", "node_id"], name="engine_step_one_per_node")]
        indexes = [models.Index(fields=["status", "wake_at"])]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.node_id} ({self.status})"


class Comparison(models.Model):
    """Inputs run again on a candidate (another workflow version, or another version of one
    prompt), each paired with its baseline run."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workflow = models.ForeignKey("workflows.Workflow", on_delete=models.CASCADE, related_name="comparisons")
    candidate_version = models.ForeignKey("workflows.WorkflowVersion", on_delete=models.PROTECT, related_name="+")
    baseline_version = models.ForeignKey(
        "workflows.WorkflowVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A prompt comparison: the same workflow version, with this prompt at prompt_version.
    prompt = models.CharField(max_length=100, blank=True)
    prompt_version = models.PositiveIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"comparison {self.id}"


class ComparisonItem(models.Model):
    comparison = models.ForeignKey(Comparison, on_delete=models.CASCADE, related_name="items")
    index = models.PositiveIntegerField()
    baseline_run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="+")
    candidate_run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["index"]
        constraints = [models.UniqueConstraint(fields=["comparison", "index"], name="comparison_item_unique")]

    def __str__(self) -> str:
        return f"{self.comparison_id} #{self.index}"
