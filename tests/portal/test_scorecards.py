"""Supplier scorecards: a supplier sees its own card, a buyer all of them ranked with the
trend, and the month downloads as CSV."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from suppliers.models import Acknowledgment, Invoice
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


def first_matched(supplier, number: str, *, when: datetime.datetime, held: bool) -> None:
    """An invoice whose first three-way match, at `when`, approved it or held it."""
    Invoice.objects.create(
        supplier=supplier,
        purchase_order=PurchaseOrderFactory(supplier=supplier),
        number=number,
        invoice_date=when.date(),
        total_amount=Decimal("10.00"),
        received_at=when,
        status=Invoice.Status.ON_HOLD if held else Invoice.Status.APPROVED,
        held_at=when if held else None,
        approved_at=None if held else when,
    )


@pytest.fixture
def invoiced(supplier, other_supplier):
    """ACME: 3 of 4 invoices pass first time in March, 1 of 2 in February; Globex 0 of 1."""
    feb, mar = (
        datetime.datetime(2026, 2, 10, tzinfo=datetime.UTC),
        datetime.datetime(2026, 3, 10, tzinfo=datetime.UTC),
    )
    for n, held in enumerate((False, False, False, True)):
        first_matched(supplier, f"A-MAR-{n}", when=mar, held=held)
    for n, held in enumerate((False, True)):
        first_matched(supplier, f"A-FEB-{n}", when=feb, held=held)
    first_matched(other_supplier, "G-MAR-0", when=mar, held=True)


def test_the_scorecard_shows_the_invoice_first_pass_match_with_its_trend(invoiced, supplier):
    cards = {card.supplier.code: card for card in supplier_scorecards(window=MARCH)}

    acme, globex = cards["ACME"], cards["GLOBEX"]
    assert (acme.measure("invoice_first_pass"), acme.previous_measure("invoice_first_pass")) == (
        75.0,
        50.0,
    )
    assert acme.trend("invoice_first_pass") == "better"
    assert acme.cells[-1] == "75.0% (better; was 50.0%)"
    assert (globex.measure("invoice_first_pass"), globex.trend("invoice_first_pass")) == (0.0, "")


def test_the_csv_ends_with_the_invoice_first_pass_match(client, invoiced, buyer):
    client.force_login(buyer)

    response = client.get(reverse("scorecards_csv"), {"month": "2026-03"})

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][-3:] == [
        "Invoice first-pass match (%)",
        "Invoice first-pass match previous",
        "trend",
    ]
    assert {row[1]: row[-3:] for row in rows[1:]} == {
        "ACME": ["75.0", "50.0", "better"],
        "GLOBEX": ["0.0", "", ""],
    }


def test_the_outsider_sees_only_its_own_invoice_first_pass_match(client, invoiced, outsider):
    client.force_login(outsider)

    page = client.get(reverse("scorecards"), {"month": "2026-03"})
    download = client.get(reverse("scorecards_csv"), {"month": "2026-03"})

    [card] = page.context["cards"]
    assert (card.supplier.code, card.measure("invoice_first_pass")) == ("GLOBEX", 0.0)
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert [(row[1], row[-3]) for row in rows[1:]] == [("GLOBEX", "0.0")]


def test_the_scorecards_cost_the_same_queries_with_ten_times_the_invoices(
    client, buyer, supplier, other_supplier
):
    client.force_login(buyer)
    when = datetime.datetime(2026, 3, 2, tzinfo=datetime.UTC)
    first_matched(supplier, "S-0", when=when, held=False)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("scorecards"), {"month": "2026-03"})
        client.get(reverse("scorecards_csv"), {"month": "2026-03"})
    for n in range(10):
        first_matched(supplier, f"L-{n}", when=when, held=n % 2 == 0)
        first_matched(other_supplier, f"M-{n}", when=when, held=False)
    with CaptureQueriesContext(connection) as large:
        client.get(reverse("scorecards"), {"month": "2026-03"})
        client.get(reverse("scorecards_csv"), {"month": "2026-03"})

    assert len(large) == len(small)
