"""Writes of the integration layer, one module per concept, re-exported here so callers
write `from integrations.services import audit_record, publish`."""

from integrations.services.api_keys import (
    IssuedKey,
    api_key_create,
    api_key_for_token,
    api_key_revoke,
)
from integrations.services.deliveries import (
    connector_pause,
    connector_resume,
    dead_letters_replay,
    delivery_replay,
    delivery_skip,
)
from integrations.services.events import (
    _jsonable,
    audit_record,
    audit_update,
    new_correlation_id,
    publish,
)
from integrations.services.exception_sync import BulkSyncResult, exceptions_sync_bulk
from integrations.services.exceptions import (
    EXCEPTION_CASE,
    Subject,
    exception_acknowledge,
    exception_add_note,
    exception_assign,
    exception_auto_resolve,
    exception_open_or_update,
    exception_resolve,
    exceptions_escalate,
)
from integrations.services.inbound import inbound_message, inbound_seen_or_record

__all__ = [
    "EXCEPTION_CASE",
    "BulkSyncResult",
    "IssuedKey",
    "Subject",
    "_jsonable",
    "api_key_create",
    "api_key_for_token",
    "api_key_revoke",
    "audit_record",
    "audit_update",
    "connector_pause",
    "connector_resume",
    "dead_letters_replay",
    "delivery_replay",
    "delivery_skip",
    "exception_acknowledge",
    "exception_add_note",
    "exception_assign",
    "exception_auto_resolve",
    "exception_open_or_update",
    "exception_resolve",
    "exceptions_escalate",
    "exceptions_sync_bulk",
    "inbound_message",
    "inbound_seen_or_record",
    "new_correlation_id",
    "publish",
]
