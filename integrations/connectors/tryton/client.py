"""A small JSON-RPC client for trytond (stdlib only).

Tryton's wire protocol: POST `/<database>/rpc/` with `{"id", "method", "params"}`.
`common.db.login` returns `[user id, session token, …]`; every later call carries
`Authorization: Session base64(login:user id:token)`. Model methods are called as
`model.<model name>.<method>` with the context as the last parameter. Decimals, dates and
datetimes travel as `{"__class__": "Decimal", "decimal": "1.50"}` and similar objects.

Errors become `ConnectorError`, so the outbox and the pull tasks treat Tryton like any
other connector:

- no connection, a timeout, HTTP 5xx/429, a concurrency error or an unexpected server
  exception → transient (retried, counted by the circuit breaker);
- bad credentials, unknown database, an access or validation error (`UserError`,
  `AccessError`, a `UserWarning` that needs a human) → permanent.
"""

import base64
import datetime
import http.client
import itertools
import json
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from integrations.connectors.base import ConnectorError

RESPONSE_LIMIT = 2000
_ids = itertools.count(1)


def _decode_object(obj: dict[str, Any]) -> Any:
    kind = obj.get("__class__")
    if kind == "Decimal":
        return Decimal(obj["decimal"])
    if kind == "date":
        return datetime.date(obj["year"], obj["month"], obj["day"])
    if kind == "datetime":
        return datetime.datetime(
            obj["year"],
            obj["month"],
            obj["day"],
            obj["hour"],
            obj["minute"],
            obj["second"],
            obj.get("microsecond", 0),
        )
    if kind == "time":
        return datetime.time(obj["hour"], obj["minute"], obj["second"], obj.get("microsecond", 0))
    if kind == "timedelta":
        return datetime.timedelta(seconds=obj["seconds"])
    if kind == "bytes":
        return base64.decodebytes(obj["base64"].encode())
    return obj


def _encode_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"__class__": "Decimal", "decimal": str(value)}
    if isinstance(value, datetime.datetime):
        return {
            "__class__": "datetime",
            **{
                k: getattr(value, k)
                for k in ("year", "month", "day", "hour", "minute", "second", "microsecond")
            },
        }
    if isinstance(value, datetime.date):
        return {"__class__": "date", "year": value.year, "month": value.month, "day": value.day}
    if isinstance(value, set | frozenset):
        return list(value)
    raise TypeError(f"Cannot send {type(value).__name__} to Tryton")


def dumps(payload: Any) -> bytes:
    return json.dumps(payload, default=_encode_default, separators=(",", ":")).encode()


def loads(raw: bytes) -> Any:
    return json.loads(raw, object_hook=_decode_object)


def _tryton_error(error: Any, *, method: str) -> ConnectorError:
    """Map the `error` member of a JSON-RPC answer to a ConnectorError."""
    if isinstance(error, list) and len(error) == 2 and isinstance(error[1], list | tuple):
        name, args = error
        text = str(args[0]) if args else name
        if name == "UserWarning" and len(args) > 1:
            text = str(args[1])
        if name == "ConcurrencyException":
            return ConnectorError(f"Tryton {method}: {text}", permanent=False, response=text)
        # UserError (AccessError, validation, domain errors) and UserWarning need a change of
        # data or configuration: retrying the same call cannot succeed.
        return ConnectorError(
            f"Tryton rejected {method}: {name}: {text}", permanent=True, response=text
        )
    if isinstance(error, list) and error:
        # (message, traceback) of an unexpected server exception: a bug or an outage on
        # the ERP side, which may well pass.
        return ConnectorError(
            f"Tryton server error in {method}: {error[0]}",
            permanent=False,
            response=str(error[0])[:RESPONSE_LIMIT],
        )
    return ConnectorError(f"Tryton error in {method}: {error!r}", permanent=False)


def _heals(error: ConnectorError) -> bool:
    """A 503 (trytond restarting or its database pool not loaded) or no connection at
    all: worth a fresh connection and login right away."""
    if error.status_code in (502, 503, 504):
        return True
    return error.status_code is None and (
        "unreachable" in error.message or "connection lost" in error.message
    )


def failure_kind(error: ConnectorError) -> str:
    """The operator's word for a failure (ErpTransportHealth.State)."""
    if error.status_code == 503:
        return "unavailable"
    if error.status_code in (401, 403) or "refused the login" in error.message:
        return "refused"
    if error.status_code is None and (
        "unreachable" in error.message
        or "connection lost" in error.message
        or "did not answer" in error.message
    ):
        return "unreachable"
    return "error"


