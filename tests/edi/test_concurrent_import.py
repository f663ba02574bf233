"""Two imports of the same 846 file at the same time, each in its own thread with its own
database connection (PostgreSQL only: the locks that keep them apart are advisory locks,
and SQLite writes one transaction at a time anyway).

What the design says (`integrations/services/edi_intake.py`, `edi_resends.py`): the
second import of an interchange waits until the first has recorded it, then finds it
either still being processed (recorded as a resend; the first import answers the ISA13)
or processed (recorded as a resend and acknowledged again with the original's outcome).
Either way every set is applied exactly once and reported once as applied and once as a
duplicate across the two imports: nothing lost, nothing doubled."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from integrations.models import AuditEntry, EdiInterchange, EdiTransactionSet, Event
from integrations.services import edi_intake
from integrations.services.edi_intake import ImportReport, edi_file_import
from suppliers.models import SupplierAvailability
from tests.edi.helpers import inventory_846, numbered_file
from tests.inventory.factories import ItemFactory, UnitOfMeasureFactory
from tests.suppliers.factories import SupplierItemFactory

AS_OF = (timezone.localtime() - datetime.timedelta(hours=1)).strftime("%Y%m%d*%H%M")
CONTROLS = ("000000951", "000000952", "000000953")
SETS = 12  # per interchange
ITEMS = 3  # per set


def _file() -> str:
    """Three interchanges of 12 sets of 3 items, ST02 from 0001 in each; item n counts n."""
    parts = []
    for i, control in enumerate(CONTROLS):
        bodies = []
        for s in range(SETS):
            first = (i * SETS + s) * ITEMS + 1
            bodies.append(
                inventory_846(
                    [(f"CC-{n:04d}", str(n)) for n in range(first, first + ITEMS)], as_of=AS_OF
                )
            )
        parts.append(
            numbered_file(
                bodies,
                control=control,
                st02s=[f"{n:04d}" for n in range(1, SETS + 1)],
                functional_id="IB",
            )
        )
    return "".join(parts)


def _import_at_once(text: str) -> list[ImportReport]:
    """Both imports start together; each thread opens (and closes) its own connection."""
    start = threading.Barrier(2)
    reports: dict[int, ImportReport] = {}
    failures: list[BaseException] = []

    def run(n: int) -> None:
        try:
            start.wait(timeout=30)
            reports[n] = edi_file_import(data=text, file_name=f"copy-{n}.x12")
        except BaseException as error:  # noqa: BLE001 - surfaced by the assertion below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    assert sorted(reports) == [1, 2]
    return [reports[1], reports[2]]


@pytest.mark.django_db(transaction=True)
def test_two_imports_of_one_846_file_at_once_apply_each_set_exactly_once(
    supplier, edi_partner, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent imports are kept apart by PostgreSQL advisory locks")
    each = UnitOfMeasureFactory(code="EA")
    total_items = len(CONTROLS) * SETS * ITEMS
    for n in range(1, total_items + 1):
        SupplierItemFactory(
            supplier=supplier,
            item=ItemFactory(sku=f"SKU-C{n:04d}", base_uom=each),
            supplier_sku=f"CC-{n:04d}",
            uom=each,
        )
    # Small batches: each import commits many times, so the two interleave.
    monkeypatch.setattr(edi_intake, "BATCH_SETS", 2)

    reports = _import_at_once(_file())

    total_sets = len(CONTROLS) * SETS
    assert sum(r.applied for r in reports) == total_sets
    assert sum(r.duplicates for r in reports) == total_sets
    assert [r.refused for r in reports] == [0, 0]
    assert all(
        error.endswith("is being processed by another import; this copy was not processed.")
        for r in reports
        for error in r.errors
    )
    inbound = EdiInterchange.objects.filter(direction="inbound")
    for control in CONTROLS:
        [original] = inbound.filter(control_number=control, status="accepted")
        [resend] = inbound.filter(control_number=control, status="duplicate")
        assert (original.sets_done, resend.duplicate_of_id) == (SETS, original.pk)
        assert original.acknowledgment_id is not None
    applied = EdiTransactionSet.objects.filter(interchange__direction="inbound", status="accepted")
    assert sorted(applied.values_list("interchange__control_number", "sequence")) == sorted(
        (control, n) for control in CONTROLS for n in range(1, SETS + 1)
    )
    assert EdiTransactionSet.objects.filter(status="duplicate").count() == total_sets
    assert sorted(
        SupplierAvailability.objects.filter(supplier_item__supplier=supplier).values_list(
            "supplier_item__supplier_sku", "qty_available"
        )
    ) == [(f"CC-{n:04d}", Decimal(n)) for n in range(1, total_items + 1)]
    assert AuditEntry.objects.filter(action="availability_reported").count() == total_sets
    reported = [
        item["supplier_sku"]
        for data in Event.objects.filter(type="inventory.availability_reported").values_list(
            "data", flat=True
        )
        for post in data["posts"]
        for item in post["items"]
    ]
    assert sorted(reported) == [f"CC-{n:04d}" for n in range(1, total_items + 1)]
    # One 997 per interchange from the import that applied it, and one more for each
    # resend that found it finished (a resend found mid-import is answered by that import).
    answered_again = inbound.filter(status="duplicate", acknowledgment__isnull=False).count()
    assert EdiInterchange.objects.filter(direction="outbound", document_kind="997").count() == (
        len(CONTROLS) + answered_again
    )
