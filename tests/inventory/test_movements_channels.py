"""The movement channels (issue 22): the batch API and the CSV file drop hand the same
events to the same service, checked against the one contract."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from integrations.errors import DomainError
from inventory.models import InventoryMovement
from inventory.resources.movements import movements_ingest_upload
from inventory.services.movement_staging import SOURCE_REGEX, source_ok_sql
from tests.api.conftest import client_for, issue_key
from tests.inventory.factories import UnitOfMeasureFactory, UomConversionFactory
from tests.inventory.movements import expect, figures
from tests.inventory.snapshots import items, warehouse

pytestmark = pytest.mark.django_db

URL = "/api/v1/inventory/movements"


@pytest.fixture
def wms(db):
    items("A")
    warehouse("DC1")
    return client_for(issue_key(scopes=["snapshots"], name="wms").plaintext)


def movement(sequence: int, kind: str = "receipt", quantity: str = "10", **extra) -> dict:
    return {
        "source": "wms:DC1",
        "source_event_id": f"DC1-{sequence}",
        "sequence": sequence,
        "kind": kind,
        "occurred_at": f"2026-03-03T08:{sequence:02d}:00Z",
        "sku": "A",
        "warehouse": "DC1",
        "quantity": quantity,
        "uom": "EA",
        **extra,
    }


def test_a_batch_is_recorded_and_applied(wms):
    response = wms.post(
        URL, {"movements": [movement(1), movement(2, "put_away", "4")]}, format="json"
    )

    assert response.status_code == 200
    assert response.json() == {
        "received": 2,
        "recorded": 2,
        "duplicates": 0,
        "applied": 2,
        "held": 0,
        "before_snapshot": 0,
        "applied_after_gap": 0,
        "errors": [],
    }
    assert figures() == expect(received=6, available=4)


def test_an_offset_the_database_cannot_read_is_stored_as_the_same_instant_in_utc(wms):
    # RFC 3339 allows +19:54; PostgreSQL's limit is 15:59 (found by the schema fuzzer).
    late = movement(1, occurred_at="2026-03-03T23:54:00+19:54")

    response = wms.post(URL, {"movements": [late]}, format="json")

    assert response.status_code == 200
    assert response.json()["applied"] == 1
    stored = InventoryMovement.objects.get(source_event_id="DC1-1").occurred_at
    assert stored.isoformat() == "2026-03-03T04:00:00+00:00"


def test_the_same_batch_sent_twice_applies_once(wms):
    body = {"movements": [movement(1), movement(2)]}
    wms.post(URL, body, format="json")

    again = wms.post(URL, body, format="json")

    assert (again.json()["recorded"], again.json()["duplicates"]) == (0, 2)
    assert figures() == expect(received=20)


def test_an_event_breaking_the_contract_refuses_the_batch_with_a_pointer(wms):
    response = wms.post(
        URL,
        {"movements": [movement(1), movement(2, quantity=12), {**movement(3), "colour": "red"}]},
        format="json",
    )

    assert response.status_code == 400
    pointers = [error["pointer"] for error in response.json()["errors"]]
    assert pointers == ["/movements/1/quantity", "/movements/2"]
    assert not InventoryMovement.objects.exists()


def test_an_event_breaking_a_business_rule_is_listed_and_the_rest_stored(wms):
    response = wms.post(URL, {"movements": [movement(1), movement(2, sku="NOPE")]}, format="json")

    assert response.status_code == 200
    assert response.json()["errors"] == [
        {"pointer": "/movements/1/sku", "detail": "No item has this SKU."}
    ]
    assert response.json()["recorded"] == 1


def test_a_batch_over_ten_thousand_events_is_refused(wms):
    response = wms.post(URL, {"movements": [movement(1)] * 10_001}, format="json")

    assert response.status_code in (400, 413)
    assert not InventoryMovement.objects.exists()


def test_a_supplier_key_cannot_post_movements(wms, supplier):
    outsider = client_for(issue_key(supplier=supplier).plaintext)

    response = outsider.post(URL, {"movements": [movement(1)]}, format="json")

    assert response.status_code == 403
    assert not InventoryMovement.objects.exists()


def test_a_key_without_the_scope_cannot_post_movements(wms):
    reader = client_for(issue_key(scopes=["read"], name="reader").plaintext)

    response = reader.post(URL, {"movements": [movement(1)]}, format="json")

    assert response.status_code == 403


def test_the_file_drop_reads_the_same_columns(tmp_path, wms, capsys):
    path = tmp_path / "movements.csv"
    path.write_text(
        "source,source_event_id,sequence,kind,occurred_at,sku,warehouse,quantity,uom,reason\n"
        "wms:DC1,DC1-1,1,receipt,2026-03-03T08:01:00Z,A,DC1,10,EA,\n"
        "wms:DC1,DC1-2,2,adjustment,2026-03-03T08:02:00Z,A,DC1,-3,EA,broken\n"
        "wms:DC1,DC1-3,3,receipt,not a time,A,DC1,1,EA,\n"
        "wms:DC1,DC1-1,1,receipt,2026-03-03T08:01:00Z,A,DC1,10,EA,\n"
    )

    call_command("ingest_movements", str(path))

    out = capsys.readouterr().out
    assert "4 rows, 2 recorded, 1 duplicates, 2 applied, 0 held for a gap, 1 errors." in out
    assert "line 4: occurred_at:" in out
    assert figures() == expect(received=10, available=-3)


def test_the_positions_feed_pages_by_warehouse_and_change_time(wms):
    warehouse("DC2")
    items("B")
    wms.post(
        URL,
        {"movements": [movement(1), movement(2, sku="B"), movement(3, warehouse="DC2")]},
        format="json",
    )
    reader = client_for(issue_key(scopes=["read"], name="ecommerce").plaintext)

    first = reader.get("/api/v1/inventory/positions", {"warehouse": "DC1", "limit": 1}).json()
    second = reader.get(
        "/api/v1/inventory/positions",
        {"warehouse": "DC1", "limit": 1, "after": first["next_after"]},
    ).json()
    later = reader.get(
        "/api/v1/inventory/positions", {"updated_since": "2099-01-01T00:00:00Z"}
    ).json()

    pages = first["results"] + second["results"]
    assert sorted((r["sku"], r["warehouse"], r["received"]) for r in pages) == [
        ("A", "DC1", "10.000000"),
        ("B", "DC1", "10.000000"),
    ]
    assert len(first["results"]) == 1
    assert second["next_after"] is None
    assert later == {"results": [], "next_after": None}


def test_a_supplier_key_cannot_read_the_positions(wms, supplier):
    outsider = client_for(issue_key(supplier=supplier).plaintext)

    assert outsider.get("/api/v1/inventory/positions").status_code == 403


def test_an_uploaded_file_goes_through_the_upload_rules(wms, settings):
    settings.PORTAL_UPLOAD_MAX_ROWS = 1
    upload = SimpleUploadedFile(
        "movements.csv",
        b"source,source_event_id,sequence,kind,occurred_at,sku,warehouse,quantity,uom\n"
        b"wms:DC1,DC1-1,1,receipt,2026-03-03T08:01:00Z,A,DC1,10,EA\n"
        b"wms:DC1,DC1-2,2,receipt,2026-03-03T08:02:00Z,A,DC1,10,EA\n",
    )

    with pytest.raises(DomainError):
        movements_ingest_upload(actor=None, upload=upload, channel="csv")
    settings.PORTAL_UPLOAD_MAX_ROWS = 10
    result = movements_ingest_upload(actor=None, upload=upload, channel="csv")

    assert (result.rows, result.batches[0].applied) == (2, 2)
    assert figures() == expect(received=20)


def test_text_the_database_cannot_hold_is_refused_with_a_pointer(wms):
    response = wms.post(
        URL,
        {
            "movements": [
                movement(1, sku="A\x00"),
                movement(2, occurred_at="0001-01-01T00:00:00+01:00"),
            ]
        },
        format="json",
    )

    assert response.status_code == 400
    assert [e["pointer"] for e in response.json()["errors"]] == [
        "/movements/0/sku",
        "/movements/1/occurred_at",
    ]


def test_a_quantity_too_large_in_the_base_unit_is_a_row_error(wms):
    UomConversionFactory(
        item=None, from_uom=UnitOfMeasureFactory(code="CS"), to_uom=UnitOfMeasureFactory(code="EA")
    )

    response = wms.post(
        URL, {"movements": [movement(1, quantity="999999999999", uom="CS")]}, format="json"
    )

    assert response.json()["errors"] == [
        {
            "pointer": "/movements/0/quantity",
            "detail": "The quantity is too large in the base unit.",
        }
    ]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="The SQL check is PostgreSQL's regular expression."
)
@pytest.mark.parametrize(
    "source",
    [
        "erp",
        "wms:DC1",
        "wms:" + "a" * 36,
        "wms:" + "a" * 37,
        "wms:",
        "erp2",
        "Erp",
        "wms:DC 1",
        "wms:DC1\n",
        "wms:a.b_c-D9",
        "xwms:DC1",
        "wms:DC1/2",
    ],
)
def test_the_sql_source_check_says_what_the_contract_pattern_says(source):
    # The SQL writes the contract's bounded pattern as an unbounded one plus a length,
    # for speed: both must accept exactly the same sources.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {source_ok_sql('%s::text')}", [source, source])
        (accepted,) = cursor.fetchone()

    assert accepted is (re.fullmatch(SOURCE_REGEX, source) is not None)
