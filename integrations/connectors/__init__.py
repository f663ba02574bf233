"""Connector kinds: a small registry from `Connector.kind` to the class that talks to the
external system (STYLE §9: one module per system, raising `ConnectorError`).

A connector's `send()` gets the event envelope and its JSON body, performs one outbound
call and either returns a `SendResult` or raises `ConnectorError`; the outbox decides what
that means for the delivery (retry, dead, breaker). The Tryton ERP and EDI connectors plug
in here with `@register("tryton")` and the same interface.
"""

# Importing the modules registers their kinds.
from integrations.connectors import edi_x12, file_drop, tryton, webhook  # noqa: F401
from integrations.connectors.base import (
    BaseConnector,
    ConnectorError,
    SendResult,
    connector_class,
    connector_for,
    register,
    registered_kinds,
)

__all__ = [
    "BaseConnector",
    "ConnectorError",
    "SendResult",
    "connector_class",
    "connector_for",
    "register",
    "registered_kinds",
]
