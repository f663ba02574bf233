"""A German operator reprocesses an interchange (issue 21, item 4): the page answers in
German, but the rejections stored and acknowledged to the trading partner stay English,
as they are when the worker imports the file."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from integrations.models import EdiTransactionSet
from integrations.services.edi_intake import edi_file_import
from tests.edi.conftest import confirmed_po
from tests.edi.helpers import day, partner_file
from tests.inventory.factories import UnitOfMeasureFactory

pytestmark = pytest.mark.django_db


def test_a_german_operators_reprocess_keeps_the_rejection_for_the_partner_in_english(
    client, operator, supplier, edi_partner
):
    confirmed_po(supplier, "PO-FIX", qty="12")
    UnitOfMeasureFactory(code="KG", kind="mass")
    edi_partner.uom_map = {}  # the partner's "CA" is not mapped yet
    edi_partner.save()
    body = [
        "856", f"BSN*00*ASN-FIX*{day(0)}*1200", "HL*1**S", f"DTM*017*{day(2)}",
        "HL*2*1*O", "PRF*PO-FIX", "HL*3*2*I", "LIN*1*VP*AC-PO-FIX", "SN1*1*1*CA",
    ]  # fmt: skip
    [record] = edi_file_import(data=partner_file([body], functional_id="SH")).interchanges
    edi_partner.uom_map = {"CA": "KG"}  # mapped, but to a unit the item is not shipped in
    edi_partner.save()
    operator.language = "de"
    operator.save(update_fields=["language"])
    client.force_login(operator)

    response = client.post(reverse("integrations:edi_reprocess", args=[record.pk]))

    record.refresh_from_db()
    assert (record.status, record.reprocess_count) == ("rejected", 1)
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Erneut verarbeitet: abgewiesen; eine neue 997 wurde gesendet."
    ]
    assert EdiTransactionSet.objects.get(interchange=record, set_id="856").rejection == (
        "line PO-FIX line 1, uom: PO-FIX line 1: ship in CS or EA, not KG."
    )
