"""The 846 at partner scale: sets applied set-based in batches that commit as they go (one
event per batch, an audit entry per set), a refused set writing nothing, queries that do
not grow with the file, progress in the command and the viewer, and an import killed
half-way that, imported again, applies each set exactly once."""

import datetime
import zoneinfo
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from integrations.models import AuditEntry, EdiInterchange, EdiTransactionSet, Event
from integrations.services import edi_intake
from integrations.services.edi_intake import edi_file_import
from integrations.x12 import read
from inventory.models import Item, UnitOfMeasure
from suppliers.models import SupplierAvailability
from tests.edi.helpers import inventory_846, numbered_file
from tests.inventory.factories import ItemFactory, UnitOfMeasureFactory, UomConversionFactory
from tests.suppliers.factories import SupplierItemFactory

AS_OF = (timezone.localtime() - datetime.timedelta(hours=1)).strftime("%Y%m%d*%H%M")


def _catalog(supplier, count: int) -> None:
    each = UnitOfMeasureFactory(code="EA")
    for n in range(1, count + 1):
        SupplierItemFactory(
            supplier=supplier,
            item=ItemFactory(sku=f"SKU-{n:04d}", base_uom=each),
            supplier_sku=f"AC-{n:04d}",
            uom=each,
        )


def _feed(sets: int, items: int, *, control: str, qty: int = 5) -> str:
    bodies = [
        inventory_846(
            [(f"AC-{s * items + i + 1:04d}", str(qty + i)) for i in range(items)], as_of=AS_OF
        )
        for s in range(sets)
    ]
    return numbered_file(
        bodies,
        control=control,
        st02s=[f"{n:04d}" for n in range(1, sets + 1)],
        functional_id="IB",
    )


@pytest.mark.django_db
def test_846_sets_are_applied_with_an_audit_entry_per_set_and_an_event_per_batch(
    supplier, edi_partner
):
    _catalog(supplier, 12)

    report = edi_file_import(data=_feed(3, 4, control="000000901"))

    [record] = report.interchanges
    assert (record.status, report.applied, record.sets_done, record.sets_total) == (
        "accepted",
        3,
        3,
        3,
    )
    assert SupplierAvailability.objects.count() == 12
    assert SupplierAvailability.objects.get(
        supplier_item__supplier_sku="AC-0006"
    ).qty_available == (Decimal("6"))
    [event] = Event.objects.filter(type="inventory.availability_reported")
    assert (event.aggregate_type, event.aggregate_id, event.data["supplier"]) == (
        "supplier_availability",
        "ACME",
        "ACME",
    )
    post = event.data["posts"][1]
    assert (post["reference"], len(post["items"]), post["items"][1]) == (
        "846 0002 in group 501",
        4,
        {
            "supplier_sku": "AC-0006",
            "sku": "SKU-0006",
            "qty_available": "6",
            "uom": "EA",
            "available_date": None,
        },
    )
    entries = AuditEntry.objects.filter(action="availability_reported").order_by("id")
    assert [(e.object_type, e.object_id, e.channel, e.actor_label) for e in entries] == [
        ("suppliers.supplier", str(supplier.pk), "edi", "EDI partner acme-edi")
    ] * 3
    assert (entries[0].before, entries[0].after["reference"]) == ({}, "846 0001 in group 501")
    assert entries[0].after["items"]["AC-0002"] == {
        "sku": "SKU-0002",
        "qty_available": "6",
        "uom": "EA",
        "available_date": None,
    }
    assert [r.result["summary"] for r in record.transaction_sets.all()] == [
        "Availability posted for 4 items"
    ] * 3


