"""The audit log: append-only entries, each carrying the hash of the one before it."""

from django.db import models


class AuditEntry(models.Model):
    """Who did what to which object, when and from where. Never changed, never deleted.

    An entry is written with the change it records, then *sealed* into the hash chain: given
    its place (``seq``), the previous entry's hash and its own (``audit_seal``, every few
    seconds and before the log is read or verified). After that the database refuses any
    change to it. No foreign keys on purpose: deleting a user or an object must not touch the
    record of what they did (``actor`` and ``object_repr`` keep the names as they were).
    """

    # Null until sealed; then 1, 2, 3 … in chain order.
    seq = models.PositiveBigIntegerField(unique=True, null=True, blank=True)
    at = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor = models.CharField(max_length=150, blank=True)
    source = models.CharField(max_length=64, blank=True, help_text="The client's address, or the process.")
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "id"])]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id} by {self.actor or '-'}"


class AuditHead(models.Model):
    """One row: the last sealed sequence number and hash. Sealing locks it, so the chain has no forks."""

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"audit head #{self.seq}"
