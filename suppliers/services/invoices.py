"""Invoices and credit notes: their table of moves, their creation, payment and the
buyer's release of a hold.

INVOICE is the invoice's table. An invoice is created submitted (page, API, EDI 810:
`invoice_submission.invoice_submit` creates it here and matches it at once); the
three-way match (`invoice_matching`) moves it through matching to approved or on hold;
the buyer releases a hold, or a dispute's resolution re-matches it; accounts payable
schedule and pay it. A credit note is an invoice of kind credit note whose lines reverse
lines of the invoice it names; one that reverses the whole invoice makes it credited.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from integrations.errors import DomainError
from integrations.models import Channel
from integrations.money import currency_decimals, line_amount, total_amount
from integrations.services import audit_record, publish
from integrations.services.lifecycle import CREATED, Lifecycle, Move
from inventory.services import convert_quantity, unit_of_measure
from portal.access import Actor
from suppliers.models import (
    Invoice,
    InvoiceLine,
    InvoicingTerms,
    PurchaseOrder,
    PurchaseOrderLine,
    Supplier,
)

Status = Invoice.Status
_SUPPLIER = "supplier (invoice page, API, EDI 810)"
_MATCH = "system (three-way match)"
_AP = "buyer (accounts payable)"
_HELD_NOTE = "the match's outcome publishes invoice.matched, then invoice.approved or .held"

SUBMITTED = Move(CREATED, Status.SUBMITTED, "submitted", _SUPPLIER, "invoice.submitted")
INVOICE = Lifecycle(
    document="invoice",
    model=Invoice,
    aggregate_type="invoice",
    aggregate_id=lambda invoice: f"{invoice.supplier.code}:{invoice.number}",
    moves=[
        SUBMITTED,
        Move(Status.SUBMITTED, Status.MATCHING, "match_started", _MATCH, note=_HELD_NOTE),
        Move(Status.ON_HOLD, Status.MATCHING, "match_started", _MATCH, note=_HELD_NOTE),
        Move(Status.MATCHING, Status.APPROVED, "matched", _MATCH, "invoice.approved"),
        Move(Status.MATCHING, Status.ON_HOLD, "held", _MATCH, "invoice.held"),
        Move(Status.ON_HOLD, Status.APPROVED, "hold_released", _AP, "invoice.approved"),
        Move(
            Status.APPROVED,
            Status.SCHEDULED,
            "payment_scheduled",
            "buyer (accounts payable) or ERP pull",
            note="no event: the payment date shows on the invoice; invoice.paid follows",
        ),
        Move(
            Status.APPROVED,
            Status.PAID,
            "paid",
            "buyer (accounts payable) or ERP pull",
            "invoice.paid",
        ),
        Move(
            Status.SCHEDULED,
            Status.PAID,
            "paid",
            "buyer (accounts payable) or ERP pull",
            "invoice.paid",
        ),
        *(
            Move(
                source,
                Status.CREDITED,
                "credited",
                "supplier (a credit note of the whole invoice)",
                note="the credit note's invoice.submitted carries it",
            )
            for source in (Status.SUBMITTED, Status.ON_HOLD, Status.APPROVED, Status.SCHEDULED)
        ),
    ],
)

# A credit note or invoice line counts against its PO line unless its invoice was credited.
COUNTED = ~Q(invoice__status=Status.CREDITED)


@dataclass(frozen=True)
class InvoiceLineInput:
    line_no: int
    quantity: Decimal
    uom_code: str
    unit_price: Decimal
    po_line: PurchaseOrderLine | None = None
    supplier_sku: str = ""
    kind: str = InvoiceLine.Kind.GOODS
    description: str = ""


@dataclass
class InvoiceHeader:
    number: str
    invoice_date: datetime.date
    currency: str = ""
    source_ref: str = ""
    pdf: UploadedFile | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def number_key(number: str) -> str:
    """The invoice number as a duplicate check compares it: letters and digits only,
    upper case ("INV-001/A" and "inv 001a" are the same number)."""
    return re.sub(r"[^0-9A-Za-z]", "", number).upper()[:40]


def terms_for(supplier: Supplier) -> InvoicingTerms:
    return InvoicingTerms.objects.filter(supplier=supplier).first() or InvoicingTerms.defaults(
        supplier
    )


def po_price(po_line: PurchaseOrderLine) -> Decimal:
    """The price the buyer agreed: the confirmed price when the supplier confirmed one."""
    return po_line.confirmed_price if po_line.confirmed_price is not None else po_line.unit_price


def _pdf_check(upload: UploadedFile) -> None:
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    if head != b"%PDF-" or not (upload.name or "").lower().endswith(".pdf"):
        raise DomainError(
            gettext("%(name)s is not a PDF: attach the invoice as a PDF.") % {"name": upload.name},
            field="pdf",
        )
    if (upload.size or 0) > 10 * 1024 * 1024:
        raise DomainError(
            gettext("%(name)s is larger than 10 MB.") % {"name": upload.name}, field="pdf"
        )


def _qty_po_uom(line: InvoiceLineInput) -> Decimal | None:
    """The invoiced quantity in the PO line's unit, converted exactly or refused."""
    po_line = line.po_line
    if po_line is None:
        return None
    code = line.uom_code or po_line.uom.code
    if code == po_line.uom.code:
        return line.quantity
    try:
        unit = unit_of_measure(code)
        return convert_quantity(
            quantity=line.quantity, from_uom=unit, to_uom=po_line.uom, item=po_line.item
        )
    except DomainError as error:
        raise DomainError(error.message, field="uom", line=line.line_no) from error


