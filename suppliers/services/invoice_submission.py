"""Submitting invoices and credit notes: the one door the invoice page, the API and the
EDI 810 share (and the CSV upload, `suppliers/resources/invoices.py`). Each creates the
document (`invoices.invoice_create`) and matches it at once
(`invoice_matching.invoices_match`), in one transaction; a credit note also matches again
the invoices billed on the same PO lines after the one it credits."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext

from integrations.errors import DomainError
from integrations.models import Channel
from integrations.money import round_money
from portal.access import Actor
from suppliers.models import Invoice, PurchaseOrder, Supplier
from suppliers.services.invoice_matching import invoices_match, invoices_rematch_for_po_lines
from suppliers.services.invoices import (
    InvoiceHeader,
    InvoiceLineInput,
    credit_lines_for,
    invoice_create,
    invoice_mark_credited,
    is_fully_credited,
    terms_for,
)


@transaction.atomic
def invoice_submit(
    *,
    actor: Actor,
    supplier: Supplier,
    purchase_order: PurchaseOrder,
    header: InvoiceHeader,
    lines: list[InvoiceLineInput],
    channel: str = Channel.PORTAL,
    stated_total: Decimal | None = None,
) -> Invoice:
    """Submit an invoice against one of the supplier's POs and match it. `stated_total`
    (the total the sender wrote: EDI TDS, API) must equal the lines' rounded amounts.
    Under terms that fix the price, a price other than the PO's is refused."""
    terms = terms_for(supplier)
    if not terms.price_editable:
        for line in lines:
            if (
                line.po_line is not None
                and line.unit_price != line.po_line.unit_price
                and (
                    line.po_line.confirmed_price is None
                    or line.unit_price != line.po_line.confirmed_price
                )
            ):
                raise DomainError(
                    gettext("Your invoicing terms invoice at the PO price."),
                    field="unit_price",
                    line=line.line_no,
                )
    invoice = invoice_create(
        actor=actor,
        supplier=supplier,
        purchase_order=purchase_order,
        header=header,
        lines=lines,
        channel=channel,
    )
    if stated_total is not None:
        stated = round_money(stated_total, invoice.currency)
        if stated != invoice.total_amount:
            raise DomainError(
                gettext(
                    "The invoice total %(stated_total)s does not match its lines "
                    "(%(total_amount)s)."
                )
                % {
                    "stated_total": format(stated_total, "f"),
                    "total_amount": format(invoice.total_amount, "f"),
                },
                field="total_amount",
            )
    invoices_match(actor=actor, invoice_ids=[invoice.pk], channel=channel)
    invoice.refresh_from_db()
    return invoice


def invoice_record(
    *,
    actor: Actor,
    supplier: Supplier,
    purchase_order: PurchaseOrder,
    number: str,
    invoice_date: datetime.date,
    currency: str,
    total_amount: Decimal,
    lines: list[InvoiceLineInput],
    channel: str = Channel.EDI,
) -> Invoice:
    """The EDI 810's door (and the admin's): the stated total must equal the lines."""
    return invoice_submit(
        actor=actor,
        supplier=supplier,
        purchase_order=purchase_order,
        header=InvoiceHeader(number=number, invoice_date=invoice_date, currency=currency),
        lines=lines,
        channel=channel,
        stated_total=total_amount,
    )


@transaction.atomic
def credit_note_create(
    *,
    actor: Actor,
    invoice: Invoice,
    number: str,
    invoice_date: datetime.date,
    reversal: dict[int, Decimal] | None = None,
    channel: str = Channel.PORTAL,
) -> Invoice:
    """A credit note against `invoice`: the whole of it (`reversal` None) or some of its
    lines ({invoice line no: quantity}), at the invoiced prices, so it reverses exactly.
    A credit note of the whole invoice makes it credited; a partial one re-matches it."""
    if invoice.is_credit_note:
        raise DomainError(gettext("A credit note cannot be credited."))
    if invoice.status in (Invoice.Status.CREDITED, Invoice.Status.MATCHING):
        raise DomainError(
            gettext("Invoice %(number)s is %(status)s.")
            % {"number": invoice.number, "status": invoice.get_status_display().lower()}
        )
    note = invoice_create(
        actor=actor,
        supplier=invoice.supplier,
        purchase_order=invoice.purchase_order,
        header=InvoiceHeader(number=number, invoice_date=invoice_date, currency=invoice.currency),
        lines=credit_lines_for(invoice, reversal),
        channel=channel,
        credited_invoice=invoice,
    )
    invoices_match(actor=actor, invoice_ids=[note.pk], channel=channel)
    if is_fully_credited(invoice):
        invoice_mark_credited(actor=actor, invoice=invoice, credit_note=note)
    else:
        invoices_match(actor=actor, invoice_ids=[invoice.pk], channel=channel)
    # What the invoice no longer bills frees the same PO lines for the invoices after it
    # (one held for a quantity variance because of it is matched again now).
    invoices_rematch_for_po_lines(
        actor=actor,
        po_line_ids=invoice.lines.exclude(po_line=None).values_list("po_line_id", flat=True),
        channel=channel,
        exclude=[invoice.pk, note.pk],
    )
    note.refresh_from_db()
    return note
