"""Integration control records shared by every app. Domain apps are referenced by label
and id only: `integrations` imports none of them (DESIGN §2)."""

from django.conf import settings
from django.db import models


class Channel(models.TextChoices):
    PORTAL = "portal", "Portal"
    API = "api", "API"
    EDI = "edi", "EDI"
    CSV = "csv", "File import"
    CONNECTOR = "connector", "Connector"
    SYSTEM = "system", "System"


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
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.object_repr or self.object_id} {self.action}"
