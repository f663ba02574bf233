"""The inbound schedule's page statement, compiled once per filter shape on PostgreSQL
(`InboundPageSource`), and the warehouse filter's: they read the rows the ORM's
`inbound_schedule` and `warehouses_for_filter` read, with each page's own values in place
of the stand-ins."""

import datetime
import itertools
from typing import Any

import pytest
from django.db import connection

from suppliers import selectors
from suppliers.selectors.inbound_schedule import inbound_schedule_source, warehouse_choices
from tests.suppliers.shipping_helpers import confirmed_po, line_of, ship, today

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite runs the ORM: nothing compiled"
    ),
]


def days(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


@pytest.fixture
def rows(supplier, other_supplier, supplier_user):
    """ACME: PO-A1 for DC1 in five days (2 EA of line 1 on ASN-A1 in two days) and PO-A2
    for DC2 in nine; GLOBEX: PO-G1 for DC1 in five days."""
    po = confirmed_po(
        supplier, "PO-A1", lines=[("BOLT", "12", "EA"), ("NUT", "3", "EA")], promised=days(5)
    )
    ship(supplier, supplier_user, "ASN-A1", [(line_of(po), "2")], arrive_in=2)
    confirmed_po(supplier, "PO-A2", warehouse="DC2", lines=[("PIN", "4", "EA")], promised=days(9))
    confirmed_po(other_supplier, "PO-G1", lines=[("TAPE", "8", "EA")], promised=days(5))


def test_every_filter_shape_reads_the_rows_the_orm_reads(rows):
    seen = set()
    for supplier_code, warehouse_code, date_from, date_to in itertools.product(
        ("", "ACME", "GLOBEX"), ("", "DC1", "DC2"), (None, days(3)), (None, days(6))
    ):
        filters: dict[str, Any] = {
            "supplier_code": supplier_code,
            "warehouse_code": warehouse_code,
            "date_from": date_from,
            "date_to": date_to,
        }
        source = inbound_schedule_source(**filters)
        expected = list(selectors.inbound_schedule(**filters))

        assert source._compiled is not None, filters
        assert source[0:100] == expected, filters
        assert source[1:3] == expected[1:3], filters
        seen.add(len(expected))
    # The filters leave different rows: all five, none, and counts between.
    assert seen == {0, 1, 2, 3, 4, 5}


def test_the_warehouse_filter_reads_the_active_warehouses_by_code(rows):
    expected = list(selectors.warehouses_for_filter().values_list("code", "name"))

    assert warehouse_choices() == expected
    assert [code for code, _name in expected] == ["DC1", "DC2"]
