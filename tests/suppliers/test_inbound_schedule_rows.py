"""The inbound schedule's rows, made in Python (suppliers/views/inbound.py): what a row says
of a confirmed line and of an ASN on its way, with the day heading, in English and German;
the supplier filter leaves another supplier's rows out."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import dateformat, translation

from tests.suppliers.shipping_helpers import confirmed_po, line_of, ship, today

pytestmark = pytest.mark.django_db

SCHEDULE = reverse("buyer:inbound_schedule")


def days(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


@pytest.fixture
def rows(supplier, other_supplier, supplier_user):
    """ACME: PO-A&1 (DC1) confirmed for five days out, line 1 12 EA (2 EA of it on ASN-A1
    due in two days, so the PO is partially shipped), line 2 12.5 KG. GLOBEX: PO-G1 (DC1),
    confirmed for five days out."""
    po = confirmed_po(
        supplier,
        "PO-A&1",
        lines=[("BOLT<1>", "12", "EA"), ("FLOUR", "12.5", "KG")],
        promised=days(5),
    )
    ship(supplier, supplier_user, "ASN-A1", [(line_of(po), "2")], arrive_in=2)
    confirmed_po(other_supplier, "PO-G1", lines=[("TAPE", "8", "EA")], promised=days(5))


def _heading(day: datetime.date, language: str) -> str:
    with translation.override(language):
        heading = f"DC1 · {dateformat.format(day, 'D Y-m-d')}"
    return f'<tr class="group"><th colspan="10">{heading}</th></tr>'


def test_rows_show_the_line_and_the_asn_by_day_and_the_filter_leaves_other_suppliers_out(
    client, buyer, rows
):
    client.force_login(buyer)

    html = client.get(SCHEDULE, {"supplier": "ACME"}).content.decode()

    body = re.search(r"<tbody>(.*)</tbody>", html, re.S).group(1).strip()
    assert body == (
        f"{_heading(days(2), 'en')}"
        '<tr class="" data-document="ASN-A1"><td>DC1</td>'
        f"<td>{days(2).isoformat()}</td><td>ASN</td><td>ACME</td>"
        '<td><a href="/buyer/shipments/ACME/ASN-A1/">ASN-A1</a></td>'
        "<td>PO-A&amp;1 / 1</td><td>BOLT&lt;1&gt;</td>"
        '<td class="num">2 EA</td><td>Submitted</td><td></td></tr>'
        f"{_heading(days(5), 'en')}"
        '<tr class="" data-document="PO-A&amp;1"><td>DC1</td>'
        f"<td>{days(5).isoformat()}</td><td>PO line</td><td>ACME</td>"
        '<td><a href="/buyer/orders/PO-A&amp;1/">PO-A&amp;1</a></td>'
        "<td>PO-A&amp;1 / 1</td><td>BOLT&lt;1&gt;</td>"
        '<td class="num">10 EA</td><td>Partially shipped</td><td></td></tr>'
        '<tr class="" data-document="PO-A&amp;1"><td>DC1</td>'
        f"<td>{days(5).isoformat()}</td><td>PO line</td><td>ACME</td>"
        '<td><a href="/buyer/orders/PO-A&amp;1/">PO-A&amp;1</a></td>'
        "<td>PO-A&amp;1 / 2</td><td>FLOUR</td>"
        '<td class="num">12.5 KG</td><td>Partially shipped</td><td></td></tr>'
    )
    assert "PO-G1" not in body
    assert "GLOBEX" not in body


def test_a_german_buyer_reads_the_rows_in_german_with_decimal_commas(client, buyer, rows):
    buyer.language = "de"
    buyer.save(update_fields=["language"])
    client.force_login(buyer)

    html = client.get(SCHEDULE, {"supplier": "ACME"}).content.decode()

    assert _heading(days(5), "de") in html
    assert '<td class="num">12,5 KG</td>' in html
    with translation.override("de"):
        assert f"<td>{translation.gettext('PO line')}</td>" in html
