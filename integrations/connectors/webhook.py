"""`webhook`: generic REST/JSON. One POST per event with

- `Idempotency-Key: <event id>` — the receiver dedupes redeliveries by it;
- `X-Portal-Signature-256: sha256=<hex HMAC-SHA256 of the body>` when the config names a
  secret (`secret_env`: the environment variable holding it);
- `X-Portal-Event-Type`, `X-Portal-Sequence` for receivers that route without parsing.

Connections are kept alive per worker thread: a TLS/TCP handshake per event would cost
more than the delivery itself. The HTTP/1.1 client is a small one of our own
(`KeptAliveConnection`): at a thousand deliveries a second `http.client`'s response
parsing was the largest CPU cost of a delivery.
"""

import functools
import hashlib
import hmac
import socket
import ssl
import threading
import time
from email.utils import parsedate_to_datetime
from typing import Any, BinaryIO
from urllib.parse import SplitResult, urlsplit

from integrations.connectors.base import BaseConnector, ConnectorError, SendResult, register

# Transient by definition (RFC 9110 and common practice): timeout, conflict (the receiver
# is busy with the same key), too early, too many requests. Other 4xx are permanent.
RETRYABLE_4XX = frozenset({408, 409, 425, 429})
SIGNATURE_HEADER = "X-Portal-Signature-256"
RESPONSE_LIMIT = 2000

_local = threading.local()

# Bounds on what a receiver may send back; beyond them the answer is a protocol error.
MAX_HEADER_LINE = 65_536
MAX_HEADERS = 100
# Bodies up to this size are read to keep the connection; a longer one closes it instead.
MAX_DRAINED_BODY = 1 << 20


class ProtocolError(Exception):
    """The receiver's answer is not HTTP/1.1 we can read."""


class Disconnected(ProtocolError):
    """The receiver closed a kept-alive connection before answering."""


@functools.cache
def _tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()


class KeptAliveConnection:
    """One kept-alive HTTP/1.1 connection to one origin.

    Just what a webhook POST needs (one write per request, status line, headers, a
    Content-Length, chunked or read-to-close body, interim 1xx skipped). `http.client`
    spends more CPU than the rest of a delivery parsing response headers with the e-mail
    parser, and writes headers and body in two segments.
    """

    def __init__(self, scheme: str, netloc: str, timeout: float) -> None:
        parts = urlsplit(f"{scheme}://{netloc}")
        self.scheme = scheme
        self.host = parts.hostname or ""
        self.port = parts.port or (443 if scheme == "https" else 80)
        self.host_header = netloc.rpartition("@")[2]
        self.timeout = timeout
        self.sock: socket.socket | None = None
        self.reader: BinaryIO | None = None

    def _open(self) -> socket.socket:
        sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.scheme == "https":
            sock = _tls_context().wrap_socket(sock, server_hostname=self.host)
        self.sock, self.reader = sock, sock.makefile("rb")
        return sock

    def _input(self) -> BinaryIO:
        if self.reader is None:
            raise Disconnected("the connection was closed while reading the answer")
        return self.reader

    def close(self) -> None:
        if self.reader is not None:
            self.reader.close()
        if self.sock is not None:
            self.sock.close()
        self.sock = self.reader = None

    def post(
        self, path: str, headers: dict[str, Any], body: bytes
    ) -> tuple[int, str, bytes, dict[str, str]]:
        """(status, reason, body, lower-cased headers); the connection stays open unless
        the receiver asked to close it."""
        sock = self.sock if self.sock is not None else self._open()
        lines = [f"POST {path} HTTP/1.1", f"Host: {self.host_header}"]
        for name, value in headers.items():
            line = f"{name}: {value}"
            if "\r" in line or "\n" in line:  # header injection from a configured header
                raise ProtocolError(f"header {name!r} contains a line break")
            lines.append(line)
        lines.append(f"Content-Length: {len(body)}")
        # One write for head and body: one segment, no Nagle/delayed-ACK stall.
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        while True:
            status, reason, version, fields = self._read_head()
            if status >= 200:  # skip interim answers (100 Continue, 103 Early Hints)
                break
        data, keep = self._read_body(status, fields)
        connection = fields.get("connection", "").lower()
        if (
            not keep
            or "close" in connection
            or (version == "HTTP/1.0" and "keep-alive" not in connection)
        ):
            self.close()
        return status, reason, data, fields

    def _readline(self) -> bytes:
        line = self._input().readline(MAX_HEADER_LINE + 1)
        if len(line) > MAX_HEADER_LINE:
            raise ProtocolError("header line too long")
        return line

    def _read_head(self) -> tuple[int, str, str, dict[str, str]]:
        line = self._readline()
        if not line:
            raise Disconnected("the receiver closed the connection without answering")
        version, _, rest = line.decode("latin-1").rstrip("\r\n").partition(" ")
        code, _, reason = rest.partition(" ")
        if not version.startswith("HTTP/") or not code.isdigit() or len(code) != 3:
            raise ProtocolError(f"not an HTTP status line: {line[:80]!r}")
        fields: dict[str, str] = {}
        for _ in range(MAX_HEADERS + 1):
            line = self._readline()
            if line in (b"\r\n", b"\n", b""):
                return int(code), reason.strip(), version, fields
            name, sep, value = line.decode("latin-1").partition(":")
            if not sep:
                raise ProtocolError(f"malformed header line: {line[:80]!r}")
            name = name.strip().lower()
            value = value.strip()
            fields[name] = f"{fields[name]}, {value}" if name in fields else value
        raise ProtocolError(f"more than {MAX_HEADERS} response headers")

    def _read_exact(self, size: int) -> bytes:
        data = self._input().read(size)
        if len(data) < size:
            raise ProtocolError("the receiver closed the connection mid-body")
        return data

    def _read_body(self, status: int, fields: dict[str, str]) -> tuple[bytes, bool]:
        """(body, connection reusable)."""
        if status in (204, 304):
            return b"", True
        if "chunked" in fields.get("transfer-encoding", "").lower():
            chunks: list[bytes] = []
            total = 0
            while True:
                size_line = self._readline().split(b";", 1)[0].strip()
                try:
                    size = int(size_line, 16)
                except ValueError:
                    raise ProtocolError(f"bad chunk size {size_line[:20]!r}") from None
                if size == 0:
                    while self._readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks), True
                total += size
                if total > MAX_DRAINED_BODY:
                    return b"".join(chunks), False
                chunks.append(self._read_exact(size))
                self._readline()  # the CRLF after each chunk
        length = fields.get("content-length")
        if length is not None:
            if not length.isdigit():
                raise ProtocolError(f"bad Content-Length {length[:20]!r}")
            size = int(length)
            if size > MAX_DRAINED_BODY:
                return self._read_exact(RESPONSE_LIMIT), False
            return self._read_exact(size), True
        # Neither: the body runs until the receiver closes the connection.
        return self._input().read(MAX_DRAINED_BODY), False


