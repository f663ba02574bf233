"""Tryton ERP ↔ portal domain mapping: purchases in as POs, receipts and stock back.

The transport (`integrations.connectors.tryton`) returns plain dicts; this module turns
them into portal documents through the same services every other channel uses
(`purchase_order_create`), so the mapping from a canonical payload to a model lives next
to the model (DESIGN §2).

- Pulling is idempotent twice over: each purchase version (state + lines) is recorded as
  an inbound message (`integrations.services.inbound_message`) in the transaction that
  imports it, and a PO number that already exists is never created again.
- A purchase the portal cannot map (unknown supplier, product, warehouse or unit) is not
  a crash: nothing is created, and one failure row per purchase version and reason is
  written (an audit entry on the connector, action `inbound_rejected`, reason in words)
  until the master data is fixed; the next pull then imports it. The shared exceptions
  inbox (issue 6) will take these rows over.
"""

import datetime
import hashlib
import io
import json
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypedDict

from django.db import transaction
from django.utils import timezone

from integrations.connectors import ConnectorError, connector_for
from integrations.connectors.tryton import TrytonConnector, cursors
from integrations.errors import DomainError
from integrations.models import Channel, Connector, ErpShortReceiptRule
from integrations.services import audit_record, inbound_message, inbound_seen_or_record
from inventory.models import Item, UnitOfMeasure, Warehouse
from inventory.services.snapshots import snapshot_ingest
from suppliers import services
from suppliers.models import AsnLine, PurchaseOrder, Receipt, Shipment, Supplier
from suppliers.services import erp_follow

logger = logging.getLogger(__name__)

KIND = "tryton"


