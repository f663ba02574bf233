"""Advance ship notices (ASNs): what a supplier ships against confirmed PO lines, in which
packages, and the milestones the shipment reports on its way to our warehouse.

Quantities on an ASN line are kept twice: as the supplier shipped them (their unit) and
exactly converted into the PO line's unit, which is what open-to-ship and the over-ship
tolerance are measured in.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from integrations.models import Channel
from inventory.models import UnitOfMeasure, Warehouse
from suppliers.models.purchase_orders import PurchaseOrderLine, PurchaseOrderScheduleLine
from suppliers.models.suppliers import Supplier


class Shipment(models.Model):
    """An ASN. State machine: draft → submitted → in transit ⇄ delayed → delivered →
    received (partial or complete); cancelled from any state before receipt."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        IN_TRANSIT = "in_transit", _("In transit")
        DELAYED = "delayed", _("Delayed")
        DELIVERED = "delivered", _("Delivered")
        PARTIALLY_RECEIVED = "partially_received", _("Partially received")
        RECEIVED = "received", _("Received")
        CANCELLED = "cancelled", _("Cancelled")

    # Quantities on these ASNs count as shipped against their PO lines.
    COUNTS_AS_SHIPPED = frozenset(
        {
            Status.SUBMITTED,
            Status.IN_TRANSIT,
            Status.DELAYED,
            Status.DELIVERED,
            Status.PARTIALLY_RECEIVED,
            Status.RECEIVED,
        }
    )
    # The supplier may edit or cancel until the goods are received.
    EDITABLE = frozenset(
        {Status.DRAFT, Status.SUBMITTED, Status.IN_TRANSIT, Status.DELAYED, Status.DELIVERED}
    )
    # On their way: what the buyer's inbound schedule expects, by expected delivery.
    INBOUND = frozenset({Status.SUBMITTED, Status.IN_TRANSIT, Status.DELAYED})
    # Milestones may be reported while the goods are on their way (and once delivered,
    # a late duplicate "delivered" from a carrier feed is accepted and ignored).
    REPORTABLE = frozenset({Status.SUBMITTED, Status.IN_TRANSIT, Status.DELAYED})

    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="shipments")
    asn_number = models.CharField(max_length=40)
    ship_to = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    ship_date = models.DateField()
    expected_delivery = models.DateField()
    original_expected_delivery = models.DateField(
        null=True, blank=True, help_text="Expected delivery when submitted, before any delay."
    )
    carrier = models.CharField(max_length=80, blank=True)
    tracking_number = models.CharField(max_length=80, blank=True)
    package_count = models.PositiveIntegerField(default=1)
    gross_weight_kg = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    at_risk = models.BooleanField(default=False, help_text="Delayed: may miss its date.")
    delay_reason = models.CharField(max_length=200, blank=True)
    revision = models.PositiveIntegerField(default=1, help_text="Bumped by each edit.")
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.PORTAL)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["supplier", "asn_number"], name="asn_unique_number"),
            models.CheckConstraint(
                condition=Q(expected_delivery__gte=models.F("ship_date")),
                name="asn_delivery_not_before_ship",
            ),
        ]
        indexes = [
            models.Index(fields=["supplier", "-created_at", "-id"], name="asn_supplier_recent"),
            models.Index(fields=["status", "ship_to", "expected_delivery"], name="asn_inbound"),
        ]

    def __str__(self) -> str:
        return self.asn_number

    @property
    def aggregate_id(self) -> str:
        """The stable id of this ASN in events: "<supplier code>:<asn number>"."""
        return f"{self.supplier.code}:{self.asn_number}"

    @property
    def can_edit(self) -> bool:
        return self.status in self.EDITABLE

    @property
    def can_cancel(self) -> bool:
        return self.status in self.EDITABLE

    @property
    def can_submit(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def can_report_milestone(self) -> bool:
        return self.status in self.REPORTABLE

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


class AsnLine(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField()
    po_line = models.ForeignKey(
        PurchaseOrderLine, on_delete=models.PROTECT, related_name="asn_lines"
    )
    quantity = models.DecimalField(max_digits=18, decimal_places=6, help_text="As shipped.")
    uom = models.ForeignKey(UnitOfMeasure, on_delete=models.PROTECT, related_name="+")
    quantity_po_uom = models.DecimalField(
        max_digits=18, decimal_places=6, help_text="Exactly converted into the PO line's unit."
    )
    # The delivery the supplier ships against; empty: the line's oldest open ones first.
    schedule_line = models.ForeignKey(
        PurchaseOrderScheduleLine,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="asn_lines",
    )
    lot = models.CharField(max_length=60, blank=True)
    expiry_date = models.DateField(null=True, blank=True)
    serial_numbers = models.JSONField(default=list, blank=True)
    received_qty = models.DecimalField(
        max_digits=18, decimal_places=6, default=0, help_text="In the PO line's unit."
    )

    class Meta:
        ordering = ["shipment_id", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "line_no"], name="asnline_unique_no"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="asnline_qty_positive"),
            models.CheckConstraint(
                condition=Q(quantity_po_uom__gt=0), name="asnline_po_qty_positive"
            ),
        ]
        indexes = [models.Index(fields=["po_line", "shipment"], name="asnline_po_line")]

    def __str__(self) -> str:
        return f"{self.shipment_id}/{self.line_no}"


class ShipmentPackage(models.Model):
    """One labelled package (carton, pallet) of a shipment."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="packages")
    sequence = models.PositiveIntegerField()
    sscc = models.CharField(max_length=18, blank=True, help_text="SSCC-18 label, 18 digits.")
    weight_kg = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)

    class Meta:
        ordering = ["shipment_id", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "sequence"], name="package_unique_seq"),
        ]

    def __str__(self) -> str:
        return self.sscc or f"{self.shipment_id}#{self.sequence}"


class ShipmentMilestone(models.Model):
    """A step of the shipment's journey, reported by the supplier or a carrier feed.

    Codes are stable (the API, EDI 856/214 and carrier feeds map onto them).
    """

    class Code(models.TextChoices):
        PICKED_UP = "picked_up", _("Picked up")
        IN_TRANSIT = "in_transit", _("In transit")
        DELAYED = "delayed", _("Delayed")
        OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
        DELIVERED = "delivered", _("Delivered")

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="milestones")
    code = models.CharField(max_length=20, choices=Code.choices)
    occurred_at = models.DateTimeField()
    location = models.CharField(max_length=120, blank=True)
    note = models.CharField(max_length=500, blank=True)
    new_eta = models.DateField(null=True, blank=True, help_text="Delayed: the new ETA.")
    reason = models.CharField(max_length=200, blank=True, help_text="Delayed: why.")
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.PORTAL)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["shipment_id", "occurred_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(code="delayed") | Q(new_eta__isnull=False),
                name="milestone_delay_has_eta",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shipment_id} {self.code}"
