"""The shared exceptions inbox (DESIGN §2, §4): every divergence any app detects becomes one
case here, with an owner team, an SLA and a life cycle. Users just say "exception".

A case's subject is named by codes, never by a foreign key into a domain app (integrations
imports none of them): a document ("asn", "ACME:ASN-1/2") or an item × warehouse position
("SKU-1", "DC1"). `subject_key` is the one string that identifies the subject; there is at
most one open case per subject × class, enforced by a partial unique constraint.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ExceptionClass(models.TextChoices):
    # Inventory reconciliation (inventory app).
    MISSING_IN_ERP = "missing_in_erp", _("Missing in ERP")
    MISSING_IN_WMS = "missing_in_wms", _("Missing in WMS")
    QUANTITY_MISMATCH = "quantity_mismatch", _("Quantity mismatch")
    UOM_MISMATCH = "uom_mismatch", _("Unit-of-measure mismatch")
    IN_FLIGHT = "in_flight", _("Still in flight")
    NEGATIVE_STOCK = "negative_stock", _("Negative stock")
    # Master data found wrong in a snapshot (inventory app): the row is kept, not compared.
    UNKNOWN_SKU = "unknown_sku", _("Unknown SKU")
    UNKNOWN_UNIT = "unknown_unit", _("Unknown unit")
    INEXACT_CONVERSION = "inexact_conversion", _("Inexact unit conversion")
    CONFLICTING_DUPLICATE = "conflicting_duplicate", _("Conflicting duplicate rows")
    # Inventory movements between counts (inventory app).
    SEQUENCE_GAP = "sequence_gap", _("Sequence gap")
    # Receiving, purchasing and supplier feeds (suppliers app).
    RECEIVING_VARIANCE = "receiving_variance", _("Receiving variance")
    OVERDUE_ACKNOWLEDGMENT = "overdue_acknowledgment", _("Overdue acknowledgment")
    LATE_ASN = "late_asn", _("Late ASN")
    STALE_AVAILABILITY = "stale_availability", _("Stale supplier availability")
    INVOICE_DISPUTE = "invoice_dispute", _("Invoice or receipt dispute")
    # Integration (integrations app).
    DEAD_DELIVERY = "dead_delivery", _("Dead delivery")
    # Service levels (portal observability): a workflow burning its error budget fast.
    SLO_BURN = "slo_burn", _("Service level at risk")


INVENTORY_CLASSES = frozenset(
    {
        ExceptionClass.MISSING_IN_ERP,
        ExceptionClass.MISSING_IN_WMS,
        ExceptionClass.QUANTITY_MISMATCH,
        ExceptionClass.UOM_MISMATCH,
        ExceptionClass.IN_FLIGHT,
        ExceptionClass.NEGATIVE_STOCK,
    }
)


class OwnerTeam(models.TextChoices):
    INVENTORY_CONTROL = "inventory_control", _("Inventory control")
    RECEIVING = "receiving", _("Receiving")
    PURCHASING = "purchasing", _("Purchasing")
    INTEGRATION = "integration", _("Integration")
    MASTER_DATA = "master_data", _("Master data")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class ExceptionPolicy(models.Model):
    """Owner team, severity and SLA of one class. A class without a row uses DEFAULT_POLICY
    (see integrations.services.exceptions); admins change them here without a deploy."""

    exception_class = models.CharField(max_length=40, choices=ExceptionClass.choices, unique=True)
    owner_team = models.CharField(max_length=30, choices=OwnerTeam.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    sla_hours = models.PositiveIntegerField(default=48)

    class Meta:
        ordering = ["exception_class"]
        verbose_name_plural = "exception policies"

    def __str__(self) -> str:
        return f"{self.get_exception_class_display()} → {self.get_owner_team_display()}"


class TeamContact(models.Model):
    """Where escalations of a team's overdue cases are emailed."""

    team = models.CharField(max_length=30, choices=OwnerTeam.choices, unique=True)
    email = models.EmailField()

    class Meta:
        ordering = ["team"]

    def __str__(self) -> str:
        return f"{self.get_team_display()} <{self.email}>"


class ExceptionCase(models.Model):
    """One divergence, followed until it is gone. Life cycle (the table of moves is
    `EXCEPTION_CASE` in integrations/services/exceptions.py): open → acknowledged →
    resolved (by a person, with a reason) | auto-resolved (the difference disappeared);
    `escalated_at` is set once when the case passes its SLA while still open."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        RESOLVED = "resolved", _("Resolved")
        AUTO_RESOLVED = "auto_resolved", _("Auto-resolved")

    ACTIVE = frozenset({Status.OPEN, Status.ACKNOWLEDGED})
    CLOSED = frozenset({Status.RESOLVED, Status.AUTO_RESOLVED})

    class SubjectType(models.TextChoices):
        POSITION = "position", _("Item × warehouse")
        DOCUMENT = "document", _("Document")

    exception_class = models.CharField(max_length=40, choices=ExceptionClass.choices)
    subject_type = models.CharField(max_length=10, choices=SubjectType.choices)
    subject_key = models.CharField(
        max_length=160, help_text='"SKU@WAREHOUSE" for positions, "doctype:ref" for documents.'
    )
    document_type = models.CharField(max_length=40, blank=True)
    document_ref = models.CharField(max_length=100, blank=True)
    sku = models.CharField(max_length=40, blank=True)
    warehouse_code = models.CharField(max_length=20, blank=True)
    # The supplier a document belongs to, so that a supplier sees its own cases only.
    supplier_code = models.CharField(max_length=20, blank=True)
    title = models.CharField(max_length=200)
    expected_qty = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    actual_qty = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    delta = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    uom_code = models.CharField(max_length=10, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    owner_team = models.CharField(max_length=30, choices=OwnerTeam.choices)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    sla_due_at = models.DateTimeField()
    escalated_at = models.DateTimeField(null=True, blank=True)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    seen_count = models.PositiveIntegerField(default=1)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution_reason = models.CharField(max_length=500, blank=True)
    # Every change of the row moves it, set-based writes included (they set it themselves).
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-last_seen_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["exception_class", "subject_key"],
                condition=Q(status__in=["open", "acknowledged"]),
                name="exception_one_open_per_subject",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "exception_class", "-id"], name="exception_inbox"),
            models.Index(fields=["warehouse_code", "status"], name="exception_warehouse"),
            models.Index(fields=["supplier_code", "status"], name="exception_supplier"),
            models.Index(fields=["status", "sla_due_at"], name="exception_sla"),
            models.Index(fields=["resolved_at"], name="exception_resolved"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_exception_class_display()} {self.subject_key}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def can_acknowledge(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def can_resolve(self) -> bool:
        return self.status in self.ACTIVE


class ExceptionNote(models.Model):
    case = models.ForeignKey(ExceptionCase, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"note on #{self.case_id}"
