"""Onboarding a supplier: the shared rules of the checklist a supplier admin completes,
and its contacts and ship-from locations.

The rest of onboarding lives beside this module, one concept each: the onboarding case
and its review (`onboarding_cases`: invited → onboarding → pending approval → active ⇄
suspended), the invitations that open it (`supplier_users`), the company profile and its
changes once active (`profile_changes`), and the documents (`supplier_documents`).
"""

from typing import Any

from django.core.mail import send_mail
from django.db import transaction
from django.utils.translation import gettext

from integrations.errors import DomainError
from integrations.models import Channel
from integrations.services import audit_record
from portal.access import Actor
from suppliers.models import (
    DocumentType,
    ShipFromLocation,
    Supplier,
    SupplierContact,
    SupplierMembership,
)

# The documents every new installation starts with; admins edit the list in the admin.
DEFAULT_DOCUMENT_TYPES = (
    ("w9", "W-9 tax form", True, False),
    ("insurance", "Insurance certificate", True, True),
    ("quality", "Quality certificate (ISO 9001)", False, True),
)

EDITABLE_STATUSES = frozenset({Supplier.Status.INVITED, Supplier.Status.ONBOARDING})
LIVE_STATUSES = frozenset({Supplier.Status.ACTIVE, Supplier.Status.SUSPENDED})


def document_types_ensure_defaults() -> None:
    """Create the default document types if the list is empty (idempotent)."""
    if DocumentType.objects.exists():
        return
    for order, (code, name, required, expires) in enumerate(DEFAULT_DOCUMENT_TYPES):
        DocumentType.objects.get_or_create(
            code=code,
            defaults={"name": name, "required": required, "expires": expires, "sort_order": order},
        )


def lock_supplier(supplier: Supplier) -> Supplier:
    """Re-read the supplier under a row lock: its status decides what may change, and
    `publish` needs the aggregate locked to number its events."""
    return Supplier.objects.select_for_update().get(pk=supplier.pk)


def require_editable(supplier: Supplier, *, live_allowed: bool = True) -> None:
    """Checklist data is frozen while a submitted onboarding is under review."""
    if supplier.status == Supplier.Status.PENDING_APPROVAL:
        raise DomainError(
            gettext(
                "Your onboarding is being reviewed; you can edit again if changes are requested."
            )
        )
    if supplier.status not in EDITABLE_STATUSES and not (
        live_allowed and supplier.status in LIVE_STATUSES
    ):
        raise DomainError(
            gettext("A %(status)s supplier cannot be edited.")
            % {"status": supplier.get_status_display().lower()}
        )


def supplier_admin_emails(supplier: Supplier) -> list[str]:
    return list(
        SupplierMembership.objects.filter(
            supplier=supplier,
            role=SupplierMembership.Role.ADMIN,
            is_active=True,
            user__is_active=True,
        ).values_list("user__email", flat=True)
    )


def notify_after_commit(recipients: list[str], subject: str, body: str) -> None:
    """Email only once the change is committed: a rollback must not send news of it."""
    if recipients:
        transaction.on_commit(lambda: send_mail(subject, body, None, recipients))


@transaction.atomic
def supplier_contact_add(
    *,
    actor: Actor,
    supplier: Supplier,
    role: str,
    name: str,
    email: str,
    phone: str = "",
    channel: str = Channel.PORTAL,
) -> SupplierContact:
    supplier = lock_supplier(supplier)
    require_editable(supplier)
    if role not in SupplierContact.Role.values:
        raise DomainError(gettext("Choose the contact's role."), field="role")
    if not name.strip():
        raise DomainError(gettext("Enter the contact's name."), field="name")
    if not email.strip():
        raise DomainError(gettext("Enter the contact's email."), field="email")
    contact = SupplierContact.objects.create(
        supplier=supplier,
        role=role,
        name=name.strip(),
        email=email.strip().lower(),
        phone=phone.strip(),
    )
    audit_record(
        actor=actor,
        channel=channel,
        obj=contact,
        action="added",
        after={"role": role, "name": contact.name, "email": contact.email, "phone": contact.phone},
    )
    return contact


@transaction.atomic
def supplier_contact_remove(
    *, actor: Actor, contact: SupplierContact, channel: str = Channel.PORTAL
) -> None:
    require_editable(lock_supplier(contact.supplier))
    audit_record(
        actor=actor,
        channel=channel,
        obj=contact,
        action="removed",
        before={"role": contact.role, "name": contact.name, "email": contact.email},
    )
    contact.delete()


@transaction.atomic
def ship_from_location_add(
    *, actor: Actor, supplier: Supplier, data: dict[str, Any], channel: str = Channel.PORTAL
) -> ShipFromLocation:
    supplier = lock_supplier(supplier)
    require_editable(supplier)
    values = {
        name: str(data.get(name) or "").strip()
        for name in ("name", "address_line1", "city", "region", "postal_code", "country")
    }
    values["country"] = values["country"].upper()
    for name in ("name", "address_line1", "city", "postal_code", "country"):
        if not values[name]:
            label = getattr(ShipFromLocation._meta.get_field(name), "verbose_name", name)
            raise DomainError(
                gettext("Enter the location's %(label)s.") % {"label": label}, field=name
            )
    if len(values["country"]) != 2 or not values["country"].isalpha():
        raise DomainError(
            gettext("Enter the two-letter ISO country code, e.g. US."), field="country"
        )
    if ShipFromLocation.objects.filter(supplier=supplier, name__iexact=values["name"]).exists():
        raise DomainError(
            gettext("A location named %(name)s already exists.") % {"name": values["name"]},
            field="name",
        )
    location = ShipFromLocation.objects.create(supplier=supplier, **values)
    audit_record(actor=actor, channel=channel, obj=location, action="added", after=values)
    return location


@transaction.atomic
def ship_from_location_remove(
    *, actor: Actor, location: ShipFromLocation, channel: str = Channel.PORTAL
) -> None:
    require_editable(lock_supplier(location.supplier))
    audit_record(
        actor=actor,
        channel=channel,
        obj=location,
        action="removed",
        before={"name": location.name, "city": location.city, "country": location.country},
    )
    location.delete()
