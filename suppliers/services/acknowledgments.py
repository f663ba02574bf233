"""The supplier's answer to a purchase order: accept or reject it (changes: see
acknowledgment_proposals). Shared steps of every acknowledgment transition live here.

Every channel (portal pages now; the API, EDI 855 and imports later) calls these. Each
locks the PO row first and checks its status inside the transaction, so a double click or
a second tab yields one acknowledgment; the partial unique constraint on
(purchase_order, revision) is the database's backstop.
"""

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from integrations.errors import DomainError
from integrations.models import Channel
from integrations.services.lifecycle import CREATED, Lifecycle, Move
from portal.access import Actor, actor_user
from suppliers.models import (
    Acknowledgment,
    AcknowledgmentLine,
    PurchaseOrder,
    PurchaseOrderLine,
    ReasonCode,
    ScheduleLine,
)
from suppliers.selectors.purchase_orders import schedule_of
from suppliers.services import acknowledgment_emails as emails
from suppliers.services.inbound_positions import (
    inbound_pairs_for_purchase_orders,
    inbound_positions_refresh_for,
)
from suppliers.services.inbound_rows import refresh_inbound_rows_for_orders
from suppliers.services.invoice_matching import invoices_rematch_for_po_lines
from suppliers.services.purchase_orders import PURCHASE_ORDER_LIFECYCLE
from suppliers.services.schedule_lines import decimal_text, schedule_lines_replace

# --- the acknowledgment's life ----------------------------------------------------------

ACK = Acknowledgment.Status
# One audit entry and one event cover an acknowledgment's move: the PO's (its timeline
# shows the answer), which names the acknowledgment by id.
PO_MOVE_NOTE = "the PO's {} move audits it and publishes purchase_order.{}"
ACKNOWLEDGMENT_LIFECYCLE = Lifecycle(
    document="Acknowledgment",
    model=Acknowledgment,
    moves=[
        Move(
            CREATED,
            ACK.RECORDED,
            "acknowledged",
            "supplier",
            note=PO_MOVE_NOTE.format("acknowledged", "acknowledged"),
        ),
        Move(
            CREATED,
            ACK.RECORDED,
            "rejected",
            "supplier",
            note=PO_MOVE_NOTE.format("rejected", "acknowledged"),
        ),
        Move(
            CREATED,
            ACK.PENDING_REVIEW,
            "change_proposed",
            "supplier",
            note=PO_MOVE_NOTE.format("change_proposed", "change_proposed"),
        ),
        Move(
            ACK.PENDING_REVIEW,
            ACK.ACCEPTED,
            "change_accepted",
            "buyer",
            note=PO_MOVE_NOTE.format("change_accepted", "change_decided"),
        ),
        Move(
            ACK.PENDING_REVIEW,
            ACK.AUTO_ACCEPTED,
            "change_auto_accepted",
            "system (supplier's auto-accept rule)",
            note=PO_MOVE_NOTE.format("change_auto_accepted", "change_decided"),
        ),
        Move(
            ACK.PENDING_REVIEW,
            ACK.REJECTED,
            "change_rejected",
            "buyer",
            note=PO_MOVE_NOTE.format("change_rejected", "change_decided"),
        ),
    ],
    aggregate_type="acknowledgment",
)

# --- shared by the supplier's and the buyer's transitions (and by proposals) -----------


def lock_purchase_order(purchase_order: PurchaseOrder) -> PurchaseOrder:
    """Re-read the PO under a row lock: every acknowledgment transition serialises here."""
    return (
        PurchaseOrder.objects.select_for_update()
        .select_related("supplier")
        .get(pk=purchase_order.pk)
    )


