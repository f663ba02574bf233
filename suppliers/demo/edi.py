"""The demo's EDI supplier: one demo supplier trades by X12 files instead of the portal.

`seed_edi_demo()` (called by `seed_demo`) makes the supplier a trading partner with
folders under `var/edi/<code>/in|out` and configures the `edi_x12` connector that writes
our 850s and 997s into the partner's outbound folder. `edi_demo_purchase_order()` and
`edi_demo_files_write()` (the `edi_demo_files` command) play the partner's side: a new
PO goes out as an 850, and the 855, 856 and 810 the partner's translator would send back
land in the inbound folder for `edi_import` or the folder poll to pick up.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from integrations.connectors.file_drop import resolve_directory
from integrations.edi.control import control_number_next
from integrations.models import Channel, Connector, EdiInterchange
from integrations.services.dispatch import breaker_for
from integrations.x12 import Delimiters, FunctionalGroup, Interchange, Segment, TransactionSet
from integrations.x12 import read as read_x12
from integrations.x12 import write as write_x12
from inventory.models import Warehouse
from suppliers import services
from suppliers.models import PurchaseOrder, Supplier, SupplierItem, TradingPartner
from suppliers.services.sscc import sscc_check_digit

DEMO_SUPPLIER_CODE = "BRP"  # Blue Ridge Packaging; Ben Okafor's login shows its side
DEMO_PARTNER_CODE = "brp"
DEMO_CONNECTOR_NAME = "edi-x12"
DEMO_PO_PREFIX = "PO-EDI-"
DEMO_ACTOR = "ERP (EDI demo)"
# GS1's own example company prefix: SSCCs that are valid but belong to nobody.
DEMO_GS1_PREFIX = "0614141"

EDI_CONNECTOR = {
    "kind": "edi_x12",
    "label": "EDI partners",
    "description": "X12 files for EDI trading partners: purchase orders (850) and functional "
    "acknowledgments (997) go to each partner's outbound folder.",
    "config": {},
    "event_types": [
        "edi.functional_ack",
        "purchase_order.received",
        "purchase_order.change_decided",
        "purchase_order.revised",
    ],
    "owner_team": "Integration team",
    "change_window": "Any time (files)",
}


@dataclass
class EdiDemo:
    partner: TradingPartner
    connector: Connector
    created: list[str] = field(default_factory=list)


def _partner_defaults(supplier: Supplier, code: str, folder_root: str) -> dict:
    isa_id = f"{supplier.code}EDI"[:15]
    return {
        "code": code,
        "isa_qualifier": "ZZ",
        "isa_id": isa_id,
        "gs_id": isa_id,
        "our_isa_qualifier": "ZZ",
        "our_isa_id": "DEMODIST",
        "our_gs_id": "DEMODIST",
        "versions_accepted": "004010,005010",
        "outbound_version": "004010",
        "usage": "T",  # a demo partner: ISA15 T marks every file as test data
        # Their translator says CA for a case and sends our SKUs as BP.
        "uom_map": {"CA": "CS"},
        "inbound_folder": f"{folder_root}/{code}/in",
        "outbound_folder": f"{folder_root}/{code}/out",
    }


@transaction.atomic
def seed_edi_demo(
    *,
    supplier_code: str = DEMO_SUPPLIER_CODE,
    partner_code: str = DEMO_PARTNER_CODE,
    folder_root: str = "var/edi",
) -> EdiDemo:
    """Make demo supplier `supplier_code` an EDI trading partner and configure the
    `edi_x12` connector. Idempotent: what exists is kept as it is (an operator's changes
    survive a re-seed); only what is missing is created. Relative folders are under the
    project directory."""
    supplier = Supplier.objects.filter(code=supplier_code).first()
    if supplier is None:
        raise LookupError(f"Demo supplier {supplier_code} does not exist; run seed_demo first.")
    created = []
    partner = TradingPartner.objects.filter(supplier=supplier).first()
    if partner is None:
        partner = TradingPartner.objects.create(
            supplier=supplier, **_partner_defaults(supplier, partner_code, folder_root)
        )
        created.append(f"trading partner {partner.code}")
    if not supplier.edi_isa_id:
        # The supplier record shows its EDI ids too (DESIGN §4).
        supplier.edi_isa_qualifier = partner.isa_qualifier
        supplier.edi_isa_id = partner.isa_id
        supplier.edi_gs_id = partner.gs_id
        supplier.save(update_fields=["edi_isa_qualifier", "edi_isa_id", "edi_gs_id"])
    connector = Connector.objects.filter(kind="edi_x12").order_by("pk").first()
    if connector is None:
        connector = Connector.objects.create(name=DEMO_CONNECTOR_NAME, **EDI_CONNECTOR)
        created.append(f"connector {connector.name}")
    breaker_for(connector)
    for folder in (partner.inbound_folder, partner.outbound_folder):
        resolve_directory(folder).mkdir(parents=True, exist_ok=True)
    return EdiDemo(partner=partner, connector=connector, created=created)


def _next_demo_number() -> str:
    last = PurchaseOrder.objects.filter(number__startswith=DEMO_PO_PREFIX).aggregate(
        last=Max("number")
    )["last"]
    n = int(last.removeprefix(DEMO_PO_PREFIX)) + 1 if last else 1
    return f"{DEMO_PO_PREFIX}{n:04d}"


def edi_demo_purchase_order(*, partner: TradingPartner, lines: int = 2) -> PurchaseOrder:
    """A new PO for the partner's supplier through `purchase_order_create`, as the ERP
    would send it: its `purchase_order.received` event is what the connector turns into
    an 850. Ordered in the supplier's own units, ten of each."""
    supplier_items = list(
        SupplierItem.objects.filter(supplier_id=partner.supplier_id, is_active=True)
        .select_related("item", "uom")
        .order_by("supplier_sku")[:lines]
    )
    if not supplier_items:
        raise LookupError(f"Supplier {partner.supplier.code} sells no items; run seed_demo.")
    warehouse = Warehouse.objects.filter(is_active=True).order_by("code").first()
    if warehouse is None:
        raise LookupError("There is no warehouse to ship to; run seed_demo.")
    requested = timezone.localdate() + datetime.timedelta(days=14)
    return services.purchase_order_create(
        actor=DEMO_ACTOR,
        number=_next_demo_number(),
        supplier=partner.supplier,
        ship_to=warehouse,
        lines=[
            services.PurchaseOrderLineInput(
                line_no=n,
                item=si.item,
                ordered_qty=Decimal("10"),
                uom=si.uom,
                unit_price=Decimal("2.50"),
                requested_date=requested,
            )
            for n, si in enumerate(supplier_items, start=1)
        ],
        channel=Channel.CONNECTOR,
    )


