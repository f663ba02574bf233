"""Receipts: what the warehouse (WMS) or the ERP says arrived against an ASN, line by line.

Quantities are in the PO line's unit, like `AsnLine.quantity_po_uom`. `qty_received`
counts everything that arrived, damaged included; `qty_damaged` is the part of it that
cannot go to stock. Variance is measured across all receipts of an ASN line.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from integrations.models import Channel
from suppliers.models.shipments import AsnLine, Shipment


class Receipt(models.Model):
    class Status(models.TextChoices):
        # A receipt is a fact the warehouse reports: it is recorded once and never edited;
        # a correction is another receipt. Its table therefore holds its creation only.
        RECORDED = "recorded", _("Recorded")

    class Source(models.TextChoices):
        WMS = "wms", _("WMS")
        ERP = "erp", _("ERP")
        PORTAL = "portal", _("Portal")

    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="receipts")
    reference = models.CharField(
        max_length=60, help_text="The receipt's number in the source system."
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.WMS)
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.CSV)
    received_at = models.DateTimeField()
    closes_asn = models.BooleanField(
        default=False, help_text="The warehouse says nothing more will arrive on this ASN."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECORDED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            # A receipt re-sent by the WMS is recognised, not recorded twice.
            models.UniqueConstraint(fields=["source", "reference"], name="receipt_unique_ref"),
        ]
        indexes = [models.Index(fields=["shipment", "received_at"], name="receipt_shipment")]

    def __str__(self) -> str:
        return f"{self.get_source_display()} receipt {self.reference}"


class ReceiptLine(models.Model):
    class Variance(models.TextChoices):
        NONE = "none", _("None")
        SHORT = "short", _("Short")
        OVER = "over", _("Over")
        DAMAGED = "damaged", _("Damaged")

    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="lines")
    asn_line = models.ForeignKey(AsnLine, on_delete=models.PROTECT, related_name="receipt_lines")
    qty_received = models.DecimalField(max_digits=18, decimal_places=6)
    qty_damaged = models.DecimalField(max_digits=18, decimal_places=6, default=Decimal(0))
    # After this receipt, across every receipt of the ASN line:
    total_received = models.DecimalField(max_digits=18, decimal_places=6)
    total_damaged = models.DecimalField(max_digits=18, decimal_places=6)
    variance = models.CharField(max_length=10, choices=Variance.choices, default=Variance.NONE)
    variance_qty = models.DecimalField(
        max_digits=18, decimal_places=6, default=Decimal(0), help_text="Received − shipped."
    )
    within_tolerance = models.BooleanField(default=True)

    class Meta:
        ordering = ["receipt_id", "asn_line_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["receipt", "asn_line"], name="receiptline_one_per_line"
            ),
            models.CheckConstraint(condition=Q(qty_received__gte=0), name="receiptline_qty_nonneg"),
            models.CheckConstraint(
                condition=Q(qty_damaged__gte=0) & Q(qty_damaged__lte=models.F("qty_received")),
                name="receiptline_damaged_within_received",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_id}/{self.asn_line_id}"

    @property
    def qty_accepted(self) -> Decimal:
        return self.qty_received - self.qty_damaged
