"""Admin screens for the EDI channel: partners are configured there; invoices and EDI
traffic are read-only (they change only through the channel's services)."""

import pytest
from django.urls import reverse

from integrations.models import EdiInterchange
from integrations.services.edi_intake import edi_file_import
from suppliers.models import Invoice
from tests.edi.conftest import confirmed_po
from tests.edi.helpers import partner_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def received_invoice(supplier, edi_partner):
    confirmed_po(supplier, "PO-810")
    body = ["810", "BIG*20240310*INV-77**PO-810", "IT1*1*48*EA*0.25**VP*AC-PO-810", "TDS*1200"]
    edi_file_import(data=partner_file([body], functional_id="IN"))
    return Invoice.objects.get()


def test_the_admin_lists_and_searches_trading_partners(admin_client, edi_partner, other_partner):
    response = admin_client.get(
        reverse("admin:suppliers_tradingpartner_changelist"), {"q": "ACMEEDI"}
    )

    assert response.status_code == 200
    assert [p.code for p in response.context["cl"].result_list] == ["acme-edi"]


def test_an_invoice_in_the_admin_shows_its_lines_and_cannot_be_changed(
    admin_client, received_invoice
):
    url = reverse("admin:suppliers_invoice_change", args=[received_invoice.pk])

    response = admin_client.get(url)
    posted = admin_client.post(url, {"number": "CHANGED"})

    assert response.status_code == 200
    assert b"AC-PO-810" in response.content
    assert posted.status_code == 403
    received_invoice.refresh_from_db()
    assert received_invoice.number == "INV-77"
    assert admin_client.get(reverse("admin:suppliers_invoice_add")).status_code == 403


def test_edi_interchanges_are_listed_read_only_in_the_admin(admin_client, received_invoice):
    inbound = EdiInterchange.objects.get(direction="inbound")

    listing = admin_client.get(reverse("admin:integrations_ediinterchange_changelist"))
    delete = admin_client.post(
        reverse("admin:integrations_ediinterchange_delete", args=[inbound.pk]), {"post": "yes"}
    )

    assert listing.status_code == 200
    assert inbound in listing.context["cl"].result_list
    assert delete.status_code == 403
    assert EdiInterchange.objects.filter(pk=inbound.pk).exists()