class InboundRejected(Exception):
    """A Tryton document the portal cannot take as it is; `reasons` say what to fix."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass
class PullReport:
    created: list[str] = field(default_factory=list)
    revised: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    read: int = 0

    def as_dict(self) -> dict:
        return {
            "read": self.read,
            "created": self.created,
            "revised": self.revised,
            "cancelled": self.cancelled,
            "unchanged": len(self.unchanged),
            "failed": self.failed,
        }


def tryton_connectors() -> list[Connector]:
    return list(Connector.objects.filter(kind=KIND, enabled=True, paused=False).order_by("pk"))


def _tryton(connector: Connector) -> TrytonConnector:
    impl = connector_for(connector)
    if not isinstance(impl, TrytonConnector):
        raise ConnectorError(
            f"Connector {connector.name} is a {connector.kind} connector, not {KIND}.",
            permanent=True,
        )
    return impl


def _source(connector: Connector) -> str:
    return f"{KIND}:{connector.name}"


def _fingerprint(payload: object) -> str:
    raw = json.dumps(payload, sort_keys=True, default=str).encode()
    return hashlib.sha256(raw).hexdigest()[:16]


def _record_failure(
    *, connector: Connector, subject: str, version: str, reasons: list[str]
) -> bool:
    """One failure row per document version and reasons (a pull every few minutes must
    not bury the operator). Returns True when the row is new."""
    key = f"failure:{subject}:{version}:{_fingerprint(reasons)}"
    with transaction.atomic():
        if inbound_seen_or_record(source=_source(connector), external_id=key, note=subject):
            return False
        audit_record(
            actor=None,
            channel=Channel.CONNECTOR,
            obj=connector,
            action="inbound_rejected",
            after={"document": subject, "reasons": reasons},
        )
    logger.warning("Tryton %s not imported: %s", subject, "; ".join(reasons))
    return True


# --- purchases → purchase orders ---------------------------------------------------------


def _line_signature(lines) -> list[tuple]:
    return [
        (
            line["line_no"],
            line["product"],
            str(Decimal(line["quantity"]).normalize()),
            line["uom"] or line["unit"],
            str(Decimal(line["unit_price"]).normalize()),
        )
        for line in lines
    ]


def _portal_signature(purchase_order: PurchaseOrder) -> list[tuple]:
    return [
        (
            line.line_no,
            line.item.sku,
            str(line.ordered_qty.normalize()),
            line.uom.code,
            str(line.unit_price.normalize()),
        )
        for line in purchase_order.lines.select_related("item", "uom").order_by("line_no")
    ]


def _resolve(purchase: dict) -> tuple[Supplier, Warehouse, list[services.PurchaseOrderLineInput]]:
    """Map a canonical Tryton purchase onto portal master data, or say everything that is
    missing at once."""
    reasons = []
    supplier = Supplier.objects.filter(erp_vendor_id=purchase["supplier"]).first()
    if supplier is None:
        reasons.append(
            f"unknown supplier: no portal supplier has ERP vendor id {purchase['supplier']!r} "
            f"(Tryton party {purchase['supplier_name']!r})"
        )
    warehouse = Warehouse.objects.filter(code=purchase["warehouse"]).first()
    if warehouse is None:
        reasons.append(f"unknown warehouse: no portal warehouse has code {purchase['warehouse']!r}")
    skus = {line["product"] for line in purchase["lines"]}
    items = Item.objects.select_related("base_uom").in_bulk(skus, field_name="sku")
    uoms = UnitOfMeasure.objects.in_bulk(
        {line["uom"] for line in purchase["lines"] if line["uom"]}, field_name="code"
    )
    lines = []
    fallback_date = purchase.get("purchase_date") or datetime.date.today()
    for line in purchase["lines"]:
        where = f"line {line['line_no']}"
        item = items.get(line["product"])
        if item is None:
            reasons.append(f"{where}: unknown product: no portal item has SKU {line['product']!r}")
        uom = uoms.get(line["uom"]) if line["uom"] else None
        if uom is None:
            reasons.append(
                f"{where}: unknown unit: Tryton unit {line['unit']!r} maps to no portal unit "
                "(connector config uom_map)"
            )
        if item is None or uom is None:
            continue
        lines.append(
            services.PurchaseOrderLineInput(
                line_no=line["line_no"],
                item=item,
                ordered_qty=line["quantity"],
                uom=uom,
                unit_price=line["unit_price"],
                requested_date=line.get("moved_to") or line["delivery_date"] or fallback_date,
            )
        )
    if not purchase["lines"]:
        reasons.append("the purchase has no goods lines")
    if reasons or supplier is None or warehouse is None:
        raise InboundRejected(reasons)
    return supplier, warehouse, lines


def effective(purchase: dict) -> dict:
    """The purchase as the supplier should now deliver it: each line less the moves the
    buyer cancelled in Tryton (a processing purchase cannot be cancelled there; its moves
    can), a line with nothing left dropped."""
    lines = []
    for line in purchase["lines"]:
        cancelled = line.get("cancelled_qty") or Decimal(0)
        if not cancelled:
            lines.append(line)
        elif line["quantity"] - cancelled > 0:
            lines.append({**line, "quantity": line["quantity"] - cancelled})
    return {**purchase, "lines": lines, "all_cancelled": bool(purchase["lines"]) and not lines}


def purchase_import(*, connector: Connector, purchase: dict) -> str:
    """Import one canonical Tryton purchase. Returns "created", "revised", "cancelled",
    "unchanged" or "failed" (with a failure row written: unknown master data, or a
    revision/cancellation the portal must refuse because goods already shipped)."""
    purchase = effective(purchase)
    number = purchase["number"]
    version = _fingerprint(
        {
            "state": purchase["state"],
            "lines": _line_signature(purchase["lines"]),
            "dates": [line.get("waiting_dates") for line in purchase["lines"]],
        }
    )
    external_id = f"purchase:{purchase['erp_id']}:{version}"
    try:
        with inbound_message(
            source=_source(connector), external_id=external_id, note=number
        ) as first_time:
            if not first_time:
                return "unchanged"
            existing = (
                PurchaseOrder.objects.filter(number=number).select_related("supplier").first()
            )
            if purchase["state"] == "cancelled" or purchase["all_cancelled"]:
                if existing is None or existing.status == PurchaseOrder.Status.CANCELLED:
                    return "unchanged"  # cancelled before we saw it, or already followed
                if purchase["state"] == "cancelled":
                    services.purchase_order_cancel(
                        actor=None,
                        purchase_order=existing,
                        reason=f"cancelled in Tryton (purchase {number})",
                        channel=Channel.CONNECTOR,
                    )
                    return "cancelled"
                return erp_follow.purchase_order_follow_erp(
                    actor=None,
                    purchase_order=existing,
                    lines=[],
                    erp_reference=f"Tryton purchase {number}",
                )
            if existing is not None:
                if existing.erp_id != purchase["erp_id"]:
                    raise InboundRejected(
                        [f"PO number {number} already exists in the portal from another source"]
                    )
                if existing.status == PurchaseOrder.Status.CANCELLED:
                    return "unchanged"
                moved = erp_follow.dates_moved_in_erp(
                    existing,
                    {
                        line["line_no"]: line.get("waiting_dates") or []
                        for line in purchase["lines"]
                    },
                )
                if moved or _portal_signature(existing) != _line_signature(purchase["lines"]):
                    purchase = {
                        **purchase,
                        "lines": [
                            {**line, "moved_to": moved.get(line["line_no"])}
                            for line in purchase["lines"]
                        ],
                    }
                    _supplier, _warehouse, lines = _resolve(purchase)
                    return erp_follow.purchase_order_follow_erp(
                        actor=None,
                        purchase_order=existing,
                        lines=lines,
                        erp_reference=f"Tryton purchase {number}",
                    )
                return "unchanged"
            supplier, warehouse, lines = _resolve(purchase)
            services.purchase_order_create(
                actor=None,
                number=number,
                supplier=supplier,
                ship_to=warehouse,
                lines=lines,
                channel=Channel.CONNECTOR,
                currency=purchase["currency"] or None,
                erp_id=purchase["erp_id"],
            )
            return "created"
    except InboundRejected as rejected:
        _record_failure(
            connector=connector,
            subject=f"purchase {number}",
            version=version,
            reasons=rejected.reasons,
        )
        return "failed"
    except DomainError as error:
        _record_failure(
            connector=connector,
            subject=f"purchase {number}",
            version=version,
            reasons=[str(error)],
        )
        return "failed"


def purchases_pull(
    *, connector: Connector, since: datetime.datetime | None = None, full: bool = False
) -> PullReport:
    """Pull the purchases that changed since the connector's cursor (less the overlap),
    or all of them (`full`, a resync requested, or the first pull), and import each in
    its own transaction (one bad purchase does not hold back the others). An explicit
    `since` reads from there and leaves the cursor alone. Raises ConnectorError when
    Tryton cannot be reached (the cursor does not move)."""
    report = PullReport()
    impl = _tryton(connector)
    cursor = cursors.cursor_for(connector, "purchases")
    explicit = since is not None
    if not explicit and not full:
        since = cursors.since_for(cursor)
    purchases = impl.fetch_purchases(
        since=since, also_ids=[int(i) for i in cursor.retry_ids if str(i).isdigit()]
    )
    report.read = len(purchases)
    refused = []
    for purchase in purchases:
        outcome = purchase_import(connector=connector, purchase=purchase)
        if outcome in ("created", "revised", "cancelled", "unchanged"):
            getattr(report, outcome).append(purchase["number"])
        else:
            report.failed[purchase["number"]] = "see the connector's inbound_rejected entries"
            refused.append(purchase["erp_id"])
    # A purchase refused for master data is read again on every pull (however old its
    # stamp) until it imports; the cursor itself moves on.
    if not explicit:
        cursors.cursor_advance(
            cursor, stamp=impl.last_stamp, read=len(purchases), retry_ids=refused
        )
    return report


# --- receipts → ASN lines -----------------------------------------------------------------


@dataclass(frozen=True)
class ReceiptLineInput:
    """What arrived for one ASN line, in the PO line's unit, with its variance."""

    asn_line: AsnLine
    quantity: Decimal

    @property
    def variance(self) -> Decimal:
        return self.quantity - self.asn_line.quantity_po_uom