class TrytonClient:
    """One logged-in session against one Tryton database.

    Not thread-safe by itself: use one client per worker thread (`for_thread`). The session
    is opened lazily and reopened once when Tryton answers 401 (expired session)."""

    def __init__(
        self,
        *,
        url: str,
        database: str,
        username: str,
        password: str,
        timeout: float = 10.0,
        language: str = "en",
        retries: int = 2,
        backoff: float = 0.5,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ConnectorError(f"Tryton URL {url!r} is not an http(s) URL.", permanent=True)
        self.url = url.rstrip("/")
        self._scheme, self._netloc = parts.scheme, parts.netloc
        self._base_path = parts.path.rstrip("/")
        self.database = database
        self.username = username
        self._password = password
        self.timeout = timeout
        self.language = language
        self._session: str | None = None
        self._context: dict[str, Any] = {}
        self._conn: http.client.HTTPConnection | None = None
        self.retries = retries
        self.backoff = backoff
        self.relogins = 0
        self.sleep: Callable[[float], None] = time.sleep
        # Called with ("ok" | "retry" | "session" | "failure", error): the connector
        # keeps the operator's health line from it.
        self.on_health: Callable[[str, ConnectorError | None], None] | None = None

    # --- transport -----------------------------------------------------------------

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            cls = (
                http.client.HTTPSConnection
                if self._scheme == "https"
                else http.client.HTTPConnection
            )
            self._conn = cls(self._netloc, timeout=self.timeout)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _post(self, method: str, params: list[Any], *, auth: bool) -> tuple[int, bytes]:
        body = dumps({"id": next(_ids), "method": method, "params": params})
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if auth and self._session:
            headers["Authorization"] = f"Session {self._session}"
        path = f"{self._base_path}/{self.database}/rpc/"
        # A kept-alive connection the server closed fails on first use: one fresh retry.
        for reuse in (True, False):
            conn = self._connection()
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                raw = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as e:
                self.close()
                if reuse:
                    continue
                raise ConnectorError(f"Tryton connection lost: {e}", permanent=False) from e
            except TimeoutError as e:
                self.close()
                raise ConnectorError(
                    f"Tryton did not answer {method} within {self.timeout:g} s", permanent=False
                ) from e
            except (OSError, http.client.HTTPException) as e:
                self.close()
                raise ConnectorError(
                    f"Tryton at {self.url} unreachable: {type(e).__name__}: {e}", permanent=False
                ) from e
            if response.will_close:
                self.close()
            return response.status, raw
        raise AssertionError("unreachable")  # pragma: no cover

    def _answer(self, method: str, status: int, raw: bytes) -> Any:
        text = raw[:RESPONSE_LIMIT].decode("utf-8", "replace")
        if status >= 500 or status == 429:
            raise ConnectorError(
                f"Tryton answered HTTP {status} to {method}",
                permanent=False,
                status_code=status,
                response=text,
            )
        if status == 404:
            raise ConnectorError(
                f"Tryton has no database {self.database!r} at {self.url} (HTTP 404).",
                permanent=True,
                status_code=status,
                response=text,
            )
        if status >= 400:
            raise ConnectorError(
                f"Tryton refused {method}: HTTP {status}",
                permanent=True,
                status_code=status,
                response=text,
            )
        try:
            payload = loads(raw)
        except ValueError as e:
            raise ConnectorError(
                f"Tryton sent something that is not JSON to {method}",
                permanent=False,
                response=text,
            ) from e
        if isinstance(payload, dict) and payload.get("error") is not None:
            raise _tryton_error(payload["error"], method=method)
        if isinstance(payload, dict) and "result" in payload:
            return payload["result"]
        return payload

    # --- session -------------------------------------------------------------------

    def _warm_pool(self) -> None:
        """Make trytond load the database's model pool before the login.

        trytond 8.2 only loads a database's pool lazily in authenticated calls and under
        `/<db>/r/…` (the web client's entry); its login itself fails with "KeyError:
        'res.user'" on a freshly started server. A GET there loads the pool (and answers
        404, which is fine)."""
        conn = self._connection()
        try:
            conn.request("GET", f"{self._base_path}/{self.database}/r/portal-connector")
            conn.getresponse().read()
        except (OSError, http.client.HTTPException) as e:
            self.close()
            raise ConnectorError(
                f"Tryton at {self.url} unreachable: {type(e).__name__}: {e}", permanent=False
            ) from e

    def login(self) -> None:
        self._warm_pool()
        status, raw = self._post(
            "common.db.login",
            [self.username, {"password": self._password}, self.language],
            auth=False,
        )
        if status in (401, 403):
            raise ConnectorError(
                f"Tryton refused the login of {self.username!r} on {self.database!r}: check the "
                "user and the password environment variable.",
                permanent=True,
                status_code=status,
            )
        result = self._answer("common.db.login", status, raw)
        user_id, token = result[0], result[1]
        self._session = base64.b64encode(f"{self.username}:{user_id}:{token}".encode()).decode()
        preferences = self._call("model.res.user.get_preferences", [True, {}])
        # The context every call carries: company, language, the user's warehouse.
        self._context = {
            k: v for k, v in preferences.items() if k in {"company", "language", "employee"}
        }

    def _call(self, method: str, params: list[Any]) -> Any:
        status, raw = self._post(method, params, auth=True)
        return self._answer(method, status, raw)

    def call(self, method: str, *args: Any, context: dict[str, Any] | None = None) -> Any:
        """Call `method` with `args` and the session context (plus `context`).

        Heals itself: an expired or lost session (401/403) is reopened once; an HTTP 503
        or a refused/lost connection (trytond restarting, its pool not loaded yet) is
        retried `retries` times with a short backoff, each time with a fresh connection
        and a fresh login (which warms the pool). What still fails is a transient
        ConnectorError: the outbox backs off and the breaker counts it."""
        for attempt in range(self.retries + 1):
            try:
                return self._call_once(method, list(args), context)
            except ConnectorError as error:
                if error.permanent or attempt == self.retries or not _heals(error):
                    # Tryton refusing a document (a UserError) is Tryton answering:
                    # only transport failures and a refused login change the health.
                    if not error.permanent or failure_kind(error) == "refused":
                        self._report("failure", error)
                    raise
                self._report("retry", error)
                self.close()
                self._session = None
                self.sleep(min(self.backoff * (2**attempt), self.timeout))
        raise AssertionError("unreachable")  # pragma: no cover

    def _call_once(self, method: str, args: list[Any], context: dict[str, Any] | None) -> Any:
        if self._session is None:
            self.login()
        params = [*args, {**self._context, **(context or {})}]
        status, raw = self._post(method, params, auth=True)
        if status in (401, 403):
            # The session expired (or trytond restarted without its session table).
            self._session = None
            self.relogins += 1
            self._report("session", None)
            self.login()
            params[-1] = {**self._context, **(context or {})}
            status, raw = self._post(method, params, auth=True)
        result = self._answer(method, status, raw)
        self._report("ok", None)
        return result

    def _report(self, what: str, error: ConnectorError | None) -> None:
        if self.on_health is not None:
            self.on_health(what, error)

    # --- model helpers -------------------------------------------------------------

    def model(
        self, model: str, method: str, *args: Any, context: dict[str, Any] | None = None
    ) -> Any:
        return self.call(f"model.{model}.{method}", *args, context=context)

    def search_read(
        self,
        model: str,
        domain: list[Any],
        fields: list[str],
        *,
        order: list[Any] | None = None,
        limit: int | None = None,
        context: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.model(
            model, "search_read", domain, 0, limit, order, fields, context=context
        )
        return rows

    def read(
        self, model: str, ids: list[int], fields: list[str], **kw: Any
    ) -> list[dict[str, Any]]:
        if not ids:
            return []
        rows = self.model(model, "read", ids, fields, **kw)
        by_id = {row["id"]: row for row in rows}
        return [by_id[i] for i in ids if i in by_id]

    def write(self, model: str, ids: list[int], values: dict[str, Any]) -> None:
        if ids:
            self.model(model, "write", ids, values)

    def create(self, model: str, values: list[dict[str, Any]]) -> list[int]:
        ids: list[int] = self.model(model, "create", values)
        return ids


_local = threading.local()
# connector pk → (last health state written, when): spares a database write per call.
health_seen: dict[int, tuple[str, datetime.datetime]] = {}


def for_thread(**settings: Any) -> TrytonClient:
    """A client per worker thread and settings, kept for its session and connection."""
    key = tuple(sorted(settings.items()))
    clients = getattr(_local, "clients", None)
    if clients is None:
        clients = _local.clients = {}
    client = clients.get(key)
    if client is None:
        client = clients[key] = TrytonClient(**settings)
    return client


def forget_thread_clients() -> None:
    for client in getattr(_local, "clients", {}).values():
        client.close()
    _local.clients = {}
    health_seen.clear()