@pytest.mark.django_db
def test_a_later_846_set_is_audited_with_what_it_replaced(supplier, edi_partner):
    _catalog(supplier, 2)
    edi_file_import(data=_feed(1, 2, control="000000951"))
    first = SupplierAvailability.objects.get(supplier_item__supplier_sku="AC-0001")
    later = (timezone.localtime() - datetime.timedelta(minutes=5)).strftime("%Y%m%d*%H%M")

    edi_file_import(
        data=numbered_file(
            [inventory_846([("AC-0001", "40")], as_of=later)],
            control="000000952",
            st02s=["0001"],
            functional_id="IB",
        )
    )

    entry = AuditEntry.objects.filter(action="availability_reported").latest("id")
    assert entry.before == {
        "AC-0001": {
            "qty_available": "5.000000",
            "available_date": None,
            "as_of": first.as_of.isoformat(),
        }
    }
    assert entry.after["items"]["AC-0001"]["qty_available"] == "40"
    assert SupplierAvailability.objects.get(pk=first.pk).qty_available == Decimal("40")


@pytest.mark.django_db
def test_an_item_counted_by_two_sets_of_one_batch_is_audited_as_replacing_the_first(
    supplier, edi_partner
):
    _catalog(supplier, 2)
    edi_file_import(data=_feed(1, 2, control="000000971"))  # yesterday's rows, 5 and 6
    old = SupplierAvailability.objects.get(supplier_item__supplier_sku="AC-0002")
    first = timezone.localtime() - datetime.timedelta(minutes=30)
    second = timezone.localtime() - datetime.timedelta(minutes=10)
    future = (datetime.date.today() + datetime.timedelta(days=4)).strftime("%Y%m%d")

    edi_file_import(
        data=numbered_file(
            [
                [
                    *inventory_846(
                        [("AC-0001", "7"), ("AC-0002", "8")], as_of=f"{first:%Y%m%d*%H%M}"
                    ),
                    f"DTM*018*{future}",
                ],
                inventory_846([("AC-0001", "9")], as_of=f"{second:%Y%m%d*%H%M}"),
            ],
            control="000000972",
            st02s=["0001", "0002"],
            functional_id="IB",
        )
    )

    first_entry, second_entry = AuditEntry.objects.filter(action="availability_reported").order_by(
        "id"
    )[1:]
    first_as_of = first.replace(second=0, microsecond=0).isoformat()
    assert first_entry.before == {
        "AC-0001": {
            "qty_available": "5.000000",
            "available_date": None,
            "as_of": old.as_of.isoformat(),  # both counted by the same earlier set
        },
        "AC-0002": {
            "qty_available": "6.000000",
            "available_date": None,
            "as_of": old.as_of.isoformat(),
        },
    }
    assert first_entry.after == {
        "reference": "846 0001 in group 501",
        "as_of": first_as_of,
        "items": {
            "AC-0001": {"sku": "SKU-0001", "qty_available": "7", "uom": "EA",
                        "available_date": None},
            "AC-0002": {"sku": "SKU-0002", "qty_available": "8", "uom": "EA",
                        "available_date": f"{future[:4]}-{future[4:6]}-{future[6:]}"},
        },
    }  # fmt: skip
    assert second_entry.before == {
        "AC-0001": {"qty_available": "7", "available_date": None, "as_of": first_as_of}
    }
    assert second_entry.after["items"]["AC-0001"]["qty_available"] == "9"
    assert dict(
        SupplierAvailability.objects.values_list("supplier_item__supplier_sku", "qty_available")
    ) == {"AC-0001": Decimal("9"), "AC-0002": Decimal("8")}
    assert SupplierAvailability.objects.get(
        supplier_item__supplier_sku="AC-0001"
    ).as_of == second.replace(second=0, microsecond=0)


