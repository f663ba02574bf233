"""Supplier availability: the service, the in-place htmx edit, the upload with a dry run,
and staleness as the buyer sees it."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from integrations.errors import DomainError
from integrations.models import Event
from suppliers import services
from suppliers.models import SupplierAvailability
from tests.inventory.factories import ItemFactory
from tests.suppliers.factories import SupplierItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def bolt(supplier):
    return SupplierItemFactory(
        supplier=supplier, item=ItemFactory(sku="BOLT-M8"), supplier_sku="AC-B8"
    )


def post(supplier, user, supplier_item, qty, **kwargs):
    return services.supplier_availability_post(
        actor=user,
        supplier=supplier,
        entries=[
            services.AvailabilityInput(
                supplier_item=supplier_item, qty_available=Decimal(qty), **kwargs
            )
        ],
    )


def test_posting_availability_records_it_as_of_now_and_publishes_the_event(
    supplier, supplier_user, bolt
):
    next_date = timezone.localdate() + datetime.timedelta(days=5)

    post(supplier, supplier_user, bolt, "250", available_date=next_date)

    row = SupplierAvailability.objects.get()
    assert (row.qty_available, row.available_date) == (Decimal("250"), next_date)
    assert timezone.now() - row.as_of < datetime.timedelta(seconds=5)
    event = Event.objects.get(type="inventory.availability_reported")
    assert (event.aggregate_type, event.aggregate_id) == ("supplier_item", "ACME:AC-B8")
    assert (event.data["qty_available"], event.data["uom"]) == ("250", "EA")


def test_a_second_post_replaces_the_first_and_an_older_count_is_refused(
    supplier, supplier_user, bolt
):
    post(supplier, supplier_user, bolt, "250")
    post(supplier, supplier_user, bolt, "100")

    with pytest.raises(DomainError) as error:
        post(
            supplier,
            supplier_user,
            bolt,
            "999",
            as_of=timezone.now() - datetime.timedelta(hours=2),
        )

    assert SupplierAvailability.objects.get().qty_available == Decimal("100")
    assert error.value.field == "as_of"
    assert Event.objects.filter(type="inventory.availability_reported").count() == 2


@pytest.mark.parametrize(
    ("qty", "message"),
    [
        ("-1", "The quantity available cannot be negative; enter 0 when you have none."),
        ("2.5", "EA allows 0 decimal places; 2.5 has more."),
    ],
)
def test_negative_and_fractional_counts_are_refused(supplier, supplier_user, bolt, qty, message):
    with pytest.raises(DomainError) as error:
        post(supplier, supplier_user, bolt, qty)

    assert (error.value.line, error.value.message) == ("AC-B8", message)


def test_another_suppliers_item_cannot_be_posted(supplier, other_supplier, supplier_user):
    theirs = SupplierItemFactory(supplier=other_supplier, supplier_sku="GX-1")

    with pytest.raises(DomainError) as error:
        post(supplier, supplier_user, theirs, "1")

    assert error.value.message == "GX-1 is not one of your items."


def test_the_row_is_edited_in_place_with_htmx(client, supplier, supplier_user, bolt):
    client.force_login(supplier_user)
    url = reverse("suppliers:availability_row", args=[bolt.pk])

    form = client.get(url, headers={"HX-Request": "true"})
    saved = client.post(
        url, {"qty_available": "40", "available_date": ""}, headers={"HX-Request": "true"}
    )

    assert form.status_code == 200
    assert b'name="qty_available"' in form.content
    assert b"<html" not in form.content
    assert saved.status_code == 200
    assert saved.content.decode().strip().startswith(f'<tr id="si-{bolt.pk}"')
    assert "40 EA" in saved.content.decode()
    assert SupplierAvailability.objects.get().qty_available == Decimal("40")


def test_a_bad_row_edit_returns_the_form_with_the_error(client, supplier, supplier_user, bolt):
    client.force_login(supplier_user)

    response = client.post(
        reverse("suppliers:availability_row", args=[bolt.pk]),
        {"qty_available": "2.5"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 422
    assert "EA allows 0 decimal places; 2.5 has more." in response.content.decode()
    assert not SupplierAvailability.objects.exists()


def test_the_availability_table_runs_the_same_queries_for_2_and_40_items(
    client, supplier, supplier_user
):
    client.force_login(supplier_user)
    url = reverse("suppliers:availability")
    for _ in range(2):
        post(supplier, supplier_user, SupplierItemFactory(supplier=supplier), "5")
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for _ in range(38):
        post(supplier, supplier_user, SupplierItemFactory(supplier=supplier), "5")
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200

    assert len(few) == len(many)


def test_the_upload_dry_run_lists_every_bad_row_and_records_nothing(
    client, supplier, supplier_user, bolt
):
    SupplierItemFactory(supplier=supplier, item=ItemFactory(sku="NUT-M8"), supplier_sku="AC-N8")
    client.force_login(supplier_user)
    content = (
        "supplier_sku,qty_available,available_date\n"
        "AC-B8,100,\n"
        "AC-XX,5,\n"
        "AC-N8,-3,\n"
        "AC-B8,7,03/04/2031\n"
    )

    response = client.post(
        reverse("suppliers:availability_upload"),
        {"file": SimpleUploadedFile("a.csv", content.encode()), "action": "check"},
    )

    result = response.context["result"]
    assert {row.number: row.error_dict for row in result.invalid_rows} == {
        1: {"__all__": ["The file is not imported because of the errors in row 2, 3, 4."]},
        2: {"supplier_sku": ["Unknown supplier SKU 'AC-XX'."]},
        3: {
            "qty_available": [
                "The quantity available cannot be negative; enter 0 when you have none."
            ]
        },
        4: {
            "available_date": ["'03/04/2031' is not a date in the form YYYY-MM-DD."],
            "supplier_sku": ["AC-B8 is already on row 1."],
        },
    }
    assert not SupplierAvailability.objects.exists()
    assert not Event.objects.exists()


def test_a_clean_upload_records_every_item(client, supplier, supplier_user, bolt):
    SupplierItemFactory(supplier=supplier, item=ItemFactory(sku="NUT-M8"), supplier_sku="AC-N8")
    client.force_login(supplier_user)
    content = "supplier_sku,qty_available,available_date\nAC-B8,100,\nAC-N8,0,2031-01-15\n"

    dry = client.post(
        reverse("suppliers:availability_upload"),
        {"file": SimpleUploadedFile("a.csv", content.encode()), "action": "check"},
    )
    done = client.post(
        reverse("suppliers:availability_upload"),
        {"file": SimpleUploadedFile("a.csv", content.encode()), "action": "import"},
    )

    assert dry.context["result"].invalid_rows == []
    assert done.status_code == 302
    assert dict(
        SupplierAvailability.objects.values_list("supplier_item__supplier_sku", "qty_available")
    ) == {"AC-B8": Decimal("100"), "AC-N8": Decimal("0")}
    assert Event.objects.filter(source_channel="csv").count() == 2


def test_the_buyer_sees_a_count_older_than_the_freshness_window_as_stale(
    client, supplier, supplier_user, buyer, bolt
):
    supplier.availability_freshness_hours = 24
    supplier.save()
    fresh = SupplierItemFactory(supplier=supplier, supplier_sku="AC-FRESH")
    post(supplier, supplier_user, bolt, "5", as_of=timezone.now() - datetime.timedelta(hours=25))
    post(supplier, supplier_user, fresh, "5", as_of=timezone.now() - datetime.timedelta(hours=23))
    client.force_login(buyer)

    everything = client.get(reverse("buyer:availability"))
    stale_only = client.get(reverse("buyer:availability"), {"stale": "1"})

    assert [(a.supplier_item.supplier_sku, a.stale) for a in everything.context["page"]] == [
        ("AC-B8", True),
        ("AC-FRESH", False),
    ]
    assert [a.supplier_item.supplier_sku for a in stale_only.context["page"]] == ["AC-B8"]


def test_an_upload_with_as_of_records_that_time_and_refuses_a_future_one(
    client, supplier, supplier_user, bolt
):
    client.force_login(supplier_user)
    taken = timezone.localtime() - datetime.timedelta(hours=3)
    future = timezone.localtime() + datetime.timedelta(days=1)
    content = (
        f"supplier_sku,qty_available,available_date,as_of\nAC-B8,100,,{future:%Y-%m-%d %H:%M}\n"
    )

    refused = client.post(
        reverse("suppliers:availability_upload"),
        {"file": SimpleUploadedFile("a.csv", content.encode()), "action": "check"},
    )
    client.post(
        reverse("suppliers:availability_upload"),
        {
            "file": SimpleUploadedFile(
                "a.csv",
                f"supplier_sku,qty_available,as_of\nAC-B8,100,{taken:%Y-%m-%d %H:%M}\n".encode(),
            ),
            "action": "import",
        },
    )

    assert {r.number: r.error_dict for r in refused.context["result"].invalid_rows} == {
        1: {"as_of": ["'As of' cannot be in the future."]}
    }
    assert SupplierAvailability.objects.get().as_of == taken.replace(second=0, microsecond=0)