def _validate(
    *,
    supplier: Supplier,
    purchase_order: PurchaseOrder,
    header: InvoiceHeader,
    lines: list[InvoiceLineInput],
    credit: bool,
) -> None:
    if not header.number.strip():
        raise DomainError(gettext("The invoice has no number."), field="number")
    if purchase_order.supplier_id != supplier.pk:
        raise DomainError(
            gettext("PO %(number)s is not one of your purchase orders.")
            % {"number": purchase_order.number}
        )
    if Invoice.objects.filter(supplier=supplier, number=header.number.strip()).exists():
        raise DomainError(
            gettext("Invoice %(number)s was already received.") % {"number": header.number.strip()},
            field="number",
        )
    if not lines:
        raise DomainError(gettext("An invoice needs at least one line."), field="lines")
    if header.currency and header.currency != purchase_order.currency:
        raise DomainError(
            gettext("The invoice is in %(currency)s but PO %(number)s is in %(currency_2)s.")
            % {
                "currency": header.currency,
                "number": purchase_order.number,
                "currency_2": purchase_order.currency,
            },
            field="currency",
        )
    seen: set[int] = set()
    for line in lines:
        if line.line_no in seen:
            raise DomainError(
                gettext("Line numbers must be unique."), field="line_no", line=line.line_no
            )
        seen.add(line.line_no)
        if line.kind not in InvoiceLine.Kind.values:
            raise DomainError(gettext("Unknown line kind."), field="kind", line=line.line_no)
        if not credit and line.quantity <= 0:
            raise DomainError(
                gettext("Invoiced quantity must be positive."), field="quantity", line=line.line_no
            )
        if line.unit_price < 0:
            raise DomainError(
                gettext("A price cannot be negative."), field="unit_price", line=line.line_no
            )
        if line.po_line is not None and line.po_line.purchase_order_id != purchase_order.pk:
            raise DomainError(
                gettext("The line is not on this PO."), field="po_line", line=line.line_no
            )
        if line.kind != InvoiceLine.Kind.GOODS and not line.description.strip():
            raise DomainError(
                gettext("Say what the tax or charge is."), field="description", line=line.line_no
            )


def _duplicate_of(supplier: Supplier, header: InvoiceHeader, total: Decimal) -> Invoice | None:
    """An earlier invoice this one looks like: the same number with other punctuation, or
    the same amount on the same date. Suspected, never refused: a person decides."""
    earlier = Invoice.objects.filter(supplier=supplier, kind=Invoice.Kind.INVOICE).exclude(
        status=Status.CREDITED
    )
    return (
        earlier.filter(
            Q(number_key=number_key(header.number))
            | Q(total_amount=total, invoice_date=header.invoice_date)
        )
        .order_by("pk")
        .first()
    )


def invoice_event_data(invoice: Invoice, lines: list[InvoiceLine] | None = None) -> dict[str, Any]:
    """The invoice as its events carry it (the schemas in integrations/schemas/invoice.*)."""
    lines = lines if lines is not None else list(invoice.lines.select_related("po_line"))
    places = currency_decimals(invoice.currency)
    return {
        "supplier": invoice.supplier.code,
        "invoice_number": invoice.number,
        "kind": invoice.kind,
        "credited_invoice": invoice.credited_invoice.number if invoice.credited_invoice else None,
        "po_number": invoice.purchase_order.number,
        "invoice_date": invoice.invoice_date,
        "currency": invoice.currency,
        "total_amount": f"{invoice.total_amount:.{places}f}",
        "status": invoice.status,
        "lines": [
            {
                "line_no": line.line_no,
                "kind": line.kind,
                "po_line_no": line.po_line.line_no if line.po_line else None,
                "quantity": f"{line.quantity.normalize():f}",
                "uom": line.uom_code,
                "unit_price": f"{line.unit_price.normalize():f}",
                "amount": f"{line.amount:.{places}f}",
                "result": line.result,
                "hold_reason": line.hold_reason,
            }
            for line in lines
        ],
    }