@pytest.mark.django_db
def test_a_refused_846_set_writes_nothing_and_its_neighbours_are_applied(supplier, edi_partner):
    _catalog(supplier, 6)
    later = (timezone.localtime() - datetime.timedelta(minutes=5)).strftime("%Y%m%d*%H%M")
    edi_file_import(
        data=numbered_file(
            [inventory_846([("AC-0005", "1")], as_of=later)],
            control="000000911",
            st02s=["0001"],
            functional_id="IB",
        )
    )
    sets = [
        inventory_846([("AC-0001", "7"), ("AC-0002", "8")], as_of=AS_OF),
        inventory_846([("AC-0003", "9"), ("AC-NOPE", "1")], as_of=AS_OF),
        inventory_846([("AC-0004", "2"), ("AC-0005", "3")], as_of=AS_OF),  # older than 0005's
        inventory_846([("AC-0006", "2.5")], as_of=AS_OF),  # EA takes no decimals
    ]

    [record] = edi_file_import(
        data=numbered_file(
            sets, control="000000912", st02s=["0001", "0002", "0003", "0004"], functional_id="IB"
        )
    ).interchanges

    assert dict(
        SupplierAvailability.objects.values_list("supplier_item__supplier_sku", "qty_available")
    ) == {"AC-0001": Decimal("7"), "AC-0002": Decimal("8"), "AC-0005": Decimal("1")}
    rows = list(record.transaction_sets.all())
    assert [r.status for r in rows] == ["accepted", "rejected", "rejected", "rejected"]
    assert rows[1].rejection == "LIN names none of ACME's items."
    assert rows[2].rejection.startswith("line AC-0005, as_of: AC-0005: this count is as of ")
    assert rows[3].rejection == (
        "line AC-0006, qty_available: EA allows 0 decimal places; 2.5 has more."
    )
    [ack] = read(record.acknowledgment.raw).interchanges
    segments = [s for ts in ack.transaction_sets() for s in ts.segments]
    assert [s.elements for s in segments if s.id == "AK3"] == [(("LIN",), ("5",), ("",), ("8",))]
    assert [s.value(1) for s in segments if s.id == "AK5"] == ["A", "R", "R", "R"]
    assert Event.objects.filter(type="inventory.availability_reported").count() == 2


@pytest.mark.django_db
def test_the_queries_of_an_846_import_do_not_grow_with_its_sets_or_items(supplier, edi_partner):
    _catalog(supplier, 81)
    edi_file_import(data=_feed(1, 1, control="000000920"))  # our 997 counters are made once
    with CaptureQueriesContext(connection) as few:
        edi_file_import(data=_feed(2, 2, control="000000921"))
    with CaptureQueriesContext(connection) as many:
        edi_file_import(data=_feed(10, 8, control="000000922"))

    assert SupplierAvailability.objects.count() == 80
    assert len(many) == len(few)


@pytest.mark.django_db(transaction=True)
def test_a_big_846_file_killed_half_way_and_imported_again_applies_each_set_exactly_once(
    supplier, edi_partner, monkeypatch, client, operator
):
    _catalog(supplier, 90)
    monkeypatch.setattr(edi_intake, "BATCH_SETS", 10)
    text = _feed(45, 2, control="000000931")

    def killed(interchange, done, total):
        if done >= 20:
            raise KeyboardInterrupt("the import is killed after two batches")

    with pytest.raises(KeyboardInterrupt):
        edi_file_import(data=text, progress=killed)

    record = EdiInterchange.objects.get(direction="inbound")
    assert (record.status, record.sets_done, record.sets_total) == ("processing", 20, 45)
    assert SupplierAvailability.objects.count() == 40
    client.force_login(operator)
    url = reverse("integrations:edi_detail", args=[record.pk])
    page = client.get(url).content.decode()
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "20 of 45 sets committed" in page
    assert "20 of 45 sets committed" in fragment and "<html" not in fragment

    report = edi_file_import(data=text)

    [resumed] = report.interchanges
    assert (resumed.pk, resumed.status, resumed.sets_done, report.applied) == (
        record.pk,
        "accepted",
        45,
        45,
    )
    assert EdiInterchange.objects.filter(direction="inbound").count() == 1
    assert sorted(
        EdiTransactionSet.objects.filter(interchange=record).values_list("sequence", flat=True)
    ) == list(range(1, 46))
    assert SupplierAvailability.objects.count() == 90
    items = [
        (post["reference"], item["supplier_sku"])
        for data in Event.objects.filter(type="inventory.availability_reported").values_list(
            "data", flat=True
        )
        for post in data["posts"]
        for item in post["items"]
    ]
    assert sorted(items) == sorted(
        (f"846 {n // 2 + 1:04d} in group 501", f"AC-{n + 1:04d}") for n in range(90)
    )
    assert AuditEntry.objects.filter(action="availability_reported").count() == 45
    assert EdiInterchange.objects.filter(direction="outbound", document_kind="997").count() == 1


