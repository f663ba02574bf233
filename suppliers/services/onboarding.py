"""Onboarding a supplier: the admin creates and invites it, the supplier admin completes
the checklist and submits it, admins review each section and approve (the supplier turns
active and `supplier.onboarded` is published) or send it back with comments.

Profile edits of an active supplier wait in a ProfileChange until an admin approves them
(then `supplier.profile_changed` is published). Bank secrets (BANK_SECRET_FIELDS) are
encrypted at rest and appear masked in pending changes, audit entries and events.
"""

import json

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from integrations.errors import DomainError
from integrations.models import Channel
from integrations.services import audit_record, publish
from suppliers.models import (
    DocumentType,
    OnboardingComment,
    OnboardingSectionReview,
    ProfileChange,
    ShipFromLocation,
    Supplier,
    SupplierContact,
    SupplierDocument,
    SupplierMembership,
    SupplierProfile,
)
from suppliers.models.onboarding import (
    BANK_SECRET_FIELDS,
    PROFILE_FIELDS,
    Section,
    mask_account_number,
)
from suppliers.selectors.onboarding import onboarding_checklist
from suppliers.services.supplier_users import IssuedInvitation, invitation_create

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
            "Your onboarding is being reviewed; you can edit again if changes are requested."
        )
    if supplier.status not in EDITABLE_STATUSES and not (
        live_allowed and supplier.status in LIVE_STATUSES
    ):
        raise DomainError(f"A {supplier.get_status_display().lower()} supplier cannot be edited.")


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
def supplier_invite(
    *,
    actor,
    code: str,
    name: str,
    admin_email: str,
    base_url: str,
    erp_vendor_id: str = "",
    orders_contact_name: str = "",
    orders_contact_email: str = "",
    channel: str = Channel.PORTAL,
) -> IssuedInvitation:
    """Create a supplier in status invited and invite its first supplier admin."""
    code = (code or "").strip().upper()
    name = (name or "").strip()
    erp_vendor_id = (erp_vendor_id or "").strip()
    if not code:
        raise DomainError("Enter the supplier's code.", field="code")
    if not name:
        raise DomainError("Enter the supplier's name.", field="name")
    if Supplier.objects.filter(code=code).exists():
        raise DomainError(f"A supplier with code {code} already exists.", field="code")
    if erp_vendor_id and Supplier.objects.filter(erp_vendor_id=erp_vendor_id).exists():
        raise DomainError(
            f"ERP vendor id {erp_vendor_id} already belongs to another supplier.",
            field="erp_vendor_id",
        )
    now = timezone.now()
    supplier = Supplier.objects.create(
        code=code,
        name=name,
        erp_vendor_id=erp_vendor_id or None,
        status=Supplier.Status.INVITED,
        invited_at=now,
    )
    audit_record(
        actor=actor,
        channel=channel,
        obj=supplier,
        action="created",
        after={"code": code, "name": name, "erp_vendor_id": erp_vendor_id, "status": "invited"},
    )
    if orders_contact_name.strip() and orders_contact_email.strip():
        SupplierContact.objects.create(
            supplier=supplier,
            role=SupplierContact.Role.ORDERS,
            name=orders_contact_name.strip(),
            email=orders_contact_email.strip().lower(),
        )
    document_types_ensure_defaults()
    return invitation_create(
        actor=actor,
        supplier=supplier,
        email=admin_email,
        role=SupplierMembership.Role.ADMIN,
        base_url=base_url,
        channel=channel,
    )


def _clean_profile_data(data: dict, current: SupplierProfile) -> dict[str, str]:
    cleaned = {}
    for name in PROFILE_FIELDS:
        value = str(data.get(name, getattr(current, name)) or "").strip()
        if name == "country":
            value = value.upper()
            if value and (len(value) != 2 or not value.isalpha()):
                raise DomainError("Enter the two-letter ISO country code, e.g. US.", field=name)
        # A blank account number on the form means "keep the one on file": it is never
        # sent back to the browser, so the field is always empty when the page loads.
        if name in BANK_SECRET_FIELDS and not value:
            value = getattr(current, name)
        if name == "bank_account_number" and value and not value.replace(" ", "").isalnum():
            raise DomainError("The account number may hold only letters and digits.", field=name)
        cleaned[name] = value.replace(" ", "") if name in BANK_SECRET_FIELDS else value
    return cleaned


