"""Supplier users: invitations (create, resend, revoke, accept), inviting a new supplier
(its onboarding case starts with the invitation of its first admin) and the supplier
admin's management of their own people (deactivate, reactivate, change role).

An invitation link carries a random token; only its SHA-256 is stored. The link also names
the supplier, and both must match, so a link for one supplier can never join another.

An invitation's status is read from its dates (accepted, revoked, past its expiry), not
stored: it expires when the clock passes `expires_at`, with no write. INVITATION is its
table of moves; a move writes the dates that make the new status (`DatedLifecycle`).
"""

import datetime
import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from integrations.errors import DomainError
from integrations.models import Channel
from integrations.services import audit_record
from integrations.services.lifecycle import CREATED, Lifecycle, Move
from portal.access import Actor, User, actor_user
from suppliers.models import Invitation, Supplier, SupplierContact, SupplierMembership
from suppliers.services.onboarding import document_types_ensure_defaults
from suppliers.services.onboarding_cases import SUPPLIER_CASE, onboarding_start


@dataclass
class DatedLifecycle(Lifecycle):
    """A lifecycle whose status is read from the document's dates instead of a column:
    `field` names a property, `choices` its statuses. A move checks the table against the
    status read now, sets `values` (the dates that make the new status), checks they do,
    saves them and writes the audit entry, like `Lifecycle.move`."""

    choices: Sequence[tuple[str, str]] = ()

    def _choices(self) -> list[tuple[str, str]]:
        return list(self.choices)

    def move(
        self,
        obj: models.Model,
        *,
        to: str,
        actor: Actor,
        channel: str,
        action: str | None = None,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        update_fields: Iterable[str] = (),
        audit: bool = True,
        values: dict[str, Any] | None = None,
    ) -> Move:
        source = getattr(obj, self.field)
        move = self.find(source, to, action)
        if move is None:
            raise self._refusal(obj, source, to)
        for name, value in (values or {}).items():
            setattr(obj, name, value)
        reached = getattr(obj, self.field)
        if reached != to:
            raise ValueError(f"{self.document}: {sorted(values or {})} make it {reached}, not {to}")
        obj.save(update_fields=sorted({*(values or {}), *update_fields}))
        self.record(
            obj,
            move=move,
            source=source,
            actor=actor,
            channel=channel,
            before=before,
            after=after,
            data=data,
            audit=audit,
        )
        return move


_Status = Invitation.Status
_WHO = "supplier admin (their own people) or portal admin"
_NO_EVENT = "no event: invitations stay inside the portal"

INVITATION = DatedLifecycle(
    document="invitation",
    model=Invitation,
    aggregate_type="invitation",
    # Lazy labels (gettext_lazy), read as text in the words of whoever reads them.
    choices=cast(Sequence[tuple[str, str]], _Status.choices),
    moves=[
        Move(CREATED, _Status.PENDING, "invited", _WHO, note=_NO_EVENT),
        # A fresh link with a fresh expiry: the previous link stops working.
        Move(_Status.PENDING, _Status.PENDING, "resent", _WHO, note=_NO_EVENT),
        Move(_Status.EXPIRED, _Status.PENDING, "resent", _WHO, note=_NO_EVENT),
        Move(
            _Status.PENDING,
            _Status.ACCEPTED,
            "accepted",
            "invited person (signing up with the invited address)",
            note=_NO_EVENT,
        ),
        Move(_Status.PENDING, _Status.REVOKED, "revoked", _WHO, note=_NO_EVENT),
        Move(_Status.EXPIRED, _Status.REVOKED, "revoked", _WHO, note=_NO_EVENT),
        Move(
            _Status.PENDING,
            _Status.EXPIRED,
            "expires",
            "nobody: the clock passes expires_at",
            note="no write, no event: the status is read from the invitation's dates",
        ),
    ],
)


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


