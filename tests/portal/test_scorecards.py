"""Supplier scorecards: a supplier sees its own card, a buyer all of them ranked with the
trend, and the month downloads as CSV."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from suppliers.models import Acknowledgment
from suppliers.selectors.kpis import Window
from suppliers.selectors.scorecards import month_window, supplier_scorecards
from tests.suppliers.factories import PurchaseOrderFactory

pytestmark = pytest.mark.django_db

MARCH = month_window(datetime.date(2026, 3, 1))


def acknowledged(supplier, number: str, *, issued: datetime.datetime, hours: float) -> None:
    po = PurchaseOrderFactory(supplier=supplier, number=number, issued_at=issued)
    Acknowledgment.objects.create(
        purchase_order=po,
        revision=1,
        kind=Acknowledgment.Kind.ACCEPT,
        status=Acknowledgment.Status.RECORDED,
        submitted_at=issued + datetime.timedelta(hours=hours),
    )


@pytest.fixture
def march(supplier, other_supplier):
    """ACME answers in 2 h in March (6 h in February); Globex in 10 h both months."""
    feb, mar = (
        datetime.datetime(2026, 2, 10, tzinfo=datetime.UTC),
        datetime.datetime(2026, 3, 10, tzinfo=datetime.UTC),
    )
    acknowledged(supplier, "A-FEB", issued=feb, hours=6)
    acknowledged(supplier, "A-MAR", issued=mar, hours=2)
    acknowledged(other_supplier, "G-FEB", issued=feb, hours=10)
    acknowledged(other_supplier, "G-MAR", issued=mar, hours=10)


def test_scorecards_rank_suppliers_and_compare_with_the_previous_period(
    march, supplier, other_supplier
):
    cards = supplier_scorecards(window=MARCH)

    assert [(card.rank, card.supplier.code) for card in cards] == [(1, "ACME"), (2, "GLOBEX")]
    acme = cards[0]
    assert (acme.measure("ack_time"), acme.previous_measure("ack_time")) == (2.0, 6.0)
    assert acme.trend("ack_time") == "better"
    assert cards[1].trend("ack_time") == "same"
    assert acme.measure("otif") is None


def test_a_supplier_sees_only_its_own_card(client, march, supplier_user, supplier):
    client.force_login(supplier_user)

    response = client.get(reverse("scorecards"), {"month": "2026-03"})

    assert [card.supplier for card in response.context["cards"]] == [supplier]
    assert "Globex" not in response.content.decode()


def test_a_buyer_downloads_the_month_as_csv(client, march, buyer):
    client.force_login(buyer)

    response = client.get(reverse("scorecards_csv"), {"month": "2026-03"})

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="scorecards-2026-03.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:6] == [
        "rank",
        "supplier code",
        "supplier",
        "Acknowledgment time (median hours)",
        "Acknowledgment time previous",
        "trend",
    ]
    assert [row[:6] for row in rows[1:]] == [
        ["1", "ACME", rows[1][2], "2.0", "6.0", "better"],
        ["2", "GLOBEX", rows[2][2], "10.0", "10.0", "same"],
    ]


def test_the_outsider_supplier_downloads_only_its_own_row(client, march, outsider, other_supplier):
    client.force_login(outsider)

    response = client.get(reverse("scorecards_csv"), {"month": "2026-03"})

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert [row[1] for row in rows[1:]] == [other_supplier.code]


def test_the_scorecard_page_costs_the_same_queries_with_ten_times_the_data(
    client, buyer, supplier, other_supplier
):
    client.force_login(buyer)
    issued = datetime.datetime(2026, 3, 2, tzinfo=datetime.UTC)
    acknowledged(supplier, "S-0", issued=issued, hours=1)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("scorecards"), {"month": "2026-03"})
    for n in range(10):
        acknowledged(supplier, f"L-{n}", issued=issued, hours=n)
        acknowledged(other_supplier, f"M-{n}", issued=issued, hours=n)
    with CaptureQueriesContext(connection) as large:
        client.get(reverse("scorecards"), {"month": "2026-03"})

    assert len(large) == len(small)


def test_a_window_before_any_data_has_no_measure(supplier):
    window = Window(
        since=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
        until=datetime.datetime(2020, 2, 1, tzinfo=datetime.UTC),
    )

    [card] = supplier_scorecards(window=window, supplier_id=supplier.pk)

    assert [card.measure(key) for key in ("ack_time", "otif")] == [None, None]
    assert card.cells[0] == "—"
