"""Purchase orders and their lines, as the ERP issued them and the supplier confirmed them."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from integrations.models import Channel
from inventory.models import Item, UnitOfMeasure, Warehouse
from suppliers.models.suppliers import Supplier, SupplierItem


class PurchaseOrder(models.Model):
    class Status(models.TextChoices):
        ISSUED = "issued", _("Awaiting acknowledgment")
        CHANGE_PROPOSED = "change_proposed", _("Change proposed")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Rejected")
        PARTIALLY_SHIPPED = "partially_shipped", _("Partially shipped")
        SHIPPED = "shipped", _("Shipped")
        RECEIVED = "received", _("Received")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    AWAITING_ACKNOWLEDGMENT = frozenset({Status.ISSUED})
    OPEN_TO_SHIP = frozenset({Status.CONFIRMED, Status.PARTIALLY_SHIPPED})
    OPEN = frozenset(
        {Status.ISSUED, Status.CHANGE_PROPOSED, Status.CONFIRMED, Status.PARTIALLY_SHIPPED}
    )
    FINISHED = frozenset({Status.REJECTED, Status.RECEIVED, Status.CLOSED, Status.CANCELLED})

    number = models.CharField(max_length=40, unique=True)
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="purchase_orders")
    ship_to = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    revision = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ISSUED)
    currency = models.CharField(max_length=3, default="USD")
    issued_at = models.DateTimeField()
    ack_due_at = models.DateTimeField(null=True, blank=True)
    last_reminder_at = models.DateTimeField(
        null=True, blank=True, help_text="When the supplier was last chased for an acknowledgment."
    )
    source_channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.CSV)
    # Set while one of its shipments is delayed (shipping issue: milestone "delayed").
    at_risk = models.BooleanField(default=False)
    erp_id = models.CharField(max_length=64, blank=True)
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["supplier", "-issued_at", "-id"], name="po_supplier_recent"),
            models.Index(
                fields=["supplier", "status", "-issued_at", "-id"], name="po_supplier_status"
            ),
            models.Index(fields=["status", "-issued_at", "-id"], name="po_status_recent"),
            models.Index(fields=["-issued_at", "-id"], name="po_recent"),
            # The API lists a supplier's POs by last change (cursor pagination).
            models.Index(fields=["supplier", "-updated_at", "-id"], name="po_supplier_updated"),
            # The supplier inbox counts overdue acknowledgments from the index alone.
            models.Index(fields=["supplier", "status", "ack_due_at"], name="po_supplier_ack_due"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(revision__gte=1), name="po_revision_positive"),
        ]

    # Not a column: the PO's total in its currency, set on list pages by
    # `selectors.with_totals` (one query for the page).
    total_amount: Decimal

    def __str__(self) -> str:
        return self.number

    @property
    def can_acknowledge(self) -> bool:
        return self.status in self.AWAITING_ACKNOWLEDGMENT

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class PurchaseOrderLine(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RECEIVED = "received", _("Received")
        CANCELLED = "cancelled", _("Cancelled")

    FINISHED = frozenset({Status.RECEIVED, Status.CANCELLED})

    purchase_order = models.ForeignKey(
        PurchaseOrder, on_delete=models.CASCADE, related_name="lines"
    )
    line_no = models.PositiveIntegerField()
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    ordered_qty = models.DecimalField(max_digits=18, decimal_places=6)
    uom = models.ForeignKey(UnitOfMeasure, on_delete=models.PROTECT, related_name="+")
    unit_price = models.DecimalField(max_digits=18, decimal_places=4)
    requested_date = models.DateField()
    confirmed_qty = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    confirmed_date = models.DateField(null=True, blank=True)
    confirmed_price = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    shipped_qty = models.DecimalField(max_digits=18, decimal_places=6, default=Decimal(0))
    received_qty = models.DecimalField(max_digits=18, decimal_places=6, default=Decimal(0))
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    updated_at = models.DateTimeField(auto_now=True)

    # Not a column: the supplier's own item for the line (their SKU and unit), which
    # `selectors.purchase_order_lines` sets on the lines it returns (None: there is none).
    supplier_item: SupplierItem | None
    # Not a column either: the line's amount in the PO currency, set by the same selector.
    amount: Decimal
    # ... and its confirmed deliveries (`selectors.schedule_of`).
    schedule: list["PurchaseOrderScheduleLine"]

    class Meta:
        ordering = ["purchase_order_id", "line_no"]
        indexes = [models.Index(fields=["item", "purchase_order"], name="poline_item")]
        constraints = [
            models.UniqueConstraint(fields=["purchase_order", "line_no"], name="poline_unique_no"),
            models.CheckConstraint(condition=Q(line_no__gte=1), name="poline_no_positive"),
            models.CheckConstraint(condition=Q(ordered_qty__gt=0), name="poline_ordered_positive"),
            models.CheckConstraint(
                condition=Q(confirmed_qty__isnull=True) | Q(confirmed_qty__gte=0),
                name="poline_confirmed_not_negative",
            ),
            models.CheckConstraint(condition=Q(shipped_qty__gte=0), name="poline_shipped_nonneg"),
            models.CheckConstraint(condition=Q(received_qty__gte=0), name="poline_received_nonneg"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="poline_price_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.purchase_order_id}/{self.line_no}"

    @property
    def open_to_ship(self) -> Decimal:
        """Confirmed − shipped; nothing is open to ship before the line is confirmed."""
        if self.confirmed_qty is None:
            return Decimal(0)
        return max(self.confirmed_qty - self.shipped_qty, Decimal(0))

    @property
    def line_value(self) -> Decimal:
        price = self.confirmed_price if self.confirmed_price is not None else self.unit_price
        qty = self.confirmed_qty if self.confirmed_qty is not None else self.ordered_qty
        return qty * price


class PurchaseOrderScheduleLine(models.Model):
    """One confirmed delivery of a PO line: a quantity (in the line's UoM) on a date.

    The supplier's confirmation is a list of these, kept as given through acceptance, so
    planning, the ERP and shipping see every delivery rather than one sum on the last date.
    The line's `confirmed_qty` / `confirmed_date` stay as the sum and the earliest open date
    for readers that know only one figure.
    """

    line = models.ForeignKey(
        PurchaseOrderLine, on_delete=models.CASCADE, related_name="schedule_lines"
    )
    position = models.PositiveSmallIntegerField()
    quantity = models.DecimalField(max_digits=18, decimal_places=6)
    date = models.DateField()
    # What the line's active ASNs ship against this delivery (PO UoM), recomputed from
    # them on every ASN change so it never drifts from the shipments.
    shipped_qty = models.DecimalField(max_digits=18, decimal_places=6, default=Decimal(0))

    class Meta:
        ordering = ["line_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["line", "position"], name="poschedline_unique_pos"),
            models.CheckConstraint(condition=Q(position__gte=1), name="poschedline_pos_positive"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="poschedline_qty_positive"),
            models.CheckConstraint(
                condition=Q(shipped_qty__gte=0), name="poschedline_shipped_nonneg"
            ),
        ]
        indexes = [models.Index(fields=["date", "line"], name="poschedline_date")]

    def __str__(self) -> str:
        return f"{self.line_id}#{self.position}: {self.quantity.normalize()} on {self.date}"

    @property
    def open_qty(self) -> Decimal:
        """Quantity still to ship on this delivery (never negative)."""
        return max(self.quantity - self.shipped_qty, Decimal(0))
