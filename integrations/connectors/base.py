"""The connector interface, its error type and the registry of kinds."""

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from integrations.models import Connector


class ConnectorError(Exception):
    """One failed outbound call.

    `permanent=True` means retrying the same message cannot succeed (the receiver rejected
    it: a 4xx other than 408/409/425/429, a schema rejection): the delivery goes straight
    to the dead letters. Otherwise it is retried with backoff, no sooner than
    `retry_after` seconds when the receiver said so, and it counts towards the breaker.
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool,
        retry_after: float | None = None,
        status_code: int | None = None,
        response: str = "",
        request: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.retry_after = retry_after
        self.status_code = status_code
        self.response = response
        self.request = request or {}


@dataclass
class SendResult:
    status_code: int | None = None
    response: str = ""
    request: dict[str, Any] = field(default_factory=dict)


class BaseConnector:
    kind: ClassVar[str] = ""

    def __init__(self, connector: Connector) -> None:
        self.connector = connector
        self.config = connector.config or {}

    @classmethod
    def config_errors(cls, config: dict[str, Any]) -> list[str]:
        """What is wrong with a configuration, in words an operator can act on."""
        return []

    def send(self, envelope: dict[str, Any], body: bytes) -> SendResult:
        raise NotImplementedError

    def secret(self, key: str = "secret_env") -> str:
        """The secret whose environment variable the config names (never the secret itself)."""
        name = self.config.get(key, "")
        if not name:
            return ""
        value = os.environ.get(name, "")
        if not value:
            # Not the message's fault: retried (and visible on the breaker) until fixed.
            raise ConnectorError(
                f"Environment variable {name} (config {key}) is not set on this worker.",
                permanent=False,
            )
        return value

    def close(self) -> None:
        """Release pooled resources (connections)."""


_REGISTRY: dict[str, type[BaseConnector]] = {}


_C = TypeVar("_C", bound=type[BaseConnector])


def register(kind: str) -> Callable[[_C], _C]:
    def decorator(cls: _C) -> _C:
        cls.kind = kind
        _REGISTRY[kind] = cls
        return cls

    return decorator


def registered_kinds() -> list[str]:
    return sorted(_REGISTRY)


def connector_class(kind: str) -> type[BaseConnector]:
    try:
        return _REGISTRY[kind]
    except KeyError:
        raise ConnectorError(
            f"No connector kind {kind!r}; known kinds: {', '.join(registered_kinds())}.",
            permanent=False,
        ) from None


def connector_for(connector: Connector) -> BaseConnector:
    return connector_class(connector.kind)(connector)