def sent_850(purchase_order: PurchaseOrder) -> EdiInterchange | None:
    """The latest 850 we sent for this PO (None if none was, e.g. a PO from before the
    supplier traded by EDI)."""
    return (
        EdiInterchange.objects.filter(
            direction=EdiInterchange.Direction.OUTBOUND,
            document_kind="850",
            document_ref=purchase_order.number,
        )
        .order_by("-created_at", "-id")
        .first()
    )


# ---------------------------------------------------------------- the partner's side


def _x12_number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _partner_interchange(
    partner: TradingPartner, *, functional_id: str, set_id: str, body: list[Segment]
) -> str:
    """One interchange from the partner to us holding one set, with the partner's own
    control numbers (kept in our counter table under a scope of their own, so a second
    run of the demo never looks like a resend)."""
    now = timezone.localtime()
    isa13 = control_number_next(scope=f"DEMO-PARTNER-ISA:{partner.code}")
    gs06 = control_number_next(scope=f"DEMO-PARTNER-GS:{partner.code}")
    group = FunctionalGroup.create(
        functional_id=functional_id,
        sender=partner.gs_id,
        receiver=partner.our_gs_id,
        date=now.strftime("%Y%m%d"),
        time=now.strftime("%H%M"),
        control_number=gs06,
        version=partner.outbound_version,
        transaction_sets=[
            TransactionSet.create(set_id=set_id, control_number="0001", segments=body)
        ],
    )
    interchange = Interchange.create(
        sender_qualifier=partner.isa_qualifier,
        sender_id=partner.isa_id,
        receiver_qualifier=partner.our_isa_qualifier,
        receiver_id=partner.our_isa_id,
        date=now.strftime("%y%m%d"),
        time=now.strftime("%H%M"),
        control_number=f"{isa13:09d}",
        version=partner.outbound_version[:5],
        groups=[group],
        usage=partner.usage,
        delimiters=Delimiters(element="*", component=">", segment="~", repetition="^"),
    )
    return write_x12(interchange)


