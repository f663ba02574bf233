"""Suppliers, their people, and the items they sell us."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from inventory.models import Item, UnitOfMeasure


class Supplier(models.Model):
    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        ONBOARDING = "onboarding", _("Onboarding")
        PENDING_APPROVAL = "pending_approval", _("Pending approval")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")

    # Statuses whose users may sign in: onboarding users must reach their checklist.
    LOGIN_STATUSES = frozenset(
        {Status.INVITED, Status.ONBOARDING, Status.PENDING_APPROVAL, Status.ACTIVE}
    )

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.INVITED)
    erp_vendor_id = models.CharField(max_length=64, null=True, blank=True, unique=True)
    edi_isa_qualifier = models.CharField(max_length=2, blank=True)
    edi_isa_id = models.CharField(max_length=15, blank=True)
    edi_gs_id = models.CharField(max_length=15, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    time_zone = models.CharField(max_length=64, default="UTC")
    ack_sla_hours = models.PositiveIntegerField(
        default=48, help_text="Hours after issue by which a PO must be acknowledged."
    )
    over_ship_tolerance_pct = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("0")
    )
    availability_freshness_hours = models.PositiveIntegerField(default=24)
    # GS1 company prefix (7–10 digits) the portal numbers this supplier's SSCC labels
    # from; blank: the supplier labels its packages itself and types or sends the SSCCs.
    gs1_company_prefix = models.CharField(
        max_length=10,
        blank=True,
        help_text="The supplier's GS1 company prefix (7 to 10 digits), to number SSCC labels.",
    )
    # The last serial reference handed out: SSCCs must never repeat, even when an ASN is
    # edited or cancelled, so the sequence is a stored counter, not derived from packages.
    sscc_last_serial = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    # Onboarding milestones: invited → active is the onboarding cycle time KPI.
    invited_at = models.DateTimeField(null=True, blank=True)
    onboarding_submitted_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(over_ship_tolerance_pct__gte=0) & Q(over_ship_tolerance_pct__lte=100),
                name="supplier_tolerance_0_100",
            ),
            models.CheckConstraint(
                condition=Q(gs1_company_prefix="") | Q(gs1_company_prefix__regex=r"^[0-9]{7,10}$"),
                name="supplier_gs1_company_prefix_digits",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def can_log_in(self) -> bool:
        return self.status in self.LOGIN_STATUSES


class SupplierMembership(models.Model):
    """A user's seat at one supplier. One membership per user: a user is one tenant."""

    class Role(models.TextChoices):
        STAFF = "supplier_staff", _("Staff")
        ADMIN = "supplier_admin", _("Admin")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supplier_membership"
    )
    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.STAFF)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["supplier_id", "user_id"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.supplier.code} ({self.get_role_display()})"


class SupplierItem(models.Model):
    """What a supplier sells us: their SKU and unit for one of our items."""

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="items")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="supplier_items")
    supplier_sku = models.CharField(max_length=60)
    uom = models.ForeignKey(
        UnitOfMeasure, on_delete=models.PROTECT, related_name="+", help_text="Unit they sell in."
    )
    lead_time_days = models.PositiveIntegerField(default=7)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["supplier_id", "supplier_sku"]
        constraints = [
            models.UniqueConstraint(fields=["supplier", "item"], name="supplieritem_one_per_item"),
            models.UniqueConstraint(
                fields=["supplier", "supplier_sku"], name="supplieritem_unique_sku"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supplier_sku} ({self.item.sku})"