def check_can_acknowledge(purchase_order: PurchaseOrder, revision: int) -> None:
    if purchase_order.status == PurchaseOrder.Status.CANCELLED:
        raise DomainError(
            gettext("PO %(number)s was cancelled and cannot be acknowledged.")
            % {"number": purchase_order.number},
            field="status",
            code="cancelled",
        )
    if purchase_order.status == PurchaseOrder.Status.CHANGE_PROPOSED:
        raise DomainError(
            gettext("PO %(number)s already has changes waiting for the buyer's review.")
            % {"number": purchase_order.number},
            field="status",
            code="already_acknowledged",
        )
    if not purchase_order.can_acknowledge:
        raise DomainError(
            gettext("PO %(number)s was already acknowledged (%(status)s).")
            % {
                "number": purchase_order.number,
                "status": purchase_order.get_status_display().lower(),
            },
            field="status",
            code="already_acknowledged",
        )
    if revision != purchase_order.revision:
        raise DomainError(
            gettext(
                "You answered revision %(revision)s, but PO %(number)s is now "
                "at revision %(revision_2)s. Reload the PO and acknowledge "
                "the current revision."
            )
            % {
                "revision": revision,
                "number": purchase_order.number,
                "revision_2": purchase_order.revision,
            },
            field="revision",
            code="stale_revision",
        )


def create_acknowledgment(**fields: Any) -> Acknowledgment:
    ACKNOWLEDGMENT_LIFECYCLE.check_created(fields["status"])
    # A savepoint, so that losing the race to the unique constraint leaves the outer
    # transaction usable on PostgreSQL and the caller gets a DomainError, not a 500.
    try:
        with transaction.atomic():
            return Acknowledgment.objects.create(**fields)
    except IntegrityError:
        raise DomainError(
            gettext("This purchase order revision was already acknowledged."),
            field="status",
            code="already_acknowledged",
        ) from None


def line_snapshot(line: PurchaseOrderLine) -> dict[str, Any]:
    return {
        "line_no": line.line_no,
        "confirmed_qty": line.confirmed_qty,
        "confirmed_date": line.confirmed_date,
        "confirmed_price": line.confirmed_price,
        "schedule_lines": [
            {"quantity": decimal_text(s.quantity), "date": s.date.isoformat()}
            for s in schedule_of(line)
        ],
    }


def acknowledgment_data(
    acknowledgment: Acknowledgment, lines: list[AcknowledgmentLine]
) -> dict[str, Any]:
    """The event payload of an acknowledgment: what a connector needs to update the ERP."""
    purchase_order = acknowledgment.purchase_order
    return {
        "number": purchase_order.number,
        "supplier": purchase_order.supplier.code,
        "revision": acknowledgment.revision,
        "acknowledgment_id": acknowledgment.pk,
        "kind": acknowledgment.kind,
        "status": acknowledgment.status,
        "reason_code": acknowledgment.reason_code,
        "comment": acknowledgment.comment,
        "lines": [
            {
                "line_no": ack_line.po_line.line_no,
                "action": ack_line.action,
                "reason_code": ack_line.reason_code,
                "quantity": ack_line.proposed_qty,
                "uom": ack_line.po_line.uom.code,
                "date": ack_line.proposed_date,
                "unit_price": ack_line.proposed_price,
                # The deliveries, in date order: the ERP books one per schedule line.
                "schedule_lines": [
                    {"quantity": decimal_text(s.quantity), "date": s.date.isoformat()}
                    for s in sorted(_schedule_of(ack_line), key=lambda s: (s.date, s.sequence))
                ],
            }
            for ack_line in lines
        ],
    }


def _schedule_of(ack_line: AcknowledgmentLine) -> list[ScheduleLine]:
    # Lines built in this transaction carry their schedule; stored ones are prefetched.
    if hasattr(ack_line, "new_schedule"):
        return ack_line.new_schedule
    return list(ack_line.schedule_lines.all())