@transaction.atomic
def supplier_profile_save(
    *, actor, supplier: Supplier, data: dict, channel: str = Channel.PORTAL
) -> ProfileChange | None:
    """Save the company profile. During onboarding it takes effect at once (the review
    covers it); for an active supplier it becomes a pending ProfileChange, returned."""
    supplier = lock_supplier(supplier)
    require_editable(supplier)
    profile, _ = SupplierProfile.objects.get_or_create(supplier=supplier)
    cleaned = _clean_profile_data(data, profile)
    diff = {name: value for name, value in cleaned.items() if value != getattr(profile, name)}
    if supplier.status in EDITABLE_STATUSES:
        before = profile.masked_values()
        for name, value in cleaned.items():
            setattr(profile, name, value)
        profile.save()
        audit_record(
            actor=actor,
            channel=channel,
            obj=profile,
            action="updated",
            before={k: v for k, v in before.items() if k in diff},
            after={k: v for k, v in profile.masked_values().items() if k in diff},
        )
        return None
    if not diff:
        raise DomainError("Nothing changed: edit a field before sending the change for approval.")
    # One pending change per supplier: a second edit replaces the first before review.
    change = ProfileChange.objects.filter(
        supplier=supplier, status=ProfileChange.Status.PENDING
    ).first()
    if change is None:
        change = ProfileChange(supplier=supplier)
    # Bank secrets wait masked in `changes` (what pages and the audit trail show) and in
    # clear only inside the encrypted `sealed_changes`, until approval applies them.
    secrets = {name: value for name, value in diff.items() if name in BANK_SECRET_FIELDS}
    change.changes = {
        name: mask_account_number(value) if name in BANK_SECRET_FIELDS else value
        for name, value in diff.items()
    }
    change.sealed_changes = json.dumps(secrets) if secrets else ""
    change.requested_by = actor
    change.requested_at = timezone.now()
    change.save()
    audit_record(
        actor=actor,
        channel=channel,
        obj=change,
        action="requested",
        after=change.masked_changes(),
    )
    return change


def _profile_changed_event_data(
    supplier: Supplier,
    change: ProfileChange,
    *,
    actor,
    before: dict[str, str],
    after: dict[str, str],
    changed: list[str],
) -> dict:
    """`before`/`after` are the profile's masked values: a bank secret is published only
    masked, flagged as changed because two masks (last four digits) can look alike."""
    changes = {}
    for name in changed:
        changes[name] = {"before": before[name], "after": after[name]}
        if name in BANK_SECRET_FIELDS:
            changes[name] |= {"masked": True, "changed": True}
    return {
        "code": supplier.code,
        "name": supplier.name,
        "profile_change_id": change.pk,
        "decided_by": str(actor) if actor is not None else "system",
        "changes": changes,
    }


