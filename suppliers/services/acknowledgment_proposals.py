"""Accepting a purchase order with changes: per-line answers, schedule lines, exact unit
conversion, and the supplier's auto-accept rule. Same locking and guards as accept/reject
(see suppliers.services.acknowledgments)."""

import datetime
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from integrations.errors import DomainError
from integrations.models import Channel
from inventory.models import UnitOfMeasure
from inventory.services import convert_quantity
from portal.access import Actor, actor_user
from suppliers.models import (
    Acknowledgment,
    AcknowledgmentLine,
    AutoAcceptRule,
    PurchaseOrder,
    PurchaseOrderLine,
    ScheduleLine,
)
from suppliers.services import acknowledgment_emails as emails
from suppliers.services.acknowledgments import (
    accepted_as_ordered,
    acknowledgment_data,
    apply_accepted_proposal,
    check_can_acknowledge,
    check_reason_code,
    create_acknowledgment,
    lock_purchase_order,
    po_lines_for,
    save_lines,
)
from suppliers.services.purchase_orders import PURCHASE_ORDER_LIFECYCLE


@dataclass(frozen=True)
class ScheduleLineInput:
    """One delivery of a line; `uom` None means the PO line's own unit."""

    quantity: Decimal
    date: datetime.date
    uom: UnitOfMeasure | None = None


@dataclass(frozen=True)
class LineProposalInput:
    """The supplier's answer for one PO line. For a change, `quantity` (in `uom`, default
    the PO line's unit), `date` and `unit_price` default to what was ordered; `schedule`
    splits the quantity into deliveries and must add up to it."""

    line_no: int
    action: str = AcknowledgmentLine.Action.ACCEPT
    quantity: Decimal | None = None
    uom: UnitOfMeasure | None = None
    date: datetime.date | None = None
    unit_price: Decimal | None = None
    schedule: Sequence[ScheduleLineInput] = field(default_factory=tuple)
    reason_code: str = ""
    comment: str = ""


# --- propose changes ------------------------------------------------------------------


