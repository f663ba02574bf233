"""Disputes: either side disagrees with an invoice hold, a deduction or a receipt variance.

A dispute has a reason code and an amount, a threaded conversation (messages with an
attachment and a read receipt) and, while open, one case in the shared exceptions inbox
(class invoice dispute: owner team and SLA from its policy). Its resolution closes that
case and acts on the invoice: accepting the variance (or correcting the price to the
invoice's) marks the disputed lines accepted and re-matches the invoice; a credit note or
a re-delivery re-matches it (the credit note, the receipt change the figures); a rejected
dispute leaves the hold as it is. The other side is e-mailed a link at each step.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from integrations.errors import DomainError
from integrations.models import Channel, ExceptionClass
from integrations.money import round_money
from integrations.services import Subject, exception_auto_resolve, exception_open_or_update
from integrations.services.lifecycle import CREATED, Lifecycle, Move
from integrations.services.notices import announce
from portal.access import Actor, actor_user
from suppliers.models import Dispute, DisputeMessage, Invoice, InvoiceLine, Receipt, Supplier
from suppliers.services.invoice_matching import invoices_match

Status = Dispute.Status
Resolution = Dispute.Resolution

OPENED = Move(CREATED, Status.OPEN, "opened", "supplier or buyer (either side)", "dispute.opened")
DISPUTE = Lifecycle(
    document="dispute",
    model=Dispute,
    aggregate_type="dispute",
    moves=[
        OPENED,
        Move(
            Status.OPEN, Status.RESOLVED, "resolved", "buyer (accounts payable)", "dispute.resolved"
        ),
    ],
)
# Resolutions that let the disputed lines through as they were invoiced.
ACCEPTING = (Resolution.ACCEPT_VARIANCE, Resolution.PRICE_CORRECTION)


def _subject(dispute: Dispute) -> Subject:
    return Subject.document(
        document_type="dispute",
        document_ref=str(dispute.pk),
        supplier_code=dispute.supplier.code,
    )


def dispute_event_data(dispute: Dispute) -> dict[str, Any]:
    invoice, line, receipt = dispute.invoice, dispute.invoice_line, dispute.receipt
    return {
        "id": dispute.pk,
        "supplier": dispute.supplier.code,
        "invoice_number": invoice.number if invoice is not None else None,
        "invoice_line_no": line.line_no if line is not None else None,
        "receipt": receipt.reference if receipt is not None else None,
        "reason": dispute.reason,
        "amount": f"{dispute.amount:f}",
        "currency": dispute.currency,
        "opened_by": dispute.opened_by_side,
        "status": dispute.status,
        "resolution": dispute.resolution or None,
    }


def _attachment(upload: UploadedFile | None) -> None:
    if upload is None:
        return
    if (upload.size or 0) > 10 * 1024 * 1024:
        raise DomainError(f"{upload.name} is larger than 10 MB.", field="attachment")


def _notify(dispute: Dispute, *, to_side: str, text: str) -> None:
    """E-mail the other side a link to the dispute: the supplier's users, or the buyer."""
    if to_side == Dispute.Side.SUPPLIER:
        recipients = [
            email
            for email in dispute.supplier.memberships.values_list("user__email", flat=True)
            if email
        ]
        url = reverse("suppliers:dispute_detail", args=[dispute.pk])
    else:
        invoice = dispute.invoice
        buyer = invoice.purchase_order.buyer if invoice is not None else None
        recipients = [buyer.email] if buyer is not None and buyer.email else []
        url = reverse("buyer:dispute_detail", args=[dispute.pk])
    if not recipients:
        return
    base = getattr(settings, "PORTAL_BASE_URL", "").rstrip("/")
    send_mail(
        subject=f"Dispute #{dispute.pk} ({dispute.subject_label}): {text}",
        message=f"{text}\n\n{base}{url}\n",
        from_email=None,
        recipient_list=recipients,
        fail_silently=True,
    )


def _other(side: str) -> str:
    return Dispute.Side.BUYER if side == Dispute.Side.SUPPLIER else Dispute.Side.SUPPLIER


