"""Log records that carry the correlation id, as JSON in production and readable lines in
development (`LOG_FORMAT=json|plain`, settings.LOGGING).

Every record gets `correlation_id`: the one a caller passed in `extra` (the outbox names
the event's id when it logs an attempt), else the id bound to the work in progress (the
request, the task). So `grep <id>` over the web's and the workers' logs shows a message's
whole trip: the request, the event it published, each delivery attempt and its connector
call.
"""

import logging

from pythonjsonlogger.json import JsonFormatter

from integrations.correlation import current_correlation_id

PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(correlation_id)s %(message)s"


class CorrelationIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "correlation_id", ""):
            record.correlation_id = current_correlation_id() or "-"
        return True


class PortalJsonFormatter(JsonFormatter):
    """One JSON object per line: time, level, logger, correlation id, message and any
    `extra` fields (event id, connector, outcome, …)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("fmt", JSON_FIELDS)
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
