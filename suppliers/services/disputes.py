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
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy

from integrations.errors import DomainError
from integrations.models import Channel, ExceptionClass
from integrations.money import line_amount, round_money, total_amount
from integrations.services import Subject, exception_auto_resolve, exception_open_or_update
from integrations.services.lifecycle import CREATED, Lifecycle, Move
from integrations.services.notices import announce, recipients_now
from portal.access import Actor, Role, actor_user
from suppliers.models import (
    AsnLine,
    Dispute,
    DisputeMessage,
    Invoice,
    InvoiceLine,
    PurchaseOrder,
    Receipt,
    ReceiptLine,
    Supplier,
)
from suppliers.services.acknowledgment_emails import send_on_commit, supplier_recipients
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
        raise DomainError(
            gettext("%(name)s is larger than 10 MB.") % {"name": upload.name}, field="attachment"
        )


def _receipt_purchase_order(receipt: Receipt) -> PurchaseOrder | None:
    """The receipt's PO: the one its ASN's first line ships (None: an ASN without lines)."""
    line = (
        AsnLine.objects.filter(shipment_id=receipt.shipment_id)
        .select_related("po_line__purchase_order__buyer")
        .order_by("line_no")
        .first()
    )
    return line.po_line.purchase_order if line is not None else None


def receipt_currency(receipt: Receipt) -> str:
    """The currency of a receipt's amounts: its PO's, whose prices value its variance (the
    supplier's default only for an ASN without lines)."""
    purchase_order = _receipt_purchase_order(receipt)
    if purchase_order is not None:
        return purchase_order.currency
    return receipt.shipment.supplier.currency