def _confirm_lines(lines: list[AcknowledgmentLine]) -> list[dict[str, Any]]:
    """Confirm the PO lines as acknowledged: the schedule lines become the line's
    deliveries (its confirmed quantity their sum), with the acknowledged price; ordered
    values stay as issued. Returns the before-snapshots for the audit entry."""
    before = [line_snapshot(ack_line.po_line) for ack_line in lines]
    schedule_lines_replace(
        (
            ack_line.po_line,
            [(s.quantity, s.date) for s in _schedule_of(ack_line)],
            ack_line.proposed_price,
        )
        for ack_line in lines
    )
    return before


def po_lines_for(purchase_order: PurchaseOrder) -> list[PurchaseOrderLine]:
    return list(purchase_order.lines.select_related("item", "item__base_uom", "uom"))


def save_lines(acknowledgment: Acknowledgment, lines: list[AcknowledgmentLine]) -> None:
    for ack_line in lines:
        ack_line.acknowledgment = acknowledgment
    AcknowledgmentLine.objects.bulk_create(lines)
    ScheduleLine.objects.bulk_create(
        schedule_line
        for ack_line in lines
        for schedule_line in _attach(ack_line, ack_line.new_schedule)
    )


def _attach(ack_line: AcknowledgmentLine, schedule: list[ScheduleLine]) -> list[ScheduleLine]:
    for schedule_line in schedule:
        schedule_line.acknowledgment_line = ack_line
    return schedule


def accepted_as_ordered(po_line: PurchaseOrderLine) -> AcknowledgmentLine:
    ack_line = AcknowledgmentLine(
        po_line=po_line,
        action=AcknowledgmentLine.Action.ACCEPT,
        original_qty=po_line.ordered_qty,
        original_date=po_line.requested_date,
        original_price=po_line.unit_price,
        proposed_qty=po_line.ordered_qty,
        proposed_date=po_line.requested_date,
        proposed_price=po_line.unit_price,
    )
    ack_line.new_schedule = [
        ScheduleLine(
            sequence=1,
            quantity=po_line.ordered_qty,
            entered_quantity=po_line.ordered_qty,
            entered_uom=po_line.uom,
            date=po_line.requested_date,
        )
    ]
    return ack_line


def apply_accepted_proposal(
    *,
    acknowledgment: Acknowledgment,
    purchase_order: PurchaseOrder,
    lines: list[AcknowledgmentLine],
    actor: Actor,
    channel: str,
    comment: str,
    status: str,
) -> None:
    """The accepted proposal becomes the PO's next revision: confirmed quantity, date and
    price on every line, schedule lines kept on the proposal. The caller holds the PO lock."""
    before = _confirm_lines(lines)
    previous_revision = purchase_order.revision
    purchase_order.revision = previous_revision + 1
    action = (
        "change_auto_accepted"
        if status == Acknowledgment.Status.AUTO_ACCEPTED
        else "change_accepted"
    )
    acknowledgment.decided_by = actor_user(actor)
    acknowledgment.decided_at = timezone.now()
    acknowledgment.decision_comment = comment
    acknowledgment.resulting_revision = purchase_order.revision
    ACKNOWLEDGMENT_LIFECYCLE.move(
        acknowledgment,
        to=status,
        action=action,
        actor=actor,
        channel=channel,
        update_fields=["decided_by", "decided_at", "decision_comment", "resulting_revision"],
        audit=False,
    )
    PURCHASE_ORDER_LIFECYCLE.move(
        purchase_order,
        to=PurchaseOrder.Status.CONFIRMED,
        action=action,
        actor=actor,
        channel=channel,
        update_fields=["revision"],
        before={"revision": previous_revision, "lines": before},
        after={
            "revision": purchase_order.revision,
            "comment": comment,
            "acknowledgment_id": acknowledgment.pk,
            "lines": [line_snapshot(ack_line.po_line) for ack_line in lines],
        },
        data={
            **acknowledgment_data(acknowledgment, lines),
            "decision": status,
            "decision_comment": comment,
            "previous_revision": previous_revision,
            "new_revision": purchase_order.revision,
        },
    )
    emails.notify_change_decided(acknowledgment)
    # Confirmed quantities changed and the PO is open to ship: its positions' open PO.
    inbound_positions_refresh_for(pairs=inbound_pairs_for_purchase_orders([purchase_order]))
    refresh_inbound_rows_for_orders([purchase_order])
    # The confirmed price is what an invoice of these lines is now measured against.
    invoices_rematch_for_po_lines(
        actor=actor, po_line_ids=[ack_line.po_line_id for ack_line in lines], channel=channel
    )


