import pytest
from django.core.management import call_command
from django.db import transaction

from integrations.demo.connectors import SEEDED_ERROR
from integrations.models import Connector, Delivery, InboundMessage
from integrations.services import delivery_replay, inbound_message, inbound_seen_or_record

pytestmark = pytest.mark.django_db


def test_demo_connectors_are_offline_file_drops_with_one_dead_letter_to_replay(
    operator, settings, tmp_path
):
    settings.BASE_DIR = tmp_path
    call_command("ensure_demo_connectors")
    call_command("ensure_demo_connectors")  # idempotent
    assert list(Connector.objects.values_list("name", "kind", "config")) == [
        ("erp", "file_drop", {"directory": "var/outbox/erp"}),
        ("wms", "file_drop", {"directory": "var/outbox/wms"}),
    ]
    [dead] = Delivery.objects.filter(status="dead")
    assert (dead.connector.name, dead.last_error) == ("erp", SEEDED_ERROR)
    from integrations.services import dispatch

    delivery_replay(actor=operator, delivery=dead)
    dispatch.drain_connector(dead.connector_id)
    dead.refresh_from_db()
    assert dead.status == "delivered"
    assert len(list((tmp_path / "var/outbox/erp").glob("*.json"))) == 1


def test_an_inbound_message_is_processed_once():
    assert inbound_seen_or_record(source="tryton", external_id="purchase-7") is False
    assert inbound_seen_or_record(source="tryton", external_id="purchase-7") is True
    assert inbound_seen_or_record(source="edi", external_id="purchase-7") is False


def test_a_failed_processing_forgets_the_message_so_it_can_be_retried():
    with pytest.raises(ValueError), inbound_message(source="edi", external_id="ISA-1") as first:
        assert first is True
        raise ValueError("mapping failed")
    assert InboundMessage.objects.count() == 0
    with inbound_message(source="edi", external_id="ISA-1") as first:
        assert first is True
    with transaction.atomic(), inbound_message(source="edi", external_id="ISA-1") as first:
        assert first is False
