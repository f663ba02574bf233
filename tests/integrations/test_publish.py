import pytest
from django.conf import settings
from django.db import transaction

from integrations.contracts import EventContractError, known_contracts, load_schema
from integrations.models import Delivery, Event
from integrations.services import publish
from tests.integrations.factories import ConnectorFactory
from tests.integrations.helpers import publish_po_event

pytestmark = pytest.mark.django_db


def test_every_v1_event_type_of_the_design_has_a_schema():
    assert {t for t, v in known_contracts() if v == 1} >= {
        "supplier.onboarded",
        "purchase_order.received",
        "purchase_order.acknowledged",
        "purchase_order.change_proposed",
        "purchase_order.change_decided",
        "asn.submitted",
        "asn.updated",
        "asn.cancelled",
        "shipment.milestone_reported",
        "inventory.availability_reported",
        "receipt.confirmed",
        "exception.opened",
        "exception.resolved",
    }
    assert load_schema("asn.submitted", 1)["properties"]["type"] == {"const": "asn.submitted"}


def test_publish_writes_one_pending_delivery_per_enabled_subscribed_connector():
    erp = ConnectorFactory(name="erp", event_types=["purchase_order.*"])
    wms = ConnectorFactory(name="wms", event_types=["asn.*"])
    ConnectorFactory(name="off", event_types=["purchase_order.*"], enabled=False)
    event = publish_po_event("PO-1", "purchase_order.received")
    deliveries = list(Delivery.objects.filter(event=event))
    assert [(d.connector_id, d.status, d.aggregate_key, d.sequence) for d in deliveries] == [
        (erp.pk, "pending", "purchase_order:PO-1", 1)
    ]
    assert wms.deliveries.count() == 0


def test_events_of_one_document_get_consecutive_sequence_numbers():
    publish_po_event("PO-1", "purchase_order.received")
    publish_po_event("PO-2", "purchase_order.received")
    publish_po_event("PO-1")
    assert list(
        Event.objects.filter(aggregate_id="PO-1")
        .order_by("sequence")
        .values_list("type", "sequence")
    ) == [("purchase_order.received", 1), ("purchase_order.acknowledged", 2)]


def test_an_unknown_event_type_is_refused_with_the_file_to_add():
    with pytest.raises(EventContractError) as error:
        publish(
            event_type="po.teleported",
            aggregate_type="purchase_order",
            aggregate_id="PO-1",
            data={"x": 1},
        )
    assert "integrations/schemas/po.teleported.v1.json" in str(error.value)
    assert Event.objects.count() == 0


def test_data_that_breaks_the_contract_is_refused_before_it_is_stored():
    with pytest.raises(EventContractError) as error:
        publish(
            event_type="purchase_order.received",
            aggregate_type="purchase_order",
            aggregate_id="PO-1",
            data={"number": "PO-1", "supplier": "ACME", "lines": []},
        )
    assert "data/lines" in str(error.value)
    assert Event.objects.count() == 0


def test_extra_data_properties_are_allowed_by_the_contract():
    event = publish_po_event("PO-1", note="anything", lines_changed=[1, 2])
    assert event.data["note"] == "anything"


def test_a_rolled_back_business_change_leaves_no_event_and_no_delivery():
    ConnectorFactory(name="erp", event_types=["purchase_order.*"])
    with pytest.raises(RuntimeError), transaction.atomic():
        publish_po_event("PO-1", "purchase_order.received")
        raise RuntimeError("the business change failed after publishing")
    assert Event.objects.count() == 0
    assert Delivery.objects.count() == 0


def test_a_new_event_of_a_document_with_a_dead_delivery_is_blocked_at_once():
    erp = ConnectorFactory(name="erp", event_types=["purchase_order.*"])
    first = publish_po_event("PO-1", "purchase_order.received")
    Delivery.objects.filter(event=first).update(status="dead")
    second = publish_po_event("PO-1")
    publish_po_event("PO-2", "purchase_order.received")
    assert Delivery.objects.get(event=second, connector=erp).status == "blocked"
    assert Delivery.objects.get(event__aggregate_id="PO-2").status == "pending"


def test_publish_starts_dispatch_only_after_commit(django_capture_on_commit_callbacks):
    ConnectorFactory(name="erp", event_types=["purchase_order.*"])
    ConnectorFactory(name="wms", event_types=["purchase_order.received"])
    with django_capture_on_commit_callbacks() as callbacks:
        publish_po_event("PO-1", "purchase_order.received")
        assert Delivery.objects.filter(status="pending").count() == 2
    assert len(callbacks) == 1


@pytest.mark.skipif(bool(settings.CELERY_BROKER_URL), reason="only the embedded (eager) mode")
def test_without_a_broker_deliveries_go_out_in_process_after_commit(
    django_capture_on_commit_callbacks, tmp_path
):
    from integrations.models import Connector

    Connector.objects.create(
        kind="file_drop",
        name="drop",
        label="ERP",
        config={"directory": str(tmp_path)},
        event_types=["purchase_order.*"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        event = publish_po_event("PO-1", "purchase_order.received")
    delivery = Delivery.objects.get(event=event)
    assert delivery.status == "delivered"
    [written] = list(tmp_path.iterdir())
    assert written.name.endswith(f"{event.id}.json")
    assert '"number":"PO-1"' in written.read_text()


@pytest.mark.skipif(bool(settings.CELERY_BROKER_URL), reason="only the embedded (eager) mode")
def test_a_rolled_back_publish_does_not_hold_back_a_later_delivery_on_the_connection(
    django_capture_on_commit_callbacks, tmp_path
):
    from integrations.models import Connector

    for name, types in (("drop", ["purchase_order.received"]), ("other", ["asn.*"])):
        (tmp_path / name).mkdir()
        Connector.objects.create(
            kind="file_drop",
            name=name,
            label=name,
            config={"directory": str(tmp_path / name)},
            event_types=types,
        )
    # A business change that published, then failed: its delivery is rolled back.
    with pytest.raises(RuntimeError), transaction.atomic():
        publish_po_event("PO-0", "purchase_order.received")
        raise RuntimeError("the change failed after publishing")
    # Another connector's delivery takes the rolled-back row's id (SQLite reuses it).
    with django_capture_on_commit_callbacks(execute=False):
        publish(
            event_type="asn.cancelled",
            aggregate_type="asn",
            aggregate_id="S:ASN-1",
            data={"number": "ASN-1", "supplier": "S", "reason": "test"},
        )

    with django_capture_on_commit_callbacks(execute=True):
        event = publish_po_event("PO-1", "purchase_order.received")

    assert Delivery.objects.get(event=event).status == "delivered"
    [written] = list((tmp_path / "drop").iterdir())
    assert written.name.endswith(f"{event.id}.json")