def receipt_lines(*, shipment: Shipment, receipt: dict) -> list[ReceiptLineInput]:
    """Map a canonical Tryton receipt onto the ASN's lines (partial, over and short show as
    the variance)."""
    asn_lines = {
        (line.po_line.purchase_order.number, line.po_line.line_no): line
        for line in shipment.lines.select_related("po_line__purchase_order", "po_line__uom")
    }
    received: dict[tuple[str, int], Decimal] = {}
    reasons = []
    for line in receipt["lines"]:
        key = (line["po_number"], line["po_line_no"])
        if key not in asn_lines:
            reasons.append(
                f"{line['po_number']} line {line['po_line_no']} is not on ASN {shipment}"
            )
            continue
        if line["uom"] != asn_lines[key].po_line.uom.code:
            reasons.append(
                f"{line['po_number']} line {line['po_line_no']}: received in {line['unit']!r}, "
                f"the PO line is in {asn_lines[key].po_line.uom.code}"
            )
            continue
        received[key] = received.get(key, Decimal(0)) + line["quantity"]
    if reasons:
        raise InboundRejected(reasons)
    return [
        ReceiptLineInput(asn_line=asn_line, quantity=received.get(key, Decimal(0)))
        for key, asn_line in sorted(asn_lines.items(), key=lambda kv: kv[1].line_no)
    ]


