"""API keys and the idempotency records of API writes (issue 9).

A key belongs either to one supplier (referenced by id only: `integrations` imports no
domain app) or to an internal system such as the WMS (`supplier_id` null). Only a hash
of the secret is stored; the full key is shown once, at creation.
"""

from datetime import datetime

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ApiScope(models.TextChoices):
    READ = "read", _("Read purchase orders, ASNs and events")
    ACKNOWLEDGE = "acknowledge", _("Acknowledge purchase orders")
    SHIP = "ship", _("Create and update ASNs, report milestones")
    AVAILABILITY = "availability", _("Post inventory availability")
    INVOICE = "invoice", _("Submit invoices and credit notes")
    RECEIPTS = "receipts", _("Post receipts (internal)")
    SNAPSHOTS = "snapshots", _("Upload stock snapshots (internal)")


SUPPLIER_SCOPES = (
    ApiScope.READ,
    ApiScope.ACKNOWLEDGE,
    ApiScope.SHIP,
    ApiScope.AVAILABILITY,
    ApiScope.INVOICE,
)
INTERNAL_SCOPES = (ApiScope.READ, ApiScope.RECEIPTS, ApiScope.SNAPSHOTS)


class ApiKey(models.Model):
    """`Authorization: Bearer <prefix>.<secret>`: the prefix finds the row, the secret's
    SHA-256 is compared in constant time. The prefix is public (shown in lists and logs)."""

    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    supplier_id = models.BigIntegerField(
        null=True, blank=True, db_index=True, help_text="Empty for an internal system's key."
    )
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"API key {self.name!r} ({self.prefix})"

    @property
    def is_internal(self) -> bool:
        return self.supplier_id is None

    def is_usable(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def status(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


class IdempotencyRecord(models.Model):
    """One `Idempotency-Key` of one API key: claimed before the request runs, completed
    with its response. Kept at least `API_IDEMPOTENCY_HOURS` (24 h by default)."""

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and body.")
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    state = models.CharField(max_length=20, choices=State.choices, default=State.IN_PROGRESS)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    response_headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["api_key", "key"], name="idempotency_key_per_api_key"),
            models.CheckConstraint(
                condition=Q(state="in_progress") | Q(response_status__isnull=False),
                name="idempotency_done_has_status",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.api_key_id}:{self.key} ({self.state})"


class ApiRequestLog(models.Model):
    """API requests worth keeping: every write and every error, and a sample of successful
    reads (`API_REQUEST_LOG_READ_SAMPLE`), so a read costs no database write; every request
    still logs a line and moves the metrics. Which key, what, the answer and the correlation
    id (writes also leave their AuditEntry with before/after). Kept `API_REQUEST_LOG_DAYS`."""

    at = models.DateTimeField(db_index=True)
    api_key = models.ForeignKey(
        ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    key_label = models.CharField(max_length=120, blank=True)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    status_code = models.PositiveSmallIntegerField()
    request_id = models.CharField(max_length=64)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["api_key", "-at"], name="apirequest_key_recent")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status_code} ({self.key_label or 'no key'})"
