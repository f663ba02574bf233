"""The Tryton ERP connector: a JSON-RPC client and the `tryton` connector kind."""

from integrations.connectors.tryton.client import TrytonClient
from integrations.connectors.tryton.connector import TrytonConnector

__all__ = ["TrytonClient", "TrytonConnector"]