@transaction.atomic
def invoice_create(
    *,
    actor: Actor,
    supplier: Supplier,
    purchase_order: PurchaseOrder,
    header: InvoiceHeader,
    lines: list[InvoiceLineInput],
    channel: str,
    credited_invoice: Invoice | None = None,
) -> Invoice:
    """Record an invoice (or, with `credited_invoice`, a credit note) as submitted, with
    its audit entry and `invoice.submitted`. Amounts are quantity × price rounded once per
    line to the currency's decimals; the total adds the rounded lines. Callers match it
    next (`invoice_submission.invoice_submit`)."""
    credit = credited_invoice is not None
    _validate(
        supplier=supplier, purchase_order=purchase_order, header=header, lines=lines, credit=credit
    )
    currency = header.currency or purchase_order.currency
    if header.pdf is not None:
        _pdf_check(header.pdf)
    amounts = {
        line.line_no: line_amount(line.quantity, line.unit_price, currency) for line in lines
    }
    total = total_amount(amounts.values(), currency)
    converted = {line.line_no: _qty_po_uom(line) for line in lines}
    INVOICE.check_created(SUBMITTED.target)
    number = header.number.strip()
    invoice = Invoice(
        status=SUBMITTED.target,
        supplier=supplier,
        purchase_order=purchase_order,
        kind=Invoice.Kind.CREDIT_NOTE if credit else Invoice.Kind.INVOICE,
        credited_invoice=credited_invoice,
        number=number,
        number_key=number_key(number),
        invoice_date=header.invoice_date,
        currency=currency,
        total_amount=total,
        channel=channel,
        received_at=timezone.now(),
        source_ref=header.source_ref[:80],
        duplicate_of=None if credit else _duplicate_of(supplier, header, total),
    )
    if header.pdf is not None:
        invoice.pdf_name = (header.pdf.name or "invoice.pdf")[:200]
        invoice.pdf.save(f"{supplier.code}-{number_key(number)}.pdf", header.pdf, save=False)
    invoice.save()
    created = InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            line_no=line.line_no,
            kind=line.kind,
            description=line.description[:200],
            po_line=line.po_line,
            supplier_sku=line.supplier_sku[:60],
            quantity=line.quantity,
            uom_code=(line.uom_code or (line.po_line.uom.code if line.po_line else ""))[:10],
            unit_price=line.unit_price,
            amount=amounts[line.line_no],
            qty_po_uom=converted[line.line_no],
            po_price=po_price(line.po_line) if line.po_line else None,
        )
        for line in lines
    )
    data = invoice_event_data(invoice, created)
    audit_record(actor=actor, channel=channel, obj=invoice, action=SUBMITTED.action, after=data)
    publish(
        event_type=SUBMITTED.event,
        aggregate_type=INVOICE.aggregate_type,
        aggregate_id=INVOICE.aggregate_id(invoice),
        data=data,
        actor=actor,
        channel=channel,
    )
    return invoice


def credit_lines_for(
    invoice: Invoice, reversal: dict[int, Decimal] | None
) -> list[InvoiceLineInput]:
    """The lines of a credit note of `invoice`: every line reversed (`reversal` None), or
    the given quantity of some lines ({invoice line no: quantity to credit}), each at the
    invoiced price, so the credit reverses exactly what was invoiced."""
    lines = list(invoice.lines.select_related("po_line__uom", "po_line__item").order_by("line_no"))
    by_no = {line.line_no: line for line in lines}
    if reversal is not None:
        unknown = sorted(set(reversal) - set(by_no))
        if unknown:
            raise DomainError(
                gettext("Invoice %(number)s has no line %(unknown)s.")
                % {"number": invoice.number, "unknown": unknown[0]},
                line=unknown[0],
            )
    credited = invoice.credit_notes.all()
    already: dict[tuple[int | None, str], Decimal] = {}
    for line in InvoiceLine.objects.filter(invoice__in=credited):
        key = (line.po_line_id, line.description)
        already[key] = already.get(key, Decimal(0)) - line.quantity
    result: list[InvoiceLineInput] = []
    for line in lines:
        if reversal is not None and line.line_no not in reversal:
            continue
        quantity = line.quantity if reversal is None else reversal[line.line_no]
        left = line.quantity - already.get((line.po_line_id, line.description), Decimal(0))
        if quantity <= 0 or quantity > left:
            raise DomainError(
                gettext("Line %(line_no)s can be credited for at most %(left)s %(uom_code)s.")
                % {
                    "line_no": line.line_no,
                    "left": format(left.normalize(), "f"),
                    "uom_code": line.uom_code,
                },
                field="quantity",
                line=line.line_no,
            )
        result.append(
            InvoiceLineInput(
                line_no=len(result) + 1,
                quantity=-quantity,
                uom_code=line.uom_code,
                unit_price=line.unit_price,
                po_line=line.po_line,
                supplier_sku=line.supplier_sku,
                kind=line.kind,
                description=line.description,
            )
        )
    if not result:
        raise DomainError(gettext("Choose at least one line to credit."), field="lines")
    return result


