"""The 846 feed's cheap paths (issue 17) record what the general ones do: supplier SKUs
and our SKUs with the characters an array literal must escape reach the rows, the audit
and the event unchanged; a count is told apart as whole and sane by its digits, up to the
largest the rules allow; and the garbage collector, held back during a batch, is left
as it was found."""

import datetime
import gc
from decimal import Decimal

import pytest
from django.utils import timezone

from integrations.edi import registry
from integrations.models import AuditEntry, Event
from integrations.services.edi_intake import edi_file_import
from suppliers.edi import inbound_846
from suppliers.models import SupplierAvailability
from tests.edi.helpers import inventory_846, numbered_file
from tests.inventory.factories import ItemFactory, UnitOfMeasureFactory
from tests.suppliers.factories import SupplierItemFactory

AS_OF = (timezone.localtime() - datetime.timedelta(hours=1)).strftime("%Y%m%d*%H%M")
# Every character a PostgreSQL array literal treats specially, and the word it reads as null.
AWKWARD = [('Q"1', 'SKU"1'), ("B\\2", "SKU\\2"), ("C,{3} x", "NULL")]


def _catalog(supplier, skus: list[tuple[str, str]]) -> None:
    each = UnitOfMeasureFactory(code="EA")
    for supplier_sku, sku in skus:
        SupplierItemFactory(
            supplier=supplier,
            item=ItemFactory(sku=sku, base_uom=each),
            supplier_sku=supplier_sku,
            uom=each,
        )


def _import(sets: list[list[str]], control: str):
    return edi_file_import(
        data=numbered_file(
            sets,
            control=control,
            st02s=[f"{n:04d}" for n in range(1, len(sets) + 1)],
            functional_id="IB",
        )
    )


@pytest.mark.django_db
def test_skus_with_quotes_backslashes_commas_braces_and_null_reach_the_rows_audit_and_event(
    supplier, edi_partner
):
    _catalog(supplier, AWKWARD)
    # LIN carries no quote escaping: the SKUs travel as they are, between '*'.
    _import([inventory_846([(s, str(n)) for n, (s, _sku) in enumerate(AWKWARD)], as_of=AS_OF)],
            "000000981")  # fmt: skip
    _import([inventory_846([(s, "7") for s, _sku in AWKWARD], as_of=AS_OF)], "000000982")

    assert dict(
        SupplierAvailability.objects.values_list("supplier_item__supplier_sku", "qty_available")
    ) == {s: Decimal("7") for s, _sku in AWKWARD}
    first, second = AuditEntry.objects.filter(action="availability_reported").order_by("id")
    assert second.after["items"] == {
        s: {"sku": sku, "qty_available": "7", "uom": "EA", "available_date": None}
        for s, sku in AWKWARD
    }
    assert {s: shown["qty_available"] for s, shown in second.before.items()} == {
        'Q"1': "0.000000",
        "B\\2": "1.000000",
        "C,{3} x": "2.000000",
    }
    assert (first.before, sorted(first.after["items"])) == ({}, sorted(s for s, _ in AWKWARD))
    last = Event.objects.filter(type="inventory.availability_reported").latest("sequence")
    assert [(i["supplier_sku"], i["sku"]) for i in last.data["posts"][0]["items"]] == [
        (s, sku) for s, sku in AWKWARD
    ]


@pytest.mark.django_db
def test_the_largest_whole_count_is_recorded_and_one_more_is_refused_with_the_rule(
    supplier, edi_partner
):
    _catalog(supplier, [(f"AC-{n}", f"SKU-{n}") for n in (1, 2, 3)])

    [record] = _import(
        [
            inventory_846([("AC-1", "999999999999"), ("AC-2", "007")], as_of=AS_OF),
            inventory_846([("AC-3", "1000000000000")], as_of=AS_OF),
        ],
        "000000983",
    ).interchanges

    assert dict(
        SupplierAvailability.objects.values_list("supplier_item__supplier_sku", "qty_available")
    ) == {"AC-1": Decimal("999999999999"), "AC-2": Decimal("7")}
    accepted, refused = record.transaction_sets.all()
    assert (accepted.status, refused.status) == ("accepted", "rejected")
    assert refused.rejection == (
        "line AC-3, qty_available: The quantity available must be less than 1,000,000,000,000."
    )
    [entry] = AuditEntry.objects.filter(action="availability_reported")
    assert entry.after["items"]["AC-2"]["qty_available"] == "7"


@pytest.mark.django_db
def test_an_846_batch_leaves_the_garbage_collector_enabled_even_when_a_set_is_refused(
    supplier, edi_partner
):
    _catalog(supplier, [("AC-1", "SKU-1")])
    assert registry.inbound_batch_handler("846") is inbound_846.map_846_batch

    _import([inventory_846([("AC-1", "2")], as_of=AS_OF), inventory_846([("AC-NOPE", "1")])],
            "000000984")  # fmt: skip

    assert gc.isenabled()


@pytest.mark.django_db
def test_an_846_batch_leaves_the_garbage_collector_off_when_its_caller_turned_it_off(
    supplier, edi_partner
):
    _catalog(supplier, [("AC-1", "SKU-1")])
    gc.disable()
    try:
        report = _import([inventory_846([("AC-1", "2")], as_of=AS_OF)], "000000985")
        enabled = gc.isenabled()
    finally:
        gc.enable()

    assert (report.applied, enabled) == (1, False)
