"""EDI trading partners (a supplier that keeps its EDI) and the invoices they send (810).

The partner's mapping profile says where its files carry what: which REF/LIN qualifiers
hold the PO number, its item number and the UPC, and which X12 unit codes mean which of
our units. Interchange records live in `integrations` and name the partner by `code`.
"""

from decimal import Decimal

from django.db import models

from integrations.models import Channel
from suppliers.models.purchase_orders import PurchaseOrder, PurchaseOrderLine
from suppliers.models.suppliers import Supplier


class TradingPartner(models.Model):
    supplier = models.OneToOneField(
        Supplier, on_delete=models.CASCADE, related_name="trading_partner"
    )
    code = models.SlugField(max_length=40, unique=True)
    is_active = models.BooleanField(default=True)
    # Their envelope ids (what arrives in ISA05/ISA06 and GS02).
    isa_qualifier = models.CharField(max_length=2, default="ZZ")
    isa_id = models.CharField(max_length=15)
    gs_id = models.CharField(max_length=15)
    # Ours as this partner knows us (ISA07/ISA08 and GS03 of their files).
    our_isa_qualifier = models.CharField(max_length=2, default="ZZ")
    our_isa_id = models.CharField(max_length=15)
    our_gs_id = models.CharField(max_length=15)
    versions_accepted = models.CharField(
        max_length=100, default="004010", help_text="GS08 versions, comma separated."
    )
    outbound_version = models.CharField(max_length=12, default="004010")
    usage = models.CharField(
        max_length=1, default="P", choices=[("P", "Production"), ("T", "Test")]
    )
    # Mapping profile.
    po_number_qualifier = models.CharField(
        max_length=3, default="PO", help_text="REF qualifier carrying our PO number."
    )
    supplier_item_qualifier = models.CharField(max_length=2, default="VP")
    buyer_item_qualifier = models.CharField(max_length=2, default="BP")
    upc_qualifier = models.CharField(max_length=2, default="UP")
    uom_map = models.JSONField(
        default=dict, blank=True, help_text='X12 unit code → our unit code, e.g. {"CA": "CS"}.'
    )
    upc_map = models.JSONField(
        default=dict, blank=True, help_text="UPC → our SKU, for partners that send UPCs only."
    )
    inbound_folder = models.CharField(max_length=300, blank=True)
    outbound_folder = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["isa_qualifier", "isa_id"], name="tradingpartner_unique_isa"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.isa_qualifier}/{self.isa_id})"

    @property
    def versions(self) -> tuple[str, ...]:
        return tuple(v.strip() for v in self.versions_accepted.split(",") if v.strip())


class Invoice(models.Model):
    """A supplier's invoice as received (EDI 810); shown to the buyer and the supplier.
    Matching against receipts is later work."""

    class Status(models.TextChoices):
        # Invoices arrive by EDI 810 and are recorded as received; matching, holds,
        # approval and payment add their states and moves to the invoice's table.
        RECEIVED = "received", "Received"

    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="invoices")
    purchase_order = models.ForeignKey(
        PurchaseOrder, on_delete=models.PROTECT, related_name="invoices"
    )
    number = models.CharField(max_length=40)
    invoice_date = models.DateField()
    currency = models.CharField(max_length=3, default="USD")
    total_amount = models.DecimalField(max_digits=18, decimal_places=2)
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.EDI)
    received_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["supplier", "number"], name="invoice_unique_number"),
        ]
        indexes = [models.Index(fields=["supplier", "-received_at"], name="invoice_supplier")]

    def __str__(self) -> str:
        return self.number


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField()
    po_line = models.ForeignKey(
        PurchaseOrderLine, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    supplier_sku = models.CharField(max_length=60, blank=True)
    quantity = models.DecimalField(max_digits=18, decimal_places=6)
    uom_code = models.CharField(max_length=10)
    unit_price = models.DecimalField(max_digits=18, decimal_places=4)

    class Meta:
        ordering = ["invoice_id", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "line_no"], name="invoiceline_unique_no"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id}/{self.line_no}"

    @property
    def amount(self) -> Decimal:
        return self.quantity * self.unit_price
