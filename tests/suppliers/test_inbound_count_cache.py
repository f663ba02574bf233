"""The inbound schedule's count is cached only where every process shares the cache
(Redis), and there it still equals the read model's rows after a change; with a cache of
one process's own (no `REDIS_URL`) every page counts, so another worker's change is seen."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inventory.models import UnitOfMeasure
from suppliers import selectors, services
from suppliers.models import InboundRow
from tests.inventory.factories import ItemFactory, UnitOfMeasureFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


def imported_po(supplier, number: str):
    each = UnitOfMeasure.objects.filter(code="EA").first() or UnitOfMeasureFactory(code="EA")
    return services.purchase_order_create(
        actor=None,
        number=number,
        supplier=supplier,
        ship_to=WarehouseFactory(code=f"D{number[-1]}"),
        lines=[
            services.PurchaseOrderLineInput(
                line_no=no,
                item=ItemFactory(sku=f"{number}-{no}"),
                ordered_qty=Decimal("3"),
                uom=each,
                unit_price=Decimal("2"),
                requested_date=timezone.localdate() + datetime.timedelta(days=5),
            )
            for no in (1, 2)
        ],
    )


def counted() -> tuple[int, int]:
    """(the schedule's count, COUNT queries run for it)."""
    with CaptureQueriesContext(connection) as queries:
        count = selectors.inbound_schedule_count()
    return count, len([q for q in queries.captured_queries if "COUNT(" in q["sql"]])


def test_with_a_shared_cache_the_count_is_kept_and_follows_every_change(
    settings, supplier, supplier_user
):
    settings.INBOUND_COUNT_CACHE_SECONDS = 300
    cache.clear()  # no count kept by an earlier test
    first = imported_po(supplier, "PO-C1")
    assert counted() == (0, 1)
    assert counted() == (0, 0)

    services.purchase_order_accept(actor=supplier_user, purchase_order=first, revision=1)

    assert counted() == (2, 1) and InboundRow.objects.count() == 2
    assert counted() == (2, 0)


def test_without_a_shared_cache_every_page_counts(settings, supplier, supplier_user):
    settings.INBOUND_COUNT_CACHE_SECONDS = None
    settings.REDIS_URL = ""
    first = imported_po(supplier, "PO-C2")
    services.purchase_order_accept(actor=supplier_user, purchase_order=first, revision=1)

    assert counted() == (2, 1)
    assert counted() == (2, 1)
