"""The buyer's side of acknowledgments: decide change proposals, chase overdue ones."""

import datetime

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext

from integrations.errors import DomainError
from integrations.models import Channel
from integrations.services import audit_record
from integrations.services.notices import announce
from portal.access import Actor, actor_user
from suppliers.models import Acknowledgment, AcknowledgmentLine, PurchaseOrder
from suppliers.services import acknowledgment_emails as emails
from suppliers.services.acknowledgments import (
    ACKNOWLEDGMENT_LIFECYCLE,
    acknowledgment_data,
    apply_accepted_proposal,
    lock_purchase_order,
)
from suppliers.services.purchase_orders import PURCHASE_ORDER_LIFECYCLE


def _lock_pending(acknowledgment: Acknowledgment) -> tuple[Acknowledgment, PurchaseOrder]:
    """Lock the PO, then the proposal (always in that order, like the supplier's side),
    and check the proposal still waits for a decision on the PO's current revision."""
    purchase_order = lock_purchase_order(acknowledgment.purchase_order)
    acknowledgment = Acknowledgment.objects.select_for_update().get(pk=acknowledgment.pk)
    acknowledgment.purchase_order = purchase_order
    if not acknowledgment.can_decide:
        raise DomainError(
            gettext("This proposal was already decided (%(status)s).")
            % {"status": acknowledgment.get_status_display().lower()},
            field="status",
            code="already_decided",
        )
    if (
        purchase_order.status != PurchaseOrder.Status.CHANGE_PROPOSED
        or purchase_order.revision != acknowledgment.revision
    ):
        raise DomainError(
            gettext(
                "PO %(number)s has moved on (revision %(revision)s, "
                "%(status)s); this proposal can no longer be decided."
            )
            % {
                "number": purchase_order.number,
                "revision": purchase_order.revision,
                "status": purchase_order.get_status_display().lower(),
            },
            field="status",
            code="stale_revision",
        )
    return acknowledgment, purchase_order


def _lines(acknowledgment: Acknowledgment) -> list[AcknowledgmentLine]:
    return list(
        acknowledgment.lines.select_related("po_line", "po_line__uom").prefetch_related(
            Prefetch("schedule_lines")
        )
    )


@transaction.atomic
def change_proposal_accept(
    *,
    actor: Actor,
    acknowledgment: Acknowledgment,
    comment: str = "",
    channel: str = Channel.PORTAL,
) -> Acknowledgment:
    """Accept a supplier's proposal: the PO becomes a new revision with the proposed
    quantities, dates and prices confirmed on its lines; the supplier's users are told."""
    acknowledgment, purchase_order = _lock_pending(acknowledgment)
    apply_accepted_proposal(
        acknowledgment=acknowledgment,
        purchase_order=purchase_order,
        lines=_lines(acknowledgment),
        actor=actor,
        channel=channel,
        comment=comment.strip(),
        status=Acknowledgment.Status.ACCEPTED,
    )
    return acknowledgment


@transaction.atomic
def change_proposal_reject(
    *, actor: Actor, acknowledgment: Acknowledgment, comment: str, channel: str = Channel.PORTAL
) -> Acknowledgment:
    """Reject a supplier's proposal with a comment. The PO returns to awaiting
    acknowledgment on the same revision, with a fresh SLA, so the supplier can propose
    again (or accept as ordered)."""
    comment = comment.strip()
    if not comment:
        raise DomainError(
            gettext("Tell the supplier why you reject the proposal, so they can propose again."),
            field="comment",
        )
    acknowledgment, purchase_order = _lock_pending(acknowledgment)
    now = timezone.now()
    acknowledgment.decided_by = actor_user(actor)
    acknowledgment.decided_at = now
    acknowledgment.decision_comment = comment
    ACKNOWLEDGMENT_LIFECYCLE.move(
        acknowledgment,
        to=Acknowledgment.Status.REJECTED,
        action="change_rejected",
        actor=actor,
        channel=channel,
        update_fields=["decided_by", "decided_at", "decision_comment"],
        audit=False,
    )
    purchase_order.ack_due_at = now + datetime.timedelta(
        hours=purchase_order.supplier.ack_sla_hours
    )
    PURCHASE_ORDER_LIFECYCLE.move(
        purchase_order,
        to=PurchaseOrder.Status.ISSUED,
        action="change_rejected",
        actor=actor,
        channel=channel,
        update_fields=["ack_due_at"],
        after={
            "revision": purchase_order.revision,
            "comment": comment,
            "acknowledgment_id": acknowledgment.pk,
            "ack_due_at": purchase_order.ack_due_at,
        },
        data={
            **acknowledgment_data(acknowledgment, _lines(acknowledgment)),
            "decision": acknowledgment.status,
            "decision_comment": comment,
            "previous_revision": purchase_order.revision,
            "new_revision": purchase_order.revision,
        },
    )
    emails.notify_change_decided(acknowledgment)
    return acknowledgment


@transaction.atomic
def purchase_order_send_reminder(
    *,
    actor: Actor,
    purchase_order: PurchaseOrder,
    channel: str = Channel.PORTAL,
    now: datetime.datetime | None = None,
) -> PurchaseOrder:
    """Email the supplier's users to acknowledge the PO; at most one reminder per PO per
    calendar day (portal time zone), whoever asks (a buyer or the daily task)."""
    now = now or timezone.now()
    purchase_order = lock_purchase_order(purchase_order)
    if not purchase_order.can_acknowledge:
        raise DomainError(
            gettext("PO %(number)s is not awaiting acknowledgment (%(status)s).")
            % {
                "number": purchase_order.number,
                "status": purchase_order.get_status_display().lower(),
            },
            field="status",
        )
    last = purchase_order.last_reminder_at
    if last is not None and timezone.localdate(last) == timezone.localdate(now):
        raise DomainError(
            gettext("A reminder for PO %(number)s was already sent today at %(localtime)s.")
            % {
                "number": purchase_order.number,
                "localtime": format(timezone.localtime(last), "%H:%M"),
            },
            field="last_reminder_at",
            code="already_reminded",
        )
    recipients = emails.notify_reminder(purchase_order)
    if not recipients:
        raise DomainError(
            gettext("%(name)s has no active users to remind.")
            % {"name": purchase_order.supplier.name},
            field="supplier",
        )
    purchase_order.last_reminder_at = now
    purchase_order.save(update_fields=["last_reminder_at", "updated_at"])
    audit_record(
        actor=actor,
        channel=channel,
        obj=purchase_order,
        action="reminder_sent",
        after={"recipients": len(recipients), "ack_due_at": purchase_order.ack_due_at},
    )
    announce("purchase_order.reminder_sent", "purchase_order", purchase_order.number)
    return purchase_order
