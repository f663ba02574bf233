"""Stock positions (item × warehouse), the movements that change them, and the tolerance
each item class allows before a difference is an exception. Quantities are in the item's
base unit."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from inventory.models.master import Item, Warehouse

ZERO = Decimal(0)


class ItemClassTolerance(models.Model):
    """How far ERP and WMS may differ for items of one class (`Item.item_class`) before
    reconciliation raises it: within `absolute` units OR within `percent` of the ERP
    quantity, both inclusive. The row with an empty class is the default."""

    item_class = models.CharField(max_length=20, unique=True, blank=True)
    absolute = models.DecimalField(max_digits=18, decimal_places=6, default=ZERO)
    percent = models.DecimalField(max_digits=7, decimal_places=4, default=ZERO)

    class Meta:
        ordering = ["item_class"]
        constraints = [
            models.CheckConstraint(condition=Q(absolute__gte=0), name="tolerance_abs_nonneg"),
            models.CheckConstraint(
                condition=Q(percent__gte=0) & Q(percent__lte=100), name="tolerance_pct_0_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_class or 'default'}: ±{self.absolute.normalize()} / {self.percent}%"


class StockPosition(models.Model):
    """The portal's side of one item in one warehouse.

    ERP and WMS on hand are not copied here: they are the lines of the latest snapshot of
    each source (with its as-of time), which `inventory.selectors.stock` reads alongside, so
    that ingesting a million-line snapshot does not rewrite a million positions.
    Allocated and inbound figures are kept current by the services that change them
    (acknowledgments, ASNs, receipts).
    """

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="positions")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="positions")
    allocated = models.DecimalField(max_digits=18, decimal_places=6, default=ZERO)
    inbound_open_po = models.DecimalField(
        max_digits=18, decimal_places=6, default=ZERO, help_text="Confirmed, not shipped."
    )
    inbound_in_transit = models.DecimalField(
        max_digits=18, decimal_places=6, default=ZERO, help_text="On submitted ASNs, not received."
    )
    # Set by the reconciliation run that first explained a difference as in flight, kept
    # while it stays so, for the page. The class never depends on it: a difference becomes
    # a case when the lagging source counts again past the warehouse's window
    # (inventory.services.reconciliation_sql), however often reconciliation runs.
    in_flight_since = models.DateTimeField(null=True, blank=True)
    in_flight_delta = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["warehouse_id", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "item"], name="position_one_per_item"),
        ]
        indexes = [
            models.Index(
                fields=["in_flight_since"],
                condition=Q(in_flight_since__isnull=False),
                name="position_in_flight",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}@{self.warehouse_id}"

    def available_to_promise(self, on_hand: Decimal | None) -> Decimal:
        """On hand (the ERP's, the system of record) less allocated, plus what is on
        its way on submitted ASNs."""
        return (on_hand or ZERO) - self.allocated + self.inbound_in_transit


class StockMovement(models.Model):
    """What changed a position, when, and from which document (by type and reference, so
    that inventory needs no import of the app that owns the document)."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Receipt")
        DAMAGED = "damaged", _("Received damaged")
        ADJUSTMENT = "adjustment", _("Adjustment")

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    quantity = models.DecimalField(
        max_digits=18, decimal_places=6, help_text="Signed, in the item's base unit."
    )
    occurred_at = models.DateTimeField()
    document_type = models.CharField(max_length=40)
    document_ref = models.CharField(max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["warehouse", "occurred_at"], name="movement_wh_time"),
            models.Index(fields=["item", "warehouse", "occurred_at"], name="movement_position"),
            models.Index(fields=["document_type", "document_ref"], name="movement_document"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity.normalize()} {self.document_type}:{self.document_ref}"
