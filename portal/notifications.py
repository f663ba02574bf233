"""Notifications: who is told what, and how they want to hear of it.

The services announce what happens (`integrations.services.notices`: every published
event, plus a reminder sent and a dispute message); `on_notice` turns the ones people act
on into one `Notification` per user, in the announcing transaction, so a rolled-back
change tells nobody. Each notification is e-mailed at once (after commit, by the task
`portal.send_notifications`) or in the user's daily digest (`portal.notification_digest`),
as the user's preference for its kind says; no preference means at once.

Who is told: the active users of the document's supplier for everything about their POs
and invoices; for a dispute message, the other side — the supplier's users, or the PO's
buyer (every buyer when the PO names none).
"""

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from integrations.services.notices import Notice
from integrations.worker import task_named
from portal.access import Role, has_role
from portal.models import Notification, NotificationPreference, User
from suppliers.models import Dispute, PurchaseOrder, SupplierMembership

logger = logging.getLogger(__name__)

Kind = Notification.Kind
Delivery = Notification.Delivery

SUPPLIER_KINDS = (
    Kind.PO_NEW,
    Kind.PO_REVISED,
    Kind.PO_CANCELLED,
    Kind.PROPOSAL_DECIDED,
    Kind.ACK_REMINDER,
    Kind.INVOICE_HOLD,
    Kind.DISPUTE_REPLY,
)
BUYER_KINDS = (Kind.DISPUTE_REPLY,)
# Kinds whose service already e-mails the people concerned at once, with the details (the
# decision's lines, the reminder, the dispute thread): their notifications are listed in
# the portal but not e-mailed a second time, so their delivery preference does not apply.
# Moving those mails here (and dropping the services' own) would make it apply.
MAILED_BY_SERVICE = frozenset({Kind.PROPOSAL_DECIDED, Kind.ACK_REMINDER, Kind.DISPUTE_REPLY})

# The acknowledgment panel on the PO page: "Accept as ordered" is one tap from there.
ACK_PANEL = "#ack-panel"


def supplier_users(*, supplier_code: str = "", supplier_id: int | None = None) -> list[User]:
    """The active users of a supplier, by its code or id."""
    memberships = SupplierMembership.objects.filter(is_active=True, user__is_active=True)
    if supplier_id is not None:
        memberships = memberships.filter(supplier_id=supplier_id)
    else:
        memberships = memberships.filter(supplier__code=supplier_code)
    return [m.user for m in memberships.select_related("user").order_by("user__email")]


def buyers_for(purchase_order: PurchaseOrder | None) -> list[User]:
    """The PO's own buyer; every active buyer when the PO (or the document) names none."""
    buyer = purchase_order.buyer if purchase_order is not None else None
    if buyer is not None and buyer.is_active:
        return [buyer]
    return list(User.objects.filter(groups__name=Role.BUYER.value, is_active=True).distinct())


def kinds_for(user: User) -> tuple[str, ...]:
    """The kinds a user can receive, for the preferences page."""
    if has_role(user, Role.SUPPLIER_STAFF):
        return SUPPLIER_KINDS
    if has_role(user, Role.BUYER, Role.PORTAL_ADMIN):
        return BUYER_KINDS
    return ()


# --- who is told what -----------------------------------------------------------------


class Message:
    """One thing to tell some users: kind, title, a line of detail and the document link."""

    def __init__(self, kind: str, users: list[User], title: str, url: str, body: str = "") -> None:
        self.kind, self.users, self.title, self.url, self.body = kind, users, title, url, body


def _po_url(number: str, anchor: str = "") -> str:
    return reverse("suppliers:po_detail", kwargs={"number": number}) + anchor


def _po_new(notice: Notice) -> Message:
    number = str(notice.data.get("number") or notice.aggregate_id)
    lines = notice.data.get("lines") or []
    return Message(
        Kind.PO_NEW,
        supplier_users(supplier_code=str(notice.data.get("supplier", ""))),
        f"New purchase order {number}",
        _po_url(number, ACK_PANEL),
        f"{len(lines)} line{'s' if len(lines) != 1 else ''} to acknowledge.",
    )


def _po_revised(notice: Notice) -> Message:
    number = str(notice.data.get("number") or notice.aggregate_id)
    return Message(
        Kind.PO_REVISED,
        supplier_users(supplier_code=str(notice.data.get("supplier", ""))),
        f"Purchase order {number} was revised",
        _po_url(number, ACK_PANEL),
        "Please acknowledge the new revision.",
    )


def _po_cancelled(notice: Notice) -> Message:
    number = str(notice.data.get("number") or notice.aggregate_id)
    return Message(
        Kind.PO_CANCELLED,
        supplier_users(supplier_code=str(notice.data.get("supplier", ""))),
        f"Purchase order {number} was cancelled",
        _po_url(number),
        "Do not ship against it.",
    )


def _purchase_order(number: str) -> PurchaseOrder | None:
    return PurchaseOrder.objects.select_related("supplier").filter(number=number).first()


def _proposal_decided(notice: Notice) -> Message | None:
    purchase_order = _purchase_order(notice.aggregate_id)
    if purchase_order is None:
        return None
    decision = str(notice.data.get("decision") or "decided").replace("_", " ")
    return Message(
        Kind.PROPOSAL_DECIDED,
        supplier_users(supplier_id=purchase_order.supplier_id),
        f"Your proposed changes to PO {purchase_order.number} were {decision}",
        _po_url(purchase_order.number),
    )