# --- accept and reject ----------------------------------------------------------------


@transaction.atomic
def purchase_order_accept(
    *,
    actor: Actor,
    purchase_order: PurchaseOrder,
    revision: int,
    comment: str = "",
    channel: str = Channel.PORTAL,
) -> Acknowledgment:
    """Accept the whole PO as ordered: every line is confirmed at its ordered quantity,
    requested date and price, and the PO is open to ship."""
    purchase_order = lock_purchase_order(purchase_order)
    check_can_acknowledge(purchase_order, revision)
    now = timezone.now()
    acknowledgment = create_acknowledgment(
        purchase_order=purchase_order,
        revision=purchase_order.revision,
        kind=Acknowledgment.Kind.ACCEPT,
        status=Acknowledgment.Status.RECORDED,
        comment=comment.strip(),
        channel=channel,
        submitted_by=actor_user(actor),
        submitted_at=now,
    )
    lines = [accepted_as_ordered(po_line) for po_line in po_lines_for(purchase_order)]
    save_lines(acknowledgment, lines)
    before = _confirm_lines(lines)
    PURCHASE_ORDER_LIFECYCLE.move(
        purchase_order,
        to=PurchaseOrder.Status.CONFIRMED,
        action="acknowledged",
        actor=actor,
        channel=channel,
        before={"lines": before},
        after={"revision": revision, "comment": comment},
        data=acknowledgment_data(acknowledgment, lines),
    )
    inbound_positions_refresh_for(pairs=inbound_pairs_for_purchase_orders([purchase_order]))
    refresh_inbound_rows_for_orders([purchase_order])
    return acknowledgment


@transaction.atomic
def purchase_order_reject(
    *,
    actor: Actor,
    purchase_order: PurchaseOrder,
    revision: int,
    reason_code: str,
    comment: str,
    channel: str = Channel.PORTAL,
) -> Acknowledgment:
    """Reject the whole PO with a reason code and a comment the buyer will read."""
    check_reason_code(reason_code, line=None)
    comment = comment.strip()
    if not comment:
        raise DomainError(gettext("Tell the buyer why you reject this PO."), field="comment")
    purchase_order = lock_purchase_order(purchase_order)
    check_can_acknowledge(purchase_order, revision)
    acknowledgment = create_acknowledgment(
        purchase_order=purchase_order,
        revision=purchase_order.revision,
        kind=Acknowledgment.Kind.REJECT,
        status=Acknowledgment.Status.RECORDED,
        reason_code=reason_code,
        comment=comment,
        channel=channel,
        submitted_by=actor_user(actor),
        submitted_at=timezone.now(),
    )
    PURCHASE_ORDER_LIFECYCLE.move(
        purchase_order,
        to=PurchaseOrder.Status.REJECTED,
        action="rejected",
        actor=actor,
        channel=channel,
        after={"revision": revision, "reason_code": reason_code, "comment": comment},
        data=acknowledgment_data(acknowledgment, []),
    )
    emails.notify_purchase_order_rejected(acknowledgment)
    return acknowledgment


def check_reason_code(reason_code: str, *, line: int | None) -> None:
    if not reason_code:
        raise DomainError(gettext("Choose a reason code."), field="reason_code", line=line)
    if reason_code not in ReasonCode.values:
        raise DomainError(
            gettext("Unknown reason code %(reason_code)s; use one of %(values)s.")
            % {"reason_code": repr(reason_code), "values": ", ".join(ReasonCode.values)},
            field="reason_code",
            line=line,
        )
