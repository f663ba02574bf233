"""The PO lists' counts are kept between pages under versions (issue 24:
suppliers/selectors/purchase_order_counts.py, integrations/versioned_counts.py) and still equal
a fresh COUNT after every kind of change: each status move, a new PO, an ERP revision, a
cancel, a supplier change, a delete outside the services, a bulk load, time passing an
acknowledgment due time, a count taken by another process before a commit, and Redis
stopped. An outsider's counters never move with another supplier's POs."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from suppliers import selectors, services
from suppliers.models import PurchaseOrder
from suppliers.selectors.purchase_order_counts import PO_COUNTS, supplier_scope
from suppliers.services import LineProposalInput
from suppliers.services.purchase_order_counts import purchase_orders_changed
from suppliers.services.purchase_orders import PURCHASE_ORDER_LIFECYCLE
from tests.inventory.factories import ItemFactory, WarehouseFactory
from tests.portal.redis_server import start_redis_server
from tests.suppliers.factories import (
    PurchaseOrderFactory,
    SupplierFactory,
    purchase_order_awaiting_acknowledgment,
)
from tests.suppliers.receipts_helpers import receive
from tests.suppliers.shipping_helpers import confirmed_po, line_of, ship

pytestmark = pytest.mark.django_db

Status = PurchaseOrder.Status
COUNTER = re.compile(r'<span class="count" data-counter="(\w+)">(\d+)</span>')
TOTAL = re.compile(r"([\d,]+) purchase orders?\b")


@pytest.fixture(autouse=True)
def _counts_kept(settings):
    # On by default only with Redis (REDIS_URL); the tests' cache is this process's.
    settings.PO_COUNT_CACHE_SECONDS = 300
    # Each test's rows are rolled back, not written over: versions and counts kept by an
    # earlier test (whose ids SQLite hands out again) must not outlive it.
    cache.clear()
    PO_COUNTS.forget_all()
    yield
    cache.clear()
    PO_COUNTS.forget_all()


def fresh_inbox(supplier, now: datetime.datetime) -> dict[str, int]:
    """The four counters as plain COUNTs of the supplier's POs, without the selector."""
    mine = PurchaseOrder.objects.filter(supplier=supplier)
    awaiting = mine.filter(status__in=PurchaseOrder.AWAITING_ACKNOWLEDGMENT)
    return {
        "to_acknowledge": awaiting.count(),
        "change_proposed": mine.filter(status=Status.CHANGE_PROPOSED).count(),
        "overdue": awaiting.filter(ack_due_at__lt=now).count(),
        "open_to_ship": mine.filter(status__in=PurchaseOrder.OPEN_TO_SHIP).count(),
    }


def fresh_by_status(supplier) -> dict[str, int]:
    return selectors.purchase_order_counts(supplier=supplier)


