"""A supplier's answer to a purchase order revision: accept, reject, or accept with changes.

A change proposal carries, per PO line, what the supplier proposes (quantity, promised
date, price, and a split into schedule lines) beside a snapshot of what was ordered, so the
buyer's review compares like with like even after the PO moves on to a new revision.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from integrations.models import Channel
from inventory.models import UnitOfMeasure
from suppliers.models.purchase_orders import PurchaseOrder, PurchaseOrderLine
from suppliers.models.suppliers import Supplier


class ReasonCode(models.TextChoices):
    """Why a supplier rejects a PO or changes a line. Stable codes: EDI 855 and the API
    map onto them."""

    CAPACITY = "capacity", _("Capacity constraint")
    MATERIAL_SHORTAGE = "material_shortage", _("Material shortage")
    PRICE_CHANGE = "price_change", _("Price change")
    LEAD_TIME = "lead_time", _("Lead time")
    DISCONTINUED = "discontinued", _("Item discontinued")
    MINIMUM_ORDER_QTY = "minimum_order_qty", _("Minimum order quantity")
    PACK_SIZE = "pack_size", _("Pack size / rounding")
    OTHER = "other", _("Other")


class Acknowledgment(models.Model):
    class Kind(models.TextChoices):
        ACCEPT = "accept", _("Accepted as ordered")
        REJECT = "reject", _("Rejected")
        CHANGE = "change", _("Accepted with changes")

    class Status(models.TextChoices):
        # A plain accept or reject needs no buyer review: it is recorded as given.
        RECORDED = "recorded", _("Recorded")
        PENDING_REVIEW = "pending_review", _("Pending buyer review")
        ACCEPTED = "accepted", _("Accepted by buyer")
        AUTO_ACCEPTED = "auto_accepted", _("Auto-accepted")
        REJECTED = "rejected", _("Rejected by buyer")

    DECIDED = frozenset({Status.ACCEPTED, Status.AUTO_ACCEPTED, Status.REJECTED})

    purchase_order = models.ForeignKey(
        PurchaseOrder, on_delete=models.CASCADE, related_name="acknowledgments"
    )
    revision = models.PositiveIntegerField(help_text="The PO revision this answers.")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices)
    reason_code = models.CharField(max_length=30, choices=ReasonCode.choices, blank=True)
    comment = models.TextField(blank=True)
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.PORTAL)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True)
    resulting_revision = models.PositiveIntegerField(
        null=True, blank=True, help_text="The PO revision an accepted proposal created."
    )

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["status", "submitted_at", "id"], name="ack_status_queue"),
            models.Index(fields=["purchase_order", "-submitted_at"], name="ack_po_recent"),
        ]
        constraints = [
            # The database's own guard against a double submit: one live answer per PO
            # revision. A proposal the buyer rejected no longer counts, so the supplier can
            # propose again on the same revision.
            models.UniqueConstraint(
                fields=["purchase_order", "revision"],
                condition=~Q(status="rejected"),
                name="ack_one_live_per_revision",
            ),
            models.CheckConstraint(condition=Q(revision__gte=1), name="ack_revision_positive"),
            models.CheckConstraint(
                condition=~Q(kind="reject") | ~Q(reason_code=""), name="ack_reject_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purchase_order_id} rev {self.revision} {self.kind}"

    @property
    def is_pending_review(self) -> bool:
        return self.status == self.Status.PENDING_REVIEW

    @property
    def can_decide(self) -> bool:
        return self.status == self.Status.PENDING_REVIEW


class AcknowledgmentLine(models.Model):
    """What the supplier says about one PO line, with the original values beside it."""

    class Action(models.TextChoices):
        ACCEPT = "accept", _("Accept")
        REJECT = "reject", _("Reject")
        CHANGE = "change", _("Change")

    acknowledgment = models.ForeignKey(
        Acknowledgment, on_delete=models.CASCADE, related_name="lines"
    )
    po_line = models.ForeignKey(
        PurchaseOrderLine, on_delete=models.CASCADE, related_name="acknowledgment_lines"
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    reason_code = models.CharField(max_length=30, choices=ReasonCode.choices, blank=True)
    comment = models.CharField(max_length=500, blank=True)
    # What was ordered when the supplier answered (PO UoM), kept for the review.
    original_qty = models.DecimalField(max_digits=18, decimal_places=6)
    original_date = models.DateField()
    original_price = models.DecimalField(max_digits=18, decimal_places=4)
    # What the supplier commits to, in the PO line's UoM; 0 for a rejected line.
    proposed_qty = models.DecimalField(max_digits=18, decimal_places=6)
    proposed_date = models.DateField(null=True, blank=True)
    proposed_price = models.DecimalField(max_digits=18, decimal_places=4)

    # Not a column: the schedule of a line built in this transaction, which
    # `services.acknowledgments.save_lines` stores with it (stored lines: `schedule_lines`).
    new_schedule: list["ScheduleLine"]

    class Meta:
        ordering = ["acknowledgment_id", "po_line__line_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["acknowledgment", "po_line"], name="ackline_one_per_po_line"
            ),
            models.CheckConstraint(condition=Q(proposed_qty__gte=0), name="ackline_qty_nonneg"),
            models.CheckConstraint(condition=Q(proposed_price__gte=0), name="ackline_price_nonneg"),
            models.CheckConstraint(
                condition=Q(action="accept") | ~Q(reason_code=""), name="ackline_change_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.acknowledgment_id}/{self.po_line_id} {self.action}"

    @property
    def qty_delta(self) -> Decimal:
        return self.proposed_qty - self.original_qty

    @property
    def date_shift_days(self) -> int | None:
        if self.proposed_date is None:
            return None
        return (self.proposed_date - self.original_date).days

    @property
    def price_delta(self) -> Decimal:
        return self.proposed_price - self.original_price

    @property
    def original_value(self) -> Decimal:
        return self.original_qty * self.original_price

    @property
    def proposed_value(self) -> Decimal:
        return self.proposed_qty * self.proposed_price

    @property
    def value_impact(self) -> Decimal:
        return self.proposed_value - self.original_value


class ScheduleLine(models.Model):
    """One delivery of a line: quantity (in the PO line's UoM) promised for a date. The
    supplier's entry is kept as typed, with its unit, for audit and for their own view."""

    acknowledgment_line = models.ForeignKey(
        AcknowledgmentLine, on_delete=models.CASCADE, related_name="schedule_lines"
    )
    sequence = models.PositiveSmallIntegerField()
    quantity = models.DecimalField(max_digits=18, decimal_places=6)
    entered_quantity = models.DecimalField(max_digits=18, decimal_places=6)
    entered_uom = models.ForeignKey(UnitOfMeasure, on_delete=models.PROTECT, related_name="+")
    date = models.DateField()

    class Meta:
        ordering = ["acknowledgment_line_id", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["acknowledgment_line", "sequence"], name="schedline_unique_seq"
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="schedline_qty_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity.normalize()} on {self.date}"


class AutoAcceptRule(models.Model):
    """Which change proposals from one supplier the portal accepts without a buyer.

    A proposal is auto-accepted only when every changed line stays inside all limits:
    each schedule date within `max_date_shift_days` of the requested date (either way),
    the line quantity within ±`max_qty_change_pct` % of the ordered quantity, and the price
    unchanged. A rejected line always goes to a buyer.
    """

    supplier = models.OneToOneField(
        Supplier, on_delete=models.CASCADE, related_name="auto_accept_rule"
    )
    is_enabled = models.BooleanField(default=True)
    max_date_shift_days = models.PositiveIntegerField(
        default=0, help_text="Largest promised-date shift, in days, accepted without review."
    )
    max_qty_change_pct = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        help_text="Largest quantity change, in % of the ordered quantity, either way.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(max_qty_change_pct__gte=0) & Q(max_qty_change_pct__lte=100),
                name="autoaccept_pct_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"Auto-accept for {self.supplier_id}: {self.describe()}"

    def describe(self) -> str:
        if not self.is_enabled:
            return "off"
        return (
            f"date shift ≤ {self.max_date_shift_days} day(s), quantity within "
            f"±{self.max_qty_change_pct.normalize():f} %, price unchanged"
        )