def _buyer_emails(dispute: Dispute) -> list[str]:
    """The PO's buyer (the invoice's PO, or the receipt's first PO); every active buyer
    when it names none, so a dispute never goes unread."""
    purchase_order: PurchaseOrder | None = None
    if dispute.invoice is not None:
        purchase_order = dispute.invoice.purchase_order
    elif dispute.receipt is not None:
        purchase_order = _receipt_purchase_order(dispute.receipt)
    buyer = purchase_order.buyer if purchase_order is not None else None
    if buyer is not None and buyer.is_active and buyer.email:
        return [buyer.email]
    return sorted(
        set(
            get_user_model()
            .objects.filter(groups__name=Role.BUYER.value, is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )


def _notify(
    dispute: Dispute, *, to_side: str, what: str | Promise, message: DisputeMessage | None = None
) -> None:
    """E-mail the other side (text and HTML) a link to the dispute, after commit: the
    supplier's active users, or the PO's buyer (every buyer when it names none), one
    e-mail per recipients' language (`what` is lazy: written in each)."""
    if to_side == Dispute.Side.SUPPLIER:
        recipients = supplier_recipients(dispute)
        url = reverse("suppliers:dispute_detail", args=[dispute.pk])
    else:
        recipients = _buyer_emails(dispute)
        url = reverse("buyer:dispute_detail", args=[dispute.pk])
    # Those who chose the daily digest for dispute messages find it there instead.
    send_on_commit(
        recipients=recipients_now("dispute_reply", recipients),
        subject=lambda: (
            gettext("Dispute #%(number)s (%(subject)s): %(what)s")
            % {"number": dispute.pk, "subject": dispute.subject_label, "what": what}
        ),
        template="suppliers/invoices/email/dispute.txt",
        html_template="suppliers/invoices/email/dispute.html",
        context={
            "dispute": dispute,
            "what": what,
            "message": message,
            "link": f"{settings.PORTAL_SITE_URL}{url}",
        },
    )


def receipt_variance_amount(*, receipt: Receipt, lines: list[ReceiptLine]) -> Decimal:
    """What a receipt's lines outside tolerance are worth at the PO price (short or over,
    and damaged), in the dispute's currency: the amount a receipt dispute starts from
    (either side edits it). `lines` are the receipt's, with their ASN and PO lines."""
    currency = receipt_currency(receipt)
    amounts = [
        line_amount(
            abs(line.variance_qty) + line.qty_damaged, line.asn_line.po_line.unit_price, currency
        )
        for line in lines
        if not line.within_tolerance
    ]
    return total_amount(amounts, currency)


def _invoice_line(invoice: Invoice | None, line_no: int | None) -> InvoiceLine | None:
    """The disputed invoice's line `line_no` (None: the dispute is about all of it)."""
    if not line_no:
        return None
    if invoice is None:
        raise DomainError(gettext("The line is not on this invoice."), field="line_no")
    line = invoice.lines.filter(line_no=line_no).first()
    if line is None:
        raise DomainError(
            gettext("Invoice %(number)s has no line %(line)s.")
            % {"number": invoice.number, "line": line_no},
            field="line_no",
        )
    return line


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
    line_no: int | None = None,
    receipt: Receipt | None = None,
    attachment: UploadedFile | None = None,
    channel: str = Channel.PORTAL,
) -> Dispute:
    """Open a dispute about one of `supplier`'s invoices (or its line `line_no`) or
    receipts, with the first message of its thread, and its case in the exceptions inbox."""
    if (invoice is None) == (receipt is None):
        raise DomainError(gettext("A dispute is about one invoice or one receipt."))
    if invoice is not None and invoice.supplier_id != supplier.pk:
        raise DomainError(gettext("This invoice is not one of the supplier's."))
    if receipt is not None and receipt.shipment.supplier_id != supplier.pk:
        raise DomainError(gettext("This receipt is not one of the supplier's."))
    invoice_line = _invoice_line(invoice, line_no)
    if reason not in Dispute.Reason.values:
        raise DomainError(gettext("Choose a reason."), field="reason")
    if amount is None or amount < 0:
        raise DomainError(gettext("The amount cannot be negative."), field="amount")
    if not message.strip():
        raise DomainError(
            gettext("Say what is wrong: the other side reads this first."), field="message"
        )
    _attachment(attachment)
    # The document's row lock makes "one open dispute" hold when both sides open at once.
    if invoice is not None:
        list(Invoice.objects.select_for_update().filter(pk=invoice.pk).values_list("pk"))
    if receipt is not None:
        list(Receipt.objects.select_for_update().filter(pk=receipt.pk).values_list("pk"))
    if invoice is not None and invoice.disputes.filter(status=Status.OPEN).exists():
        raise DomainError(
            gettext("Invoice %(number)s already has an open dispute: add to it.")
            % {"number": invoice.number}
        )
    if receipt is not None and receipt.disputes.filter(status=Status.OPEN).exists():
        raise DomainError(
            gettext("Receipt %(reference)s already has an open dispute: add to it.")
            % {"reference": receipt.reference}
        )
    if side not in Dispute.Side.values:
        raise DomainError(gettext("A dispute is opened by the supplier or the distributor."))
    if invoice is not None:
        currency = invoice.currency
    else:
        assert receipt is not None  # one of the two, checked first
        currency = receipt_currency(receipt)
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
    first = _message(dispute, actor=actor, side=side, body=message, attachment=attachment)
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
    what = (
        gettext_lazy("opened by the distributor.")
        if side == Dispute.Side.BUYER
        else format_lazy(gettext_lazy("opened by {supplier}."), supplier=dispute.supplier.name)
    )
    _notify(dispute, to_side=_other(side), what=what, message=first)
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
        raise DomainError(gettext("This dispute is resolved; open a new one."))
    if not body.strip():
        raise DomainError(gettext("Write a message."), field="body")
    _attachment(attachment)
    message = _message(dispute, actor=actor, side=side, body=body, attachment=attachment)
    _notify(dispute, to_side=_other(side), what=gettext_lazy("new message."), message=message)
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
        raise DomainError(gettext("Choose a resolution."), field="resolution")
    if not note.strip():
        raise DomainError(gettext("Say what was decided."), field="note")
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
    _notify(dispute, to_side=Dispute.Side.SUPPLIER, what=gettext_lazy("resolved."))
    return dispute
