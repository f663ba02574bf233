import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from integrations.models import AuditEntry, Delivery
from integrations.services import dispatch
from tests.integrations.factories import ConnectorFactory
from tests.integrations.helpers import publish_po_event

pytestmark = pytest.mark.django_db

PAGES = [
    ("integrations:connector_list", {}),
    ("integrations:delivery_list", {}),
    ("integrations:dead_letters", {}),
    ("integrations:catalog", {}),
    ("integrations:event_schema", {"event_type": "asn.submitted", "version": 1}),
]


def dead_delivery(connector, number="PO-1"):
    event = publish_po_event(number, "purchase_order.received")
    delivery = Delivery.objects.get(event=event, connector=connector)
    Delivery.objects.filter(pk=delivery.pk).update(
        status="dead", attempts=3, last_error="HTTP 400 Bad Request"
    )
    delivery.refresh_from_db()
    return delivery


@pytest.mark.parametrize(("name", "kwargs"), PAGES)
def test_operator_pages_are_closed_to_suppliers_buyers_and_outsiders(
    client, supplier_user, outsider, buyer, name, kwargs
):
    url = reverse(name, kwargs=kwargs)
    for user in (supplier_user, outsider, buyer):
        client.force_login(user)
        assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


@pytest.mark.parametrize(("name", "kwargs"), PAGES)
def test_operators_and_portal_admins_open_every_operator_page(
    client, operator, portal_admin, name, kwargs
):
    ConnectorFactory(name="erp")
    for user in (operator, portal_admin):
        client.force_login(user)
        assert client.get(reverse(name, kwargs=kwargs)).status_code == 200


def test_an_unknown_schema_is_a_404(client, operator):
    client.force_login(operator)
    url = reverse("integrations:event_schema", kwargs={"event_type": "nope.nothing", "version": 1})
    assert client.get(url).status_code == 404


def test_connector_list_shows_health_in_a_constant_number_of_queries(client, operator, sink):
    client.force_login(operator)
    erp = ConnectorFactory(name="erp", config={"url": sink.url})
    publish_po_event("PO-1", "purchase_order.received")
    dispatch.drain_connector(erp.pk)
    dead_delivery(erp, "PO-2")
    client.get(reverse("integrations:connector_list"))
    with CaptureQueriesContext(connection) as few:
        response = client.get(reverse("integrations:connector_list"))
    for n in range(3):
        c = ConnectorFactory(name=f"more-{n}", config={"url": sink.url})
        dead_delivery(c, f"PO-X{n}")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("integrations:connector_list"))
    assert len(many) == len(few)
    erp_row = next(h for h in response.context["connectors"] if h.connector.name == "erp")
    assert (erp_row.backlog, erp_row.dead_count, erp_row.circuit_state) == (1, 1, "closed")
    assert erp_row.failure_rate == 0.0
    assert erp_row.last_success_at is not None


def test_delivery_explorer_filters_and_pages_in_a_constant_number_of_queries(
    client, operator, settings
):
    settings.PORTAL_PAGE_SIZE = 5
    client.force_login(operator)
    erp = ConnectorFactory(name="erp")
    for n in range(3):
        publish_po_event(f"PO-{n}", "purchase_order.received")
    url = reverse("integrations:delivery_list")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(3, 12):
        publish_po_event(f"PO-{n}", "purchase_order.received")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url + "?page=2")
    assert len(many) == len(few)
    assert response.context["page"].paginator.count == 12
    filtered = client.get(url, {"document": "PO-4", "connector": erp.pk, "status": "pending"})
    assert [d.event.aggregate_id for d in filtered.context["page"].object_list] == ["PO-4"]
    assert client.get(url, {"status": "dead"}).context["page"].paginator.count == 0


def test_delivery_detail_shows_payload_and_attempts(client, operator, sink):
    client.force_login(operator)
    erp = ConnectorFactory(name="erp", config={"url": sink.url})
    sink.fail_status = 500
    event = publish_po_event("PO-7", "purchase_order.received")
    dispatch.drain_connector(erp.pk)
    delivery = Delivery.objects.get(event=event)
    response = client.get(reverse("integrations:delivery_detail", args=[delivery.pk]))
    body = response.content.decode()
    assert str(event.id) in body
    assert "HTTP 500 Internal Server Error" in body
    assert "&quot;number&quot;: &quot;PO-7&quot;" in body


