"""Supplier users: invitations (create, resend, revoke, accept) and the supplier admin's
management of their own people (deactivate, reactivate, change role).

An invitation link carries a random token; only its SHA-256 is stored. The link also names
the supplier, and both must match, so a link for one supplier can never join another.
"""

import datetime
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from integrations.errors import DomainError
from integrations.models import Channel
from integrations.services import audit_record
from suppliers.models import Invitation, Supplier, SupplierMembership


class InvitationError(DomainError):
    """An invitation link that cannot be used; `code` says why (invalid, expired, revoked,
    accepted) so the page can tell the person what to do next."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_accept_path(*, supplier_code: str, token: str) -> str:
    return reverse("onboarding:invitation_accept", args=[supplier_code, token])


def _expiry(now: datetime.datetime) -> datetime.datetime:
    return now + datetime.timedelta(days=settings.PORTAL_INVITATION_DAYS)


def _send_invitation_email(*, invitation: Invitation, token: str, base_url: str) -> None:
    link = base_url.rstrip("/") + invitation_accept_path(
        supplier_code=invitation.supplier.code, token=token
    )
    role = invitation.get_role_display().lower()
    body = (
        f"You are invited to join {invitation.supplier.name} on the Supplier Portal as {role}.\n\n"
        f"Create your account here: {link}\n\n"
        f"The link works once and expires on {invitation.expires_at:%Y-%m-%d %H:%M %Z}."
    )
    # After commit: a rolled-back invitation must not leave a working-looking email behind.
    transaction.on_commit(
        lambda: send_mail(
            f"Your invitation to the Supplier Portal ({invitation.supplier.name})",
            body,
            None,
            [invitation.email],
        )
    )


def _audit_invitation(*, actor, invitation: Invitation, action: str, channel: str) -> None:
    audit_record(
        actor=actor,
        channel=channel,
        obj=invitation,
        action=action,
        after={
            "supplier": invitation.supplier.code,
            "email": invitation.email,
            "role": invitation.role,
            "expires_at": invitation.expires_at,
        },
    )


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    token: str

    @property
    def accept_path(self) -> str:
        return invitation_accept_path(supplier_code=self.invitation.supplier.code, token=self.token)


@transaction.atomic
def invitation_create(
    *,
    actor,
    supplier: Supplier,
    email: str,
    role: str = SupplierMembership.Role.STAFF,
    base_url: str,
    channel: str = Channel.PORTAL,
) -> IssuedInvitation:
    """Invite `email` to join `supplier` with `role`, and email them the link."""
    email = (email or "").strip().lower()
    if not email:
        raise DomainError("Enter the email address of the person to invite.", field="email")
    if role not in SupplierMembership.Role.values:
        raise DomainError("Choose the role Staff or Admin.", field="role")
    if get_user_model().objects.filter(email__iexact=email).exists():
        raise DomainError(
            f"{email} already has a portal account; a portal administrator can move it.",
            field="email",
        )
    now = timezone.now()
    pending = Invitation.objects.filter(
        supplier=supplier,
        email=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=now,
    )
    if pending.exists():
        raise DomainError(
            f"{email} already has a pending invitation; resend it instead.", field="email"
        )
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        supplier=supplier,
        email=email,
        role=role,
        token_hash=_hash(token),
        invited_by=actor,
        created_at=now,
        last_sent_at=now,
        expires_at=_expiry(now),
    )
    _audit_invitation(actor=actor, invitation=invitation, action="invited", channel=channel)
    _send_invitation_email(invitation=invitation, token=token, base_url=base_url)
    return IssuedInvitation(invitation=invitation, token=token)


@transaction.atomic
def invitation_resend(
    *, actor, invitation: Invitation, base_url: str, channel: str = Channel.PORTAL
) -> IssuedInvitation:
    """Send a fresh link with a fresh expiry; the previous link stops working."""
    invitation = (
        Invitation.objects.select_for_update().select_related("supplier").get(pk=invitation.pk)
    )
    if not invitation.can_resend:
        raise DomainError(
            f"This invitation was {invitation.status}; create a new one instead.", field="email"
        )
    now = timezone.now()
    token = secrets.token_urlsafe(32)
    invitation.token_hash = _hash(token)
    invitation.last_sent_at = now
    invitation.expires_at = _expiry(now)
    invitation.send_count += 1
    invitation.save(update_fields=["token_hash", "last_sent_at", "expires_at", "send_count"])
    _audit_invitation(actor=actor, invitation=invitation, action="resent", channel=channel)
    _send_invitation_email(invitation=invitation, token=token, base_url=base_url)
    return IssuedInvitation(invitation=invitation, token=token)


@transaction.atomic
def invitation_revoke(
    *, actor, invitation: Invitation, channel: str = Channel.PORTAL
) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update().select_related("supplier").get(pk=invitation.pk)
    )
    if not invitation.can_revoke:
        raise DomainError(f"This invitation was already {invitation.status}.")
    invitation.revoked_at = timezone.now()
    invitation.revoked_by = actor
    invitation.save(update_fields=["revoked_at", "revoked_by"])
    _audit_invitation(actor=actor, invitation=invitation, action="revoked", channel=channel)
    return invitation


_REFUSALS = {
    Invitation.Status.EXPIRED: (
        "expired",
        "This invitation has expired. Ask the person who invited you to send a new one.",
    ),
    Invitation.Status.REVOKED: (
        "revoked",
        "This invitation was withdrawn. Ask the person who invited you if you still need access.",
    ),
    Invitation.Status.ACCEPTED: (
        "accepted",
        "This invitation has already been used. Sign in with the account created from it.",
    ),
}


def invitation_check(*, supplier_code: str, token: str) -> Invitation:
    """The usable invitation this link names, or InvitationError saying why not."""
    invitation = (
        Invitation.objects.select_related("supplier")
        .filter(token_hash=_hash(token or ""), supplier__code=supplier_code)
        .first()
    )
    if invitation is None:
        raise InvitationError(
            "This invitation link is not valid. Check that you opened the whole link from "
            "the email, or ask for a new invitation.",
            code="invalid",
        )
    status = invitation.status
    if status in _REFUSALS:
        code, message = _REFUSALS[status]
        raise InvitationError(message, code=code)
    return invitation


@transaction.atomic
def invitation_accept(
    *, actor, supplier_code: str, token: str, channel: str = Channel.PORTAL
) -> SupplierMembership:
    """Give the newly signed-up `actor` their seat at the invitation's supplier. The first
    admin's acceptance moves an invited supplier on to onboarding."""
    invitation = invitation_check(supplier_code=supplier_code, token=token)
    invitation = (
        Invitation.objects.select_for_update().select_related("supplier").get(pk=invitation.pk)
    )
    # Re-checked under the lock: two tabs accepting at once get one seat, not two.
    if invitation.status != Invitation.Status.PENDING:
        code, message = _REFUSALS[invitation.status]
        raise InvitationError(message, code=code)
    if actor.email.lower() != invitation.email:
        raise InvitationError(
            f"This invitation is for {invitation.email}; sign up with that address.",
            code="wrong_email",
        )
    if SupplierMembership.objects.filter(user=actor).exists():
        raise InvitationError("Your account already belongs to a supplier.", code="member")
    now = timezone.now()
    membership = SupplierMembership.objects.create(
        user=actor, supplier=invitation.supplier, role=invitation.role
    )
    invitation.accepted_at = now
    invitation.accepted_by = actor
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    _audit_invitation(actor=actor, invitation=invitation, action="accepted", channel=channel)
    audit_record(
        actor=actor,
        channel=channel,
        obj=membership,
        action="joined",
        after={"supplier": invitation.supplier.code, "role": membership.role},
    )
    supplier = Supplier.objects.select_for_update().get(pk=invitation.supplier_id)
    if supplier.status == Supplier.Status.INVITED:
        supplier.status = Supplier.Status.ONBOARDING
        supplier.save(update_fields=["status"])
        audit_record(
            actor=actor,
            channel=channel,
            obj=supplier,
            action="onboarding_started",
            before={"status": Supplier.Status.INVITED},
            after={"status": Supplier.Status.ONBOARDING},
        )
    return membership


