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

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext
from kombu.exceptions import OperationalError

from integrations.labels import format_value
from integrations.services.notices import Notice
from integrations.worker import task_named
from portal.access import Role, has_role
from portal.models import Notification, NotificationPreference, User
from portal.unread_counts import UnreadCounts
from suppliers.models import Dispute, PurchaseOrder, SupplierMembership

logger = logging.getLogger(__name__)

Kind = Notification.Kind
Delivery = Notification.Delivery

# The header badge's count per user, exact and cached (issue 24: it was a COUNT on every
# signed-in page). Every write below that changes a user's unread notifications replaces
# that user's version; a save or delete of one notification does so by signal.
# Each user is a scope of `integrations/versioned_counts.py` (only with a cache every
# process shares, `REDIS_URL`; `NOTIFICATION_COUNT_CACHE_SECONDS` overrides, 0 turns it off).
unread_counts = UnreadCounts(
    lambda user_id: Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()
)

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
# Kinds whose service e-mails the people concerned itself, with the details (the decision's
# lines, the reminder, the dispute thread), to those who want it now (`wanting_email_now`,
# asked through integrations.services.notices.recipients_now): a notification of these
# kinds is not e-mailed a second time at once, but still goes into the digest of those who
# chose the digest.
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


# A notification's words: a string, or a function that writes them in the language (and
# time zone) active when it is called — each recipient's own (`_in_language`).
Text = str | Callable[[], str]


def _in_language(user: User, text: Text) -> str:
    if not callable(text):
        return text
    language = user.language or settings.LANGUAGE_CODE
    with translation.override(language), timezone.override(user.time_zone or None):
        return text()


class Message:
    """One thing to tell some users: kind, title, a line of detail and the document link."""

    def __init__(
        self, kind: str, users: list[User], title: Text, url: str, body: Text = ""
    ) -> None:
        self.kind, self.users, self.title, self.url, self.body = kind, users, title, url, body


def _po_url(number: str, anchor: str = "") -> str:
    return reverse("suppliers:po_detail", kwargs={"number": number}) + anchor


def _po_new(notice: Notice) -> Message:
    number = str(notice.data.get("number") or notice.aggregate_id)
    lines = notice.data.get("lines") or []
    return Message(
        Kind.PO_NEW,
        supplier_users(supplier_code=str(notice.data.get("supplier", ""))),
        lambda: gettext("New purchase order %(number)s") % {"number": number},
        _po_url(number, ACK_PANEL),
        lambda: (
            ngettext(
                "%(count)d line to acknowledge.", "%(count)d lines to acknowledge.", len(lines)
            )
            % {"count": len(lines)}
        ),
    )


def _po_revised(notice: Notice) -> Message:
    number = str(notice.data.get("number") or notice.aggregate_id)
    return Message(
        Kind.PO_REVISED,
        supplier_users(supplier_code=str(notice.data.get("supplier", ""))),
        lambda: gettext("Purchase order %(number)s was revised") % {"number": number},
        _po_url(number, ACK_PANEL),
        lambda: gettext("Please acknowledge the new revision."),
    )


def _po_cancelled(notice: Notice) -> Message:
    number = str(notice.data.get("number") or notice.aggregate_id)
    return Message(
        Kind.PO_CANCELLED,
        supplier_users(supplier_code=str(notice.data.get("supplier", ""))),
        lambda: gettext("Purchase order %(number)s was cancelled") % {"number": number},
        _po_url(number),
        lambda: gettext("Do not ship against it."),
    )


def _purchase_order(number: str) -> PurchaseOrder | None:
    return PurchaseOrder.objects.select_related("supplier").filter(number=number).first()


def _proposal_decided(notice: Notice) -> Message | None:
    purchase_order = _purchase_order(notice.aggregate_id)
    if purchase_order is None:
        return None
    decision = str(notice.data.get("decision") or "")
    number = purchase_order.number

    def title() -> str:
        if decision == "accepted":
            text = gettext("Your proposed changes to PO %(number)s were accepted")
        elif decision == "auto_accepted":
            text = gettext("Your proposed changes to PO %(number)s were accepted automatically")
        elif decision == "rejected":
            text = gettext("Your proposed changes to PO %(number)s were rejected")
        else:
            text = gettext("Your proposed changes to PO %(number)s were decided")
        return text % {"number": number}

    return Message(
        Kind.PROPOSAL_DECIDED,
        supplier_users(supplier_id=purchase_order.supplier_id),
        title,
        _po_url(number),
    )


def _ack_reminder(notice: Notice) -> Message | None:
    purchase_order = _purchase_order(notice.aggregate_id)
    if purchase_order is None:
        return None
    due = purchase_order.ack_due_at
    number = purchase_order.number
    return Message(
        Kind.ACK_REMINDER,
        supplier_users(supplier_id=purchase_order.supplier_id),
        lambda: gettext("Please acknowledge PO %(number)s") % {"number": number},
        _po_url(number, ACK_PANEL),
        # In the recipient's time zone, to the minute.
        (lambda: gettext("It was due %(due)s.") % {"due": format_value(due)}) if due else "",
    )


def _invoice_hold(notice: Notice) -> Message:
    number = str(notice.data.get("invoice_number", ""))
    return Message(
        Kind.INVOICE_HOLD,
        supplier_users(supplier_code=str(notice.data.get("supplier", ""))),
        lambda: gettext("Invoice %(number)s is on hold") % {"number": number},
        reverse("suppliers:invoice_detail", kwargs={"invoice_number": number}),
        lambda: gettext("See which lines hold it and why."),
    )


