import pytest

from tests.integrations.factories import ConnectorFactory
from tests.integrations.sink import Sink


@pytest.fixture
def sink():
    receiver = Sink().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def webhook(db, sink, monkeypatch):
    monkeypatch.setenv("TEST_SINK_SECRET", "s3cret")
    return ConnectorFactory(
        name="wms",
        label="warehouse system",
        config={"url": sink.url, "secret_env": "TEST_SINK_SECRET"},
        breaker_threshold=3,
        breaker_cooldown_seconds=60,
        backoff_base_seconds=10,
        backoff_cap_seconds=60,
    )
