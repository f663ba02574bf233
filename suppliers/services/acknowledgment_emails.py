"""Emails about acknowledgments, sent after the transaction commits: a rolled-back change
mails nobody, and a mail server outage cannot undo a committed acknowledgment."""

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from portal.access import Role
from suppliers.models import Acknowledgment, PurchaseOrder, SupplierMembership


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
    *, recipients: list[str], subject: str, template: str, context: dict[str, Any]
) -> None:
    if not recipients:
        return
    body = render_to_string(template, {**context, "site_url": settings.PORTAL_SITE_URL})
    message = EmailMessage(subject=subject, body=body, to=recipients)
    transaction.on_commit(message.send)


def notify_change_proposed(acknowledgment: Acknowledgment) -> None:
    purchase_order = acknowledgment.purchase_order
    _send_on_commit(
        recipients=buyer_recipients(purchase_order),
        subject=f"PO {purchase_order.number}: {purchase_order.supplier.name} proposes changes",
        template="suppliers/acknowledgments/email/change_proposed.txt",
        context={
            "po": purchase_order,
            "ack": acknowledgment,
            "url": reverse("buyer:review_queue"),
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
        context={
            "po": purchase_order,
            "ack": acknowledgment,
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