@pytest.mark.django_db
def test_edi_import_prints_its_progress_as_sets_done_of_total(
    supplier, edi_partner, monkeypatch, tmp_path
):
    _catalog(supplier, 5)
    monkeypatch.setattr(edi_intake, "BATCH_SETS", 2)
    path = tmp_path / "feed.x12"
    path.write_text(_feed(5, 1, control="000000941"))
    err = StringIO()

    call_command("edi_import", str(path), stdout=StringIO(), stderr=err)

    assert err.getvalue().splitlines() == [
        "feed.x12: ISA 000000941: 2/5 sets committed",
        "feed.x12: ISA 000000941: 4/5 sets committed",
        "feed.x12: ISA 000000941: 5/5 sets committed",
    ]


@pytest.mark.django_db
def test_an_846_set_refused_for_its_unit_is_applied_when_reprocessed_after_the_fix(
    supplier, edi_partner, client, operator
):
    _catalog(supplier, 1)
    dozen = UnitOfMeasureFactory(code="DZ")
    UomConversionFactory(
        item=Item.objects.get(sku="SKU-0001"),
        from_uom=dozen,
        to_uom=UnitOfMeasure.objects.get(code="EA"),
        factor=Decimal("12"),
    )
    text = numbered_file(
        [inventory_846([("AC-0001", "1")], as_of=AS_OF, unit="DOZ")],
        control="000000961",
        st02s=["0001"],
        functional_id="IB",
    )
    [record] = edi_file_import(data=text).interchanges
    assert record.transaction_sets.get().rejection == (
        "Unit 'DOZ' is unknown; add it to trading partner acme-edi's unit map."
    )
    edi_partner.uom_map = {"DOZ": "DZ"}
    edi_partner.save()
    client.force_login(operator)

    client.post(reverse("integrations:edi_reprocess", args=[record.pk]))

    record.refresh_from_db()
    assert (record.status, record.reprocess_count) == ("accepted", 1)
    assert SupplierAvailability.objects.get().qty_available == Decimal("12")
    assert "AK5*A~" in record.acknowledgment.raw


@pytest.mark.django_db
def test_an_846_set_with_a_bad_date_is_refused_at_its_segment_while_its_neighbours_apply(
    supplier, edi_partner
):
    _catalog(supplier, 2)
    bad = [*inventory_846([("AC-0002", "4")], as_of=AS_OF), "DTM*018*20261399"]

    [record] = edi_file_import(
        data=numbered_file(
            [inventory_846([("AC-0001", "3")], as_of=AS_OF), bad],
            control="000000981",
            st02s=["0001", "0002"],
            functional_id="IB",
        )
    ).interchanges

    rows = list(record.transaction_sets.all())
    assert [(r.status, r.rejection) for r in rows] == [
        ("accepted", ""),
        (
            "rejected",
            "DTM02 '20261399' is not a date (CCYYMMDD).",
        ),
    ]
    assert dict(
        SupplierAvailability.objects.values_list("supplier_item__supplier_sku", "qty_available")
    ) == {"AC-0001": Decimal("3")}


@pytest.mark.django_db
def test_the_846_as_of_time_is_read_in_the_importers_time_zone(supplier, edi_partner):
    _catalog(supplier, 1)
    zone = zoneinfo.ZoneInfo("America/New_York")
    counted = (timezone.now() - datetime.timedelta(hours=2)).astimezone(zone)

    with timezone.override(zone):
        edi_file_import(
            data=numbered_file(
                [inventory_846([("AC-0001", "3")], as_of=f"{counted:%Y%m%d*%H%M}")],
                control="000000982",
                st02s=["0001"],
                functional_id="IB",
            )
        )

    assert SupplierAvailability.objects.get().as_of == counted.replace(second=0, microsecond=0)
