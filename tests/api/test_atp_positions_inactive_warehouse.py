"""`GET /api/v1/inventory/atp` and `GET /api/v1/inventory/positions` answer for a named
warehouse as the position page does (issue 22): an inactive warehouse, or one the portal
does not know, is a 404 whose body says which, never figures nor an empty page."""

import pytest
from django.urls import reverse

from inventory.models import Warehouse
from tests.api.conftest import client_for, issue_key
from tests.inventory.movements import event, send
from tests.inventory.snapshots import items, warehouse

pytestmark = pytest.mark.django_db

ATP = "/api/v1/inventory/atp"
POSITIONS = "/api/v1/inventory/positions"
INACTIVE = "Warehouse 'DC9' is not active: the portal serves figures for active warehouses only."


@pytest.fixture
def stock():
    """A received into DC1 and into DC9, then DC9 closed (its live position stays)."""
    items("A")
    warehouse("DC1")
    warehouse("DC9")
    result = send(
        event(1, "receipt", 20),
        event(1, "receipt", 5, source="wms:DC9", warehouse="DC9"),
    )
    assert result.errors == []
    Warehouse.objects.filter(code="DC9").update(is_active=False)


@pytest.fixture
def reader(db):
    return client_for(issue_key(scopes=["read"], name="ecommerce").plaintext)


def test_the_atp_of_an_inactive_warehouse_is_a_404_that_says_it_is_not_active(stock, reader):
    response = reader.get(ATP, {"sku": "A", "warehouse": "DC9"})

    assert response.status_code == 404
    assert response.json()["detail"] == INACTIVE


def test_the_positions_of_an_inactive_warehouse_are_a_404_that_says_it_is_not_active(stock, reader):
    response = reader.get(POSITIONS, {"warehouse": "DC9"})

    assert response.status_code == 404
    assert response.json()["detail"] == INACTIVE


def test_the_positions_of_an_unknown_warehouse_are_a_404_that_names_it(stock, reader):
    response = reader.get(POSITIONS, {"warehouse": "XX"})

    assert response.status_code == 404
    assert response.json()["detail"] == "No warehouse has code 'XX': check the code."


def test_the_position_page_and_both_endpoints_agree_on_the_inactive_warehouse(
    stock, reader, client, buyer
):
    client.force_login(buyer)

    page = client.get(reverse("inventory:position_detail", args=["A"]), {"warehouse": "DC9"})

    assert page.status_code == 404
    assert reader.get(ATP, {"sku": "A", "warehouse": "DC9"}).status_code == 404
    assert reader.get(POSITIONS, {"warehouse": "DC9"}).status_code == 404


def test_an_active_warehouse_still_answers_with_its_figures(stock, reader):
    atp = reader.get(ATP, {"sku": "A", "warehouse": "DC1"})
    positions = reader.get(POSITIONS, {"warehouse": "DC1"})

    assert atp.status_code == 200
    assert [w["warehouse"] for w in atp.json()["warehouses"]] == ["DC1"]
    assert positions.status_code == 200
    assert [(r["warehouse"], r["received"]) for r in positions.json()["results"]] == [
        ("DC1", "20.000000")
    ]


def test_a_supplier_key_is_refused_before_the_warehouse_is_looked_up(stock, supplier):
    outsider = client_for(issue_key(supplier=supplier).plaintext)

    assert outsider.get(ATP, {"sku": "A", "warehouse": "DC9"}).status_code == 403
    assert outsider.get(POSITIONS, {"warehouse": "DC9"}).status_code == 403
