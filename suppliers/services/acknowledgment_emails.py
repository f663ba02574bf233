"""Emails about acknowledgments, sent after the transaction commits: a rolled-back change
mails nobody, and a mail server outage cannot undo a committed acknowledgment.

Proposal and decision mails list only what a line changes (a value the supplier left as
ordered is not a change: no "6 → 6"), the split into deliveries included, with a plain
text and an HTML part rendered from templates."""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from integrations.money import format_money, format_unit_price
from integrations.services.notices import recipients_now
from portal.access import Role
from suppliers.models import (
    Acknowledgment,
    AcknowledgmentLine,
    Dispute,
    PurchaseOrder,
    ReasonCode,
    SupplierMembership,
)


@dataclass(frozen=True)
class Change:
    """One value a line changes: what was ordered and what the supplier proposes. Words
    are lazy: each recipient's e-mail renders them in that recipient's language."""

    label: str | Promise
    before: str | Promise
    after: str | Promise


@dataclass(frozen=True)
class LineChanges:
    """What one answered line changes; `rejected` lines carry no value changes."""

    line_no: int
    sku: str
    action: str
    action_label: str | Promise
    reason: str | Promise
    comment: str
    changes: list[Change] = field(default_factory=list)
    value_impact: str = ""


def _qty(quantity: Decimal, unit: str) -> str:
    return f"{quantity.normalize():f} {unit}"


def _deliveries(deliveries: list[tuple[Decimal, Any]], unit: str) -> str:
    return "; ".join(
        gettext("%(quantity)s on %(date)s")
        % {"quantity": _qty(qty, unit), "date": f"{day:%Y-%m-%d}"}
        for qty, day in deliveries
    )


# Written when the e-mail is rendered, in its recipient's language.
_lazy_deliveries = lazy(_deliveries, str)


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
                        _("Quantity"),
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
                    Change(
                        _("Deliveries"),
                        _lazy_deliveries(ordered, unit),
                        _lazy_deliveries(proposed, unit),
                    )
                )
            elif line.proposed_date != line.original_date:
                changes.append(
                    Change(
                        _("Delivery date"),
                        f"{line.original_date:%Y-%m-%d}",
                        f"{line.proposed_date:%Y-%m-%d}",
                    )
                )
            if line.proposed_price != line.original_price:
                changes.append(
                    Change(
                        _("Unit price"),
                        format_unit_price(line.original_price, currency),
                        format_unit_price(line.proposed_price, currency),
                    )
                )
        result.append(
            LineChanges(
                line_no=line.po_line.line_no,
                sku=line.po_line.item.sku,
                action=line.action,
                action_label=dict(AcknowledgmentLine.Action.choices).get(line.action, line.action),
                reason=dict(ReasonCode.choices).get(line.reason_code, line.reason_code)
                if line.reason_code
                else "",
                comment=line.comment,
                changes=changes,
                value_impact=format_money(line.value_impact, currency) if line.value_impact else "",
            )
        )
    return result


def supplier_recipients(document: PurchaseOrder | Dispute) -> list[str]:
    """Every active user of the document's supplier (a PO's, a dispute's), by address."""
    return list(
        SupplierMembership.objects.filter(
            supplier_id=document.supplier_id, is_active=True, user__is_active=True
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


def _by_language(recipients: list[str]) -> dict[str, list[str]]:
    """The recipients grouped by the language of their profile (the portal's default for
    a blank one or an address without a user), in the order given."""
    chosen = dict(
        get_user_model()
        .objects.filter(email__in=recipients)
        .exclude(language="")
        .values_list("email", "language")
    )
    groups: dict[str, list[str]] = {}
    for email in recipients:
        groups.setdefault(chosen.get(email) or settings.LANGUAGE_CODE, []).append(email)
    return groups


def send_on_commit(
    *,
    recipients: list[str],
    subject: Callable[[], str],
    template: str,
    context: dict[str, Any],
    html_template: str = "",
) -> None:
    """One e-mail per language of the recipients, subject and body written in it."""
    if not recipients:
        return
    context = {**context, "site_url": settings.PORTAL_SITE_URL}
    for language, group in _by_language(recipients).items():
        with translation.override(language):
            message = EmailMultiAlternatives(
                subject=subject(), body=render_to_string(template, context), to=group
            )
            if html_template:
                message.attach_alternative(render_to_string(html_template, context), "text/html")
        transaction.on_commit(message.send)


def notify_change_proposed(acknowledgment: Acknowledgment) -> None:
    purchase_order = acknowledgment.purchase_order
    send_on_commit(
        recipients=buyer_recipients(purchase_order),
        subject=lambda: (
            gettext("PO %(number)s: %(supplier)s proposes changes")
            % {"number": purchase_order.number, "supplier": purchase_order.supplier.name}
        ),
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
    send_on_commit(
        recipients=buyer_recipients(purchase_order),
        subject=lambda: (
            gettext("PO %(number)s rejected by %(supplier)s")
            % {"number": purchase_order.number, "supplier": purchase_order.supplier.name}
        ),
        template="suppliers/acknowledgments/email/rejected.txt",
        context={
            "po": purchase_order,
            "ack": acknowledgment,
            "url": reverse("buyer:po_detail", kwargs={"number": purchase_order.number}),
        },
    )


def notify_change_decided(acknowledgment: Acknowledgment) -> None:
    purchase_order = acknowledgment.purchase_order
    send_on_commit(
        # Those who chose the daily digest for decisions read it there instead.
        recipients=recipients_now("proposal_decided", supplier_recipients(purchase_order)),
        subject=lambda: (
            gettext("PO %(number)s: your proposed changes were %(status)s")
            % {
                "number": purchase_order.number,
                "status": acknowledgment.get_status_display().lower(),
            }
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
    """Remind the supplier's users; returns all of them, though those who chose the daily
    digest for reminders read it there instead of in an e-mail now."""
    recipients = supplier_recipients(purchase_order)
    send_on_commit(
        recipients=recipients_now("ack_reminder", recipients),
        subject=lambda: (
            gettext("Reminder: please acknowledge PO %(number)s")
            % {"number": purchase_order.number}
        ),
        template="suppliers/acknowledgments/email/reminder.txt",
        context={
            "po": purchase_order,
            "url": reverse("suppliers:po_detail", kwargs={"number": purchase_order.number}),
        },
    )
    return recipients
