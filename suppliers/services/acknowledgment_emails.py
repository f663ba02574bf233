"""Emails about acknowledgments, sent after the transaction commits: a rolled-back change
mails nobody, and a mail server outage cannot undo a committed acknowledgment.

Proposal and decision mails list only what a line changes (a value the supplier left as
ordered is not a change: no "6 → 6"), the split into deliveries included, with a plain
text and an HTML part rendered from templates."""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from integrations.money import format_money, format_unit_price
from portal.access import Role
from suppliers.models import Acknowledgment, AcknowledgmentLine, PurchaseOrder, SupplierMembership


@dataclass(frozen=True)
class Change:
    """One value a line changes: what was ordered and what the supplier proposes."""

    label: str
    before: str
    after: str


@dataclass(frozen=True)
class LineChanges:
    """What one answered line changes; `rejected` lines carry no value changes."""

    line_no: int
    sku: str
    action: str
    action_label: str
    reason: str
    comment: str
    changes: list[Change] = field(default_factory=list)
    value_impact: str = ""


def _qty(quantity: Decimal, unit: str) -> str:
    return f"{quantity.normalize():f} {unit}"


def _deliveries(deliveries: list[tuple[Decimal, Any]], unit: str) -> str:
    return "; ".join(f"{_qty(qty, unit)} on {day:%Y-%m-%d}" for qty, day in deliveries)


def line_changes(acknowledgment: Acknowledgment) -> list[LineChanges]:
    """The lines the supplier did not accept as ordered, each with only the values that
    differ from the order: quantity, deliveries (a split, or one delivery on another
    date) and price."""
    currency = acknowledgment.purchase_order.currency
    lines = acknowledgment.lines.select_related("po_line__item", "po_line__uom").prefetch_related(
        "schedule_lines"
    )
    result = []
    for line in lines:
        if line.action == AcknowledgmentLine.Action.ACCEPT:
            continue
        unit = line.po_line.uom.code
        changes = []
        if line.action == AcknowledgmentLine.Action.CHANGE:
            if line.proposed_qty != line.original_qty:
                changes.append(
                    Change(
                        "Quantity",
                        _qty(line.original_qty, unit),
                        _qty(line.proposed_qty, unit),
                    )
                )
            ordered = [(line.original_qty, line.original_date)]
            proposed = sorted(
                ((s.quantity, s.date) for s in line.schedule_lines.all()), key=lambda d: d[1]
            )
            if len(proposed) > 1:
                changes.append(
                    Change("Deliveries", _deliveries(ordered, unit), _deliveries(proposed, unit))
                )
            elif line.proposed_date != line.original_date:
                changes.append(
                    Change(
                        "Delivery date",
                        f"{line.original_date:%Y-%m-%d}",
                        f"{line.proposed_date:%Y-%m-%d}",
                    )
                )
            if line.proposed_price != line.original_price:
                changes.append(
                    Change(
                        "Unit price",
                        format_unit_price(line.original_price, currency),
                        format_unit_price(line.proposed_price, currency),
                    )
                )
        result.append(
            LineChanges(
                line_no=line.po_line.line_no,
                sku=line.po_line.item.sku,
                action=line.action,
                action_label=line.get_action_display(),
                reason=line.get_reason_code_display() if line.reason_code else "",
                comment=line.comment,
                changes=changes,
                value_impact=format_money(line.value_impact, currency) if line.value_impact else "",
            )
        )
    return result


def supplier_recipients(purchase_order: PurchaseOrder) -> list[str]:
    """Every active user of the PO's supplier."""
    return list(
        SupplierMembership.objects.filter(
            supplier_id=purchase_order.supplier_id, is_active=True, user__is_active=True
        )
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )


def buyer_recipients(purchase_order: PurchaseOrder) -> list[str]:
    """The distributor's buyers (group "buyer"), and the PO's own buyer if it has one."""
    emails = set(
        get_user_model()
        .objects.filter(groups__name=Role.BUYER.value, is_active=True)
        .values_list("email", flat=True)
    )
    buyer = purchase_order.buyer
    if buyer is not None and buyer.is_active:
        emails.add(buyer.email)
    return sorted(emails)


def _send_on_commit(
    *,
    recipients: list[str],
    subject: str,
    template: str,
    context: dict[str, Any],
    html_template: str = "",
) -> None:
    if not recipients:
        return
    context = {**context, "site_url": settings.PORTAL_SITE_URL}
    body = render_to_string(template, context)
    message = EmailMultiAlternatives(subject=subject, body=body, to=recipients)
    if html_template:
        message.attach_alternative(render_to_string(html_template, context), "text/html")
    transaction.on_commit(message.send)


def notify_change_proposed(acknowledgment: Acknowledgment) -> None:
    purchase_order = acknowledgment.purchase_order
    _send_on_commit(
        recipients=buyer_recipients(purchase_order),
        subject=f"PO {purchase_order.number}: {purchase_order.supplier.name} proposes changes",
        template="suppliers/acknowledgments/email/change_proposed.txt",
        html_template="suppliers/acknowledgments/email/change_proposed.html",
        context={
            "po": purchase_order,
            "ack": acknowledgment,
            "lines": line_changes(acknowledgment),
            # The queue filtered to this supplier, at this proposal's card.
            "url": f"{reverse('buyer:review_queue')}?supplier={purchase_order.supplier.code}"
            f"#proposal-{acknowledgment.pk}",
            "po_url": reverse("buyer:po_detail", kwargs={"number": purchase_order.number}),
        },
    )


def notify_purchase_order_rejected(acknowledgment: Acknowledgment) -> None:
    purchase_order = acknowledgment.purchase_order
    _send_on_commit(
        recipients=buyer_recipients(purchase_order),
        subject=f"PO {purchase_order.number} rejected by {purchase_order.supplier.name}",
        template="suppliers/acknowledgments/email/rejected.txt",
        context={
            "po": purchase_order,
            "ack": acknowledgment,
            "url": reverse("buyer:po_detail", kwargs={"number": purchase_order.number}),
        },
    )


def notify_change_decided(acknowledgment: Acknowledgment) -> None:
    purchase_order = acknowledgment.purchase_order
    _send_on_commit(
        recipients=supplier_recipients(purchase_order),
        subject=(
            f"PO {purchase_order.number}: your proposed changes were "
            f"{acknowledgment.get_status_display().lower()}"
        ),
        template="suppliers/acknowledgments/email/change_decided.txt",
        html_template="suppliers/acknowledgments/email/change_decided.html",
        context={
            "po": purchase_order,
            "ack": acknowledgment,
            "lines": line_changes(acknowledgment),
            "url": reverse("suppliers:po_detail", kwargs={"number": purchase_order.number}),
        },
    )


def notify_reminder(purchase_order: PurchaseOrder) -> list[str]:
    recipients = supplier_recipients(purchase_order)
    _send_on_commit(
        recipients=recipients,
        subject=f"Reminder: please acknowledge PO {purchase_order.number}",
        template="suppliers/acknowledgments/email/reminder.txt",
        context={
            "po": purchase_order,
            "url": reverse("suppliers:po_detail", kwargs={"number": purchase_order.number}),
        },
    )
    return recipients
