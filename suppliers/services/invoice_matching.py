"""The three-way match: each invoice line against its PO line's price and the quantity
received (or shipped, by the supplier's invoicing terms), set-based over many invoices.

Per goods line, in the PO line's unit (an invoice in cases against a PO in each is
converted exactly when the invoice is created, `InvoiceLine.qty_po_uom`):

- not yet received: nothing of the PO line was received (or shipped) yet;
- quantity variance: the line, with what earlier invoices of the PO line already billed,
  is more than received, by more than the tolerance;
- price variance: the price per PO unit is above the PO's (confirmed) price by more than
  the tolerance (a lower price is the supplier's loss, never held);
- duplicate suspected: the invoice looks like an earlier one (`Invoice.duplicate_of`).

A tolerance lets a variance through when it is within the percentage (of the received
quantity, of the PO price) *and*, when the terms set one, within the absolute amount in
the PO currency (rounded to its decimals). Boundaries are inclusive. Taxes and charges
are not on the PO: they are matched as they are. Credit notes of an invoice reduce what
it bills (and what later invoices see as already billed); a credit note itself matches.

`invoices_match` runs on invoices just submitted, on holds when a receipt, a PO revision
or a dispute's resolution may have changed the answer (`invoices_rematch_stale` finds
them by the PO lines' `updated_at`, every few minutes), in a constant number of queries
for the reads; the moves and events are one per invoice, as the lifecycle makes them.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from integrations.models import Channel
from integrations.money import round_money
from integrations.services import publish
from portal.access import Actor
from suppliers.models import Invoice, InvoiceLine, InvoicingTerms, PurchaseOrderLine
from suppliers.services.invoices import COUNTED, INVOICE, invoice_event_data, po_price

ZERO = Decimal(0)
Result = InvoiceLine.Result
Status = Invoice.Status
MATCHABLE = (Status.SUBMITTED, Status.ON_HOLD)


@dataclass(frozen=True)
class LineCheck:
    result: str
    reason: str
    variance_amount: Decimal


def _fmt(value: Decimal) -> str:
    return f"{value.normalize():f}"


def check_line(
    *,
    qty: Decimal,
    unit_price: Decimal,
    agreed_price: Decimal,
    basis: Decimal,
    prior: Decimal,
    terms: InvoicingTerms,
    currency: str,
    uom: str,
) -> LineCheck:
    """The match of one goods line. `qty` and `unit_price` are per the PO line's unit,
    `basis` what was received (or shipped), `prior` what earlier invoices billed of it."""
    if basis <= 0 and qty > 0:
        what = "shipped" if terms.basis == InvoicingTerms.Basis.SHIPPED else "received"
        return LineCheck(Result.NOT_RECEIVED, f"Nothing of this PO line was {what} yet.", ZERO)
    reasons: list[str] = []
    results: list[str] = []
    variance = ZERO
    limit = terms.amount_tolerance
    over = qty - (basis - prior)
    if over > 0:
        over_amount = round_money(over * agreed_price, currency)
        allowed = basis * terms.qty_tolerance_pct / 100
        if over > allowed or (limit is not None and over_amount > limit):
            results.append(Result.QUANTITY_VARIANCE)
            billed = f" (with {_fmt(prior)} already invoiced)" if prior else ""
            reasons.append(
                f"Invoiced {_fmt(qty)} {uom}{billed}, received {_fmt(basis)} {uom}: "
                f"{_fmt(over)} {uom} over ({over_amount:f} {currency})."
            )
            variance += over_amount
    difference = unit_price - agreed_price
    if difference > 0:
        price_amount = round_money(difference * qty, currency)
        allowed_price = agreed_price * terms.price_tolerance_pct / 100
        if difference > allowed_price or (limit is not None and price_amount > limit):
            results.append(Result.PRICE_VARIANCE)
            reasons.append(
                f"Price {_fmt(unit_price)} per {uom} is above the PO's {_fmt(agreed_price)} "
                f"({price_amount:f} {currency} over)."
            )
            variance += price_amount
    if not results:
        return LineCheck(Result.MATCHED, "", ZERO)
    return LineCheck(results[0], " ".join(reasons), variance)


def _price_per_po_unit(line: InvoiceLine) -> Decimal:
    if not line.qty_po_uom or line.qty_po_uom == line.quantity:
        return line.unit_price
    with localcontext() as ctx:
        ctx.prec = 40
        return line.unit_price * line.quantity / line.qty_po_uom


def _basis(po_line: PurchaseOrderLine, terms: InvoicingTerms) -> Decimal:
    if terms.basis == InvoicingTerms.Basis.SHIPPED:
        return po_line.shipped_qty
    return po_line.received_qty


def _billed(po_line_ids: set[int]) -> list[dict[str, Any]]:
    """Every counted goods line on these PO lines, invoices and credit notes alike."""
    rows = (
        InvoiceLine.objects.filter(COUNTED, po_line_id__in=po_line_ids, kind=InvoiceLine.Kind.GOODS)
        .values(
            "invoice_id",
            "invoice__kind",
            "invoice__credited_invoice_id",
            "po_line_id",
            "qty_po_uom",
        )
        .order_by()
    )
    return [dict(row) for row in rows]


def _check_invoice(
    invoice: Invoice,
    lines: list[InvoiceLine],
    po_lines: dict[int, PurchaseOrderLine],
    billed: list[dict[str, Any]],
    terms: InvoicingTerms,
) -> None:
    """Set each line's result, reason and figures (not saved)."""
    # What this invoice's own credit notes took back, and what came before it, per PO line.
    credited: dict[int, Decimal] = defaultdict(Decimal)
    prior: dict[int, Decimal] = defaultdict(Decimal)
    for row in billed:
        qty = row["qty_po_uom"] or ZERO
        owner = (
            row["invoice__credited_invoice_id"]
            if row["invoice__kind"] == Invoice.Kind.CREDIT_NOTE
            else row["invoice_id"]
        )
        if owner == invoice.pk and row["invoice_id"] != invoice.pk:
            credited[row["po_line_id"]] += qty
        elif owner is not None and owner < invoice.pk:
            prior[row["po_line_id"]] += qty
    seen: set[int] = set()
    for line in lines:
        check = _check(invoice, line, po_lines, credited, prior, terms, seen)
        if check.result != Result.MATCHED and line.variance_accepted:
            check = LineCheck(Result.ACCEPTED, f"Accepted: {check.reason}", check.variance_amount)
        line.result, line.hold_reason = check.result, check.reason[:300]
        line.variance_amount = check.variance_amount
        if line.po_line_id in po_lines:
            line.po_price = po_price(po_lines[line.po_line_id])
            line.basis_qty = _basis(po_lines[line.po_line_id], terms)