def is_fully_credited(invoice: Invoice) -> bool:
    """The invoice's credit notes add up to minus its total (to the cent of its currency)."""
    credited = sum((note.total_amount for note in invoice.credit_notes.all()), Decimal(0))
    return credited + invoice.total_amount == 0


def _locked(invoice: Invoice) -> Invoice:
    return (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("supplier", "purchase_order", "credited_invoice")
        .get(pk=invoice.pk)
    )


@transaction.atomic
def invoice_release_hold(*, actor: Actor, invoice: Invoice, note: str) -> Invoice:
    """Accounts payable approve an invoice on hold as it is (the variances accepted)."""
    invoice = _locked(invoice)
    if not note.strip():
        raise DomainError(gettext("Say why the hold is released."), field="note")
    invoice.approved_at = timezone.now()
    invoice.lines.filter(result__in=_HELD_RESULTS).update(
        result=InvoiceLine.Result.ACCEPTED, variance_accepted=True
    )
    INVOICE.move(
        invoice,
        to=Status.APPROVED,
        action="hold_released",
        actor=actor,
        channel=Channel.PORTAL,
        after={"note": note.strip()[:300]},
        data={**invoice_event_data(invoice), "status": Status.APPROVED},
        update_fields=["approved_at"],
    )
    return invoice


_HELD_RESULTS = [
    InvoiceLine.Result.PRICE_VARIANCE,
    InvoiceLine.Result.QUANTITY_VARIANCE,
    InvoiceLine.Result.NOT_RECEIVED,
    InvoiceLine.Result.DUPLICATE,
]


@transaction.atomic
def invoice_schedule_payment(
    *, actor: Actor, invoice: Invoice, pay_on: datetime.date, channel: str = Channel.PORTAL
) -> Invoice:
    """The payment run that will pay the approved invoice."""
    invoice = _locked(invoice)
    invoice.scheduled_for = pay_on
    INVOICE.move(
        invoice,
        to=Status.SCHEDULED,
        actor=actor,
        channel=channel,
        after={"scheduled_for": pay_on.isoformat()},
        update_fields=["scheduled_for"],
    )
    return invoice


@transaction.atomic
def invoice_mark_paid(
    *,
    actor: Actor,
    invoice: Invoice,
    paid_on: datetime.date,
    remittance_reference: str,
    channel: str = Channel.PORTAL,
) -> Invoice:
    """The invoice was paid on `paid_on`; the remittance reference is what the supplier
    finds on its bank statement."""
    invoice = _locked(invoice)
    if not remittance_reference.strip():
        raise DomainError(
            gettext("Give the payment's remittance reference."), field="remittance_reference"
        )
    invoice.paid_on = paid_on
    invoice.remittance_reference = remittance_reference.strip()[:80]
    data = {
        **invoice_event_data(invoice),
        "status": Status.PAID,
        "paid_on": paid_on,
        "remittance_reference": invoice.remittance_reference,
    }
    INVOICE.move(
        invoice,
        to=Status.PAID,
        actor=actor,
        channel=channel,
        after={"paid_on": paid_on.isoformat(), "remittance": invoice.remittance_reference},
        data=data,
        update_fields=["paid_on", "remittance_reference"],
    )
    return invoice


def invoice_mark_credited(*, actor: Actor, invoice: Invoice, credit_note: Invoice) -> None:
    """The whole invoice was reversed by `credit_note`: it will not be paid."""
    invoice = _locked(invoice)
    if not INVOICE.can(invoice, Status.CREDITED):
        return  # a paid invoice's credit note is a refund to follow up in the ERP
    INVOICE.move(
        invoice,
        to=Status.CREDITED,
        actor=actor,
        channel=credit_note.channel,
        after={"credit_note": credit_note.number},
    )