def _supplier_today(purchase_order: PurchaseOrder) -> datetime.date:
    # "Not in the past" is judged on the supplier's calendar, where they promise dates.
    try:
        zone = zoneinfo.ZoneInfo(purchase_order.supplier.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = timezone.get_current_timezone()
    return timezone.localdate(timezone.now(), zone)


def _to_po_uom(
    po_line: PurchaseOrderLine, quantity: Decimal, uom: UnitOfMeasure | None, field_name: str
) -> Decimal:
    if quantity <= 0:
        raise DomainError(
            gettext(
                "Quantity must be greater than zero; reject the line instead of proposing zero."
            ),
            field=field_name,
            line=po_line.line_no,
        )
    try:
        return convert_quantity(
            quantity=quantity, from_uom=uom or po_line.uom, to_uom=po_line.uom, item=po_line.item
        )
    except DomainError as error:
        raise DomainError(
            gettext("Line %(line_no)s: %(message)s")
            % {"line_no": po_line.line_no, "message": error.message},
            field=field_name,
            line=po_line.line_no,
            code=error.code,
        ) from None


def _check_date(
    po_line: PurchaseOrderLine, date: datetime.date, today: datetime.date, field_name: str
) -> None:
    if date < today:
        raise DomainError(
            gettext("Line %(line_no)s: %(value)s is in the past; promise today or later.")
            % {"line_no": po_line.line_no, "value": format(date, "%Y-%m-%d")},
            field=field_name,
            line=po_line.line_no,
        )


def _proposed_line(
    po_line: PurchaseOrderLine, proposal: LineProposalInput, today: datetime.date
) -> AcknowledgmentLine:
    """Validate one line's answer and build it, quantities converted to the PO's unit."""
    action = proposal.action
    if action not in AcknowledgmentLine.Action.values:
        raise DomainError(
            gettext("Line %(line_no)s: choose accept, reject or change.")
            % {"line_no": po_line.line_no},
            field="action",
            line=po_line.line_no,
        )
    if action == AcknowledgmentLine.Action.ACCEPT:
        return accepted_as_ordered(po_line)
    check_reason_code(proposal.reason_code, line=po_line.line_no)
    ack_line = AcknowledgmentLine(
        po_line=po_line,
        action=action,
        reason_code=proposal.reason_code,
        comment=proposal.comment.strip()[:500],
        original_qty=po_line.ordered_qty,
        original_date=po_line.requested_date,
        original_price=po_line.unit_price,
    )
    if action == AcknowledgmentLine.Action.REJECT:
        ack_line.proposed_qty = Decimal(0)
        ack_line.proposed_date = None
        ack_line.proposed_price = po_line.unit_price
        ack_line.new_schedule = []
        return ack_line

    if proposal.quantity is None:
        quantity = po_line.ordered_qty
    else:
        quantity = _to_po_uom(po_line, proposal.quantity, proposal.uom, "quantity")
    date = proposal.date or po_line.requested_date
    if proposal.date is not None:
        _check_date(po_line, date, today, "date")
    price = po_line.unit_price if proposal.unit_price is None else proposal.unit_price
    if price < 0:
        raise DomainError(
            gettext("Line %(line_no)s: the unit price cannot be negative.")
            % {"line_no": po_line.line_no},
            field="unit_price",
            line=po_line.line_no,
        )
    schedule = []
    for sequence, entry in enumerate(proposal.schedule, start=1):
        entered_uom = entry.uom or po_line.uom
        schedule.append(
            ScheduleLine(
                sequence=sequence,
                quantity=_to_po_uom(po_line, entry.quantity, entered_uom, "schedule"),
                entered_quantity=entry.quantity,
                entered_uom=entered_uom,
                date=entry.date,
            )
        )
        _check_date(po_line, entry.date, today, "schedule")
    if schedule:
        total = sum((s.quantity for s in schedule), Decimal(0))
        if total != quantity:
            raise DomainError(
                gettext(
                    "Line %(line_no)s: the schedule lines add up to %(total)s "
                    "%(code)s, but the proposed quantity is %(quantity)s "
                    "%(code)s. Make them match."
                )
                % {
                    "line_no": po_line.line_no,
                    "total": format(total.normalize(), "f"),
                    "code": po_line.uom.code,
                    "quantity": format(quantity.normalize(), "f"),
                },
                field="schedule",
                line=po_line.line_no,
            )
        # The line's promised date is when all of it will have arrived.
        date = max(s.date for s in schedule)
    else:
        entered_uom = proposal.uom or po_line.uom
        entered = proposal.quantity if proposal.quantity is not None else quantity
        schedule = [
            ScheduleLine(
                sequence=1,
                quantity=quantity,
                entered_quantity=entered,
                entered_uom=entered_uom,
                date=date,
            )
        ]
    if (
        quantity == po_line.ordered_qty
        and date == po_line.requested_date
        and price == po_line.unit_price
        and len(schedule) == 1
    ):
        raise DomainError(
            gettext(
                "Line %(line_no)s proposes no change: choose accept for it, "
                "or change its quantity, date, price or schedule."
            )
            % {"line_no": po_line.line_no},
            field="action",
            line=po_line.line_no,
        )
    ack_line.proposed_qty = quantity
    ack_line.proposed_date = date
    ack_line.proposed_price = price
    ack_line.new_schedule = schedule
    return ack_line


def auto_accept_verdict(
    rule: AutoAcceptRule | None, lines: list[AcknowledgmentLine]
) -> tuple[bool, str]:
    """Whether the supplier's rule accepts these lines without a buyer, and why (or why not)."""
    if rule is None or not rule.is_enabled:
        return False, "no auto-accept rule for this supplier"
    for ack_line in lines:
        if ack_line.action == AcknowledgmentLine.Action.ACCEPT:
            continue
        no = ack_line.po_line.line_no
        if ack_line.action == AcknowledgmentLine.Action.REJECT:
            return False, f"line {no} is rejected"
        if ack_line.proposed_price != ack_line.original_price:
            return False, f"line {no} changes the price"
        # Exact percentage arithmetic: the boundary itself is inside the rule.
        change = abs(ack_line.proposed_qty - ack_line.original_qty) * 100
        if change > rule.max_qty_change_pct * ack_line.original_qty:
            return False, f"line {no} changes the quantity by more than the rule allows"
        for schedule_line in ack_line.new_schedule:
            shift = abs((schedule_line.date - ack_line.original_date).days)
            if shift > rule.max_date_shift_days:
                return False, f"line {no} moves a date by {shift} days"
    return True, rule.describe()


@transaction.atomic
def purchase_order_propose_changes(
    *,
    actor: Actor,
    purchase_order: PurchaseOrder,
    revision: int,
    lines: Sequence[LineProposalInput],
    comment: str = "",
    channel: str = Channel.PORTAL,
) -> Acknowledgment:
    """Accept the PO with changes: per line accept, reject, or propose quantity, date and/or
    price (with a reason code), optionally split into schedule lines. Lines not mentioned
    are accepted as ordered. Within the supplier's auto-accept rule the proposal is accepted
    at once (status auto-accepted, new PO revision); otherwise it waits for a buyer."""
    purchase_order = lock_purchase_order(purchase_order)
    check_can_acknowledge(purchase_order, revision)
    po_lines = po_lines_for(purchase_order)
    by_no = {po_line.line_no: po_line for po_line in po_lines}
    proposals: dict[int, LineProposalInput] = {}
    for proposal in lines:
        if proposal.line_no not in by_no:
            raise DomainError(
                gettext("PO %(number)s has no line %(line_no)s.")
                % {"number": purchase_order.number, "line_no": proposal.line_no},
                field="line_no",
                line=proposal.line_no,
            )
        if proposal.line_no in proposals:
            raise DomainError(
                gettext("Line %(line_no)s is answered twice.") % {"line_no": proposal.line_no},
                field="line_no",
                line=proposal.line_no,
            )
        proposals[proposal.line_no] = proposal
    today = _supplier_today(purchase_order)
    ack_lines = [
        _proposed_line(po_line, proposals.get(no, LineProposalInput(line_no=no)), today)
        for no, po_line in sorted(by_no.items())
    ]
    if all(a.action == AcknowledgmentLine.Action.ACCEPT for a in ack_lines):
        raise DomainError(
            gettext("Every line is accepted as ordered: use Accept instead."), field="lines"
        )
    if all(a.action == AcknowledgmentLine.Action.REJECT for a in ack_lines):
        raise DomainError(
            gettext("Every line is rejected: reject the whole PO instead, with a reason."),
            field="lines",
        )
    rule = AutoAcceptRule.objects.filter(supplier_id=purchase_order.supplier_id).first()
    auto, why = auto_accept_verdict(rule, ack_lines)
    now = timezone.now()
    acknowledgment = create_acknowledgment(
        purchase_order=purchase_order,
        revision=purchase_order.revision,
        kind=Acknowledgment.Kind.CHANGE,
        status=Acknowledgment.Status.PENDING_REVIEW,
        comment=comment.strip(),
        channel=channel,
        submitted_by=actor_user(actor),
        submitted_at=now,
    )
    save_lines(acknowledgment, ack_lines)
    PURCHASE_ORDER_LIFECYCLE.move(
        purchase_order,
        to=PurchaseOrder.Status.CHANGE_PROPOSED,
        action="change_proposed",
        actor=actor,
        channel=channel,
        after={
            "revision": revision,
            "comment": acknowledgment.comment,
            "acknowledgment_id": acknowledgment.pk,
        },
        data=acknowledgment_data(acknowledgment, ack_lines),
    )
    if auto:
        apply_accepted_proposal(
            acknowledgment=acknowledgment,
            purchase_order=purchase_order,
            lines=ack_lines,
            actor=None,
            channel=Channel.SYSTEM,
            comment=f"Auto-accepted: {why}.",
            status=Acknowledgment.Status.AUTO_ACCEPTED,
        )
    else:
        emails.notify_change_proposed(acknowledgment)
    return acknowledgment