def _lock_membership(membership: SupplierMembership) -> SupplierMembership:
    return (
        SupplierMembership.objects.select_for_update()
        .select_related("user", "supplier")
        .get(pk=membership.pk)
    )


def _other_active_admins(membership: SupplierMembership) -> bool:
    return (
        SupplierMembership.objects.filter(
            supplier_id=membership.supplier_id,
            role=SupplierMembership.Role.ADMIN,
            is_active=True,
            user__is_active=True,
        )
        .exclude(pk=membership.pk)
        .exists()
    )


def _set_access(
    membership: SupplierMembership, *, active: bool, actor, channel: str
) -> SupplierMembership:
    """Switch the membership and its user together (signing in needs both), audited."""
    membership.is_active = active
    membership.save(update_fields=["is_active"])
    user = membership.user
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        channel=channel,
        obj=membership,
        action="reactivated" if active else "deactivated",
        before={"is_active": not active},
        after={"is_active": active},
    )
    return membership


@transaction.atomic
def supplier_user_deactivate(
    *, actor, membership: SupplierMembership, channel: str = Channel.PORTAL
) -> SupplierMembership:
    """Take away a person's access. The user row stays, so everything they did keeps its
    author in the audit trail; only signing in stops."""
    membership = _lock_membership(membership)
    if membership.user_id == actor.pk:
        raise DomainError("You cannot deactivate yourself; ask another admin.")
    if not membership.is_active:
        raise DomainError(f"{membership.user.email} is already deactivated.")
    if membership.role == SupplierMembership.Role.ADMIN and not _other_active_admins(membership):
        raise DomainError("Keep at least one active admin: make someone else admin first.")
    return _set_access(membership, active=False, actor=actor, channel=channel)


@transaction.atomic
def supplier_user_reactivate(
    *, actor, membership: SupplierMembership, channel: str = Channel.PORTAL
) -> SupplierMembership:
    membership = _lock_membership(membership)
    if membership.is_active and membership.user.is_active:
        raise DomainError(f"{membership.user.email} is already active.")
    return _set_access(membership, active=True, actor=actor, channel=channel)


@transaction.atomic
def supplier_user_set_role(
    *, actor, membership: SupplierMembership, role: str, channel: str = Channel.PORTAL
) -> SupplierMembership:
    membership = _lock_membership(membership)
    if role not in SupplierMembership.Role.values:
        raise DomainError("Choose the role Staff or Admin.", field="role")
    if role == membership.role:
        return membership
    if (
        membership.role == SupplierMembership.Role.ADMIN
        and membership.is_active
        and not _other_active_admins(membership)
    ):
        raise DomainError("Keep at least one active admin: make someone else admin first.")
    before = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit_record(
        actor=actor,
        channel=channel,
        obj=membership,
        action="role_changed",
        before={"role": before},
        after={"role": role},
    )
    return membership
