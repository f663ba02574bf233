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
the PO currency (rounded to its decimals). Boundaries are inclusive. The tolerance of a
line is the most specific one (`tolerance_for`): the supplier's `InvoiceTolerance` for the
item's class, then the class's row for every supplier, then the supplier's
`InvoicingTerms`; the line keeps a sentence saying which one it was measured with. Taxes and charges
are not on the PO: they are matched as they are. Credit notes of an invoice reduce what
it bills (and what later invoices see as already billed); a credit note itself matches.

`invoices_match` runs on invoices just submitted, and again at once, in the changing
transaction, when something may change the answer: a receipt (`receipt_record` calls
`invoices_rematch_for_po_lines`), a PO revision (`purchase_order_revise` lets go of and
re-points the invoice lines on the replaced PO lines: `invoice_lines_unlink` /
`invoice_lines_relink`), a credit note (the invoices billed after the credited one), a
dispute's resolution. The beat (`invoices_rematch_stale`, by the PO lines' `updated_at`)
stays as the net for what changes elsewhere. The reads are a constant number of queries;
the moves and events are one per invoice, as the lifecycle makes them.
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

from integrations.errors import DomainError
from integrations.models import Channel
from integrations.money import currency_decimals, round_money
from integrations.services import publish
from inventory.services import convert_quantity, unit_of_measure
from portal.access import Actor
from suppliers.models import (
    Invoice,
    InvoiceLine,
    InvoiceTolerance,
    InvoicingTerms,
    PurchaseOrder,
    PurchaseOrderLine,
)
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


@dataclass(frozen=True)
class Tolerance:
    """How far a line may differ: percentages of the received quantity and of the PO
    price, and the largest variance amount per line (None: no absolute limit)."""

    qty_pct: Decimal
    price_pct: Decimal
    amount: Decimal | None
    source: str

    @classmethod
    def of(cls, row: InvoicingTerms | InvoiceTolerance, source: str) -> Tolerance:
        return cls(row.qty_tolerance_pct, row.price_tolerance_pct, row.amount_tolerance, source)

    def describe(self, currency: str) -> str:
        """The sentence the invoice page shows beside the line."""
        if not self.qty_pct and not self.price_pct and self.amount is None:
            return f"{self.source}: exact match (no tolerance)."
        limit = ""
        if self.amount is not None:
            places = currency_decimals(currency)
            limit = f", at most {self.amount:.{places}f} {currency} per line"
        return (
            f"{self.source}: quantity {_fmt(self.qty_pct)}%, price {_fmt(self.price_pct)}%{limit}."
        )


def tolerance_for(
    *,
    supplier_id: int,
    item_class: str,
    terms: InvoicingTerms,
    overrides: dict[tuple[int | None, str], InvoiceTolerance],
) -> Tolerance:
    """The most specific tolerance for a line: the supplier's row for the item's class,
    then the class's row for every supplier, then the supplier's invoicing terms.
    `overrides` holds the `InvoiceTolerance` rows by (supplier id or None, class)."""
    if item_class:
        own = overrides.get((supplier_id, item_class))
        if own is not None:
            return Tolerance.of(own, f"Item class {item_class}, this supplier")
        shared = overrides.get((None, item_class))
        if shared is not None:
            return Tolerance.of(shared, f"Item class {item_class}, every supplier")
    source = "Supplier's invoicing terms" if terms.pk else "Default terms"
    return Tolerance.of(terms, source)


def _overrides(
    supplier_ids: set[int], classes: set[str]
) -> dict[tuple[int | None, str], InvoiceTolerance]:
    if not classes:
        return {}
    rows = InvoiceTolerance.objects.filter(item_class__in=classes).filter(
        Q(supplier_id__in=supplier_ids) | Q(supplier__isnull=True)
    )
    return {(row.supplier_id, row.item_class): row for row in rows}


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
    tolerance: Tolerance | None = None,
) -> LineCheck:
    """The match of one goods line. `qty` and `unit_price` are per the PO line's unit,
    `basis` what was received (or shipped), `prior` what earlier invoices billed of it.
    `tolerance` defaults to the terms'. A price above the PO's is reported even before the
    goods arrive (a PO revision can make it so): it needs a person, the receipt does not."""
    tolerance = tolerance or Tolerance.of(terms, "")
    reasons: list[str] = []
    results: list[str] = []
    variance = ZERO
    limit = tolerance.amount
    not_received = basis <= 0 and qty > 0
    over = qty - (basis - prior)
    if over > 0 and not not_received:
        over_amount = round_money(over * agreed_price, currency)
        allowed = basis * tolerance.qty_pct / 100
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
        allowed_price = agreed_price * tolerance.price_pct / 100
        if difference > allowed_price or (limit is not None and price_amount > limit):
            results.append(Result.PRICE_VARIANCE)
            reasons.append(
                f"Price {_fmt(unit_price)} per {uom} is above the PO's {_fmt(agreed_price)} "
                f"({price_amount:f} {currency} over)."
            )
            variance += price_amount
    if not_received:
        what = "shipped" if terms.basis == InvoicingTerms.Basis.SHIPPED else "received"
        results.append(Result.NOT_RECEIVED)
        reasons.append(f"Nothing of this PO line was {what} yet.")
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
    overrides: dict[tuple[int | None, str], InvoiceTolerance],
) -> None:
    """Set each line's result, reason, figures and tolerance (not saved)."""
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
        po_line = po_lines.get(line.po_line_id) if line.po_line_id else None
        tolerance = tolerance_for(
            supplier_id=invoice.supplier_id,
            item_class=po_line.item.item_class if po_line is not None else "",
            terms=terms,
            overrides=overrides,
        )
        check = _check(invoice, line, po_lines, credited, prior, terms, tolerance, seen)
        counts = po_line is not None and _is_goods_of_invoice(invoice, line)
        line.tolerance = tolerance.describe(invoice.currency)[:200] if counts else ""
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
    tolerance: Tolerance,
    seen: set[int],
) -> LineCheck:
    if not _is_goods_of_invoice(invoice, line):
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
        tolerance=tolerance,
    )


