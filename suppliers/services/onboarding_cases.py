"""The onboarding case: a supplier's way from invited to active, held in `Supplier.status`.

A portal admin invites the supplier (invited); the first person to accept an invitation
starts the onboarding; the supplier admin completes the checklist and submits it (pending
approval); admins review each section and either approve (active, `supplier.onboarded` is
published) or send it back with comments (onboarding again). An active supplier can be
suspended and reinstated by a portal admin.

SUPPLIER_CASE is the table of those moves and SECTION_REVIEW the table of each section's
verdict; every status change of either goes through its `move()`.
"""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from integrations.errors import DomainError
from integrations.models import Channel
from integrations.services.lifecycle import CREATED, Lifecycle, Move
from portal.access import Actor, actor_user
from suppliers.models import OnboardingComment, OnboardingSectionReview, Supplier, SupplierDocument
from suppliers.models.onboarding import Section
from suppliers.selectors.onboarding import onboarding_checklist
from suppliers.services.onboarding import (
    EDITABLE_STATUSES,
    lock_supplier,
    notify_after_commit,
    supplier_admin_emails,
)
from suppliers.services.supplier_documents import SUPPLIER_DOCUMENT

_Status = Supplier.Status
_Review = OnboardingSectionReview.Status
# Until it is onboarded the supplier exists only in the portal: the ERP hears of it once.
_IN_PORTAL = "no event: the ERP hears of the supplier once it is onboarded"
_NO_HOLD_EVENT = "no event yet: the ERP's vendor hold is set in the ERP"

SUPPLIER_CASE = Lifecycle(
    document="onboarding case",
    model=Supplier,
    aggregate_type="supplier",
    aggregate_id=lambda supplier: supplier.code,
    moves=[
        Move(CREATED, _Status.INVITED, "created", "portal admin", note=_IN_PORTAL),
        Move(
            _Status.INVITED,
            _Status.ONBOARDING,
            "onboarding_started",
            "invited person (accepting their invitation)",
            note=_IN_PORTAL,
        ),
        Move(
            _Status.ONBOARDING,
            _Status.PENDING_APPROVAL,
            "onboarding_submitted",
            "supplier admin",
            note=_IN_PORTAL,
        ),
        # A supplier whose people joined another way (the Django admin) submits unstarted.
        Move(
            _Status.INVITED,
            _Status.PENDING_APPROVAL,
            "onboarding_submitted",
            "supplier admin",
            note=_IN_PORTAL,
        ),
        Move(
            _Status.PENDING_APPROVAL,
            _Status.ACTIVE,
            "onboarding_approved",
            "portal admin",
            event="supplier.onboarded",
        ),
        Move(
            _Status.PENDING_APPROVAL,
            _Status.ONBOARDING,
            "onboarding_changes_requested",
            "portal admin",
            note="no event: the supplier admins are emailed the comments",
        ),
        Move(_Status.ACTIVE, _Status.SUSPENDED, "suspended", "portal admin", note=_NO_HOLD_EVENT),
        Move(_Status.SUSPENDED, _Status.ACTIVE, "reinstated", "portal admin", note=_NO_HOLD_EVENT),
    ],
)

_VERDICT = "no event: the onboarding case's approval publishes supplier.onboarded"
SECTION_REVIEW = Lifecycle(
    document="onboarding section review",
    model=OnboardingSectionReview,
    aggregate_type="supplier",
    aggregate_id=lambda review: review.supplier.code,
    moves=[
        Move(
            CREATED,
            _Review.NOT_REVIEWED,
            "opened",
            "portal admin (reviewing the section the first time)",
            note="no event, no audit entry: the verdict's move right after records it",
        ),
        Move(_Review.NOT_REVIEWED, _Review.APPROVED, "approved", "portal admin", note=_VERDICT),
        Move(
            _Review.NOT_REVIEWED,
            _Review.CHANGES_REQUESTED,
            "changes_requested",
            "portal admin",
            note=_VERDICT,
        ),
        # Every review decides every section again: an approval stands or is withdrawn.
        Move(_Review.APPROVED, _Review.APPROVED, "approved", "portal admin", note=_VERDICT),
        Move(
            _Review.APPROVED,
            _Review.CHANGES_REQUESTED,
            "changes_requested",
            "portal admin",
            note=_VERDICT,
        ),
        Move(
            _Review.CHANGES_REQUESTED,
            _Review.NOT_REVIEWED,
            "resubmitted",
            "supplier admin (submitting the onboarding again)",
            note="no event: the section waits for the next review",
        ),
    ],
)


def onboarding_start(*, actor: Actor, supplier: Supplier, channel: str = Channel.PORTAL) -> bool:
    """Move an invited supplier on to onboarding (its first person has joined); a supplier
    already past invited stays where it is. Call it with the supplier locked. Returns
    whether the supplier moved."""
    if supplier.status != _Status.INVITED:
        return False
    SUPPLIER_CASE.move(
        supplier, to=_Status.ONBOARDING, actor=actor, channel=channel, action="onboarding_started"
    )
    return True