class ReceiptsPullReport(TypedDict):
    mapped: list[dict[str, Any]]  # {"asn": ASN number, "lines": {line no: quantity}}
    failed: dict[str, list[str]]  # receipt number → why it was not mapped


def receipts_pull(
    *, connector: Connector, since: datetime.datetime | None = None, full: bool = False
) -> ReceiptsPullReport:
    """Pull supplier shipments received in Tryton since the cursor and map them onto
    their ASNs.

    Each received shipment is recorded once (inbound dedupe) through the receiving service,
    which closes the ASN and raises variances outside tolerance into the exceptions inbox;
    a short receipt then follows the supplier's short-receipt rule (`_settle_short`)."""
    outcome: ReceiptsPullReport = {"mapped": [], "failed": {}}
    impl = _tryton(connector)
    cursor = cursors.cursor_for(connector, "receipts")
    explicit = since is not None
    if not explicit and not full:
        since = cursors.since_for(cursor)
    receipts = impl.fetch_receipts(
        since=since, also_ids=[int(i) for i in cursor.retry_ids if str(i).isdigit()]
    )
    for receipt in receipts:
        subject = f"receipt {receipt['number']} (ASN {receipt['asn_number']})"
        shipment = (
            Shipment.objects.filter(
                supplier__erp_vendor_id=receipt["supplier"], asn_number=receipt["asn_number"]
            )
            .select_related("supplier", "ship_to")
            .first()
        )
        try:
            if shipment is None:
                raise InboundRejected(
                    [f"no portal ASN {receipt['asn_number']} for ERP vendor {receipt['supplier']}"]
                )
            lines = receipt_lines(shipment=shipment, receipt=receipt)
        except InboundRejected as rejected:
            _record_failure(
                connector=connector,
                subject=subject,
                version=receipt["state"],
                reasons=rejected.reasons,
            )
            outcome["failed"][receipt["number"]] = rejected.reasons
            continue
        with inbound_message(
            source=_source(connector), external_id=f"receipt:{receipt['erp_id']}"
        ) as first_time:
            if first_time:
                received_on = receipt.get("received_on")
                services.receipt_record(
                    actor=None,
                    shipment=shipment,
                    reference=f"tryton:{receipt['number']}",
                    lines=[
                        services.ReceiptLineInput(
                            line_no=line.asn_line.line_no, qty_received=line.quantity
                        )
                        for line in lines
                    ],
                    received_at=(
                        timezone.make_aware(
                            datetime.datetime.combine(received_on, datetime.time(12))
                        )
                        if received_on
                        else None
                    ),
                    source=Receipt.Source.ERP,
                    # A Tryton supplier shipment is received whole: it closes the ASN.
                    closes_asn=True,
                    channel=Channel.CONNECTOR,
                )
                _settle_short(connector=connector, impl=impl, shipment=shipment)
        outcome["mapped"].append(
            {
                "asn": shipment.asn_number,
                "lines": {line.asn_line.line_no: line.quantity for line in lines},
            }
        )
    refused = [r["erp_id"] for r in receipts if r["number"] in outcome["failed"]]
    if not explicit:
        cursors.cursor_advance(cursor, stamp=impl.last_stamp, read=len(receipts), retry_ids=refused)
    return outcome