def _lines(purchase_order: PurchaseOrder) -> list:
    return list(purchase_order.lines.select_related("item", "uom").order_by("line_no"))


def _item_ids(partner: TradingPartner, purchase_order: PurchaseOrder, line) -> list[str]:
    """The partner's item qualifiers for a line: its own number (VP) when it has one, and
    always our SKU (BP), as a translator that kept our 850's PO1 would send them."""
    skus = dict(
        SupplierItem.objects.filter(
            supplier_id=purchase_order.supplier_id, item_id=line.item_id
        ).values_list("item_id", "supplier_sku")
    )
    ids = [partner.buyer_item_qualifier, line.item.sku]
    if skus.get(line.item_id):
        ids = [partner.supplier_item_qualifier, skus[line.item_id], *ids]
    return ids


def _their_unit(partner: TradingPartner, our_code: str) -> str:
    theirs = {ours: code for code, ours in partner.uom_map.items()}
    return theirs.get(our_code, our_code)


def demo_855(partner: TradingPartner, purchase_order: PurchaseOrder) -> str:
    """Every line accepted as ordered (ACK IA)."""
    today = timezone.localdate().strftime("%Y%m%d")
    body = [
        Segment.of("BAK", "00", "AD", purchase_order.number, today, str(purchase_order.revision))
    ]
    lines = _lines(purchase_order)
    for line in lines:
        unit = _their_unit(partner, line.uom.code)
        qty = _x12_number(line.ordered_qty)
        body.append(
            Segment.of(
                "PO1",
                str(line.line_no),
                qty,
                unit,
                _x12_number(line.unit_price),
                "PE",
                *_item_ids(partner, purchase_order, line),
            )
        )
        body.append(Segment.of("ACK", "IA", qty, unit))
    body.append(Segment.of("CTT", str(len(lines))))
    return _partner_interchange(partner, functional_id="PR", set_id="855", body=body)


def _sscc(purchase_order: PurchaseOrder, pack: int) -> str:
    first_17 = f"0{DEMO_GS1_PREFIX}{(purchase_order.pk * 100 + pack) % 10**9:09d}"
    return first_17 + str(sscc_check_digit(first_17))


def demo_asn_number(purchase_order: PurchaseOrder) -> str:
    return f"ASN-{purchase_order.number}"


def demo_856(partner: TradingPartner, purchase_order: PurchaseOrder) -> str:
    """Everything shipped today, one labelled carton per line (S-O-P-I), arriving in 3 days."""
    today = timezone.localdate()
    lines = _lines(purchase_order)
    body = [
        Segment.of("BSN", "00", demo_asn_number(purchase_order), today.strftime("%Y%m%d"), "1200"),
        Segment.of("HL", "1", "", "S"),
        Segment.of("TD1", "CTN", str(len(lines))),
        Segment.of("TD5", "B", "2", "UPSN"),
        Segment.of("REF", "CN", f"1ZDEMO{purchase_order.pk:010d}"),
        Segment.of("DTM", "011", today.strftime("%Y%m%d")),
        Segment.of("DTM", "017", (today + datetime.timedelta(days=3)).strftime("%Y%m%d")),
        Segment.of("HL", "2", "1", "O"),
        Segment.of("PRF", purchase_order.number),
    ]
    hl = 2
    for n, line in enumerate(lines, start=1):
        pack_hl, item_hl = hl + 1, hl + 2
        hl = item_hl
        qty = line.confirmed_qty if line.confirmed_qty is not None else line.ordered_qty
        body += [
            Segment.of("HL", str(pack_hl), "2", "P"),
            Segment.of("MAN", "GM", _sscc(purchase_order, n)),
            Segment.of("HL", str(item_hl), str(pack_hl), "I"),
            Segment.of("LIN", str(line.line_no), *_item_ids(partner, purchase_order, line)),
            Segment.of(
                "SN1", str(line.line_no), _x12_number(qty), _their_unit(partner, line.uom.code)
            ),
            Segment.of("REF", "LT", f"LOT-{today:%y%m%d}"),
        ]
    body.append(Segment.of("CTT", str(hl)))
    return _partner_interchange(partner, functional_id="SH", set_id="856", body=body)


