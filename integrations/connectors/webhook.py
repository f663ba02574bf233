"""`webhook`: generic REST/JSON. One POST per event with

- `Idempotency-Key: <event id>` — the receiver dedupes redeliveries by it;
- `X-Portal-Signature-256: sha256=<hex HMAC-SHA256 of the body>` when the config names a
  secret (`secret_env`: the environment variable holding it);
- `X-Portal-Event-Type`, `X-Portal-Sequence` for receivers that route without parsing.

Connections are kept alive per worker thread: a TLS/TCP handshake per event would cost
more than the delivery itself.
"""

import hashlib
import hmac
import http.client
import threading
import time
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from integrations.connectors.base import BaseConnector, ConnectorError, SendResult, register

# Transient by definition (RFC 9110 and common practice): timeout, conflict (the receiver
# is busy with the same key), too early, too many requests. Other 4xx are permanent.
RETRYABLE_4XX = frozenset({408, 409, 425, 429})
SIGNATURE_HEADER = "X-Portal-Signature-256"
RESPONSE_LIMIT = 2000

_local = threading.local()


def _connection(scheme: str, netloc: str, timeout: float) -> http.client.HTTPConnection:
    pool = getattr(_local, "pool", None)
    if pool is None:
        pool = _local.pool = {}
    key = (scheme, netloc, timeout)
    conn = pool.get(key)
    if conn is None:
        cls = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
        conn = pool[key] = cls(netloc, timeout=timeout)
    return conn


def _drop_connection(scheme: str, netloc: str, timeout: float) -> None:
    pool = getattr(_local, "pool", {})
    conn = pool.pop((scheme, netloc, timeout), None)
    if conn is not None:
        conn.close()


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@register("webhook")
class WebhookConnector(BaseConnector):
    @classmethod
    def config_errors(cls, config: dict) -> list[str]:
        url = config.get("url", "")
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            return [f"config 'url' must be an http(s) URL, not {url!r}"]
        return []

    def send(self, envelope: dict, body: bytes) -> SendResult:
        url = self.config.get("url", "")
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ConnectorError(f"Webhook URL {url!r} is not an http(s) URL.", permanent=False)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": envelope["id"],
            "X-Portal-Event-Type": envelope["type"],
            "X-Portal-Sequence": str(envelope["sequence"]),
            "User-Agent": "supplier-portal-outbox/1",
        }
        headers.update(self.config.get("headers", {}))
        secret = self.secret()
        if secret:
            headers[SIGNATURE_HEADER] = sign(secret, body)
        request = {
            "method": "POST",
            "url": url,
            "headers": {
                k: ("[redacted]" if k == SIGNATURE_HEADER else v) for k, v in headers.items()
            },
        }
        timeout = float(self.connector.timeout_seconds)
        status, reason, text, retry_after = self._post(parts, path, body, headers, timeout, request)
        if 200 <= status < 300:
            return SendResult(status_code=status, response=text, request=request)
        message = f"HTTP {status} {reason}".strip()
        permanent = 400 <= status < 500 and status not in RETRYABLE_4XX
        raise ConnectorError(
            message,
            permanent=permanent,
            retry_after=retry_after,
            status_code=status,
            response=text,
            request=request,
        )

    def _post(self, parts, path, body, headers, timeout, request):
        # A kept-alive connection the server has since closed fails on first use; one fresh
        # retry is safe because the receiver dedupes by Idempotency-Key.
        for reuse in (True, False):
            conn = _connection(parts.scheme, parts.netloc, timeout)
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                raw = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as e:
                _drop_connection(parts.scheme, parts.netloc, timeout)
                if reuse:
                    continue
                raise ConnectorError(
                    f"Connection lost: {e}", permanent=False, request=request
                ) from e
            except TimeoutError as e:
                _drop_connection(parts.scheme, parts.netloc, timeout)
                raise ConnectorError(
                    f"No response within {timeout:g} s", permanent=False, request=request
                ) from e
            except (OSError, http.client.HTTPException) as e:
                _drop_connection(parts.scheme, parts.netloc, timeout)
                raise ConnectorError(
                    f"{type(e).__name__}: {e}", permanent=False, request=request
                ) from e
            if response.will_close:
                _drop_connection(parts.scheme, parts.netloc, timeout)
            text = raw[:RESPONSE_LIMIT].decode("utf-8", "replace")
            return (
                response.status,
                response.reason,
                text,
                parse_retry_after(response.getheader("Retry-After")),
            )
        raise AssertionError("unreachable")  # pragma: no cover
