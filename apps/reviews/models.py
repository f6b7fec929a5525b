"""Review tasks: a run's case waiting for a person's decision (human in the loop)."""

from django.conf import settings
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase


class ReviewStatus(models.TextChoices):
    PENDING = "pending"
    CLAIMED = "claimed"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


OPEN_STATUSES = (ReviewStatus.PENDING, ReviewStatus.CLAIMED)


class OnTimeout(models.TextChoices):
    ESCALATE = "escalate", "Move the task to the escalation team"
    APPROVE = "approve", "Approve the proposal"
    REJECT = "reject", "Reject"
    FAIL = "fail", "Fail the step"


class Priority(models.IntegerChoices):
    LOW = 0, "low"
    NORMAL = 1, "normal"
    HIGH = 2, "high"
    URGENT = 3, "urgent"


class ReviewTask(models.Model):
    """One ``human.review`` step's case, proposal and form, and the decision taken on it.

    Who may decide it are its assignees (``user:<name>``, ``group:<team>``), as ``decide``
    rights on the task; those who may see its run may see it.
    """

    run = models.ForeignKey("engine.Run", on_delete=models.CASCADE, related_name="review_tasks")
    step = models.OneToOneField("engine.Step", on_delete=models.CASCADE, related_name="review_task")
    node_id = models.CharField(max_length=100)
    workflow = models.ForeignKey("workflows.Workflow", on_delete=models.CASCADE, related_name="review_tasks")
    status = models.CharField(max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)
    title = models.CharField(max_length=200, blank=True)
    instructions = models.TextField(blank=True)
    assignees = models.JSONField(default=list)
    case = models.JSONField(null=True, blank=True)
    proposal = models.JSONField(null=True, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    form = models.JSONField(null=True, blank=True, help_text="JSON Schema of what a reviewer may correct.")
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    deadline = models.DateTimeField(null=True, blank=True)
    on_timeout = models.CharField(max_length=16, choices=OnTimeout.choices, default=OnTimeout.ESCALATE)
    escalate_to = models.JSONField(default=list, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # The reviewer's corrections replace the proposal in the step's output (else only reported).
    apply_edits = models.BooleanField(default=True)
    claimed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")  # fmt: skip
    claimed_at = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(max_length=16, blank=True)  # approve | reject
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")  # fmt: skip
    decided_at = models.DateTimeField(null=True, blank=True)
    # Decided without a person: above the confidence threshold, or at the deadline.
    auto = models.CharField(max_length=16, blank=True)  # "" | threshold | deadline
    data = models.JSONField(null=True, blank=True)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["deadline", "-priority", "created_at"]
        permissions = [("decide_reviewtask", "Can decide review task")]
        indexes = [
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["workflow", "status"]),
        ]

    def __str__(self) -> str:
        return f"review {self.pk} of {self.node_id} ({self.status})"


class ReviewTaskUserPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(ReviewTask, on_delete=models.CASCADE)


class ReviewTaskGroupPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(ReviewTask, on_delete=models.CASCADE)