def _invitation_details(invitation: Invitation) -> dict[str, Any]:
    """What an invitation's audit entries record about it."""
    return {
        "supplier": invitation.supplier.code,
        "email": invitation.email,
        "role": invitation.role,
        "expires_at": invitation.expires_at,
    }


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
    actor: Actor,
    supplier: Supplier,
    email: str,
    role: str = SupplierMembership.Role.STAFF,
    base_url: str,
    channel: str = Channel.PORTAL,
) -> IssuedInvitation:
    """Invite `email` to join `supplier` with `role`, and email them the link."""
    email = (email or "").strip().lower()
    if not email:
        raise DomainError(
            gettext("Enter the email address of the person to invite."), field="email"
        )
    if role not in SupplierMembership.Role.values:
        raise DomainError(gettext("Choose the role Staff or Admin."), field="role")
    if get_user_model().objects.filter(email__iexact=email).exists():
        raise DomainError(
            gettext("%(email)s already has a portal account; a portal administrator can move it.")
            % {"email": email},
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
            gettext("%(email)s already has a pending invitation; resend it instead.")
            % {"email": email},
            field="email",
        )
    token = secrets.token_urlsafe(32)
    # Created with a future expiry and no answer: pending.
    INVITATION.check_created(_Status.PENDING)
    invitation = Invitation.objects.create(
        supplier=supplier,
        email=email,
        role=role,
        token_hash=_hash(token),
        invited_by=actor_user(actor),
        created_at=now,
        last_sent_at=now,
        expires_at=_expiry(now),
    )
    audit_record(
        actor=actor,
        channel=channel,
        obj=invitation,
        action="invited",
        after=_invitation_details(invitation),
    )
    _send_invitation_email(invitation=invitation, token=token, base_url=base_url)
    return IssuedInvitation(invitation=invitation, token=token)


@transaction.atomic
def supplier_invite(
    *,
    actor: Actor,
    code: str,
    name: str,
    admin_email: str,
    base_url: str,
    erp_vendor_id: str = "",
    orders_contact_name: str = "",
    orders_contact_email: str = "",
    channel: str = Channel.PORTAL,
) -> IssuedInvitation:
    """Create a supplier in status invited (its onboarding case opens) and invite its
    first supplier admin."""
    code = (code or "").strip().upper()
    name = (name or "").strip()
    erp_vendor_id = (erp_vendor_id or "").strip()
    if not code:
        raise DomainError(gettext("Enter the supplier's code."), field="code")
    if not name:
        raise DomainError(gettext("Enter the supplier's name."), field="name")
    if Supplier.objects.filter(code=code).exists():
        raise DomainError(
            gettext("A supplier with code %(code)s already exists.") % {"code": code}, field="code"
        )
    if erp_vendor_id and Supplier.objects.filter(erp_vendor_id=erp_vendor_id).exists():
        raise DomainError(
            gettext("ERP vendor id %(erp_vendor_id)s already belongs to another supplier.")
            % {"erp_vendor_id": erp_vendor_id},
            field="erp_vendor_id",
        )
    SUPPLIER_CASE.check_created(Supplier.Status.INVITED)
    supplier = Supplier.objects.create(
        code=code,
        name=name,
        erp_vendor_id=erp_vendor_id or None,
        status=Supplier.Status.INVITED,
        invited_at=timezone.now(),
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


@transaction.atomic
def invitation_resend(
    *, actor: Actor, invitation: Invitation, base_url: str, channel: str = Channel.PORTAL
) -> IssuedInvitation:
    """Send a fresh link with a fresh expiry; the previous link stops working."""
    invitation = (
        Invitation.objects.select_for_update().select_related("supplier").get(pk=invitation.pk)
    )
    if not invitation.can_resend:
        raise DomainError(
            gettext("This invitation was %(status)s; create a new one instead.")
            % {"status": invitation.status},
            field="email",
        )
    now = timezone.now()
    token = secrets.token_urlsafe(32)
    expires_at = _expiry(now)
    INVITATION.move(
        invitation,
        to=_Status.PENDING,
        actor=actor,
        channel=channel,
        action="resent",
        after=_invitation_details(invitation) | {"expires_at": expires_at},
        values={
            "token_hash": _hash(token),
            "last_sent_at": now,
            "expires_at": expires_at,
            "send_count": invitation.send_count + 1,
        },
    )
    _send_invitation_email(invitation=invitation, token=token, base_url=base_url)
    return IssuedInvitation(invitation=invitation, token=token)


@transaction.atomic
def invitation_revoke(
    *, actor: Actor, invitation: Invitation, channel: str = Channel.PORTAL
) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update().select_related("supplier").get(pk=invitation.pk)
    )
    if not invitation.can_revoke:
        raise DomainError(
            gettext("This invitation was already %(status)s.") % {"status": invitation.status}
        )
    INVITATION.move(
        invitation,
        to=_Status.REVOKED,
        actor=actor,
        channel=channel,
        after=_invitation_details(invitation),
        values={"revoked_at": timezone.now(), "revoked_by": actor_user(actor)},
    )
    return invitation


