"""EDI trading partners (a supplier that keeps its EDI) and the invoices they send (810).

The partner's mapping profile says where its files carry what: which REF/LIN qualifiers
hold the PO number, its item number and the UPC, and which X12 unit codes mean which of
our units. Interchange records live in `integrations` and name the partner by `code`.
"""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

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
    """A supplier's invoice or credit note against one of its POs, from the invoice page,
    the API or an EDI 810. Life cycle (the table is `INVOICE` in
    suppliers/services/invoices.py): submitted → matching → on hold | approved →
    scheduled for payment → paid; a credit note of the whole invoice makes it credited."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        MATCHING = "matching", _("Matching")
        ON_HOLD = "on_hold", _("On hold")
        APPROVED = "approved", _("Approved")
        SCHEDULED = "scheduled", _("Scheduled for payment")
        PAID = "paid", _("Paid")
        CREDITED = "credited", _("Credited")

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT_NOTE = "credit_note", _("Credit note")

    # What the AP queue and the supplier's "open" filter count as not settled yet.
    OPEN = frozenset({Status.SUBMITTED, Status.MATCHING, Status.ON_HOLD, Status.APPROVED})

    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="invoices")
    purchase_order = models.ForeignKey(
        PurchaseOrder, on_delete=models.PROTECT, related_name="invoices"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.INVOICE)
    credited_invoice = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_notes"
    )
    number = models.CharField(max_length=40)
    # The number without punctuation or case: "INV-001", "inv 001" and "INV001" are one.
    number_key = models.CharField(max_length=40, blank=True, db_index=True)
    invoice_date = models.DateField()
    currency = models.CharField(max_length=3, default="USD")
    # In the currency's decimals (integrations/money.py): up to 3 for BHD, KWD, ...
    total_amount = models.DecimalField(max_digits=20, decimal_places=4)
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.EDI)
    received_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    # Where the invoice came from when a supplier flipped a receipt or an ASN into it.
    source_ref = models.CharField(max_length=80, blank=True)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pdf = models.FileField(upload_to="invoices/%Y/%m/", blank=True)
    pdf_name = models.CharField(max_length=200, blank=True)
    matched_at = models.DateTimeField(null=True, blank=True)
    held_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    scheduled_for = models.DateField(null=True, blank=True)
    paid_on = models.DateField(null=True, blank=True)
    remittance_reference = models.CharField(max_length=80, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["supplier", "number"], name="invoice_unique_number"),
        ]
        indexes = [
            models.Index(fields=["supplier", "-received_at"], name="invoice_supplier"),
            models.Index(fields=["status", "held_at"], name="invoice_ap_queue"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_credit_note(self) -> bool:
        return self.kind == self.Kind.CREDIT_NOTE


class InvoiceLine(models.Model):
    class Kind(models.TextChoices):
        GOODS = "goods", _("Goods")
        TAX = "tax", _("Tax")
        CHARGE = "charge", _("Charge")

    class Result(models.TextChoices):
        PENDING = "pending", _("Not matched yet")
        MATCHED = "matched", _("Matched")
        PRICE_VARIANCE = "price_variance", _("Price variance")
        QUANTITY_VARIANCE = "quantity_variance", _("Quantity variance")
        NOT_RECEIVED = "not_received", _("Not yet received")
        DUPLICATE = "duplicate", _("Duplicate invoice suspected")
        ACCEPTED = "accepted", _("Variance accepted")

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.GOODS)
    description = models.CharField(max_length=200, blank=True)
    po_line = models.ForeignKey(
        PurchaseOrderLine, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    supplier_sku = models.CharField(max_length=60, blank=True)
    # Negative on a credit note: a credit note line reverses the invoice line it names.
    quantity = models.DecimalField(max_digits=18, decimal_places=6)
    uom_code = models.CharField(max_length=10)
    unit_price = models.DecimalField(max_digits=18, decimal_places=4)
    amount = models.DecimalField(
        max_digits=20, decimal_places=4, default=Decimal(0), help_text="In the currency's decimals."
    )
    # The three-way match (suppliers/services/invoice_matching.py), per line.
    result = models.CharField(max_length=20, choices=Result.choices, default=Result.PENDING)
    hold_reason = models.CharField(max_length=300, blank=True)
    po_price = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    basis_qty = models.DecimalField(
        max_digits=18,
        decimal_places=6,
        null=True,
        blank=True,
        help_text="Received (or shipped) quantity, in the PO line's unit, when matched.",
    )
    qty_po_uom = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    variance_amount = models.DecimalField(max_digits=20, decimal_places=4, default=Decimal(0))
    # A dispute's resolution accepted this line's variance: the match lets it through.
    variance_accepted = models.BooleanField(default=False)
    # Which tolerance the last match applied, as the invoice page shows it (the rows can be
    # edited later; the line keeps what it was measured with).
    tolerance = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["invoice_id", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "line_no"], name="invoiceline_unique_no"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id}/{self.line_no}"

    @property
    def is_held(self) -> bool:
        return self.result not in (self.Result.MATCHED, self.Result.ACCEPTED, self.Result.PENDING)
