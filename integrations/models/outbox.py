"""Connectors, deliveries, attempts and circuit breakers: the outbox's state (DESIGN §5).

PostgreSQL holds all of it; Redis and Celery only make dispatch fast, so a lost broker
message or a killed worker never loses a delivery.
"""

import fnmatch
from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from integrations.models.events import Event


class Connector(models.Model):
    """One configured destination (ERP, WMS, partner webhook, file drop).

    Secrets never live here: `config` names the environment variable that holds them
    (e.g. `{"url": "...", "secret_env": "WMS_WEBHOOK_SECRET"}`).
    """

    kind = models.CharField(max_length=30)
    name = models.SlugField(max_length=60, unique=True)
    label = models.CharField(
        max_length=100, help_text="How suppliers see it, e.g. 'warehouse system'."
    )
    description = models.TextField(blank=True)
    enabled = models.BooleanField(
        default=True, help_text="Disabled connectors receive no new deliveries."
    )
    paused = models.BooleanField(
        default=False, help_text="Paused connectors queue deliveries but send nothing."
    )
    paused_reason = models.CharField(max_length=200, blank=True)
    config = models.JSONField(default=dict, blank=True)
    event_types = models.JSONField(
        default=list, blank=True, help_text="Subscribed event types; 'asn.*' matches a family."
    )
    owner_team = models.CharField(max_length=100, blank=True)
    change_window = models.CharField(max_length=200, blank=True)
    slo_target_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("99.00")
    )
    slo_seconds = models.PositiveIntegerField(
        default=300, help_text="Deliveries should arrive within this many seconds."
    )
    max_attempts = models.PositiveSmallIntegerField(default=10, validators=[MinValueValidator(1)])
    max_age_seconds = models.PositiveIntegerField(default=86_400)
    backoff_base_seconds = models.FloatField(default=2.0)
    backoff_cap_seconds = models.FloatField(default=600.0)
    breaker_threshold = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1)]
    )
    breaker_cooldown_seconds = models.PositiveIntegerField(default=60)
    timeout_seconds = models.FloatField(default=10.0)
    lease_seconds = models.PositiveIntegerField(
        default=120, help_text="An in-flight delivery not finished by then is taken back."
    )
    batch_size = models.PositiveSmallIntegerField(default=50, validators=[MinValueValidator(1)])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(lease_seconds__gt=models.F("timeout_seconds")),
                name="connector_lease_exceeds_timeout",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def subscribes_to(self, event_type: str) -> bool:
        return any(fnmatch.fnmatchcase(event_type, pattern) for pattern in self.event_types)


class Delivery(models.Model):
    """One event to one connector. Per (connector, aggregate) deliveries go out in the
    event's sequence order: `aggregate_key` and `sequence` are copied from the event so the
    claim query can check "every earlier delivery of this document is done" on one table."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        IN_FLIGHT = "in_flight", _("In flight")
        DELIVERED = "delivered", _("Delivered")
        RETRY_SCHEDULED = "retry_scheduled", _("Retry scheduled")
        DEAD = "dead", _("Dead")
        BLOCKED = "blocked", _("Blocked")
        SKIPPED = "skipped", _("Skipped")

    # Named groups of the state machine.
    DUE_STATUSES = (Status.PENDING, Status.RETRY_SCHEDULED)
    DONE_STATUSES = (Status.DELIVERED, Status.SKIPPED)
    OPEN_STATUSES = (
        Status.PENDING,
        Status.IN_FLIGHT,
        Status.RETRY_SCHEDULED,
        Status.DEAD,
        Status.BLOCKED,
    )

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    connector = models.ForeignKey(Connector, on_delete=models.CASCADE, related_name="deliveries")
    aggregate_key = models.CharField(max_length=130)
    sequence = models.PositiveIntegerField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    replay_count = models.PositiveIntegerField(default=0)
    skip_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["event", "connector"], name="delivery_event_connector"),
        ]
        indexes = [
            models.Index(
                fields=["connector", "aggregate_key", "sequence"], name="delivery_aggregate_order"
            ),
            # The claim's predicate and order (`outbox.claim`): with `id` in the key the
            # scan returns due deliveries already sorted and stops at the batch size,
            # whatever the backlog.
            models.Index(
                fields=["connector", "next_attempt_at", "id"],
                name="delivery_claim",
                condition=Q(status__in=["pending", "retry_scheduled"]),
            ),
            models.Index(
                fields=["lease_expires_at"],
                name="delivery_in_flight",
                condition=Q(status="in_flight"),
            ),
            models.Index(fields=["status", "created_at"], name="delivery_status_time"),
            models.Index(fields=["connector", "created_at"], name="delivery_connector_time"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.connector_id} ({self.status})"

    @property
    def can_replay(self) -> bool:
        return self.status == self.Status.DEAD

    @property
    def can_skip(self) -> bool:
        return self.status in (self.Status.DEAD, self.Status.BLOCKED)


class DeliveryAttempt(models.Model):
    """One try of one delivery: what was sent (secrets redacted), what came back."""

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("Delivered")
        TRANSIENT = "transient", _("Failed, will retry")
        PERMANENT = "permanent", _("Rejected")
        LOST = "lost", _("Worker lost")

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_rows")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    request = models.JSONField(default=dict, blank=True)
    response = models.TextField(blank=True)
    error = models.TextField(blank=True)
    connector = models.ForeignKey(Connector, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["delivery", "number", "id"]
        indexes = [models.Index(fields=["connector", "started_at"], name="attempt_connector_time")]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number} {self.outcome}"


class CircuitBreaker(models.Model):
    """Per-connector breaker state shared by every worker through the database."""

    class State(models.TextChoices):
        CLOSED = "closed", _("Closed")
        OPEN = "open", _("Open")
        HALF_OPEN = "half_open", _("Half-open (probing)")

    connector = models.OneToOneField(
        Connector, on_delete=models.CASCADE, primary_key=True, related_name="breaker"
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.CLOSED)
    consecutive_failures = models.PositiveIntegerField(default=0)
    opened_at = models.DateTimeField(null=True, blank=True)
    reopen_at = models.DateTimeField(null=True, blank=True)
    probe_until = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    times_opened = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.connector_id}: {self.state}"
