"""`make erp` adds a `tryton` connector beside the seeded ones; the operator page says
how Tryton answered last; the catalog shows the routing rule (issue 23). No trytond
needed."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from integrations.demo.connectors import SEEDED_ERROR, ensure_demo_connectors
from integrations.models import (
    Connector,
    Delivery,
    ErpPullCursor,
    ErpRoutingRule,
    ErpTransportHealth,
)
from tests.integrations.factories import ConnectorFactory

pytestmark = pytest.mark.django_db


def test_configure_tryton_connector_adds_a_tryton_connector_beside_the_seeded_erp_one():
    ensure_demo_connectors(with_dead_letter=True)
    seeded = Connector.objects.get(name="erp")

    call_command("configure_tryton_connector", "--url", "http://127.0.0.1:8069")

    tryton = Connector.objects.get(name="tryton")
    seeded.refresh_from_db()
    assert (seeded.kind, tryton.kind) == ("file_drop", "tryton")
    assert "receipt.confirmed" in seeded.event_types
    assert Delivery.objects.filter(connector=seeded, last_error=SEEDED_ERROR).count() == 1
    assert tryton.event_types == [
        "purchase_order.acknowledged",
        "purchase_order.change_proposed",
        "purchase_order.change_decided",
        "asn.*",
        "invoice.approved",
    ]


def test_configure_tryton_connector_never_converts_another_kind_in_place():
    ensure_demo_connectors(with_dead_letter=False)

    with pytest.raises(SystemExit, match="file_drop connector"):
        call_command("configure_tryton_connector", "--name", "erp")

    assert Connector.objects.get(name="erp").kind == "file_drop"


def test_a_full_resync_on_demand_flags_every_pull_cursor():
    call_command("configure_tryton_connector")

    call_command("configure_tryton_connector", "--full-resync")

    assert sorted(
        ErpPullCursor.objects.filter(connector__name="tryton").values_list(
            "stream", "full_resync_requested"
        )
    ) == [("invoices", True), ("purchases", True), ("receipts", True), ("stock_moves", True)]


def test_the_operator_page_says_tryton_answers_503(client, operator):
    client.force_login(operator)
    connector = ConnectorFactory(name="tryton", kind="tryton")
    ErpTransportHealth.objects.create(
        connector=connector, state="unavailable", detail="Tryton answered HTTP 503", relogins=2
    )

    response = client.get(reverse("integrations:connector_list"))

    assert b"ERP answering HTTP 503 (restarting or overloaded)" in response.content
    assert b"2 re-logins" in response.content


def test_the_catalog_shows_the_tryton_routing_rule(client, operator):
    client.force_login(operator)
    connector = ConnectorFactory(name="tryton", kind="tryton")
    ErpRoutingRule.objects.create(
        connector=connector, position=10, origin="other", supplier_code="TRYP", action="send"
    )

    response = client.get(reverse("integrations:catalog"))

    assert b"10: origin other supplier TRYP \xe2\x86\x92 send" in response.content
    assert b"otherwise: documents that came from this ERP are sent" in response.content