def _check(
    invoice: Invoice,
    line: InvoiceLine,
    po_lines: dict[int, PurchaseOrderLine],
    credited: dict[int, Decimal],
    prior: dict[int, Decimal],
    terms: InvoicingTerms,
    seen: set[int],
) -> LineCheck:
    if invoice.kind == Invoice.Kind.CREDIT_NOTE or line.kind != InvoiceLine.Kind.GOODS:
        return LineCheck(Result.MATCHED, "", ZERO)
    if invoice.duplicate_of is not None:
        return LineCheck(
            Result.DUPLICATE,
            f"Looks like invoice {invoice.duplicate_of.number} (same number or same amount "
            "and date).",
            ZERO,
        )
    po_line = po_lines.get(line.po_line_id) if line.po_line_id else None
    if po_line is None:
        return LineCheck(Result.NOT_RECEIVED, "The line names no line of the PO.", ZERO)
    qty = line.qty_po_uom or ZERO
    # A credit note of this invoice lowers the first line it billed for the PO line.
    if po_line.pk not in seen:
        qty += credited[po_line.pk]
        seen.add(po_line.pk)
    return check_line(
        qty=qty,
        unit_price=_price_per_po_unit(line),
        agreed_price=po_price(po_line),
        basis=_basis(po_line, terms),
        prior=prior[po_line.pk],
        terms=terms,
        currency=invoice.currency,
        uom=po_line.uom.code,
    )