def page(client, url: str) -> tuple[dict[str, int], int, int]:
    """(the counters, the "N purchase orders" total, inbox COUNT queries) of a list page."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    counters = {name: int(n) for name, n in COUNTER.findall(html)}
    total = TOTAL.search(html)
    assert total is not None, html
    counted = [
        q for q in queries.captured_queries if "COUNT(" in q["sql"] and "GROUP BY" in q["sql"]
    ]
    return counters, int(total.group(1).replace(",", "")), len(counted)


def assert_exact(client, supplier) -> None:
    """The supplier's page shows the fresh counts, and its status filters the fresh
    totals; the inbox selector (kept) agrees with the COUNTs for each status."""
    counters, total, _ = page(client, reverse("suppliers:po_list"))
    now = timezone.now()
    assert counters == fresh_inbox(supplier, now)
    assert total == PurchaseOrder.objects.filter(supplier=supplier).count()
    assert selectors.supplier_inbox(supplier=supplier, now=now).by_status == fresh_by_status(
        supplier
    )
    for status in Status.values:
        _, shown, _ = page(client, f"{reverse('suppliers:po_list')}?status={status}")
        assert shown == fresh_by_status(supplier).get(status, 0), status


def buyer_total(client, query: str = "") -> int:
    return page(client, f"{reverse('buyer:po_list')}{query}")[1]


def _line_input(sku: str) -> services.PurchaseOrderLineInput:
    item = ItemFactory(sku=sku)
    return services.PurchaseOrderLineInput(
        line_no=1,
        item=item,
        ordered_qty=Decimal("40"),
        uom=item.base_uom,
        unit_price=Decimal("1.5"),
        requested_date=timezone.localdate() + datetime.timedelta(days=9),
    )


def test_a_second_page_shows_the_counters_without_counting_again(client, supplier, supplier_user):
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-A1", lines=1)
    client.force_login(supplier_user)

    first = page(client, reverse("suppliers:po_list"))
    second = page(client, reverse("suppliers:po_list"))

    assert first[:2] == second[:2] == (fresh_inbox(supplier, timezone.now()), 1)
    assert (first[2], second[2]) == (1, 0)


def test_the_counters_equal_a_fresh_count_after_every_kind_of_change(
    client, supplier, other_supplier, supplier_user, buyer
):
    client.force_login(supplier_user)
    assert_exact(client, supplier)

    # A new PO (the ERP pull, the import).
    created = services.purchase_order_create(
        actor=None,
        number="PO-N1",
        supplier=supplier,
        ship_to=WarehouseFactory(code="DC9"),
        lines=[_line_input("NEW-1")],
    )
    assert_exact(client, supplier)
    # Accepted, then revised by the ERP (issued again, a new due time), then rejected.
    services.purchase_order_accept(actor=supplier_user, purchase_order=created, revision=1)
    assert_exact(client, supplier)
    created.refresh_from_db()
    services.purchase_order_revise(actor=None, purchase_order=created, lines=[_line_input("NEW-2")])
    assert_exact(client, supplier)
    created.refresh_from_db()
    services.purchase_order_reject(
        actor=supplier_user,
        purchase_order=created,
        revision=created.revision,
        reason_code="capacity",
        comment="no capacity",
    )
    assert_exact(client, supplier)

    # A change proposed, rejected by the buyer (issued again), proposed and accepted.
    proposed = purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-C1", lines=1)
    change = [
        LineProposalInput(
            line_no=1, action="change", quantity=Decimal("90"), reason_code="capacity"
        )
    ]
    proposal = services.purchase_order_propose_changes(
        actor=supplier_user, purchase_order=proposed, revision=1, lines=change
    )
    assert_exact(client, supplier)
    services.change_proposal_reject(actor=buyer, acknowledgment=proposal, comment="no")
    assert_exact(client, supplier)
    proposed.refresh_from_db()
    proposal = services.purchase_order_propose_changes(
        actor=supplier_user, purchase_order=proposed, revision=1, lines=change
    )
    services.change_proposal_accept(actor=buyer, acknowledgment=proposal)
    assert_exact(client, supplier)

    # Shipped in part, then in full, then received.
    shipping = confirmed_po(supplier, "PO-S1", lines=[("BOLT-M8", "100", "EA")])
    assert_exact(client, supplier)
    ship(supplier, supplier_user, "ASN-1", [(line_of(shipping), "40")])
    assert_exact(client, supplier)
    shipment = ship(supplier, supplier_user, "ASN-2", [(line_of(shipping), "60")])
    assert_exact(client, supplier)
    receive(shipment, "GR-1", "60")
    assert_exact(client, supplier)

    # Cancelled by the ERP.
    cancelled = purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-X1", lines=1)
    services.purchase_order_cancel(actor=None, purchase_order=cancelled, reason="ERP")
    assert_exact(client, supplier)

    # Moved to another supplier and deleted outside the services (the admin): both
    # suppliers' counts follow.
    moved = PurchaseOrderFactory(supplier=supplier, number="PO-M1")
    assert_exact(client, supplier)
    assert selectors.supplier_inbox(supplier=other_supplier, now=timezone.now()).total == 0
    moved.supplier = other_supplier
    moved.save()
    assert_exact(client, supplier)
    assert selectors.supplier_inbox(supplier=other_supplier, now=timezone.now()).total == 1
    PurchaseOrder.objects.get(number="PO-N1").delete()
    assert_exact(client, supplier)


def test_a_set_based_move_and_a_bulk_load_replace_the_versions(client, supplier, supplier_user):
    for number in ("PO-B1", "PO-B2"):
        PurchaseOrderFactory(supplier=supplier, number=number, status=Status.CONFIRMED)
    client.force_login(supplier_user)
    assert_exact(client, supplier)

    # One UPDATE, no post_save: the lifecycle tells the counts.
    moved = PURCHASE_ORDER_LIFECYCLE.move_many(
        PurchaseOrder.objects.filter(number="PO-B1"),
        to=Status.SHIPPED,
        action="asn_submitted",
        actor=None,
    )
    assert len(moved) == 1
    assert_exact(client, supplier)

    # A bulk load (bulk_create / COPY: no signal) tells the counts itself.
    warehouse = WarehouseFactory(code="DC7")
    PurchaseOrder.objects.bulk_create(
        PurchaseOrder(
            number=f"PO-L{n}",
            supplier=supplier,
            ship_to=warehouse,
            issued_at=timezone.now(),
            ack_due_at=timezone.now() - datetime.timedelta(hours=1),
        )
        for n in range(3)
    )
    purchase_orders_changed(None)
    assert_exact(client, supplier)


def test_time_passing_an_acknowledgment_due_time_moves_the_overdue_counter(supplier):
    now = timezone.now()
    purchase_order_awaiting_acknowledgment(
        supplier=supplier, number="PO-D1", lines=1, ack_due_at=now + datetime.timedelta(minutes=5)
    )
    purchase_order_awaiting_acknowledgment(
        supplier=supplier, number="PO-D2", lines=1, ack_due_at=now + datetime.timedelta(minutes=9)
    )

    def inbox_at(when: datetime.datetime) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            overdue = selectors.supplier_inbox(supplier=supplier, now=when).overdue
        assert overdue == fresh_inbox(supplier, when)["overdue"]
        return overdue, len(queries.captured_queries)

    assert inbox_at(now) == (0, 1)
    # Before the first due time passes: kept.
    assert inbox_at(now + datetime.timedelta(minutes=5)) == (0, 0)
    # Past it: counted again, and kept until the next one.
    assert inbox_at(now + datetime.timedelta(minutes=6)) == (1, 1)
    assert inbox_at(now + datetime.timedelta(minutes=8)) == (1, 0)
    assert inbox_at(now + datetime.timedelta(minutes=10)) == (2, 1)
    assert inbox_at(now + datetime.timedelta(days=3)) == (2, 0)
    # An earlier clock (another process's) than the kept count's: counted.
    assert inbox_at(now + datetime.timedelta(minutes=1)) == (0, 1)


def test_the_buyers_list_count_equals_a_fresh_count_per_filter(
    client, buyer, supplier, other_supplier
):
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-G1", lines=1)
    PurchaseOrderFactory(supplier=other_supplier, number="PO-G2", status=Status.CONFIRMED)
    client.force_login(buyer)
    queries = ("", "?status=issued", "?status=confirmed", f"?supplier={supplier.code}")

    def exact() -> None:
        for query in queries:
            expected = PurchaseOrder.objects.all()
            if "status=" in query:
                expected = expected.filter(status=query.split("=")[1])
            if "supplier=" in query:
                expected = expected.filter(supplier=supplier)
            assert buyer_total(client, query) == expected.count(), query

    exact()
    with CaptureQueriesContext(connection) as counted:
        buyer_total(client)
    assert not [
        q
        for q in counted.captured_queries
        if "COUNT(*)" in q["sql"] and "suppliers_purchaseorder" in q["sql"]
    ]

    created = PurchaseOrderFactory(supplier=supplier, number="PO-G3")
    exact()
    created.status = Status.CONFIRMED
    created.save()
    exact()
    created.delete()
    exact()
    # A supplier's new code moves its POs out of the old code's filter.
    supplier.code = "RENAMED"
    supplier.save()
    assert buyer_total(client, "?supplier=RENAMED") == 1
    assert buyer_total(client, f"?supplier={queries[3].split('=')[1]}") == 0


def test_an_outsiders_counters_never_move_with_another_suppliers_pos(
    client, supplier, supplier_user, outsider, other_supplier
):
    purchase_order_awaiting_acknowledgment(supplier=other_supplier, number="PO-O1", lines=1)
    client.force_login(outsider)
    theirs = page(client, reverse("suppliers:po_list"))
    assert theirs[:2] == ({**fresh_inbox(other_supplier, timezone.now())}, 1)

    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-O2", lines=1)
    services.purchase_order_accept(
        actor=supplier_user,
        purchase_order=PurchaseOrder.objects.get(number="PO-O2"),
        revision=1,
    )

    # Not counted again: the other supplier's writes left this version alone.
    assert page(client, reverse("suppliers:po_list")) == (theirs[0], 1, 0)
    assert "PO-O2" not in client.get(reverse("suppliers:po_list")).content.decode()


def test_a_count_taken_before_the_commit_is_not_kept_after_it(
    supplier, supplier_user, django_capture_on_commit_callbacks
):
    purchase_order = purchase_order_awaiting_acknowledgment(
        supplier=supplier, number="PO-T1", lines=1
    )
    now = timezone.now()
    before = selectors.supplier_inbox(supplier=supplier, now=now)
    assert before.queues["to_acknowledge"] == 1
    scope = supplier_scope(supplier.pk)
    with django_capture_on_commit_callbacks() as on_commit:
        services.purchase_order_accept(
            actor=supplier_user, purchase_order=purchase_order, revision=1
        )
        # Another process, which cannot see the uncommitted move yet, counts the old
        # rows under the version the writer set at once and stores them.
        token = cache.get(PO_COUNTS.version_key(scope))
        stale = (now, None, dict(before.by_status), dict(before.queues))
        cache.set(PO_COUNTS._value_key(scope, token, "inbox"), (now.timestamp(), stale))
        PO_COUNTS.forget_all()
        assert selectors.supplier_inbox(supplier=supplier, now=now).queues == before.queues
    assert on_commit  # the version is replaced again on commit
    for callback in on_commit:
        callback()

    after = selectors.supplier_inbox(supplier=supplier, now=timezone.now())
    assert after.queues == fresh_inbox(supplier, timezone.now())
    assert after.queues["to_acknowledge"] == 0


def test_without_a_shared_cache_every_page_counts(settings, client, supplier, supplier_user):
    settings.PO_COUNT_CACHE_SECONDS = None
    settings.REDIS_URL = ""
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-W1", lines=1)
    client.force_login(supplier_user)

    assert page(client, reverse("suppliers:po_list"))[2] == 1
    assert page(client, reverse("suppliers:po_list"))[2] == 1
    stored = [key for key in cache._cache if "suppliers.po_counts:" in key]
    assert not [key for key in stored if ":value:" in key]


def test_with_redis_stopped_every_page_counts_and_stays_exact(
    settings, client, supplier, supplier_user
):
    server = start_redis_server()
    settings.CACHES = {
        "default": {
            "BACKEND": "portal.cache.FailOpenRedisCache",
            "LOCATION": server.url,
            "RETRY_AFTER_SECONDS": 5,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    # The session must outlive Redis: the database-backed engine only.
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    try:
        purchase_order = purchase_order_awaiting_acknowledgment(
            supplier=supplier, number="PO-R1", lines=1
        )
        client.force_login(supplier_user)
        assert page(client, reverse("suppliers:po_list"))[2] == 1
        assert page(client, reverse("suppliers:po_list"))[2] == 0

        server.stop()
        # Its new version is lost with Redis.
        services.purchase_order_accept(
            actor=supplier_user, purchase_order=purchase_order, revision=1
        )

        counters, total, counted = page(client, reverse("suppliers:po_list"))
        assert (counters, total, counted) == (fresh_inbox(supplier, timezone.now()), 1, 1)
        assert counters["open_to_ship"] == 1
        assert page(client, reverse("suppliers:po_list"))[2] == 1
    finally:
        if server.process.poll() is None:
            server.stop()


def test_the_buyers_supplier_filter_follows_every_supplier_write(client, buyer, supplier):
    client.force_login(buyer)

    def options() -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            html = client.get(reverse("buyer:po_list")).content.decode()
        select = re.search(r'<select name="supplier">(.*?)</select>', html, re.S)
        assert select is not None
        read = [q for q in queries.captured_queries if 'FROM "suppliers_supplier"' in q["sql"]]
        return [*re.findall(r'<option value="([^"]+)"', select.group(1)), f"reads={len(read)}"]

    assert options() == [supplier.code, "reads=1"]
    assert options() == [supplier.code, "reads=0"]
    newcomer = SupplierFactory(code="NEWCO")
    assert options() == [supplier.code, "NEWCO", "reads=1"]
    newcomer.code = "AAA"
    newcomer.save()
    assert options() == ["AAA", supplier.code, "reads=1"]
    newcomer.delete()
    assert options() == [supplier.code, "reads=1"]
