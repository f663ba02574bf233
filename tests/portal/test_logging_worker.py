"""With a real Celery worker: the correlation id of the request that acknowledged a PO is
in the web log, on the event, and in the worker's JSON log line of the delivery attempt
(and the receiver got it in the envelope). Needs PostgreSQL and the Redis broker, like the
outbox fault tests; skipped without them unless CI requires them."""

import io
import json
import logging
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from integrations.models import Event
from portal.logs import CorrelationIdFilter, PortalJsonFormatter
from tests.integrations.factories import ConnectorFactory
from tests.integrations.sink import Sink
from tests.suppliers.factories import purchase_order_awaiting_acknowledgment

ROOT = Path(__file__).resolve().parents[2]
_REQUIRED = bool(os.environ.get("REQUIRE_POSTGRES") or os.environ.get("REQUIRE_REDIS"))
pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def _real_backends_only(transactional_db):
    reason = ""
    if connection.vendor != "postgresql":
        reason = "needs PostgreSQL (set DATABASE_URL=postgres://…)"
    elif not settings.CELERY_BROKER_URL:
        reason = "needs a Redis broker (set CELERY_BROKER_URL=redis://…)"
    if reason:
        if _REQUIRED:
            pytest.fail(f"The worker logging test cannot run: {reason}")
        pytest.skip(reason)


def _database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "postgres")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def sink():
    receiver = Sink().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def worker_log(tmp_path):
    """A real `celery worker` logging JSON lines to a file; stopped after the test."""
    from portal.celery import app

    app.control.purge()
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "DATABASE_CONN_MAX_AGE": "0",
        "TEST_SINK_SECRET": "s3cret",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
    }
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "portal",
            "worker",
            "--concurrency",
            "1",
            "--hostname",
            f"logging-test-{uuid.uuid4().hex[:6]}@%h",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    yield log
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _json_lines(text: str) -> list[dict]:
    lines = []
    for raw in text.splitlines():
        try:
            lines.append(json.loads(raw))
        except ValueError:
            continue  # Celery's banner
    return lines


def test_one_acknowledgment_is_followed_by_its_id_from_the_web_to_the_worker(
    client, supplier, supplier_user, sink, worker_log, monkeypatch
):
    monkeypatch.setenv("TEST_SINK_SECRET", "s3cret")
    ConnectorFactory(
        name="wms",
        config={"url": sink.url, "secret_env": "TEST_SINK_SECRET"},
        event_types=["purchase_order.*"],
    )
    po = purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-701")
    web = io.StringIO()
    handler = logging.StreamHandler(web)
    handler.addFilter(CorrelationIdFilter())
    handler.setFormatter(PortalJsonFormatter())
    logging.getLogger("portal.requests").addHandler(handler)
    client.force_login(supplier_user)
    try:
        client.post(
            reverse("suppliers:po_accept", kwargs={"number": po.number}),
            {"revision": "1"},
            HTTP_X_REQUEST_ID="trip-po-701",
        )
    finally:
        logging.getLogger("portal.requests").removeHandler(handler)

    deadline = time.monotonic() + 60
    attempt_lines: list[dict] = []
    while time.monotonic() < deadline and not attempt_lines:
        time.sleep(0.2)
        attempt_lines = [
            line
            for line in _json_lines(worker_log.read_text(errors="replace"))
            if line.get("logger") == "integrations.outbox"
        ]
    assert attempt_lines, (
        worker_log.read_text(errors="replace")[-6000:] + f"\nsink: {sink.requests}"
    )

    event = Event.objects.get(type="purchase_order.acknowledged")
    assert event.correlation_id == "trip-po-701"
    assert [line["correlation_id"] for line in _json_lines(web.getvalue())] == ["trip-po-701"]
    assert [
        (line["correlation_id"], line["event_id"], line["outcome"]) for line in attempt_lines
    ] == [("trip-po-701", str(event.id), "success")]
    assert [envelope["correlation_id"] for envelope in sink.accepted] == ["trip-po-701"]