def _settle_short(*, connector: Connector, impl: TrytonConnector, shipment: Shipment) -> None:
    """After a short receipt, both systems agree by the buyer's rule for the supplier:
    keep the remainder open (Tryton's backorder stays, the portal line stays open) or
    cancel Tryton's backorder and close the portal line."""
    short = erp_follow.short_lines(shipment)
    if not short:
        return
    rule = erp_follow.short_receipt_rule(connector=connector, supplier_code=shipment.supplier.code)
    if rule != ErpShortReceiptRule.Rule.CANCEL_BACKORDER:
        return
    by_po: dict[str, list[int]] = {}
    for line in short:
        by_po.setdefault(line.po_number, []).append(line.line_no)
    for po_number, line_nos in sorted(by_po.items()):
        impl.cancel_backorder(po_number, line_nos)
    erp_follow.short_lines_close(actor=None, shipment=shipment, lines=short)


# --- stock ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErpStockRow:
    sku: str
    warehouse: str
    quantity: Decimal
    uom: str


def stock_pull(
    *,
    connector: Connector,
    on: datetime.date | None = None,
    skus: list[str] | None = None,
) -> list[ErpStockRow]:
    """On-hand quantities per item × warehouse from Tryton, for the portal's items and
    warehouses (`stock_snapshot_pull` turns them into the ERP side of reconciliation);
    `skus` limits the pull to those items."""
    warehouses = list(Warehouse.objects.order_by("code").values_list("code", flat=True))
    if not warehouses:
        return []
    rows = _tryton(connector).fetch_stock(warehouses=warehouses, on=on, products=skus)
    known = set(
        Item.objects.filter(sku__in={r["product"] for r in rows}).values_list("sku", flat=True)
    )
    return [
        ErpStockRow(
            sku=row["product"],
            warehouse=row["warehouse"],
            quantity=row["quantity"],
            uom=row["uom"] or row["unit"],
        )
        for row in rows
        if row["product"] in known
    ]


def stock_snapshot_pull(
    *,
    connector: Connector,
    on: datetime.date | None = None,
    skus: list[str] | None = None,
) -> dict:
    """Pull Tryton's on-hand stock and ingest it, per warehouse, as an ERP snapshot through
    the same set-based ingest as a CSV file, so the nightly reconciliation compares it with
    the WMS. A pull of some items (`skus`) is a *partial* snapshot: only those items are
    compared, the last full snapshot still speaks for the others (a 6-item pull must not
    make every other item "missing in ERP"). Returns {warehouse code: rows loaded, or the
    reason it was refused}."""
    by_warehouse: dict[str, list[ErpStockRow]] = {}
    for row in stock_pull(connector=connector, on=on, skus=skus):
        by_warehouse.setdefault(row.warehouse, []).append(row)
    taken_at = timezone.now()
    outcome: dict[str, int | str] = {}
    for warehouse in Warehouse.objects.filter(code__in=by_warehouse).order_by("code"):
        rows = by_warehouse[warehouse.code]
        body = "sku,uom,quantity\n" + "".join(
            f"{row.sku},{row.uom},{row.quantity.normalize():f}\n" for row in rows
        )
        try:
            result = snapshot_ingest(
                actor=None,
                stream=io.BytesIO(body.encode()),
                source="erp",
                warehouse=warehouse,
                taken_at=taken_at,
                file_name=f"tryton-stock-{connector.name}-{taken_at:%Y%m%dT%H%M%S}.csv",
                channel=Channel.CONNECTOR,
                partial=skus is not None,
            )
        except DomainError as error:
            outcome[warehouse.code] = error.message
            continue
        outcome[warehouse.code] = result.rows_loaded
    return outcome
