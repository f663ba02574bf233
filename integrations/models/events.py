"""Audit entries and canonical events (DESIGN §4, §5)."""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    PORTAL = "portal", _("Portal")
    API = "api", _("API")
    EDI = "edi", _("EDI")
    CSV = "csv", _("File import")
    CONNECTOR = "connector", _("Connector")
    SYSTEM = "system", _("System")


class AuditEntry(models.Model):
    """One state change of one object: who, when, through which channel, before and after."""

    occurred_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=64)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    correlation_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "occurred_at"])]
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.object_repr or self.object_id} {self.action}"


class Event(models.Model):
    """A canonical event (DESIGN §5 envelope), written in the business change's transaction.

    `id` is the idempotency key every consumer receives; `sequence` orders the events of
    one aggregate (document), which connectors must deliver in that order.
    """

    id = models.UUIDField(primary_key=True, editable=False)
    type = models.CharField(max_length=80)
    version = models.PositiveSmallIntegerField(default=1)
    occurred_at = models.DateTimeField(db_index=True)
    aggregate_type = models.CharField(max_length=60)
    aggregate_id = models.CharField(max_length=64)
    sequence = models.PositiveIntegerField()
    correlation_id = models.CharField(max_length=64, blank=True)
    source_channel = models.CharField(max_length=20, choices=Channel.choices)
    source_actor = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["occurred_at", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["aggregate_type", "aggregate_id", "sequence"], name="event_aggregate_seq"
            ),
        ]
        indexes = [models.Index(fields=["type", "occurred_at"], name="event_type_time")]

    def __str__(self) -> str:
        return f"{self.type} {self.aggregate_type}:{self.aggregate_id} #{self.sequence}"

    def envelope(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "type": self.type,
            "version": self.version,
            "occurred_at": self.occurred_at.isoformat(),
            "aggregate": {"type": self.aggregate_type, "id": self.aggregate_id},
            "sequence": self.sequence,
            "correlation_id": self.correlation_id,
            "source": {"channel": self.source_channel, "actor": self.source_actor},
            "data": self.data,
        }