def test_replaying_a_dead_letter_from_its_page_is_audited(client, operator):
    client.force_login(operator)
    delivery = dead_delivery(ConnectorFactory(name="erp"))
    response = client.post(reverse("integrations:delivery_replay", args=[delivery.pk]))
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.replay_count) == ("pending", 0, 1)
    entry = AuditEntry.objects.get(object_type="integrations.delivery", object_id=str(delivery.pk))
    assert (entry.action, entry.actor, entry.before["status"]) == ("replayed", operator, "dead")


def test_skipping_needs_a_reason_and_releases_the_documents_next_event(client, operator):
    client.force_login(operator)
    erp = ConnectorFactory(name="erp")
    delivery = dead_delivery(erp)
    later = publish_po_event("PO-1")
    assert Delivery.objects.get(event=later).status == "blocked"
    client.post(reverse("integrations:delivery_skip", args=[delivery.pk]), {"reason": ""})
    assert Delivery.objects.get(pk=delivery.pk).status == "dead"
    client.post(
        reverse("integrations:delivery_skip", args=[delivery.pk]), {"reason": "sent by phone"}
    )
    delivery.refresh_from_db()
    assert (delivery.status, delivery.skip_reason) == ("skipped", "sent by phone")
    assert Delivery.objects.get(event=later).status == "pending"
    assert AuditEntry.objects.filter(action="skipped", actor=operator).count() == 1


def test_bulk_replay_shows_a_dry_run_count_and_refuses_a_stale_confirmation(client, operator):
    client.force_login(operator)
    erp = ConnectorFactory(name="erp")
    other = ConnectorFactory(name="other")
    for n in range(3):
        dead_delivery(erp, f"PO-{n}")
    dead_delivery(other, "PO-9")
    page = client.get(reverse("integrations:dead_letters"), {"connector": erp.pk})
    assert page.context["dry_run_count"] == 3
    url = reverse("integrations:dead_letters_replay")
    dead_delivery(erp, "PO-5")  # a new dead letter since the operator looked
    client.post(url, {"connector": erp.pk, "expected_count": 3})
    assert Delivery.objects.filter(status="dead").count() == 5
    client.post(url, {"connector": erp.pk, "expected_count": 4})
    assert Delivery.objects.filter(connector=erp, status="dead").count() == 0
    assert Delivery.objects.filter(connector=erp, replay_count=1).count() == 4
    assert Delivery.objects.get(connector=other, event__aggregate_id="PO-9").status == "dead"
    assert AuditEntry.objects.filter(action="replayed", actor=operator).count() == 4


def test_pause_and_resume_are_audited_and_pausing_needs_a_reason(client, operator):
    client.force_login(operator)
    erp = ConnectorFactory(name="erp")
    client.post(reverse("integrations:connector_pause", args=[erp.pk]), {"reason": ""})
    erp.refresh_from_db()
    assert erp.paused is False
    client.post(reverse("integrations:connector_pause", args=[erp.pk]), {"reason": "ERP upgrade"})
    erp.refresh_from_db()
    assert (erp.paused, erp.paused_reason) == (True, "ERP upgrade")
    client.post(reverse("integrations:connector_resume", args=[erp.pk]))
    erp.refresh_from_db()
    assert erp.paused is False
    assert list(
        AuditEntry.objects.filter(object_type="integrations.connector")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["paused", "resumed"]


def test_operator_writes_refuse_get(client, operator):
    client.force_login(operator)
    erp = ConnectorFactory(name="erp")
    assert client.get(reverse("integrations:connector_pause", args=[erp.pk])).status_code == 405


def test_catalog_links_subscribed_contracts_and_measures_the_slo(client, operator, sink):
    client.force_login(operator)
    erp = ConnectorFactory(
        name="erp", config={"url": sink.url}, event_types=["purchase_order.received"]
    )
    for n in range(3):
        publish_po_event(f"PO-{n}", "purchase_order.received")
    dispatch.drain_connector(erp.pk)
    dead_delivery(erp, "PO-LATE")
    Delivery.objects.filter(event__aggregate_id="PO-LATE").update(created_at="2000-01-01T00:00Z")
    publish_po_event("PO-OLD", "purchase_order.received")
    Delivery.objects.filter(event__aggregate_id="PO-OLD").update(
        created_at=Delivery.objects.get(event__aggregate_id="PO-OLD").created_at.replace(year=2000)
    )
    response = client.get(reverse("integrations:catalog"))
    [entry] = response.context["connectors"]
    assert entry.contracts == [("purchase_order.received", 1)]
    assert (entry.slo_measured, entry.slo_sample) == (100.0, 3)
    assert (
        reverse("integrations:event_schema", args=["purchase_order.received", 1])
        in response.content.decode()
    )