def _connection(scheme: str, netloc: str, timeout: float) -> KeptAliveConnection:
    pool = getattr(_local, "pool", None)
    if pool is None:
        pool = _local.pool = {}
    key = (scheme, netloc, timeout)
    conn = pool.get(key)
    if conn is None:
        conn = pool[key] = KeptAliveConnection(scheme, netloc, timeout)
    return conn


def _drop_connection(scheme: str, netloc: str, timeout: float) -> None:
    conn = getattr(_local, "pool", {}).pop((scheme, netloc, timeout), None)
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
    def config_errors(cls, config: dict[str, Any]) -> list[str]:
        url = config.get("url", "")
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            return [f"config 'url' must be an http(s) URL, not {url!r}"]
        return []

    def send(self, envelope: dict[str, Any], body: bytes) -> SendResult:
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

    def _post(
        self,
        parts: SplitResult,
        path: str,
        body: bytes,
        headers: dict[str, str],
        timeout: float,
        request: dict[str, Any],
    ) -> tuple[int, str, str, float | None]:
        # A kept-alive connection the server has since closed fails on first use; one fresh
        # retry is safe because the receiver dedupes by Idempotency-Key.
        for reuse in (True, False):
            try:
                conn = _connection(parts.scheme, parts.netloc, timeout)
                status, reason, raw, fields = conn.post(path, headers, body)
            except (Disconnected, BrokenPipeError, ConnectionResetError) as e:
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
            except (OSError, ProtocolError, UnicodeError) as e:
                _drop_connection(parts.scheme, parts.netloc, timeout)
                raise ConnectorError(
                    f"{type(e).__name__}: {e}", permanent=False, request=request
                ) from e
            # PostgreSQL text cannot hold NUL: a binary answer must not break the write-back.
            text = raw[:RESPONSE_LIMIT].decode("utf-8", "replace").replace("\x00", "\ufffd")
            return status, reason, text, parse_retry_after(fields.get("retry-after"))
        raise AssertionError("unreachable")  # pragma: no cover
