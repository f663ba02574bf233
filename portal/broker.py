"""The Celery broker transport: kombu's Redis transport, made to survive a lost broker.

With Celery 5.7 and kombu 5.7 (redis-py 8), a worker that loses Redis while it holds an
unacknowledged message (acks late: whenever a task is running) first collects the
connection's transport, which sets the transport's `client` to None, and then closes the
connection. Closing its channel puts the unacknowledged messages back into Redis through
a new Redis client built from that client's host and port, and `None.hostname` ends the
worker: "Unrecoverable error: AttributeError('NoneType' object has no attribute
'hostname')" (issue 18, reproduced by tests/integrations/
test_worker_survives_broker_restart.py).

Here a channel asked for a new Redis client after its transport was collected raises the
Redis connection error it would have met anyway: kombu and Celery treat that as a lost
connection (ignored while cleaning up, retried while reconnecting), so the worker stays up
and reconnects. Nothing is lost by the skipped restore: there is no broker to restore to;
a Redis that kept its data hands the messages back after the visibility timeout, and
beat's outbox sweeper re-sends every due delivery either way.

Selected by CELERY_BROKER_TRANSPORT (portal/settings/base.py).
"""

from typing import Any

from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError as RedisConnectionError


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous: bool = False) -> Any:
        transport = self.connection
        if transport is None or transport.client is None:
            raise RedisConnectionError("The broker connection was closed after it was lost.")
        # kombu's type stubs leave out this private method; it is there (kombu 5.7).
        return super()._connparams(asynchronous=asynchronous)  # type: ignore[misc]


class Transport(kombu_redis.Transport):
    Channel = Channel