def _dispute_reply(notice: Notice) -> Message | None:
    dispute = (
        Dispute.objects.select_related("supplier", "invoice__purchase_order__buyer", "receipt")
        .filter(pk=notice.aggregate_id)
        .first()
    )
    if dispute is None:
        return None

    def title() -> str:
        return gettext("New message on dispute #%(number)s (%(subject)s)") % {
            "number": dispute.pk,
            "subject": dispute.subject_label,
        }

    if notice.data.get("side") == Dispute.Side.SUPPLIER:
        invoice = dispute.invoice
        return Message(
            Kind.DISPUTE_REPLY,
            buyers_for(invoice.purchase_order if invoice is not None else None),
            title,
            reverse("buyer:dispute_detail", args=[dispute.pk]),
            lambda: gettext("From %(supplier)s.") % {"supplier": dispute.supplier.name},
        )
    return Message(
        Kind.DISPUTE_REPLY,
        supplier_users(supplier_id=dispute.supplier_id),
        title,
        reverse("suppliers:dispute_detail", args=[dispute.pk]),
    )


def _dispute_opened(notice: Notice) -> Message | None:
    """A dispute opened by one side is listed for the other (e-mailed by its service)."""
    dispute = (
        Dispute.objects.select_related("supplier", "invoice__purchase_order__buyer", "receipt")
        .filter(pk=int(notice.data.get("id") or 0))
        .first()
    )
    if dispute is None:
        return None

    def title() -> str:
        return gettext("Dispute #%(number)s opened on %(subject)s") % {
            "number": dispute.pk,
            "subject": dispute.subject_label,
        }

    if dispute.opened_by_side == Dispute.Side.SUPPLIER:
        invoice = dispute.invoice
        return Message(
            Kind.DISPUTE_REPLY,
            buyers_for(invoice.purchase_order if invoice is not None else None),
            title,
            reverse("buyer:dispute_detail", args=[dispute.pk]),
            lambda: (
                gettext("By %(supplier)s: %(reason)s.")
                % {"supplier": dispute.supplier.name, "reason": dispute.get_reason_display()}
            ),
        )
    return Message(
        Kind.DISPUTE_REPLY,
        supplier_users(supplier_id=dispute.supplier_id),
        title,
        reverse("suppliers:dispute_detail", args=[dispute.pk]),
        lambda: (
            gettext("By the distributor: %(reason)s.") % {"reason": dispute.get_reason_display()}
        ),
    )


MESSAGES: Mapping[str, Callable[[Notice], Message | None]] = {
    "purchase_order.received": _po_new,
    "purchase_order.revised": _po_revised,
    "purchase_order.cancelled": _po_cancelled,
    "purchase_order.change_decided": _proposal_decided,
    "purchase_order.reminder_sent": _ack_reminder,
    "invoice.held": _invoice_hold,
    "dispute.message_added": _dispute_reply,
    "dispute.opened": _dispute_opened,
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
    users: Iterable[User], *, kind: str, title: Text, url: str, body: Text = ""
) -> list[Notification]:
    """One notification per user (each once), routed by the user's preference; those to
    send at once are e-mailed after commit. A title or body given as a function is written
    in each user's language and time zone."""
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
            title=_in_language(user, title)[:200],
            body=_in_language(user, body),
            url=url,
            delivery=Delivery.DIGEST if user_id in digest else Delivery.IMMEDIATE,
            created_at=now,
            # Mailed by its service now; a digest reader gets it in the digest instead.
            emailed_at=now if kind in MAILED_BY_SERVICE and user_id not in digest else None,
        )
        for user_id, user in unique.items()
    )
    # bulk_create sends no signal: the recipients' unread counts are replaced here.
    unread_counts.changed(unique)
    if any(n.delivery == Delivery.IMMEDIATE and n.emailed_at is None for n in created):
        transaction.on_commit(_queue_sending, robust=True)
    return created


def wanting_email_now(kind: str, emails: list[str]) -> list[str]:
    """The addresses, of `emails`, whose user has not chosen the daily digest for `kind`:
    the services' own e-mails go to them now; the others read it in their digest."""
    digest = set(
        NotificationPreference.objects.filter(
            user__email__in=emails, kind=kind, delivery=Delivery.DIGEST
        ).values_list("user__email", flat=True)
    )
    return [email for email in emails if email not in digest]


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
    """The user's unread notifications (the header's badge on every signed-in page):
    exact, cached under the user's count version (`unread_counts`)."""
    return unread_counts.get(user.pk)


def mark_read(user: User, notification_id: int) -> Notification | None:
    """Mark one of the user's notifications read; None when it is not theirs."""
    notification = for_user(user).filter(pk=notification_id).first()
    if notification is not None and notification.read_at is None:
        notification.read_at = timezone.now()
        # The save's post_save replaces the user's count version (`_notification_changed`).
        notification.save(update_fields=["read_at"])
    return notification


def mark_all_read(user: User) -> int:
    marked = for_user(user).filter(read_at__isnull=True).update(read_at=timezone.now())
    if marked:
        unread_counts.changed([user.pk])  # update() sends no signal
    return marked


def kind_labels(kinds: Iterable[str]) -> list[tuple[str, str]]:
    labels: dict[str, Any] = dict(Kind.choices)
    return [(kind, str(labels[kind])) for kind in kinds]


def _notification_changed(sender: Any, instance: Notification, **_kwargs: Any) -> None:
    unread_counts.changed([instance.user_id])


# Saves and deletes one at a time (mark_read, the admin, a user's deletion cascading,
# tests' factories): the unread count of the notification's user is replaced.
post_save.connect(_notification_changed, sender=Notification, dispatch_uid="unread_counts.save")
post_delete.connect(_notification_changed, sender=Notification, dispatch_uid="unread_counts.delete")
