"""/readyz names what is missing: the database, Redis, the worker's heartbeat, beat's."""

import datetime

import pytest
from celery import signals
from django.core.cache import cache
from django.utils import timezone

from portal.tasks import heartbeat
from portal.worker_signals import BEAT_HEARTBEAT_KEY, WORKER_HEARTBEAT_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_heartbeats():
    cache.delete_many([WORKER_HEARTBEAT_KEY, BEAT_HEARTBEAT_KEY])
    yield
    cache.delete_many([WORKER_HEARTBEAT_KEY, BEAT_HEARTBEAT_KEY])


def test_a_started_worker_and_a_beat_tick_make_it_ready(client, settings, eager_tasks):
    settings.PORTAL_READYZ_HEARTBEATS = True
    signals.worker_ready.send(sender=None)  # what a worker sends when it has started
    heartbeat.delay()  # what beat queues every minute

    ready = client.get("/readyz")

    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "worker": "ok", "beat": "ok"},
        "missing": [],
    }


def test_without_a_worker_heartbeat_it_is_degraded_and_names_the_worker(
    client, settings, eager_tasks
):
    settings.PORTAL_READYZ_HEARTBEATS = True
    heartbeat.delay()

    ready = client.get("/readyz")

    assert ready.status_code == 200
    body = ready.json()
    assert (body["status"], body["degraded"], body["missing"]) == (
        "degraded",
        ["worker"],
        ["worker"],
    )
    assert body["checks"]["worker"] == "missing: never seen (or the cache forgot it)"


def test_a_stale_beat_heartbeat_is_missing_with_its_age(client, settings):
    settings.PORTAL_READYZ_HEARTBEATS = True
    settings.PORTAL_BEAT_HEARTBEAT_MAX_AGE = 180
    signals.worker_ready.send(sender=None)
    cache.set(
        BEAT_HEARTBEAT_KEY, (timezone.now() - datetime.timedelta(seconds=600)).isoformat(), 900
    )

    body = client.get("/readyz").json()

    assert (body["status"], body["missing"]) == ("degraded", ["beat"])
    assert body["checks"]["beat"] == "missing: last seen 600 s ago (more than 180 s)"


def test_a_beat_heartbeat_just_inside_its_age_is_ok(client, settings):
    settings.PORTAL_READYZ_HEARTBEATS = True
    settings.PORTAL_BEAT_HEARTBEAT_MAX_AGE = 180
    signals.worker_ready.send(sender=None)
    cache.set(
        BEAT_HEARTBEAT_KEY, (timezone.now() - datetime.timedelta(seconds=170)).isoformat(), 900
    )

    assert client.get("/readyz").json()["missing"] == []


def test_with_heartbeats_not_required_they_are_reported_but_it_stays_ok(client, settings):
    settings.PORTAL_READYZ_HEARTBEATS = False

    body = client.get("/readyz").json()

    assert (body["status"], body["missing"]) == ("ok", ["worker", "beat"])
    assert "degraded" not in body
