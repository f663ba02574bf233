"""Integration control records shared by every app, one module per concept. Domain apps
are referenced by label and id only: `integrations` imports none of them (DESIGN §2)."""

from integrations.models.api import ApiKey, ApiRequestLog, ApiScope, IdempotencyRecord
from integrations.models.edi import EdiControlNumber, EdiInterchange, EdiTransactionSet
from integrations.models.erp_routing import (
    ErpLineTarget,
    ErpPullCursor,
    ErpRoutingRule,
    ErpShortReceiptRule,
    ErpTransportHealth,
)
from integrations.models.events import AuditEntry, Channel, Event
from integrations.models.exceptions import (
    ExceptionCase,
    ExceptionClass,
    ExceptionNote,
    ExceptionPolicy,
    OwnerTeam,
    TeamContact,
)
from integrations.models.inbound import InboundMessage
from integrations.models.outbox import (
    CircuitBreaker,
    Connector,
    Delivery,
    DeliveryAttempt,
)

__all__ = [
    "ApiKey",
    "ApiRequestLog",
    "ApiScope",
    "AuditEntry",
    "Channel",
    "CircuitBreaker",
    "Connector",
    "Delivery",
    "DeliveryAttempt",
    "EdiControlNumber",
    "EdiInterchange",
    "EdiTransactionSet",
    "ErpLineTarget",
    "ErpPullCursor",
    "ErpRoutingRule",
    "ErpShortReceiptRule",
    "ErpTransportHealth",
    "Event",
    "ExceptionCase",
    "ExceptionClass",
    "ExceptionNote",
    "ExceptionPolicy",
    "IdempotencyRecord",
    "InboundMessage",
    "OwnerTeam",
    "TeamContact",
]