@transaction.atomic
def onboarding_submit(
    *, actor: Actor, supplier: Supplier, channel: str = Channel.PORTAL
) -> Supplier:
    """Send the completed checklist for review; every section must be complete."""
    supplier = lock_supplier(supplier)
    if supplier.status not in EDITABLE_STATUSES:
        raise DomainError(
            gettext("Only a supplier in onboarding can submit; this one is %(status)s.")
            % {"status": supplier.get_status_display().lower()}
        )
    checklist = onboarding_checklist(supplier=supplier, today=timezone.localdate())
    if not checklist.complete:
        raise DomainError("Complete the checklist first. " + " ".join(checklist.problems))
    supplier.onboarding_submitted_at = timezone.now()
    SUPPLIER_CASE.move(
        supplier,
        to=_Status.PENDING_APPROVAL,
        actor=actor,
        channel=channel,
        update_fields=["onboarding_submitted_at"],
    )
    # A section sent back is reviewed again; approved sections keep their approval.
    SECTION_REVIEW.move_many(
        OnboardingSectionReview.objects.filter(supplier=supplier),
        to=_Review.NOT_REVIEWED,
        action="resubmitted",
        actor=actor,
        channel=channel,
    )
    return supplier


def _onboarded_event_data(supplier: Supplier) -> dict[str, Any]:
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


def _section_reviews(supplier: Supplier) -> dict[str, OnboardingSectionReview]:
    """Every section's review row, locked; a section never reviewed gets its row opened."""
    reviews = {
        review.section: review
        for review in OnboardingSectionReview.objects.select_for_update().filter(supplier=supplier)
    }
    for section in Section.values:
        if section not in reviews:
            SECTION_REVIEW.check_created(_Review.NOT_REVIEWED)
            reviews[section] = OnboardingSectionReview.objects.create(
                supplier=supplier, section=section, status=_Review.NOT_REVIEWED
            )
    return reviews


@transaction.atomic
def onboarding_review(
    *,
    actor: Actor,
    supplier: Supplier,
    decisions: dict[str, tuple[bool, str]],
    channel: str = Channel.PORTAL,
) -> Supplier:
    """Record the reviewer's verdict on every section: `decisions` maps each section to
    (approved, comment). All approved → the supplier turns active and
    `supplier.onboarded` is published; otherwise it goes back to the supplier."""
    supplier = lock_supplier(supplier)
    if supplier.status != _Status.PENDING_APPROVAL:
        raise DomainError(
            gettext("Only a submitted onboarding can be reviewed; this supplier is %(status)s.")
            % {"status": supplier.get_status_display().lower()}
        )
    missing = [str(label) for value, label in Section.choices if value not in decisions]
    if missing:
        raise DomainError(
            gettext("Review every section: %(missing)s.") % {"missing": ", ".join(missing)},
            field="decisions",
        )
    for section, (approved, comment) in decisions.items():
        if not approved and not comment.strip():
            label = Section(section).label
            raise DomainError(
                gettext("%(label)s: say what needs to change.") % {"label": label}, field=section
            )
    now = timezone.now()
    reviews = _section_reviews(supplier)
    for section, (approved, comment) in decisions.items():
        review = reviews[section]
        review.comment = comment.strip()
        review.reviewed_by = actor_user(actor)
        review.reviewed_at = now
        SECTION_REVIEW.move(
            review,
            to=_Review.APPROVED if approved else _Review.CHANGES_REQUESTED,
            actor=actor,
            channel=channel,
            after={"comment": review.comment},
            update_fields=["comment", "reviewed_by", "reviewed_at"],
        )
        if review.comment:
            OnboardingComment.objects.create(
                supplier=supplier, section=section, author=actor_user(actor), body=review.comment
            )
    if all(approved for approved, _ in decisions.values()):
        supplier.activated_at = now
        # The documents were reviewed with the onboarding: they are approved with it.
        SUPPLIER_DOCUMENT.move_many(
            SupplierDocument.objects.filter(supplier=supplier),
            to=SupplierDocument.Status.APPROVED,
            action="approved",
            actor=actor,
            channel=channel,
        )
        SUPPLIER_CASE.move(
            supplier,
            to=_Status.ACTIVE,
            actor=actor,
            channel=channel,
            after={"activated_at": now},
            data=_onboarded_event_data(supplier),
            update_fields=["activated_at"],
        )
        subject, body = "Your supplier account is active", "You can now see your purchase orders."
    else:
        requested = {s: c.strip() for s, (ok, c) in decisions.items() if not ok}
        SUPPLIER_CASE.move(
            supplier,
            to=_Status.ONBOARDING,
            actor=actor,
            channel=channel,
            after={"changes_requested": requested},
        )
        subject = "Changes requested on your onboarding"
        body = "\n".join(f"{Section(s).label}: {c}" for s, c in requested.items())
    notify_after_commit(supplier_admin_emails(supplier), subject, body)
    return supplier


@transaction.atomic
def supplier_suspend(
    *, actor: Actor, supplier: Supplier, reason: str, channel: str = Channel.PORTAL
) -> Supplier:
    """Stop an active supplier's people from signing in (their data stays); the supplier
    admins are told why."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(gettext("Say why the supplier is suspended."), field="reason")
    supplier = lock_supplier(supplier)
    SUPPLIER_CASE.move(
        supplier, to=_Status.SUSPENDED, actor=actor, channel=channel, after={"reason": reason}
    )
    notify_after_commit(
        supplier_admin_emails(supplier), "Your supplier account is suspended", reason
    )
    return supplier


@transaction.atomic
def supplier_reinstate(
    *, actor: Actor, supplier: Supplier, channel: str = Channel.PORTAL
) -> Supplier:
    """Let a suspended supplier's people sign in again."""
    supplier = lock_supplier(supplier)
    SUPPLIER_CASE.move(supplier, to=_Status.ACTIVE, actor=actor, channel=channel)
    notify_after_commit(
        supplier_admin_emails(supplier),
        "Your supplier account is active again",
        "You can sign in to the Supplier Portal again.",
    )
    return supplier
