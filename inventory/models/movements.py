"""Inventory movement events from the WMS and the ERP (issue 22): one canonical row per
event a source sends, the stream state that orders each source's events per warehouse,
and the live positions the apply keeps (`inventory.services.movements`)."""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from inventory.models.master import Item, UnitOfMeasure, Warehouse

ZERO = Decimal(0)


class InventoryMovement(models.Model):
    """One event as its source sent it, with the quantity converted exactly to the item's
    base unit. Never updated but for the apply flags: the ledger between two counts."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Receipt")
        PUT_AWAY = "put_away", _("Put-away")
        QUALITY_HOLD = "quality_hold", _("Quality hold")
        QUALITY_RELEASE = "quality_release", _("Quality release")
        ADJUSTMENT = "adjustment", _("Adjustment")
        CYCLE_COUNT = "cycle_count", _("Cycle count")
        TRANSFER_OUT = "transfer_out", _("Transfer out")
        TRANSFER_IN = "transfer_in", _("Transfer in")
        RETURN_TO_VENDOR = "return_to_vendor", _("Return to vendor")
        CUSTOMER_RETURN = "customer_return", _("Customer return")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    source = models.CharField(max_length=40, help_text="e.g. wms:DC1, erp")
    source_event_id = models.CharField(max_length=100)
    sequence = models.BigIntegerField(help_text="Per source × warehouse, without gaps.")
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField(help_text="When the source recorded it.")
    received_at = models.DateTimeField(help_text="When the portal received it.")
    # The ledger takes a million events a file: no database foreign keys (their checks
    # at commit cost about as much as the insert; the apply resolves every id by join,
    # and PROTECT still guards deletes in Django) and no index a query does not read:
    # the ledger's (item, warehouse, occurred_at), the transfers' partial one, the held
    # events' partial one and the event's uniqueness.
    item = models.ForeignKey(
        Item, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    # The other end of a transfer: the destination of a transfer out, the origin of a
    # transfer in. The destination's in-transit figure carries the goods meanwhile.
    counterpart_warehouse = models.ForeignKey(
        Warehouse,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    quantity = models.DecimalField(
        max_digits=18,
        decimal_places=6,
        help_text="As sent, in `uom`: an adjustment is signed, a cycle count absolute, "
        "every other kind positive.",
    )
    uom = models.ForeignKey(
        UnitOfMeasure,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    base_quantity = models.DecimalField(
        max_digits=18, decimal_places=6, help_text="In the item's base unit, converted exactly."
    )
    reason = models.CharField(max_length=100, blank=True)
    transfer_ref = models.CharField(max_length=60, blank=True)
    asn_line_ref = models.CharField(max_length=80, blank=True, help_text="e.g. ACME:ASN-1/2")
    document_ref = models.CharField(max_length=60, blank=True, help_text="PO or receipt.")
    # A return to vendor's supplier (its portal code) when the source names the party the
    # goods went back to (the Tryton pull: the return shipment's party), so the supplier
    # sees a return that no PO of theirs links. The database default lets the set-based
    # apply insert events without naming it.
    supplier_code = models.CharField(max_length=20, blank=True, default="", db_default="")
    # The apply flags (not a document status: an event has no life, only these facts).
    applied = models.BooleanField(default=False)
    applied_at = models.DateTimeField(null=True, blank=True)
    held = models.BooleanField(default=False, help_text="Waiting for a gap in its stream.")
    applied_after_gap = models.BooleanField(
        default=False, help_text="Applied when its stream's gap timed out."
    )
    before_snapshot = models.BooleanField(
        default=False,
        help_text="Older than its source's latest snapshot: recorded, never applied.",
    )

    class Meta:
        ordering = ["source", "warehouse_id", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_event_id"], name="movement_event_once_per_source"
            ),
            models.CheckConstraint(
                condition=Q(held=False) | Q(applied=False), name="movement_held_not_applied"
            ),
        ]
        indexes = [
            models.Index(
                fields=["item", "warehouse", "occurred_at"], name="movement_ledger_position"
            ),
            models.Index(
                fields=["source", "warehouse", "received_at"],
                condition=Q(held=True),
                name="movement_held",
            ),
            models.Index(
                fields=["counterpart_warehouse", "item"],
                condition=Q(counterpart_warehouse__isnull=False),
                name="movement_counterpart",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source}#{self.sequence} {self.kind} {self.base_quantity.normalize()}"


class MovementStream(models.Model):
    """Where one source's events for one warehouse have got to: every sequence up to
    `applied_through` is applied (or was skipped when a gap timed out)."""

    source = models.CharField(max_length=40)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    applied_through = models.BigIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["source", "warehouse_id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "warehouse"], name="stream_one_per_source"),
        ]

    def __str__(self) -> str:
        return f"{self.source}@{self.warehouse_id} through {self.applied_through}"


class LivePosition(models.Model):
    """One item in one warehouse as the applied movements have it, in the base unit.

    Only the movements of the source family the warehouse follows count
    (`Warehouse.positions_family`; the other family's are recorded, not counted).
    `available` is the latest cycle count (`counted_at`, `counted_qty`) plus the
    movements after it; the other figures are sums of every applied movement. Figures
    may go below zero (a put-away applied before its receipt): the sums must not depend
    on the order events arrive in.
    """

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    received = models.DecimalField(max_digits=18, decimal_places=6, default=ZERO)
    quality_hold = models.DecimalField(max_digits=18, decimal_places=6, default=ZERO)
    available = models.DecimalField(max_digits=18, decimal_places=6, default=ZERO)
    in_transit = models.DecimalField(
        max_digits=18, decimal_places=6, default=ZERO, help_text="Transfers to this warehouse."
    )
    counted_at = models.DateTimeField(null=True, blank=True)
    counted_qty = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    # Which of two counts at the same instant wins: the higher (source, sequence).
    counted_source = models.CharField(max_length=40, blank=True)
    counted_sequence = models.BigIntegerField(null=True, blank=True)
    as_of = models.DateTimeField(null=True, blank=True, help_text="Latest movement applied.")
    # The allocation feed (`inventory.services.allocations`), not the movements: the
    # latest absolute figure an order system or the ERP reported, as of its time. Kept
    # on the position rather than in a model of its own so that the positions API reads
    # one row and `updated_at` says a re-stated allocation changed the position. The
    # movement apply and the rebuild write only their own columns (the database
    # defaults let the apply's SQL insert a position without naming these).
    allocated = models.DecimalField(
        max_digits=18, decimal_places=6, default=ZERO, db_default=ZERO, help_text="Base unit."
    )
    allocated_source = models.CharField(
        max_length=40, blank=True, default="", db_default="", help_text="e.g. oms:WEB, erp"
    )
    allocated_as_of = models.DateTimeField(
        null=True, blank=True, help_text="The instant the source's figure is as of."
    )
    allocated_recorded_at = models.DateTimeField(
        null=True, blank=True, help_text="When the portal recorded the figure."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["warehouse_id", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "item"], name="live_position_one"),
        ]
        indexes = [models.Index(fields=["warehouse", "updated_at"], name="live_position_updated")]

    def __str__(self) -> str:
        return f"{self.item_id}@{self.warehouse_id}"

    @property
    def on_hand(self) -> Decimal:
        return self.received + self.quality_hold + self.available
