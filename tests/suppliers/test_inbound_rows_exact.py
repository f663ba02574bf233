"""The inbound schedule's read model (issue 24) equals its definition after every kind of
change: the rows the services leave in `InboundRow` are exactly the rows the schedule's
UNION computes from the documents (`inbound_source_rows`, the query the page ran before),
its count is their count, and the page shows them in the same order as before."""

import datetime
import importlib
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from inventory.models import UnitOfMeasure
from suppliers import selectors, services
from suppliers.models import InboundRow, PurchaseOrder
from suppliers.selectors.inbound_schedule import INBOUND_COLUMNS, PAGE_ORDER
from suppliers.services import LineProposalInput, ScheduleLineInput, erp_follow
from suppliers.services.inbound_rows import inbound_rows_repair, rebuild_inbound_rows
from tests.inventory.factories import ItemFactory, UnitOfMeasureFactory, WarehouseFactory
from tests.suppliers.factories import purchase_order_awaiting_acknowledgment
from tests.suppliers.receipts_helpers import receive
from tests.suppliers.shipping_helpers import confirmed_po, header, line_of, ship

pytestmark = pytest.mark.django_db


def _in(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def _tuples(rows) -> list[tuple]:
    return sorted(tuple(row[column] for column in INBOUND_COLUMNS) for row in rows)


def exact_rows() -> list[tuple]:
    """The read model's rows, after checking they are the recomputed ones (and as many)."""
    stored = _tuples(selectors.inbound_schedule())
    assert stored == _tuples(selectors.inbound_source_rows())
    assert InboundRow.objects.count() == len(stored)
    return stored


def shown(rows: list[tuple]) -> list[tuple]:
    """(kind, document, line, day, quantity, state, at risk) of each row."""
    names = {name: i for i, name in enumerate(INBOUND_COLUMNS)}
    return [
        tuple(
            row[names[n]] for n in ("kind", "document", "po_line_no", "day", "qty", "state", "risk")
        )
        for row in rows
    ]


def test_an_imported_po_has_no_row_until_accepted_then_one_per_line(supplier, supplier_user):
    each = UnitOfMeasure.objects.filter(code="EA").first() or UnitOfMeasureFactory(code="EA")
    purchase_order = services.purchase_order_create(
        actor=None,
        number="PO-IMP",
        supplier=supplier,
        ship_to=WarehouseFactory(code="DC1"),
        lines=[
            services.PurchaseOrderLineInput(
                line_no=no,
                item=ItemFactory(sku=f"IMP-{no}"),
                ordered_qty=Decimal("7"),
                uom=each,
                unit_price=Decimal("1.5"),
                requested_date=_in(9),
            )
            for no in (1, 2)
        ],
    )
    assert exact_rows() == []

    services.purchase_order_accept(actor=supplier_user, purchase_order=purchase_order, revision=1)

    assert shown(exact_rows()) == [
        ("po_line", "PO-IMP", 1, _in(9), Decimal("7"), "confirmed", False),
        ("po_line", "PO-IMP", 2, _in(9), Decimal("7"), "confirmed", False),
    ]


def test_an_accepted_split_proposal_shows_one_row_per_delivery(supplier, supplier_user, buyer):
    po = purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-SPL", qty="15")
    proposal = services.purchase_order_propose_changes(
        actor=supplier_user,
        purchase_order=po,
        revision=1,
        lines=[
            LineProposalInput(
                line_no=1,
                action="change",
                schedule=[
                    ScheduleLineInput(quantity=Decimal("10"), date=_in(10)),
                    ScheduleLineInput(quantity=Decimal("5"), date=_in(24)),
                ],
                reason_code="capacity",
            )
        ],
    )
    assert exact_rows() == []

    services.change_proposal_accept(actor=buyer, acknowledgment=proposal)

    assert sorted(shown(exact_rows()), key=lambda row: (row[2], row[3])) == [
        ("po_line", "PO-SPL", 1, _in(10), Decimal("10"), "confirmed", False),
        ("po_line", "PO-SPL", 1, _in(24), Decimal("5"), "confirmed", False),
        ("po_line", "PO-SPL", 2, _in(14), Decimal("15"), "confirmed", False),
    ]


def test_an_asn_submitted_delayed_edited_and_cancelled_moves_the_rows_each_time(
    supplier, supplier_user
):
    po = confirmed_po(supplier, "PO-A", lines=[("BOLT-M8", "100", "EA")], promised=_in(6))
    assert shown(exact_rows()) == [
        ("po_line", "PO-A", 1, _in(6), Decimal("100"), "confirmed", False)
    ]

    draft = ship(supplier, supplier_user, "ASN-A", [(line_of(po), "40")], submit=False)
    assert len(exact_rows()) == 1  # a draft is not on its way

    asn = services.asn_submit(actor=supplier_user, shipment=draft)
    assert sorted(shown(exact_rows())) == [
        ("asn", "ASN-A", 1, _in(3), Decimal("40"), "submitted", False),
        ("po_line", "PO-A", 1, _in(6), Decimal("60"), "partially_shipped", False),
    ]

    services.shipment_milestone_report(
        actor=supplier_user, shipment=asn, code="delayed", new_eta=_in(8), reason="Storm"
    )
    assert sorted(shown(exact_rows())) == [
        ("asn", "ASN-A", 1, _in(8), Decimal("40"), "delayed", True),
        ("po_line", "PO-A", 1, _in(6), Decimal("60"), "partially_shipped", True),
    ]

    services.asn_update(
        actor=supplier_user,
        shipment=asn,
        header=header("ASN-A", arrive_in=8),
        lines=[services.AsnLineInput(po_line=line_of(po), quantity=Decimal("100"))],
    )
    assert sorted(shown(exact_rows())) == [
        ("asn", "ASN-A", 1, _in(8), Decimal("100"), "delayed", True),
    ]

    services.asn_cancel(actor=supplier_user, shipment=asn, reason="truck broke down")
    assert shown(exact_rows()) == [
        ("po_line", "PO-A", 1, _in(6), Decimal("100"), "confirmed", False)
    ]


def test_a_receipt_short_kept_open_puts_the_rest_back_on_the_po_line(supplier, supplier_user):
    po = confirmed_po(supplier, "PO-R", lines=[("BOLT-M8", "10", "EA")], promised=_in(5))
    asn = ship(supplier, supplier_user, "ASN-R", [(line_of(po), "10")])
    assert [row[1] for row in shown(exact_rows())] == ["ASN-R"]

    receive(asn, "R-1", "6", closes_asn=True)

    assert shown(exact_rows()) == [
        ("po_line", "PO-R", 1, _in(5), Decimal("4"), "partially_shipped", False)
    ]


def test_a_full_receipt_and_a_short_receipt_closed_by_the_erp_leave_no_row(supplier, supplier_user):
    full = confirmed_po(supplier, "PO-F", lines=[("BOLT-M8", "10", "EA")])
    receive(ship(supplier, supplier_user, "ASN-F", [(line_of(full), "10")]), "R-F", "10")
    assert exact_rows() == []

    short = confirmed_po(supplier, "PO-S", lines=[("NUT-M8", "10", "EA")], promised=_in(5))
    asn = ship(supplier, supplier_user, "ASN-S", [(line_of(short), "10")])
    receive(asn, "R-S", "6", closes_asn=True)
    assert [row[1] for row in shown(exact_rows())] == ["PO-S"]

    erp_follow.short_lines_close(actor=None, shipment=asn, lines=erp_follow.short_lines(asn))

    assert exact_rows() == []


def test_the_erps_revision_and_cancellation_take_a_confirmed_pos_rows_away(supplier, supplier_user):
    revised = confirmed_po(supplier, "PO-V", lines=[("BOLT-M8", "10", "EA")])
    cancelled = confirmed_po(supplier, "PO-C", lines=[("NUT-M8", "5", "EA")])
    assert [row[1] for row in shown(exact_rows())] == ["PO-C", "PO-V"]

    line = line_of(revised)
    services.purchase_order_revise(
        actor=None,
        purchase_order=revised,
        lines=[
            services.PurchaseOrderLineInput(
                line_no=1,
                item=line.item,
                ordered_qty=Decimal("12"),
                uom=line.uom,
                unit_price=line.unit_price,
                requested_date=_in(20),
            )
        ],
    )
    assert [row[1] for row in shown(exact_rows())] == ["PO-C"]

    services.purchase_order_cancel(actor=None, purchase_order=cancelled, reason="not needed")

    assert exact_rows() == []
    assert PurchaseOrder.objects.get(pk=cancelled.pk).status == PurchaseOrder.Status.CANCELLED


def test_the_rebuild_and_the_migrations_backfill_write_the_recomputed_rows(
    supplier, other_supplier, supplier_user
):
    po = confirmed_po(supplier, "PO-B", lines=[("BOLT-M8", "10", "EA"), ("NUT-M8", "4", "CS")])
    ship(supplier, supplier_user, "ASN-B", [(line_of(po), "3")])
    confirmed_po(other_supplier, "PO-G", lines=[("TAPE", "8", "EA")], warehouse="DC2")
    expected = exact_rows()
    assert len(expected) == 4

    InboundRow.objects.all().delete()
    assert rebuild_inbound_rows() == 4
    assert exact_rows() == expected

    InboundRow.objects.all().delete()
    migration = importlib.import_module("suppliers.migrations.0013_inbound_rows")
    with connection.cursor() as cursor:
        cursor.execute(migration.BACKFILL)
    assert exact_rows() == expected


def test_the_hourly_repair_rewrites_only_the_pos_a_write_outside_the_services_changed(
    supplier, other_supplier, supplier_user
):
    changed = confirmed_po(supplier, "PO-R1", lines=[("BOLT-M8", "10", "EA")])
    gone = confirmed_po(supplier, "PO-R2", lines=[("NUT-M8", "4", "EA")])
    intact = confirmed_po(other_supplier, "PO-R3", lines=[("TAPE", "8", "EA")], warehouse="DC2")
    expected = exact_rows()
    assert inbound_rows_repair() == []
    # As an admin edit or a raw update would: the rows are not told.
    InboundRow.objects.filter(purchase_order=changed).update(quantity=Decimal("99"))
    InboundRow.objects.filter(purchase_order=gone).delete()
    intact_row_ids = list(InboundRow.objects.filter(purchase_order=intact).values_list("pk"))

    repaired = inbound_rows_repair()

    assert repaired == sorted([changed.pk, gone.pk])
    assert exact_rows() == expected
    assert list(InboundRow.objects.filter(purchase_order=intact).values_list("pk")) == (
        intact_row_ids
    )


def test_the_page_shows_the_recomputed_rows_in_the_same_order_as_before(
    client, buyer, supplier, other_supplier, supplier_user
):
    po1 = confirmed_po(supplier, "PO-1", warehouse="DC1", promised=_in(5))
    confirmed_po(supplier, "PO-2", warehouse="DC2", lines=[("NUT-M8", "30", "EA")])
    ship(supplier, supplier_user, "ASN-1", [(line_of(po1), "50")], arrive_in=5)
    g1 = confirmed_po(other_supplier, "PO-G1", warehouse="DC1", lines=[("TAPE", "8", "EA")])
    ship(other_supplier, None, "ASN-G1", [(line_of(g1), "8")], arrive_in=5)
    today = timezone.localdate()
    client.force_login(buyer)

    for filters, params in (
        ({}, {}),
        ({"supplier_code": "ACME"}, {"supplier": "ACME"}),
        ({"warehouse_code": "DC1", "date_from": _in(5)}, {"warehouse": "DC1", "from": _in(5)}),
    ):
        before = selectors.decorate_inbound_rows(
            selectors.inbound_source_rows(**filters).order_by(*PAGE_ORDER), today=today
        )
        response = client.get(reverse("buyer:inbound_schedule"), params)

        rows = response.context["rows"]
        assert [{key: row[key] for key in before[0]} for row in rows] == before
        assert response.context["page"].paginator.count == len(before)
        # Each row links its document as {% url %} did, in the page's order.
        links = [
            reverse("buyer:asn_detail", args=[row["supplier_code"], row["document"]])
            if row["kind"] == "asn"
            else reverse("buyer:po_detail", args=[row["po_number"]])
            for row in before
        ]
        html = response.content.decode()
        positions = [html.index(f'<a href="{link}">') for link in links]
        assert positions == sorted(positions)
    assert len(before) == 3
