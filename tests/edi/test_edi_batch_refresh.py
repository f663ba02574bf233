"""A batch of EDI sets refreshes the inbound figures once, at its end (issue 17): the
stock positions' open-PO and in-transit figures and the inbound schedule's read model it
leaves are exactly what a full recompute from the documents gives, also when sets of the
batch ship the same PO lines and one is refused in the middle. Outside a batch the
services refresh at once, as before."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from integrations.services.batch_scope import batch_scope
from integrations.services.edi_intake import edi_file_import
from inventory.models import StockPosition
from suppliers import selectors, services
from suppliers.models import InboundRow, PurchaseOrder
from suppliers.selectors.inbound_schedule import INBOUND_COLUMNS
from suppliers.services.inbound_positions import inbound_positions_refresh
from suppliers.services.inbound_rows import rebuild_inbound_rows
from tests.edi.helpers import day, partner_file
from tests.inventory.factories import ItemFactory, UnitOfMeasureFactory, WarehouseFactory
from tests.suppliers.factories import SupplierItemFactory

pytestmark = pytest.mark.django_db

# Three items the POs share, so that sets of one batch touch the same positions.
SKUS = ("A", "B", "C")
NONE = (Decimal(0), Decimal(0))


def _issue(supplier, number: str, lines: list[tuple[str, str]]) -> PurchaseOrder:
    """A PO from the ERP to DC1: `lines` are (sku, quantity in EA)."""
    each = UnitOfMeasureFactory(code="EA")
    return services.purchase_order_create(
        actor=None,
        number=number,
        supplier=supplier,
        ship_to=WarehouseFactory(code="DC1"),
        lines=[
            services.PurchaseOrderLineInput(
                line_no=line_no,
                item=ItemFactory(sku=f"ITEM-{sku}", base_uom=each),
                ordered_qty=Decimal(qty),
                uom=each,
                unit_price=Decimal("2.5"),
                requested_date=timezone.localdate() + datetime.timedelta(days=14),
            )
            for line_no, (sku, qty) in enumerate(lines, start=1)
        ],
    )


@pytest.fixture
def orders(supplier, edi_partner) -> dict[str, PurchaseOrder]:
    """Four POs over three items (the supplier sells each in EA as "S-<sku>")."""
    made = {
        "PO-1": _issue(supplier, "PO-1", [("A", "10"), ("B", "10")]),
        "PO-2": _issue(supplier, "PO-2", [("A", "10"), ("C", "10")]),
        "PO-3": _issue(supplier, "PO-3", [("B", "10"), ("C", "10")]),
        "PO-4": _issue(supplier, "PO-4", [("A", "10")]),
    }
    for sku in SKUS:
        SupplierItemFactory(
            supplier=supplier,
            item=ItemFactory(sku=f"ITEM-{sku}"),
            supplier_sku=f"S-{sku}",
            uom=UnitOfMeasureFactory(code="EA"),
        )
    return made


def _accept_855(number: str, lines: list[tuple[str, str]]) -> list[str]:
    body = ["855", f"BAK*00*AD*{number}*20240305*1"]
    for line_no, (sku, qty) in enumerate(lines, start=1):
        body += [f"PO1*{line_no}*{qty}*EA*2.5*PE*VP*S-{sku}", f"ACK*IA*{qty}*EA"]
    return [*body, f"CTT*{len(lines)}"]


def _asn_856(asn: str, number: str, lines: list[tuple[int, str, str]]) -> list[str]:
    """856 body shipping `lines` (PO line no, sku, quantity in EA) of PO `number`."""
    body = [
        "856", f"BSN*00*{asn}*{day(0)}*1200", "HL*1**S", "TD5*B*2*UPSN",
        f"DTM*011*{day(0)}", f"DTM*017*{day(3)}", "HL*2*1*O", f"PRF*{number}",
    ]  # fmt: skip
    for n, (line_no, sku, qty) in enumerate(lines, start=3):
        body += [f"HL*{n}*2*I", f"LIN*{line_no}*VP*S-{sku}", f"SN1*{line_no}*{qty}*EA"]
    return [*body, f"CTT*{len(lines) + 2}"]


def _figures() -> dict[str, tuple[Decimal, Decimal]]:
    """(open PO, in transit) per SKU at DC1."""
    return {
        p.item.sku: (p.inbound_open_po, p.inbound_in_transit)
        for p in StockPosition.objects.filter(warehouse__code="DC1").select_related("item")
    }


def _rows() -> list[tuple]:
    return sorted(
        tuple(row[column] for column in INBOUND_COLUMNS) for row in selectors.inbound_schedule()
    )


def _equal_to_a_full_recompute() -> dict[str, tuple[Decimal, Decimal]]:
    """The figures and rows the batch left, after checking that recomputing everything
    from the documents changes none of them; returns the figures."""
    figures, rows = _figures(), _rows()
    assert rows == sorted(
        tuple(row[column] for column in INBOUND_COLUMNS) for row in selectors.inbound_source_rows()
    )
    with transaction.atomic():
        assert inbound_positions_refresh() == 0
        rebuild_inbound_rows()
    assert (_figures(), _rows()) == (figures, rows)
    return figures


def _statuses(text: str) -> list[str]:
    """Import a partner file; the status of each of its sets, in file order."""
    [record] = edi_file_import(data=text).interchanges
    return list(record.transaction_sets.order_by("sequence").values_list("status", flat=True))


def _position_locks(queries) -> int:
    """The statements that read the positions to refresh, under their row locks (in
    (item, warehouse) order; SQLite has no FOR UPDATE, the order is the same)."""
    table = StockPosition._meta.db_table
    order = f'ORDER BY "{table}"."item_id" ASC, "{table}"."warehouse_id" ASC'
    return sum(1 for q in queries if f'FROM "{table}"' in q["sql"] and order in q["sql"])


def test_a_batch_of_855_accepts_leaves_the_figures_a_full_recompute_gives(orders):
    text = partner_file(
        [
            _accept_855("PO-1", [("A", "10"), ("B", "10")]),
            _accept_855("PO-2", [("A", "10"), ("C", "10")]),
            _accept_855("PO-9", [("A", "10")]),  # no such PO: refused mid-batch
            _accept_855("PO-4", [("A", "10")]),
        ],
        control="000000701",
    )

    statuses = _statuses(text)

    assert statuses == ["accepted", "accepted", "rejected", "accepted"]
    assert _equal_to_a_full_recompute() == {
        "ITEM-A": (Decimal("30"), Decimal("0")),
        "ITEM-B": (Decimal("10"), Decimal("0")),
        "ITEM-C": (Decimal("10"), Decimal("0")),
    }
    assert InboundRow.objects.filter(purchase_order__number="PO-3").count() == 0
    assert InboundRow.objects.count() == 5


def test_a_batch_of_856s_on_shared_lines_with_one_refused_leaves_exact_figures(orders):
    for number in ("PO-1", "PO-2", "PO-3", "PO-4"):
        purchase_order = PurchaseOrder.objects.get(number=number)
        services.purchase_order_accept(actor=None, purchase_order=purchase_order, revision=1)
    text = partner_file(
        [
            _asn_856("ASN-1", "PO-1", [(1, "A", "10"), (2, "B", "10")]),
            _asn_856("ASN-2", "PO-2", [(1, "A", "4")]),
            _asn_856("ASN-3", "PO-3", [(1, "B", "50")]),  # over the line: refused
            _asn_856("ASN-4", "PO-2", [(1, "A", "6"), (2, "C", "10")]),  # PO-2 line 1 again
            _asn_856("ASN-5", "PO-4", [(1, "A", "3")]),
        ],
        control="000000702",
        functional_id="SH",
    )

    with CaptureQueriesContext(connection) as queries:
        statuses = _statuses(text)

    assert statuses == [
        "accepted", "accepted", "rejected", "accepted", "accepted",
    ]  # fmt: skip
    # One batch: the positions are locked and refreshed once, not once per ASN.
    assert _position_locks(queries.captured_queries) == 1
    assert _equal_to_a_full_recompute() == {
        "ITEM-A": (Decimal("7"), Decimal("23")),
        "ITEM-B": (Decimal("10"), Decimal("10")),
        "ITEM-C": (Decimal("10"), Decimal("10")),
    }
    assert sorted(
        InboundRow.objects.filter(kind="asn").values_list("document", "po_number", "quantity")
    ) == [
        ("ASN-1", "PO-1", Decimal("10")),
        ("ASN-1", "PO-1", Decimal("10")),
        ("ASN-2", "PO-2", Decimal("4")),
        ("ASN-4", "PO-2", Decimal("6")),
        ("ASN-4", "PO-2", Decimal("10")),
        ("ASN-5", "PO-4", Decimal("3")),
    ]


def test_outside_a_batch_an_accept_refreshes_the_figures_at_once(orders):
    purchase_order = orders["PO-1"]

    with transaction.atomic():
        services.purchase_order_accept(actor=None, purchase_order=purchase_order, revision=1)
        # Still inside the caller's transaction: already current.
        figures = _figures()
        rows = InboundRow.objects.filter(purchase_order=purchase_order).count()

    assert (figures["ITEM-A"], figures["ITEM-B"], rows) == (
        (Decimal("10"), Decimal("0")),
        (Decimal("10"), Decimal("0")),
        2,
    )


def test_inside_a_batch_scope_the_refresh_waits_for_the_end_of_the_batch(orders):
    purchase_order = orders["PO-1"]

    with transaction.atomic():
        with batch_scope():
            services.purchase_order_accept(actor=None, purchase_order=purchase_order, revision=1)
            during = (_figures().get("ITEM-A", NONE), InboundRow.objects.count())
        after = (_figures()["ITEM-A"], InboundRow.objects.count())

    assert during == ((Decimal("0"), Decimal("0")), 0)
    assert after == ((Decimal("10"), Decimal("0")), 2)


def test_a_batch_scope_that_fails_runs_none_of_its_deferred_refreshes(orders):
    purchase_order = orders["PO-1"]

    with pytest.raises(RuntimeError), transaction.atomic(), batch_scope():
        services.purchase_order_accept(actor=None, purchase_order=purchase_order, revision=1)
        raise RuntimeError("the batch failed")

    # And the next service call, outside any scope, refreshes at once.
    services.purchase_order_accept(actor=None, purchase_order=purchase_order, revision=1)
    assert (_figures()["ITEM-A"], InboundRow.objects.count()) == ((Decimal("10"), Decimal("0")), 2)
