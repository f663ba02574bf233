"""An exception case's page lists its facts as label → value pairs in order, each label
once, and says the difference plainly: "ERP 185 EA, WMS 208 EA (+23)"."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from integrations.services import Subject, exception_open_or_update

pytestmark = pytest.mark.django_db


def facts(client, case) -> list[tuple[str, str]]:
    response = client.get(reverse("exceptions:detail", args=[case.pk]))
    assert response.status_code == 200
    dl = re.search(
        r'<dl class="facts" id="exception-facts">(.*?)</dl>', response.content.decode(), re.S
    )
    return re.findall(r'<div class="fact"><dt>(.*?)</dt><dd>(.*?)</dd></div>', dl.group(1))


def reconciliation_case():
    return exception_open_or_update(
        actor=None,
        exception_class="quantity_mismatch",
        subject=Subject.position(sku="BOLT-M8", warehouse_code="DC1"),
        title="BOLT-M8 at DC1",
        expected=Decimal("185.000000"),
        actual=Decimal("208.000000"),
        delta=Decimal("23.000000"),
        uom_code="EA",
        detail={"erp": "185.000000", "wms": "208.000000", "expected": "190.000000"},
    )[0]


def test_a_reconciliation_case_says_erp_and_wms_with_the_signed_difference(client, operator):
    client.force_login(operator)

    shown = dict(facts(client, reconciliation_case()))

    assert shown["Difference"] == "ERP 185 EA, WMS 208 EA (+23)"
    assert shown["Expected after receipts and adjustments"] == "190 EA"


def test_every_label_sits_beside_its_own_value_in_reading_order_and_appears_once(client, operator):
    client.force_login(operator)

    shown = facts(client, reconciliation_case())

    labels = [label for label, _value in shown]
    assert labels[:5] == ["About", "Subject", "SKU", "Warehouse", "Difference"]
    assert labels[-5:] == ["Severity", "Owner team", "First seen", "Last seen", "SLA due"]
    assert len(labels) == len({label.lower() for label in labels})
    assert "Expected" not in labels and "Actual" not in labels and "Erp" not in labels


def test_a_short_receipt_says_what_the_asn_said_and_what_was_received(client, buyer):
    case = exception_open_or_update(
        actor=None,
        exception_class="receiving_variance",
        subject=Subject.position(sku="TAPE", warehouse_code="DC2"),
        title="ASN ASN-1 line 1 (TAPE): short",
        expected=Decimal("100"),
        actual=Decimal("95"),
        delta=Decimal("-5"),
        uom_code="EA",
        detail={"variance": "short", "short": "5.000000", "asn": "ASN-1", "line_no": 1},
    )[0]
    client.force_login(buyer)

    shown = dict(facts(client, case))

    assert shown["Difference"] == "ASN 100 EA, Received 95 EA (-5)"
    assert (shown["Short"], shown["ASN"], shown["ASN line"]) == ("5 EA", "ASN-1", "1")


def test_a_case_without_figures_has_no_difference_row(client, operator):
    case = exception_open_or_update(
        actor=None,
        exception_class="stale_availability",
        subject=Subject.position(sku="TAPE", warehouse_code="DC2"),
        title="Availability of TAPE is stale",
        detail={"as_of": "2026-12-01T08:00:00+00:00", "age_hours": 50},
    )[0]
    client.force_login(operator)

    shown = dict(facts(client, case))

    assert "Difference" not in shown
    assert shown["Feed age (hours)"] == "50"


def test_a_supplier_user_and_an_outsider_cannot_open_a_case(client, supplier_user, outsider):
    case = reconciliation_case()
    for user in (supplier_user, outsider):
        client.force_login(user)
        assert client.get(reverse("exceptions:detail", args=[case.pk])).status_code == 403


def test_an_in_flight_case_links_the_asn_that_explains_it(client, buyer):
    case = exception_open_or_update(
        actor=None,
        exception_class="in_flight",
        subject=Subject.position(sku="BOLT-M8", warehouse_code="DC1"),
        title="BOLT-M8 at DC1: on ASN ACME:ASN-1, counted in WMS, not received in ERP",
        expected=Decimal("185"),
        delta=Decimal("23"),
        actual=Decimal("208"),
        uom_code="EA",
        detail={"document": "asn:ACME:ASN-1"},
    )[0]
    client.force_login(buyer)

    response = client.get(reverse("exceptions:detail", args=[case.pk]))

    assert '<dd><a href="/buyer/shipments/ACME/ASN-1/">ASN ACME:ASN-1</a></dd>' in (
        response.content.decode()
    )