@transaction.atomic
def invoices_match(
    *, actor: Actor, invoice_ids: Iterable[int], channel: str = Channel.SYSTEM
) -> dict[int, str]:
    """Match these invoices (those submitted or on hold; others are left alone) and move
    each: approved when every line matches, on hold otherwise. Returns {id: status}."""
    invoices = list(
        Invoice.objects.select_for_update(of=("self",))
        .select_related("supplier", "purchase_order", "credited_invoice", "duplicate_of")
        .filter(pk__in=sorted(set(invoice_ids)), status__in=MATCHABLE)
        .order_by("pk")
    )
    if not invoices:
        return {}
    lines = list(
        InvoiceLine.objects.filter(invoice__in=invoices)
        .select_related("po_line")
        .order_by("invoice_id", "line_no")
    )
    po_line_ids = {line.po_line_id for line in lines if line.po_line_id}
    po_lines = {
        po_line.pk: po_line
        for po_line in PurchaseOrderLine.objects.select_related("uom").filter(pk__in=po_line_ids)
    }
    billed = _billed(po_line_ids)
    supplier_ids = {invoice.supplier_id for invoice in invoices}
    terms = {t.supplier_id: t for t in InvoicingTerms.objects.filter(supplier_id__in=supplier_ids)}
    by_invoice: dict[int, list[InvoiceLine]] = defaultdict(list)
    for line in lines:
        by_invoice[line.invoice_id].append(line)
    now = timezone.now()
    for invoice in invoices:
        invoice_terms = terms.get(invoice.supplier_id) or InvoicingTerms.defaults(invoice.supplier)
        _check_invoice(invoice, by_invoice[invoice.pk], po_lines, billed, invoice_terms)
    InvoiceLine.objects.bulk_update(
        lines, ["result", "hold_reason", "variance_amount", "po_price", "basis_qty"]
    )
    outcome = {}
    for invoice in invoices:
        outcome[invoice.pk] = _settle(invoice, by_invoice[invoice.pk], actor, channel, now)
    return outcome


def _settle(
    invoice: Invoice, lines: list[InvoiceLine], actor: Actor, channel: str, now: datetime.datetime
) -> str:
    """Move the invoice as its lines say; a hold that stays a hold does not move again."""
    held = any(line.is_held for line in lines)
    if invoice.status == Status.ON_HOLD and held:
        Invoice.objects.filter(pk=invoice.pk).update(matched_at=now)
        return invoice.status
    invoice.matched_at = now
    INVOICE.move(
        invoice, to=Status.MATCHING, actor=actor, channel=channel, update_fields=["matched_at"]
    )
    target = Status.ON_HOLD if held else Status.APPROVED
    data = {**invoice_event_data(invoice, lines), "status": target}
    publish(
        event_type="invoice.matched",
        aggregate_type=INVOICE.aggregate_type,
        aggregate_id=INVOICE.aggregate_id(invoice),
        data=data,
        actor=actor,
        channel=channel,
    )
    if held:
        invoice.held_at = now
    else:
        invoice.approved_at = now
    INVOICE.move(
        invoice,
        to=target,
        actor=actor,
        channel=channel,
        after={"held_lines": [line.line_no for line in lines if line.is_held]},
        data=data,
        update_fields=["held_at" if held else "approved_at"],
    )
    return target


def invoices_rematch_stale(*, actor: Actor = None) -> dict[int, str]:
    """Match again every invoice submitted or on hold whose PO lines changed since its
    last match (a receipt, a PO revision): one query finds them, whatever their number."""
    stale = (
        Invoice.objects.filter(status__in=MATCHABLE)
        .filter(Q(matched_at__isnull=True) | Q(lines__po_line__updated_at__gt=F("matched_at")))
        .values_list("pk", flat=True)
        .distinct()
    )
    return invoices_match(actor=actor, invoice_ids=list(stale))