_REFUSALS: dict[str, tuple[str, str]] = {
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
    *, actor: User, supplier_code: str, token: str, channel: str = Channel.PORTAL
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
    membership = SupplierMembership.objects.create(
        user=actor, supplier=invitation.supplier, role=invitation.role
    )
    INVITATION.move(
        invitation,
        to=_Status.ACCEPTED,
        actor=actor,
        channel=channel,
        after=_invitation_details(invitation),
        values={"accepted_at": timezone.now(), "accepted_by": actor},
    )
    audit_record(
        actor=actor,
        channel=channel,
        obj=membership,
        action="joined",
        after={"supplier": invitation.supplier.code, "role": membership.role},
    )
    onboarding_start(
        actor=actor,
        supplier=Supplier.objects.select_for_update().get(pk=invitation.supplier_id),
        channel=channel,
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
    membership: SupplierMembership, *, active: bool, actor: Actor, channel: str
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
    *, actor: Actor, membership: SupplierMembership, channel: str = Channel.PORTAL
) -> SupplierMembership:
    """Take away a person's access. The user row stays, so everything they did keeps its
    author in the audit trail; only signing in stops."""
    membership = _lock_membership(membership)
    user = actor_user(actor)
    if user is not None and membership.user_id == user.pk:
        raise DomainError(gettext("You cannot deactivate yourself; ask another admin."))
    if not membership.is_active:
        raise DomainError(
            gettext("%(email)s is already deactivated.") % {"email": membership.user.email}
        )
    if membership.role == SupplierMembership.Role.ADMIN and not _other_active_admins(membership):
        raise DomainError(gettext("Keep at least one active admin: make someone else admin first."))
    return _set_access(membership, active=False, actor=actor, channel=channel)


@transaction.atomic
def supplier_user_reactivate(
    *, actor: Actor, membership: SupplierMembership, channel: str = Channel.PORTAL
) -> SupplierMembership:
    membership = _lock_membership(membership)
    if membership.is_active and membership.user.is_active:
        raise DomainError(
            gettext("%(email)s is already active.") % {"email": membership.user.email}
        )
    return _set_access(membership, active=True, actor=actor, channel=channel)


@transaction.atomic
def supplier_user_set_role(
    *, actor: Actor, membership: SupplierMembership, role: str, channel: str = Channel.PORTAL
) -> SupplierMembership:
    membership = _lock_membership(membership)
    if role not in SupplierMembership.Role.values:
        raise DomainError(gettext("Choose the role Staff or Admin."), field="role")
    if role == membership.role:
        return membership
    if (
        membership.role == SupplierMembership.Role.ADMIN
        and membership.is_active
        and not _other_active_admins(membership)
    ):
        raise DomainError(gettext("Keep at least one active admin: make someone else admin first."))
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