@transaction.atomic
def profile_change_decide(
    *,
    actor,
    change: ProfileChange,
    approve: bool,
    comment: str = "",
    channel: str = Channel.PORTAL,
) -> ProfileChange:
    """Apply (approve) or discard (reject) a pending change of an active supplier's profile.
    An approval publishes `supplier.profile_changed` with the fields that changed."""
    change = ProfileChange.objects.select_for_update().select_related("supplier").get(pk=change.pk)
    if change.status != ProfileChange.Status.PENDING:
        raise DomainError(f"This change was already {change.get_status_display().lower()}.")
    if not approve and not comment.strip():
        raise DomainError("Say why the change is rejected.", field="comment")
    supplier = lock_supplier(change.supplier)
    values = change.proposed_values()
    now = timezone.now()
    change.status = ProfileChange.Status.APPROVED if approve else ProfileChange.Status.REJECTED
    change.decided_by = actor
    change.decided_at = now
    change.decision_comment = comment.strip()
    # A decided change no longer needs the new bank details: do not keep a second copy.
    change.sealed_changes = ""
    change.save(
        update_fields=["status", "decided_by", "decided_at", "decision_comment", "sealed_changes"]
    )
    audit_record(
        actor=actor,
        channel=channel,
        obj=change,
        action="approved" if approve else "rejected",
        after={"comment": change.decision_comment},
    )
    if approve:
        profile, _ = SupplierProfile.objects.get_or_create(supplier=supplier)
        before = profile.masked_values()
        changed = [name for name, value in values.items() if getattr(profile, name) != value]
        for name, value in values.items():
            setattr(profile, name, value)
        profile.save()
        after = profile.masked_values()
        audit_record(
            actor=actor,
            channel=channel,
            obj=profile,
            action="updated",
            before={k: v for k, v in before.items() if k in values},
            after={k: v for k, v in after.items() if k in values},
        )
        # Nothing to announce if the profile already held every proposed value.
        if changed:
            publish(
                event_type="supplier.profile_changed",
                aggregate_type="supplier",
                aggregate_id=supplier.code,
                data=_profile_changed_event_data(
                    supplier, change, actor=actor, before=before, after=after, changed=changed
                ),
                actor=actor,
                channel=channel,
            )
    notify_after_commit(
        supplier_admin_emails(supplier),
        f"Your profile change was {change.get_status_display().lower()}",
        change.decision_comment or "The new details are now on file.",
    )
    return change