def _ack_reminder(notice: Notice) -> Message | None:
    purchase_order = _purchase_order(notice.aggregate_id)
    if purchase_order is None:
        return None
    due = timezone.localtime(purchase_order.ack_due_at) if purchase_order.ack_due_at else None
    return Message(
        Kind.ACK_REMINDER,
        supplier_users(supplier_id=purchase_order.supplier_id),
        f"Please acknowledge PO {purchase_order.number}",
        _po_url(purchase_order.number, ACK_PANEL),
        f"It was due {due:%Y-%m-%d %H:%M}." if due is not None else "",
    )


def _invoice_hold(notice: Notice) -> Message:
    number = str(notice.data.get("invoice_number", ""))
    return Message(
        Kind.INVOICE_HOLD,
        supplier_users(supplier_code=str(notice.data.get("supplier", ""))),
        f"Invoice {number} is on hold",
        reverse("suppliers:invoice_detail", kwargs={"invoice_number": number}),
        "See which lines hold it and why.",
    )


def _dispute_reply(notice: Notice) -> Message | None:
    dispute = (
        Dispute.objects.select_related("supplier", "invoice__purchase_order__buyer", "receipt")
        .filter(pk=notice.aggregate_id)
        .first()
    )
    if dispute is None:
        return None
    title = f"New message on dispute #{dispute.pk} ({dispute.subject_label})"
    if notice.data.get("side") == Dispute.Side.SUPPLIER:
        invoice = dispute.invoice
        return Message(
            Kind.DISPUTE_REPLY,
            buyers_for(invoice.purchase_order if invoice is not None else None),
            title,
            reverse("buyer:dispute_detail", args=[dispute.pk]),
            f"From {dispute.supplier.name}.",
        )
    return Message(
        Kind.DISPUTE_REPLY,
        supplier_users(supplier_id=dispute.supplier_id),
        title,
        reverse("suppliers:dispute_detail", args=[dispute.pk]),
    )


MESSAGES: Mapping[str, Callable[[Notice], Message | None]] = {
    "purchase_order.received": _po_new,
    "purchase_order.revised": _po_revised,
    "purchase_order.cancelled": _po_cancelled,
    "purchase_order.change_decided": _proposal_decided,
    "purchase_order.reminder_sent": _ack_reminder,
    "invoice.held": _invoice_hold,
    "dispute.message_added": _dispute_reply,
}


def on_notice(notice: Notice) -> None:
    """The subscriber (registered in `portal.apps`): notify for the notices people act on."""
    build = MESSAGES.get(notice.type)
    if build is None:
        return
    message = build(notice)
    if message is not None and message.users:
        notify(
            message.users,
            kind=message.kind,
            title=message.title,
            url=message.url,
            body=message.body,
        )


# --- writing and reading notifications ------------------------------------------------


def preferences(user: User) -> dict[str, str]:
    """Every kind with the user's delivery for it (immediately when not set)."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery"))
    return {kind: chosen.get(kind, Delivery.IMMEDIATE) for kind in Kind.values}


def set_preferences(user: User, choices: Mapping[str, str]) -> None:
    """Store the user's delivery per kind; unknown kinds or deliveries are ignored."""
    for kind, delivery in choices.items():
        if kind in Kind.values and delivery in Delivery.values:
            NotificationPreference.objects.update_or_create(
                user=user, kind=kind, defaults={"delivery": delivery}
            )


def notify(
    users: Iterable[User], *, kind: str, title: str, url: str, body: str = ""
) -> list[Notification]:
    """One notification per user (each once), routed by the user's preference; those to
    send at once are e-mailed after commit."""
    unique = {user.pk: user for user in users}
    digest = set(
        NotificationPreference.objects.filter(
            user_id__in=unique, kind=kind, delivery=Delivery.DIGEST
        ).values_list("user_id", flat=True)
    )
    now = timezone.now()
    created = Notification.objects.bulk_create(
        Notification(
            user_id=user_id,
            kind=kind,
            title=title[:200],
            body=body,
            url=url,
            delivery=Delivery.DIGEST if user_id in digest else Delivery.IMMEDIATE,
            created_at=now,
            emailed_at=now if kind in MAILED_BY_SERVICE else None,
        )
        for user_id in unique
    )
    if any(n.delivery == Delivery.IMMEDIATE and n.emailed_at is None for n in created):
        transaction.on_commit(_queue_sending, robust=True)
    return created


def _queue_sending() -> None:
    """Queue the sender; with the broker down, the 5-minute beat run sends them later."""
    send = task_named("portal.send_notifications")
    if send.app.conf.task_always_eager:  # tests and the embedded demo: send now
        send.apply_async()
        return
    try:
        # As the outbox does: a broker outage costs the request a refused connection
        # (milliseconds), not kombu's back-off (seconds).
        with send.app.connection_for_write(transport_options={"max_retries": 0}) as connection:
            # celery-types omits `connection`, which Celery.send_task takes and uses.
            send.apply_async(connection=connection, retry=False)  # type: ignore[call-arg]
    except OperationalError as error:
        logger.warning("Broker unreachable, notifications left to the next run: %s", error)


def for_user(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user)


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(user: User, notification_id: int) -> Notification | None:
    """Mark one of the user's notifications read; None when it is not theirs."""
    notification = for_user(user).filter(pk=notification_id).first()
    if notification is not None and notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def mark_all_read(user: User) -> int:
    return for_user(user).filter(read_at__isnull=True).update(read_at=timezone.now())


def kind_labels(kinds: Iterable[str]) -> list[tuple[str, str]]:
    labels: dict[str, Any] = dict(Kind.choices)
    return [(kind, str(labels[kind])) for kind in kinds]