def _is_goods_of_invoice(invoice: Invoice, line: InvoiceLine) -> bool:
    """Taxes, charges and credit notes are taken as they are: no tolerance applies."""
    return invoice.kind != Invoice.Kind.CREDIT_NOTE and line.kind == InvoiceLine.Kind.GOODS


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
        for po_line in PurchaseOrderLine.objects.select_related("uom", "item").filter(
            pk__in=po_line_ids
        )
    }
    billed = _billed(po_line_ids)
    supplier_ids = {invoice.supplier_id for invoice in invoices}
    terms = {t.supplier_id: t for t in InvoicingTerms.objects.filter(supplier_id__in=supplier_ids)}
    classes = {po_line.item.item_class for po_line in po_lines.values()} - {""}
    overrides = _overrides(supplier_ids, classes)
    by_invoice: dict[int, list[InvoiceLine]] = defaultdict(list)
    for line in lines:
        by_invoice[line.invoice_id].append(line)
    now = timezone.now()
    for invoice in invoices:
        invoice_terms = terms.get(invoice.supplier_id) or InvoicingTerms.defaults(invoice.supplier)
        _check_invoice(invoice, by_invoice[invoice.pk], po_lines, billed, invoice_terms, overrides)
    InvoiceLine.objects.bulk_update(
        lines, ["result", "hold_reason", "variance_amount", "po_price", "basis_qty", "tolerance"]
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


def invoices_rematch_for_po_lines(
    *,
    actor: Actor,
    po_line_ids: Iterable[int],
    channel: str = Channel.SYSTEM,
    exclude: Iterable[int] = (),
) -> dict[int, str]:
    """Match again, now, every invoice submitted or on hold with a line on these PO lines
    (a receipt or a revision changed what they are measured against): one query finds
    them. Called inside the changing transaction, so the supplier sees the answer with
    the change and a rolled-back change moves no invoice."""
    ids = set(po_line_ids)
    if not ids:
        return {}
    found = (
        Invoice.objects.filter(status__in=MATCHABLE, lines__po_line_id__in=ids)
        .exclude(pk__in=list(exclude))
        .values_list("pk", flat=True)
        .distinct()
    )
    invoice_ids = list(found)
    if not invoice_ids:
        return {}
    return invoices_match(actor=actor, invoice_ids=invoice_ids, channel=channel)


def invoice_lines_unlink(*, purchase_order: PurchaseOrder) -> dict[int, int]:
    """Before a revision replaces the PO's lines: the invoice lines on them let go of
    their PO line (which would otherwise protect it) and are remembered by the PO line's
    number, {invoice line id: PO line no}, for `invoice_lines_relink`."""
    rows = dict(
        InvoiceLine.objects.filter(po_line__purchase_order=purchase_order).values_list(
            "pk", "po_line__line_no"
        )
    )
    if rows:
        InvoiceLine.objects.filter(pk__in=list(rows)).update(po_line=None)
    return rows


def invoice_lines_relink(
    *,
    actor: Actor,
    purchase_order: PurchaseOrder,
    unlinked: dict[int, int],
    channel: str = Channel.SYSTEM,
) -> dict[int, str]:
    """After a revision: each unlinked invoice line points at the new PO line of its
    number, its quantity converted to that line's unit, and its invoices are matched
    again at once (a new price is a price variance now). A line the revision dropped, or
    whose new unit its quantity cannot be converted to exactly, stays without a PO line
    and holds its invoice ("names no line of the PO") until a person settles it."""
    if not unlinked:
        return {}
    new_lines = {
        po_line.line_no: po_line
        for po_line in PurchaseOrderLine.objects.select_related("uom", "item").filter(
            purchase_order=purchase_order
        )
    }
    lines = list(InvoiceLine.objects.filter(pk__in=list(unlinked)).order_by("pk"))
    for line in lines:
        po_line = new_lines.get(unlinked[line.pk])
        if po_line is None:
            continue
        try:
            line.qty_po_uom = _in_unit_of(line, po_line)
        except DomainError:
            continue
        line.po_line = po_line
    InvoiceLine.objects.bulk_update(lines, ["po_line", "qty_po_uom"])
    invoice_ids = {line.invoice_id for line in lines}
    return invoices_match(actor=actor, invoice_ids=invoice_ids, channel=channel)


def _in_unit_of(line: InvoiceLine, po_line: PurchaseOrderLine) -> Decimal:
    if not line.uom_code or line.uom_code == po_line.uom.code:
        return line.quantity
    return convert_quantity(
        quantity=line.quantity,
        from_uom=unit_of_measure(line.uom_code),
        to_uom=po_line.uom,
        item=po_line.item,
    )