@transaction.atomic
def supplier_contact_add(
    *,
    actor,
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
        raise DomainError("Choose the contact's role.", field="role")
    if not name.strip():
        raise DomainError("Enter the contact's name.", field="name")
    if not email.strip():
        raise DomainError("Enter the contact's email.", field="email")
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
    *, actor, contact: SupplierContact, channel: str = Channel.PORTAL
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
    *, actor, supplier: Supplier, data: dict, channel: str = Channel.PORTAL
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
            label = ShipFromLocation._meta.get_field(name).verbose_name
            raise DomainError(f"Enter the location's {label}.", field=name)
    if len(values["country"]) != 2 or not values["country"].isalpha():
        raise DomainError("Enter the two-letter ISO country code, e.g. US.", field="country")
    if ShipFromLocation.objects.filter(supplier=supplier, name__iexact=values["name"]).exists():
        raise DomainError(f"A location named {values['name']} already exists.", field="name")
    location = ShipFromLocation.objects.create(supplier=supplier, **values)
    audit_record(actor=actor, channel=channel, obj=location, action="added", after=values)
    return location


@transaction.atomic
def ship_from_location_remove(
    *, actor, location: ShipFromLocation, channel: str = Channel.PORTAL
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


@transaction.atomic
def onboarding_submit(*, actor, supplier: Supplier, channel: str = Channel.PORTAL) -> Supplier:
    """Send the completed checklist for review; every section must be complete."""
    supplier = lock_supplier(supplier)
    if supplier.status not in EDITABLE_STATUSES:
        raise DomainError(
            f"Only a supplier in onboarding can submit; this one is "
            f"{supplier.get_status_display().lower()}."
        )
    checklist = onboarding_checklist(supplier=supplier, today=timezone.localdate())
    if not checklist.complete:
        raise DomainError("Complete the checklist first. " + " ".join(checklist.problems))
    before = supplier.status
    supplier.status = Supplier.Status.PENDING_APPROVAL
    supplier.onboarding_submitted_at = timezone.now()
    supplier.save(update_fields=["status", "onboarding_submitted_at"])
    # A section sent back is reviewed again; approved sections keep their approval.
    OnboardingSectionReview.objects.filter(
        supplier=supplier, status=OnboardingSectionReview.Status.CHANGES_REQUESTED
    ).update(status=OnboardingSectionReview.Status.NOT_REVIEWED)
    audit_record(
        actor=actor,
        channel=channel,
        obj=supplier,
        action="onboarding_submitted",
        before={"status": before},
        after={"status": supplier.status},
    )
    return supplier


def _onboarded_event_data(supplier: Supplier) -> dict:
    checklist = onboarding_checklist(supplier=supplier, today=timezone.localdate())
    profile = checklist.profile
    return {
        "code": supplier.code,
        "name": supplier.name,
        "erp_vendor_id": supplier.erp_vendor_id,
        "currency": supplier.currency,
        "profile": profile.masked_values() if profile else {},
        "contacts": [
            {"role": c.role, "name": c.name, "email": c.email, "phone": c.phone}
            for c in checklist.contacts
        ],
        "ship_from": [
            {
                "name": loc.name,
                "city": loc.city,
                "postal_code": loc.postal_code,
                "country": loc.country,
            }
            for loc in checklist.locations
        ],
        "invited_at": supplier.invited_at,
        "activated_at": supplier.activated_at,
    }


@transaction.atomic
def onboarding_review(
    *,
    actor,
    supplier: Supplier,
    decisions: dict[str, tuple[bool, str]],
    channel: str = Channel.PORTAL,
) -> Supplier:
    """Record the reviewer's verdict on every section: `decisions` maps each section to
    (approved, comment). All approved → the supplier turns active and
    `supplier.onboarded` is published; otherwise it goes back to the supplier."""
    supplier = lock_supplier(supplier)
    if supplier.status != Supplier.Status.PENDING_APPROVAL:
        raise DomainError(
            f"Only a submitted onboarding can be reviewed; this supplier is "
            f"{supplier.get_status_display().lower()}."
        )
    missing = [label for value, label in Section.choices if value not in decisions]
    if missing:
        raise DomainError(f"Review every section: {', '.join(missing)}.", field="decisions")
    for section, (approved, comment) in decisions.items():
        if not approved and not comment.strip():
            label = Section(section).label
            raise DomainError(f"{label}: say what needs to change.", field=section)
    now = timezone.now()
    for section, (approved, comment) in decisions.items():
        OnboardingSectionReview.objects.update_or_create(
            supplier=supplier,
            section=section,
            defaults={
                "status": OnboardingSectionReview.Status.APPROVED
                if approved
                else OnboardingSectionReview.Status.CHANGES_REQUESTED,
                "comment": comment.strip(),
                "reviewed_by": actor,
                "reviewed_at": now,
            },
        )
        if comment.strip():
            OnboardingComment.objects.create(
                supplier=supplier, section=section, author=actor, body=comment.strip()
            )
    all_approved = all(approved for approved, _ in decisions.values())
    before = supplier.status
    if all_approved:
        supplier.status = Supplier.Status.ACTIVE
        supplier.activated_at = now
        supplier.save(update_fields=["status", "activated_at"])
        SupplierDocument.objects.filter(
            supplier=supplier, status=SupplierDocument.Status.PENDING_REVIEW
        ).update(status=SupplierDocument.Status.APPROVED)
        audit_record(
            actor=actor,
            channel=channel,
            obj=supplier,
            action="onboarding_approved",
            before={"status": before},
            after={"status": supplier.status, "activated_at": now},
        )
        publish(
            event_type="supplier.onboarded",
            aggregate_type="supplier",
            aggregate_id=supplier.code,
            data=_onboarded_event_data(supplier),
            actor=actor,
            channel=channel,
        )
        subject, body = "Your supplier account is active", "You can now see your purchase orders."
    else:
        supplier.status = Supplier.Status.ONBOARDING
        supplier.save(update_fields=["status"])
        requested = {s: c.strip() for s, (ok, c) in decisions.items() if not ok}
        audit_record(
            actor=actor,
            channel=channel,
            obj=supplier,
            action="onboarding_changes_requested",
            before={"status": before},
            after={"status": supplier.status, "changes_requested": requested},
        )
        subject = "Changes requested on your onboarding"
        body = "\n".join(f"{Section(s).label}: {c}" for s, c in requested.items())
    notify_after_commit(supplier_admin_emails(supplier), subject, body)
    return supplier