@transaction.atomic
def dispute_open(
    *,
    actor: Actor,
    supplier: Supplier,
    side: str,
    reason: str,
    amount: Decimal,
    message: str,
    invoice: Invoice | None = None,
    invoice_line: InvoiceLine | None = None,
    receipt: Receipt | None = None,
    attachment: UploadedFile | None = None,
    channel: str = Channel.PORTAL,
) -> Dispute:
    """Open a dispute about one of `supplier`'s invoices (or one of its lines) or
    receipts, with the first message of its thread, and its case in the exceptions inbox."""
    if (invoice is None) == (receipt is None):
        raise DomainError("A dispute is about one invoice or one receipt.")
    if invoice is not None and invoice.supplier_id != supplier.pk:
        raise DomainError("This invoice is not one of the supplier's.")
    if receipt is not None and receipt.shipment.supplier_id != supplier.pk:
        raise DomainError("This receipt is not one of the supplier's.")
    if invoice_line is not None and invoice_line.invoice_id != getattr(invoice, "pk", None):
        raise DomainError("The line is not on this invoice.", field="invoice_line")
    if reason not in Dispute.Reason.values:
        raise DomainError("Choose a reason.", field="reason")
    if amount is None or amount < 0:
        raise DomainError("The amount cannot be negative.", field="amount")
    if not message.strip():
        raise DomainError("Say what is wrong: the other side reads this first.", field="message")
    _attachment(attachment)
    if invoice is not None and invoice.disputes.filter(status=Status.OPEN).exists():
        raise DomainError(f"Invoice {invoice.number} already has an open dispute: add to it.")
    currency = invoice.currency if invoice is not None else supplier.currency
    DISPUTE.check_created(OPENED.target)
    dispute = Dispute.objects.create(
        status=OPENED.target,
        supplier=supplier,
        invoice=invoice,
        invoice_line=invoice_line,
        receipt=receipt,
        reason=reason,
        amount=round_money(amount, currency),
        currency=currency,
        opened_by_side=side,
        opened_by=actor_user(actor),
    )
    _message(dispute, actor=actor, side=side, body=message, attachment=attachment)
    case, _opened = exception_open_or_update(
        actor=actor,
        exception_class=ExceptionClass.INVOICE_DISPUTE,
        subject=_subject(dispute),
        title=f"Dispute #{dispute.pk} on {dispute.subject_label}: {dispute.get_reason_display()}",
        detail={
            "dispute": dispute.pk,
            "amount": f"{dispute.amount:f}",
            "currency": currency,
            "opened_by": side,
        },
        channel=channel,
    )
    dispute.exception_case_id = case.pk
    dispute.save(update_fields=["exception_case_id"])
    DISPUTE.record(
        dispute,
        move=OPENED,
        source=CREATED,
        actor=actor,
        channel=channel,
        after={"reason": reason, "amount": f"{dispute.amount:f}"},
        data=dispute_event_data(dispute),
    )
    transaction.on_commit(
        lambda: _notify(dispute, to_side=_other(side), text="A dispute was opened.")
    )
    return dispute


def _message(
    dispute: Dispute, *, actor: Actor, side: str, body: str, attachment: UploadedFile | None
) -> DisputeMessage:
    message = DisputeMessage(
        dispute=dispute, side=side, author=actor_user(actor), body=body.strip()[:5000]
    )
    if attachment is not None:
        message.attachment_name = (attachment.name or "attachment")[:200]
        message.attachment.save(f"dispute-{dispute.pk}-{attachment.name}", attachment, save=False)
    message.save()
    return message


@transaction.atomic
def dispute_add_message(
    *,
    actor: Actor,
    dispute: Dispute,
    side: str,
    body: str,
    attachment: UploadedFile | None = None,
) -> DisputeMessage:
    """Add to an open dispute's thread; the other side is e-mailed a link."""
    dispute = (
        Dispute.objects.select_for_update(of=("self",))
        .select_related("supplier", "invoice__purchase_order__buyer", "receipt")
        .get(pk=dispute.pk)
    )
    if dispute.status != Status.OPEN:
        raise DomainError("This dispute is resolved; open a new one.")
    if not body.strip():
        raise DomainError("Write a message.", field="body")
    _attachment(attachment)
    message = _message(dispute, actor=actor, side=side, body=body, attachment=attachment)
    transaction.on_commit(lambda: _notify(dispute, to_side=_other(side), text="New message."))
    announce("dispute.message_added", "dispute", dispute.pk, {"side": side})
    return message


def dispute_mark_read(*, dispute: Dispute, side: str) -> int:
    """The read receipt: the other side's unread messages are read now."""
    return DisputeMessage.objects.filter(
        dispute=dispute, read_at__isnull=True, side=_other(side)
    ).update(read_at=timezone.now())


@transaction.atomic
def dispute_resolve(
    *,
    actor: Actor,
    dispute: Dispute,
    resolution: str,
    note: str,
    channel: str = Channel.PORTAL,
) -> Dispute:
    """Resolve the dispute (the distributor decides), close its inbox case and act on the
    invoice: see the module's docstring."""
    dispute = (
        Dispute.objects.select_for_update(of=("self",))
        .select_related("supplier", "invoice", "invoice_line", "receipt")
        .get(pk=dispute.pk)
    )
    if resolution not in Resolution.values:
        raise DomainError("Choose a resolution.", field="resolution")
    if not note.strip():
        raise DomainError("Say what was decided.", field="note")
    dispute.resolution = resolution
    dispute.resolution_note = note.strip()[:500]
    dispute.resolved_at = timezone.now()
    invoice = dispute.invoice
    if invoice is not None and resolution in ACCEPTING:
        lines = invoice.lines.all()
        if dispute.invoice_line_id is not None:
            lines = lines.filter(pk=dispute.invoice_line_id)
        lines.update(variance_accepted=True)
        if dispute.reason == Dispute.Reason.DUPLICATE:
            Invoice.objects.filter(pk=invoice.pk).update(duplicate_of=None)
    DISPUTE.move(
        dispute,
        to=Status.RESOLVED,
        actor=actor,
        channel=channel,
        after={"resolution": resolution, "note": dispute.resolution_note},
        data={**dispute_event_data(dispute), "status": Status.RESOLVED},
        update_fields=["resolution", "resolution_note", "resolved_at"],
    )
    exception_auto_resolve(
        actor=actor,
        exception_class=ExceptionClass.INVOICE_DISPUTE,
        subject_key=_subject(dispute).subject_key,
        reason=f"Dispute resolved: {dispute.get_resolution_display()}. {dispute.resolution_note}",
        channel=channel,
    )
    if invoice is not None and resolution != Resolution.REJECTED:
        invoices_match(actor=actor, invoice_ids=[invoice.pk], channel=channel)
    transaction.on_commit(
        lambda: _notify(dispute, to_side=Dispute.Side.SUPPLIER, text="The dispute is resolved.")
    )
    return dispute
