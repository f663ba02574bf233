"""What submitting an ASN costs the database (issue 17: every EDI 856 set is one), and
that what it reads once under the PO line locks is what reading again would give."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from integrations.models import Channel
from suppliers import services
from suppliers.models import (
    PurchaseOrderLine,
    PurchaseOrderScheduleLine,
    Shipment,
)
from suppliers.services.schedule_lines import counted_shipments, counted_with_submitted
from suppliers.services.shipped_quantities import refresh_shipped_after_receipt
from tests.suppliers.shipping_helpers import confirmed_po, header, line_of, ship

pytestmark = pytest.mark.django_db

# The SQL of `counted_shipments`: the only query that reads the ASNs' submission times.
COUNTED = '"suppliers_shipment"."submitted_at" AS "shipment__submitted_at"'


def _two_line_draft(supplier, supplier_user) -> Shipment:
    """A draft for two lines of a PO that another submitted ASN ships against already
    (so both lines have their delivery and there is something shipped elsewhere)."""
    purchase_order = confirmed_po(
        supplier, "PO-1", lines=[("BOLT-M8", "100", "EA"), ("NUT-M8", "50", "EA")]
    )
    ship(
        supplier,
        supplier_user,
        "ASN-0",
        [(line_of(purchase_order, 1), "10"), (line_of(purchase_order, 2), "5")],
    )
    return ship(
        supplier,
        supplier_user,
        "ASN-1",
        [(line_of(purchase_order, 1), "60"), (line_of(purchase_order, 2), "5")],
        submit=False,
    )


def test_submitting_a_two_line_asn_runs_33_statements_and_counts_what_shipped_once(
    supplier, supplier_user
):
    draft = _two_line_draft(supplier, supplier_user)

    with CaptureQueriesContext(connection) as captured:
        shipment = services.asn_submit(actor=supplier_user, shipment=draft)

    statements = [query["sql"] for query in captured.captured_queries]
    assert shipment.status == Shipment.Status.SUBMITTED
    assert sum(COUNTED in sql for sql in statements) == 1
    assert len(statements) == 33


def test_creating_a_two_line_draft_runs_10_statements(supplier, supplier_user):
    purchase_order = confirmed_po(
        supplier, "PO-1", lines=[("BOLT-M8", "100", "EA"), ("NUT-M8", "50", "EA")]
    )
    lines = [
        services.AsnLineInput(po_line=line_of(purchase_order, 1), quantity=Decimal("60")),
        services.AsnLineInput(po_line=line_of(purchase_order, 2), quantity=Decimal("5")),
    ]

    with CaptureQueriesContext(connection) as captured:
        services.asn_create(
            actor=supplier_user, supplier=supplier, header=header("ASN-1"), lines=lines
        )

    assert len(captured) == 10


def test_the_submission_counts_the_rows_a_fresh_count_reads_in_the_same_order(
    supplier, supplier_user
):
    purchase_order = confirmed_po(supplier, "PO-1", lines=[("BOLT-M8", "100", "EA")])
    po_line = line_of(purchase_order)
    earlier, undated, later = (
        ship(supplier, supplier_user, number, [(line_of(purchase_order), "10")])
        for number in ("ASN-EARLIER", "ASN-UNDATED", "ASN-LATER")
    )
    # Older data: an ASN without a submission time, and one dated after this submission.
    Shipment.objects.filter(pk=undated.pk).update(submitted_at=None)
    Shipment.objects.filter(pk=later.pk).update(
        submitted_at=timezone.now() + datetime.timedelta(days=1)
    )
    draft = ship(supplier, supplier_user, "ASN-NOW", [(po_line, "7"), (po_line, "3")], submit=False)
    elsewhere = counted_shipments({po_line.pk}, excluding_shipment_id=draft.pk)

    shipment = services.asn_submit(actor=supplier_user, shipment=draft)

    merged = counted_with_submitted(elsewhere, shipment=shipment, lines=shipment.lines.all())
    assert merged == counted_shipments({po_line.pk})
    null_first = not connection.features.nulls_order_largest
    assert [row.shipment_id for row in merged] == [
        *([undated.pk] if null_first else []),
        earlier.pk,
        shipment.pk,
        shipment.pk,
        later.pk,
        *([] if null_first else [undated.pk]),
    ]
    assert [row.quantity for row in merged if row.shipment_id == shipment.pk] == [
        Decimal("7"),
        Decimal("3"),
    ]


def test_a_submission_leaves_the_shipped_figures_a_full_recount_gives(
    supplier, supplier_user, buyer
):
    purchase_order = confirmed_po(
        supplier, "PO-1", lines=[("BOLT-M8", "100", "EA"), ("NUT-M8", "50", "EA")]
    )
    first, second = line_of(purchase_order, 1), line_of(purchase_order, 2)
    # Line 1 in two deliveries; an earlier ASN ships against the later one.
    soon = timezone.localdate() + datetime.timedelta(days=5)
    later = timezone.localdate() + datetime.timedelta(days=20)
    PurchaseOrderScheduleLine.objects.bulk_create(
        [
            PurchaseOrderScheduleLine(line=first, position=1, quantity=Decimal(60), date=soon),
            PurchaseOrderScheduleLine(line=first, position=2, quantity=Decimal(40), date=later),
        ]
    )
    late_delivery = PurchaseOrderScheduleLine.objects.get(line=first, position=2)
    services.asn_submit(
        actor=supplier_user,
        shipment=services.asn_create(
            actor=supplier_user,
            supplier=supplier,
            header=header("ASN-0"),
            lines=[
                services.AsnLineInput(
                    po_line=first, quantity=Decimal(30), schedule_line=late_delivery
                )
            ],
        ),
    )
    # Line 2 has no delivery yet: the submission gives it its one.
    draft = ship(
        supplier,
        supplier_user,
        "ASN-1",
        [(line_of(purchase_order, 1), "45"), (line_of(purchase_order, 2), "50")],
        submit=False,
    )

    services.asn_submit(actor=supplier_user, shipment=draft)
    submitted = _shipped_figures(purchase_order)
    refresh_shipped_after_receipt(
        {first.pk, second.pk}, actor=buyer, channel=Channel.PORTAL, asn="ASN-1", receipt=""
    )

    assert _shipped_figures(purchase_order) == submitted
    assert submitted == [
        (
            1,
            Decimal(75),
            soon,
            [(1, Decimal(60), soon, Decimal(45)), (2, Decimal(40), later, Decimal(30))],
        ),
        (
            2,
            Decimal(50),
            second.confirmed_date,
            [(1, Decimal(50), second.confirmed_date, Decimal(50))],
        ),
    ]


def _shipped_figures(purchase_order) -> list[tuple]:
    return [
        (
            line.line_no,
            line.shipped_qty,
            line.confirmed_date,
            [
                (s.position, s.quantity, s.date, s.shipped_qty)
                for s in PurchaseOrderScheduleLine.objects.filter(line=line)
            ],
        )
        for line in PurchaseOrderLine.objects.filter(purchase_order=purchase_order)
    ]
