"""Two ASNs submitted at the same moment that together would over-ship a line: the PO
line row lock makes exactly one succeed (PostgreSQL: SQLite has no row locks)."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction

from integrations.errors import DomainError
from suppliers import services
from suppliers.models import PurchaseOrder, Shipment
from tests.suppliers.shipping_helpers import (
    confirmed_po,
    line_of,
    ship,
    wait_until_both_are_blocked,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Row locks (SELECT ... FOR UPDATE) need PostgreSQL; SQLite serialises writes.",
    ),
]


def test_two_concurrent_asns_that_together_over_ship_a_line_give_exactly_one_success(
    supplier, supplier_user
):
    purchase_order = confirmed_po(
        supplier, "PO-1", lines=[("BOLT-M8", "100", "EA"), ("NUT-M8", "100", "EA")]
    )
    first, second = line_of(purchase_order, 1), line_of(purchase_order, 2)
    # Lines in opposite orders: the primary-key lock order keeps this deadlock-free.
    drafts = [
        ship(supplier, supplier_user, "ASN-A", [(first, "70"), (second, "10")], submit=False),
        ship(supplier, supplier_user, "ASN-B", [(second, "10"), (first, "70")], submit=False),
    ]
    barrier = threading.Barrier(2)
    outcomes: list = []

    def submit(draft: Shipment) -> None:
        try:
            barrier.wait()
            services.asn_submit(actor=supplier_user, shipment=draft)
            outcomes.append("submitted")
        except DomainError as error:
            outcomes.append(error.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(draft,)) for draft in drafts]
    # Hold the PO row so both submissions get past their own reads before either can
    # commit; without the PO line locks both would then see nothing shipped yet.
    with transaction.atomic():
        PurchaseOrder.objects.select_for_update().get(pk=purchase_order.pk)
        for thread in threads:
            thread.start()
        wait_until_both_are_blocked()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes, key=lambda o: o != "submitted") == [
        "submitted",
        "PO-1 line 1: shipping 70 EA would bring the total shipped to 140 EA, more than the "
        "100 EA allowed (confirmed 100 EA + 0% over-ship tolerance). Other ASNs already ship "
        "70 EA; at most 30 EA more can ship.",
    ]
    first.refresh_from_db()
    assert first.shipped_qty == Decimal("70")
    assert Shipment.objects.filter(status=Shipment.Status.SUBMITTED).count() == 1
    assert Shipment.objects.filter(status=Shipment.Status.DRAFT).count() == 1