def demo_810(partner: TradingPartner, purchase_order: PurchaseOrder) -> str:
    """An invoice for every line at the ordered quantity and price."""
    lines = _lines(purchase_order)
    body = [
        Segment.of(
            "BIG",
            timezone.localdate().strftime("%Y%m%d"),
            f"INV-{purchase_order.number}",
            "",
            purchase_order.number,
        ),
        Segment.of("CUR", "SE", purchase_order.currency),
    ]
    total = Decimal(0)
    for line in lines:
        total += line.ordered_qty * line.unit_price
        body.append(
            Segment.of(
                "IT1",
                str(line.line_no),
                _x12_number(line.ordered_qty),
                _their_unit(partner, line.uom.code),
                _x12_number(line.unit_price),
                "",
                *_item_ids(partner, purchase_order, line),
            )
        )
    cents = (total * 100).quantize(Decimal("1"))
    body.append(Segment.of("TDS", str(cents)))
    body.append(Segment.of("CTT", str(len(lines))))
    return _partner_interchange(partner, functional_id="IN", set_id="810", body=body)


def demo_997(partner: TradingPartner, sent: EdiInterchange) -> str:
    """The partner's functional acknowledgment of an 850 we sent: every set accepted."""
    [interchange] = read_x12(sent.raw).interchanges
    [group] = interchange.groups
    body = [Segment.of("AK1", group.functional_id, group.control_number)]
    for ts in group.transaction_sets:
        body += [Segment.of("AK2", ts.set_id, ts.control_number), Segment.of("AK5", "A")]
    count = str(len(group.transaction_sets))
    body.append(Segment.of("AK9", "A", count, count, count))
    return _partner_interchange(partner, functional_id="FA", set_id="997", body=body)


def edi_demo_files_write(
    *, partner: TradingPartner, purchase_order: PurchaseOrder, invoice: bool = True
) -> list[Path]:
    """Write the partner's 855, 856 (and 810) for `purchase_order` into the partner's
    inbound folder, plus its 997 for our 850 when we sent one. The names sort in the order
    they must be processed (the 856 ships what the 855 confirmed)."""
    if purchase_order.supplier_id != partner.supplier_id:
        raise ValueError(f"PO {purchase_order.number} is not {partner.supplier.code}'s.")
    folder = resolve_directory(partner.inbound_folder)
    folder.mkdir(parents=True, exist_ok=True)
    files: list[tuple[str, Callable[[TradingPartner, PurchaseOrder], str]]] = [
        ("1-855", demo_855),
        ("2-856", demo_856),
    ]
    if invoice:
        files.append(("3-810", demo_810))
    sent = sent_850(purchase_order)
    if sent is not None:
        files.append(("4-997", lambda partner, _po: demo_997(partner, sent)))
    written = []
    for suffix, render in files:
        path = folder / f"{purchase_order.number}-{suffix}.x12"
        # Written under a hidden name first: the folder poll skips dot files, so it never
        # reads half a file.
        tmp = folder / f".{path.name}.tmp"
        tmp.write_text(render(partner, purchase_order), encoding="utf-8")
        tmp.replace(path)
        written.append(path)
    return written
