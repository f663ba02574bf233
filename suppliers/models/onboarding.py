"""Supplier onboarding: invitations, the checklist a supplier admin completes (profile,
contacts, ship-from locations, documents), the admins' review of it, and profile changes
of active suppliers that wait for approval."""

import json

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from suppliers.models.fields import EncryptedCharField, EncryptedTextField
from suppliers.models.suppliers import Supplier, SupplierMembership


def mask_account_number(value: str) -> str:
    """Bank account numbers are shown by their last four digits only, everywhere."""
    value = (value or "").strip()
    if not value:
        return ""
    return f"•••• {value[-4:]}" if len(value) > 4 else "••••"


class Invitation(models.Model):
    """A single-use link that lets one email address join one supplier with one role.

    Only the SHA-256 of the token is stored: a database leak gives no working link."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(
        max_length=20,
        choices=SupplierMembership.Role.choices,
        default=SupplierMembership.Role.STAFF,
    )
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_sent_at = models.DateTimeField(default=timezone.now)
    send_count = models.PositiveIntegerField(default=1)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["supplier", "email"], name="invitation_supplier_email")]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.supplier.code}"

    def status_at(self, now) -> str:
        if self.accepted_at is not None:
            return self.Status.ACCEPTED
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.expires_at <= now:
            return self.Status.EXPIRED
        return self.Status.PENDING

    @property
    def status(self) -> str:
        return self.status_at(timezone.now())

    @property
    def can_resend(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None

    @property
    def can_revoke(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None


class Section(models.TextChoices):
    """The parts of the onboarding checklist, each reviewed on its own."""

    PROFILE = "profile", _("Company profile")
    CONTACTS = "contacts", _("Contacts")
    LOCATIONS = "locations", _("Ship-from locations")
    DOCUMENTS = "documents", _("Documents")


# The profile fields the checklist requires, and those that count as bank details.
PROFILE_REQUIRED_FIELDS = (
    "legal_name",
    "tax_id",
    "address_line1",
    "city",
    "postal_code",
    "country",
    "remit_to",
    "bank_account_name",
    "bank_account_number",
    "bank_routing",
)
PROFILE_FIELDS = (
    "legal_name",
    "tax_id",
    "address_line1",
    "address_line2",
    "city",
    "region",
    "postal_code",
    "country",
    "remit_to",
    "bank_account_name",
    "bank_account_number",
    "bank_routing",
)
BANK_SECRET_FIELDS = frozenset({"bank_account_number"})


class SupplierProfile(models.Model):
    """The company's legal and payment details. The account number is kept as entered (the
    ERP needs it), encrypted at rest, and never rendered, audited or published but masked."""

    supplier = models.OneToOneField(Supplier, on_delete=models.CASCADE, related_name="profile")
    legal_name = models.CharField(max_length=200, blank=True)
    tax_id = models.CharField("Tax id", max_length=40, blank=True)
    address_line1 = models.CharField("Address", max_length=200, blank=True)
    address_line2 = models.CharField("Address (line 2)", max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField("State / region", max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 code, e.g. US.")
    remit_to = models.TextField("Remit-to address", blank=True)
    bank_account_name = models.CharField(max_length=200, blank=True)
    bank_account_number = EncryptedCharField(max_length=34, blank=True)
    bank_routing = models.CharField("Bank routing / SWIFT", max_length=34, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Profile of {self.supplier.code}"

    @property
    def bank_account_masked(self) -> str:
        return mask_account_number(self.bank_account_number)

    @property
    def is_complete(self) -> bool:
        return all(str(getattr(self, name)).strip() for name in PROFILE_REQUIRED_FIELDS)

    def masked_values(self) -> dict[str, str]:
        """Every profile field as shown to people and written to the audit trail."""
        values = {name: getattr(self, name) for name in PROFILE_FIELDS}
        values["bank_account_number"] = self.bank_account_masked
        return values


class SupplierContact(models.Model):
    class Role(models.TextChoices):
        ORDERS = "orders", _("Orders")
        SHIPPING = "shipping", _("Shipping")
        ACCOUNTS_RECEIVABLE = "accounts_receivable", _("Accounts receivable")

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="contacts")
    role = models.CharField(max_length=30, choices=Role.choices)
    name = models.CharField(max_length=150)
    email = models.EmailField()
    phone = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["supplier_id", "role", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"


class ShipFromLocation(models.Model):
    supplier = models.ForeignKey(
        Supplier, on_delete=models.CASCADE, related_name="ship_from_locations"
    )
    name = models.CharField(max_length=100)
    address_line1 = models.CharField("Address", max_length=200)
    city = models.CharField(max_length=100)
    region = models.CharField("State / region", max_length=100, blank=True)
    postal_code = models.CharField(max_length=20)
    country = models.CharField(max_length=2, help_text="ISO 3166 code, e.g. US.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["supplier_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["supplier", "name"], name="shipfrom_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.city} {self.country}"


class DocumentType(models.Model):
    """The configurable list of documents suppliers provide (W-9, insurance certificate…),
    maintained by portal admins in the Django admin."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    required = models.BooleanField(default=True, help_text="Needed before approval.")
    expires = models.BooleanField(default=True, help_text="Documents of this type carry an expiry.")
    is_active = models.BooleanField(default=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class SupplierDocument(models.Model):
    class Status(models.TextChoices):
        PENDING_REVIEW = "pending_review", _("Pending review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        EXPIRED = "expired", _("Expired")

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="documents")
    document_type = models.ForeignKey(DocumentType, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to="supplier-documents/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    expires_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING_REVIEW)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    expiry_warned_at = models.DateTimeField(null=True, blank=True)
    expired_flagged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["supplier_id", "document_type__sort_order", "-uploaded_at"]
        indexes = [
            models.Index(fields=["status", "expires_on"], name="supplierdoc_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.document_type.name}: {self.original_name}"


class OnboardingSectionReview(models.Model):
    """An admin's latest verdict on one checklist section of one supplier."""

    class Status(models.TextChoices):
        NOT_REVIEWED = "not_reviewed", _("Not reviewed")
        APPROVED = "approved", _("Approved")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="section_reviews")
    section = models.CharField(max_length=20, choices=Section.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_REVIEWED)
    comment = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["supplier_id", "section"]
        constraints = [
            models.UniqueConstraint(fields=["supplier", "section"], name="sectionreview_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.supplier_id} {self.section}: {self.status}"


class OnboardingComment(models.Model):
    """The conversation between reviewers and the supplier, kept per section."""

    supplier = models.ForeignKey(
        Supplier, on_delete=models.CASCADE, related_name="onboarding_comments"
    )
    section = models.CharField(max_length=20, choices=Section.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.section}: {self.body[:40]}"


class ProfileChange(models.Model):
    """A change to an active supplier's profile (bank details included) that takes effect
    only when an admin approves it. At most one is pending per supplier."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="profile_changes")
    changes = models.JSONField(help_text="Field → new value; bank secrets masked.")
    # The new values of bank secrets, which approval writes to the profile: one JSON object,
    # encrypted. Emptied once the change is decided, when nothing needs them any more.
    sealed_changes = EncryptedTextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier"],
                condition=Q(status="pending"),
                name="profilechange_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"Profile change of {self.supplier_id} ({self.status})"

    @property
    def touches_bank_details(self) -> bool:
        return any(name.startswith("bank_") for name in self.changes)

    def masked_changes(self) -> dict[str, str]:
        """Field → new value as shown to people and written to the audit trail."""
        return {
            name: mask_account_number(value) if name in BANK_SECRET_FIELDS else value
            for name, value in self.changes.items()
        }

    def proposed_values(self) -> dict[str, str]:
        """Field → new value with bank secrets in clear: what approval writes."""
        sealed = json.loads(self.sealed_changes) if self.sealed_changes else {}
        return {name: sealed.get(name, value) for name, value in self.changes.items()}
