"""One correlation id follows an acknowledgment: the web request's log line, the event it
published, the delivery attempt's log line (what the worker writes) and the connector
call (the envelope the receiver got). Logs are JSON objects in production."""

import io
import json
import logging

import pytest
from celery import shared_task, signals
from django.urls import reverse

from integrations.correlation import bound_correlation_id, current_correlation_id
from integrations.models import DeliveryAttempt, Event
from integrations.services import dispatch
from portal.logs import CorrelationIdFilter, PortalJsonFormatter
from tests.integrations.factories import ConnectorFactory
from tests.integrations.sink import Sink
from tests.suppliers.factories import purchase_order_awaiting_acknowledgment

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_log():
    """The configured filter and JSON formatter on a handler whose lines the test reads."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(CorrelationIdFilter())
    handler.setFormatter(PortalJsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(level)


@pytest.fixture
def sink():
    receiver = Sink().start()
    yield receiver
    receiver.stop()


def test_one_id_is_in_the_web_log_the_event_the_attempt_log_and_the_connector_call(
    client, supplier, supplier_user, sink, monkeypatch, json_log
):
    monkeypatch.setenv("TEST_SINK_SECRET", "s3cret")
    wms = ConnectorFactory(name="wms", config={"url": sink.url, "secret_env": "TEST_SINK_SECRET"})
    po = purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-700")
    client.force_login(supplier_user)

    url = reverse("suppliers:po_accept", kwargs={"number": po.number})

    response = client.post(url, {"revision": "1"}, HTTP_X_REQUEST_ID="ack-po-700")
    dispatch.drain_connector(wms.pk)  # what the worker's task runs

    assert response.status_code == 302
    assert response["X-Request-ID"] == "ack-po-700"
    event = Event.objects.get(type="purchase_order.acknowledged")
    assert event.correlation_id == "ack-po-700"
    assert [envelope["correlation_id"] for envelope in sink.accepted] == ["ack-po-700"]
    assert DeliveryAttempt.objects.get(delivery__event=event).outcome == "success"
    lines = [line for line in json_log() if line["correlation_id"] == "ack-po-700"]
    web = [line for line in lines if line["logger"] == "portal.requests"]
    attempt = [line for line in lines if line["logger"] == "integrations.outbox"]
    assert [(line["status"], line["message"].startswith(f"POST {url} 302 ")) for line in web] == [
        (302, True)
    ]
    assert [(line["event_id"], line["connector"], line["outcome"]) for line in attempt] == [
        (str(event.id), "wms", "success")
    ]
    assert {line["level"] for line in attempt} == {"INFO"}


def test_a_line_outside_any_request_says_it_has_no_correlation_id(json_log):
    logging.getLogger("portal.test").warning("nothing in progress")

    [line] = json_log()
    assert (line["logger"], line["level"], line["correlation_id"], line["message"]) == (
        "portal.test",
        "WARNING",
        "-",
        "nothing in progress",
    )


def test_the_console_handler_carries_the_correlation_id_filter(settings):
    console = settings.LOGGING["handlers"]["console"]
    assert console["filters"] == ["correlation_id"]
    assert settings.LOGGING["filters"]["correlation_id"]["()"] == "portal.logs.CorrelationIdFilter"
    assert settings.LOGGING["formatters"]["json"]["()"] == "portal.logs.PortalJsonFormatter"
    assert "[%(correlation_id)s]" in settings.LOGGING["formatters"]["plain"]["format"]


def test_a_queued_task_carries_the_correlation_id_into_the_worker():
    headers: dict = {}
    with bound_correlation_id("req-queue-1"):
        signals.before_task_publish.send(sender="portal.tasks.heartbeat", headers=headers)
    seen = []

    @shared_task(name="tests.portal.record_correlation_id", bind=True)
    def record(self):
        seen.append(current_correlation_id())

    # What the worker does with the message: its headers become the task's request.
    record.apply(headers=headers)

    assert headers["portal_correlation_id"] == "req-queue-1"
    assert seen == ["req-queue-1"]
    assert current_correlation_id() == ""  # unbound again once the task is done
