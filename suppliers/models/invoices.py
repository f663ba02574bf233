"""Invoicing terms of a supplier (what an invoice is measured against and how far it may
differ) and disputes about invoices and receipts. The invoice and its lines live in
`suppliers.models.edi` (where the EDI 810 first brought them); their rules are in
suppliers/services/invoices.py, invoice_matching.py and disputes.py."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from suppliers.models.edi import Invoice, InvoiceLine
from suppliers.models.receipts import Receipt
from suppliers.models.suppliers import Supplier


class InvoicingTerms(models.Model):
    """Per supplier. A supplier without a row invoices what was received, matched exactly
    (`InvoicingTerms.defaults()`)."""

    class Basis(models.TextChoices):
        RECEIVED = "received", _("Quantity received")
        SHIPPED = "shipped", _("Quantity shipped")

    supplier = models.OneToOneField(
        Supplier, on_delete=models.CASCADE, related_name="invoicing_terms"
    )
    basis = models.CharField(max_length=10, choices=Basis.choices, default=Basis.RECEIVED)
    qty_tolerance_pct = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(0))
    price_tolerance_pct = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(0))
    amount_tolerance = models.DecimalField(
        max_digits=12,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Largest variance per line, in the PO currency, let through within the "
        "percentages; empty: no absolute limit.",
    )
    price_editable = models.BooleanField(
        default=True, help_text="The supplier may invoice another price than the PO's."
    )

    class Meta:
        verbose_name_plural = "invoicing terms"
        constraints = [
            models.CheckConstraint(
                condition=Q(qty_tolerance_pct__gte=0) & Q(price_tolerance_pct__gte=0),
                name="invoicingterms_tolerances_nonneg",
            ),
        ]

    def __str__(self) -> str:
        return f"Invoicing terms of {self.supplier_id}"

    @classmethod
    def defaults(cls, supplier: Supplier) -> "InvoicingTerms":
        return cls(supplier=supplier)


class InvoiceTolerance(models.Model):
    """How far an invoice line of an item class may differ from the PO and the receipt,
    for one supplier or (no supplier) for every supplier. The most specific wins: the
    supplier's row for the class, then the class's row for all, then the supplier's
    `InvoicingTerms` (suppliers/services/invoice_matching.py `tolerance_for`)."""

    supplier = models.ForeignKey(
        Supplier,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="invoice_tolerances",
        help_text="Empty: every supplier (a supplier's own row for the class comes first).",
    )
    item_class = models.CharField(
        max_length=20, help_text="The items' tolerance class (Item.item_class), e.g. A."
    )
    qty_tolerance_pct = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(0))
    price_tolerance_pct = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(0))
    amount_tolerance = models.DecimalField(
        max_digits=12,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Largest variance per line, in the PO currency, let through within the "
        "percentages; empty: no absolute limit.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["item_class", "supplier_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "item_class"],
                condition=Q(supplier__isnull=False),
                name="invoicetolerance_supplier_class",
            ),
            models.UniqueConstraint(
                fields=["item_class"],
                condition=Q(supplier__isnull=True),
                name="invoicetolerance_class_for_all",
            ),
            models.CheckConstraint(
                condition=~Q(item_class=""), name="invoicetolerance_class_named"
            ),
            models.CheckConstraint(
                condition=Q(qty_tolerance_pct__gte=0)
                & Q(price_tolerance_pct__gte=0)
                & (Q(amount_tolerance__isnull=True) | Q(amount_tolerance__gte=0)),
                name="invoicetolerance_nonneg",
            ),
        ]

    def __str__(self) -> str:
        return f"Class {self.item_class} for {self.supplier or 'every supplier'}"


class Dispute(models.Model):
    """A disagreement about an invoice (a hold, a deduction) or a receipt variance, opened
    by either side, with a reason code and an amount; it is an exception case in the
    shared inbox while open. Life cycle: `DISPUTE` in suppliers/services/disputes.py."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")

    class Reason(models.TextChoices):
        PRICE = "price", _("Price differs from the PO")
        QUANTITY = "quantity", _("Quantity differs from the receipt")
        NOT_RECEIVED = "not_received", _("Goods delivered but not received")
        DAMAGED = "damaged", _("Goods counted as damaged")
        DEDUCTION = "deduction", _("Deduction taken from a payment")
        DUPLICATE = "duplicate", _("Not a duplicate")
        OTHER = "other", _("Other")

    class Resolution(models.TextChoices):
        ACCEPT_VARIANCE = "accept_variance", _("Variance accepted")
        PRICE_CORRECTION = "price_correction", _("Price corrected to the invoice")
        CREDIT_NOTE = "credit_note", _("Credit note by the supplier")
        REDELIVERY = "redelivery", _("Re-delivery")
        REJECTED = "rejected", _("Dispute rejected (the hold stands)")

    class Side(models.TextChoices):
        SUPPLIER = "supplier", _("Supplier")
        BUYER = "buyer", _("Distributor")

    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="disputes")
    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="disputes"
    )
    invoice_line = models.ForeignKey(
        InvoiceLine, null=True, blank=True, on_delete=models.PROTECT, related_name="disputes"
    )
    receipt = models.ForeignKey(
        Receipt, null=True, blank=True, on_delete=models.PROTECT, related_name="disputes"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    amount = models.DecimalField(max_digits=20, decimal_places=4)
    currency = models.CharField(max_length=3, default="USD")
    opened_by_side = models.CharField(max_length=10, choices=Side.choices)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    exception_case_id = models.PositiveBigIntegerField(null=True, blank=True)
    resolution = models.CharField(max_length=20, choices=Resolution.choices, blank=True)
    resolution_note = models.CharField(max_length=500, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["supplier", "status"], name="dispute_supplier_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(invoice__isnull=False) | Q(receipt__isnull=False),
                name="dispute_has_subject",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="dispute_amount_nonneg"),
        ]

    def __str__(self) -> str:
        return f"Dispute #{self.pk}"

    @property
    def subject_label(self) -> str:
        if self.invoice is not None:
            return f"Invoice {self.invoice.number}"
        return f"Receipt {self.receipt.reference}" if self.receipt is not None else ""


class DisputeMessage(models.Model):
    """One message of a dispute's thread. `read_at` is when the other side first opened
    the thread after it was written (the read receipt)."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="messages")
    side = models.CharField(max_length=10, choices=Dispute.Side.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    attachment = models.FileField(upload_to="disputes/%Y/%m/", blank=True)
    attachment_name = models.CharField(max_length=200, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["dispute_id", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.dispute_id}/{self.pk}"
