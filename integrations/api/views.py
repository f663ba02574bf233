"""The base class of every API endpoint: Bearer key, scopes, throttles, problem errors,
idempotency keys on writes, correlation ids, request size limit, deprecation headers."""

import email.utils
import hashlib
import logging
import re
import tempfile
import time
import uuid
import zlib
from typing import IO, Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from integrations.api import idempotency
from integrations.correlation import current_correlation_id
from integrations.models import ApiKey, ApiRequestLog

logger = logging.getLogger("integrations.api")

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH"})
# Reads: without an error they keep no request-log row (`keeps_row`).
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "too-large"


class ApiView(APIView):
    """Subclasses set `permission_classes` (a scope) and one handler per operation.

    `deprecated_on` / `sunset_on` (datetimes) add `Deprecation` and `Sunset` headers to
    an endpoint being retired (see the versioning policy in the docs)."""

    deprecated_on = None
    sunset_on = None
    # A view that takes a large raw body (a stock file) sets `spool_body`: the body is
    # streamed to `self.spooled_body` (a temporary file) and hashed on the way, instead of
    # being read into memory, and may be as large as `API_MAX_UPLOAD_BYTES`.
    spool_body = False
    spooled_body: IO[bytes] | None = None
    # DomainError line → JSON pointer of that line in the request (set by the handler).
    line_pointers: dict[int | str, str] | None = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        self.request_id = self._request_id(request)
        self._idempotency_record = None
        self._replay = None
        limit = settings.API_MAX_UPLOAD_BYTES if self.spool_body else settings.API_MAX_BODY_BYTES
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > limit:
            raise PayloadTooLarge(
                f"The request body is {int(length)} bytes; the limit is {limit}. "
                "Split it into smaller requests."
            )
        super().initial(request, *args, **kwargs)
        # PostgreSQL text cannot hold NUL: no document is named with one, and a query value
        # with one is malformed (rather than a database error, a 500).
        if any("\x00" in str(value) for value in kwargs.values()):
            raise exceptions.NotFound()
        bad = [name for name, value in request.query_params.items() if "\x00" in f"{name}{value}"]
        if bad:
            raise exceptions.ValidationError(
                {
                    name.replace("\x00", "") or "(empty)": ["Contains a NUL character."]
                    for name in bad
                }
            )
        body_digest = None
        http_method = request.method or ""
        if self.spool_body and http_method in UNSAFE_METHODS:
            body_digest = self._spool(request, limit)
        key = request.headers.get(idempotency.HEADER)
        handled = http_method.lower() in self.http_method_names and hasattr(
            self, http_method.lower()
        )
        # An unsupported method is a 405, not a claim on the key (permissions have made
        # sure the caller has a key).
        if (
            http_method in UNSAFE_METHODS
            and key is not None
            and handled
            and isinstance(request.auth, ApiKey)
        ):
            body = body_digest.encode() if body_digest else request._request.body
            self._idempotency_record, self._replay = idempotency.claim(
                api_key=request.auth,
                key=key,
                method=http_method,
                path=request.get_full_path(),
                request_fingerprint=idempotency.fingerprint(
                    method=http_method,
                    path=request.get_full_path(),
                    body=body,
                    content_type=request.content_type or "",
                ),
            )

    def parse_query(
        self, serializer_class: type[Serializer[Any]], *, extra: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """The query string validated by `serializer_class`; a parameter it does not know
        (other than `extra`, e.g. the paginator's) is a 400 rather than silently ignored."""
        params = self.request.query_params
        known = set(serializer_class().fields) | set(extra)
        unknown = [name for name in params if name not in known]
        if unknown:
            raise exceptions.ValidationError(
                {name or "(empty)": ["Unknown query parameter."] for name in unknown}
            )
        serializer = serializer_class(data=params.dict())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _spool(self, request: Request, limit: int) -> str:
        digest = hashlib.sha256()
        # Closed in finalize_response, after the view has consumed it.
        spooled = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115
        size = 0
        while chunk := request._request.read(1 << 20):
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(f"The request body is over the limit of {limit} bytes.")
            digest.update(chunk)
            spooled.write(chunk)
        spooled.seek(0)
        self.spooled_body = spooled
        return digest.hexdigest()

    def _request_id(self, request: Request) -> str:
        # The web middleware has already bound the request's correlation id (the client's
        # X-Request-ID when sane); events published while serving it carry the same id.
        bound = current_correlation_id()
        if bound:
            return bound
        given = request.headers.get(REQUEST_ID_HEADER, "")
        return given if _REQUEST_ID.match(given) else uuid.uuid4().hex

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Response:
        # DRF's dispatch, with one change: a replayed idempotent request returns the
        # stored response instead of running the handler again.
        self._started = time.monotonic()
        self.args = args
        self.kwargs = kwargs
        request = self.initialize_request(request, *args, **kwargs)
        self.request = request
        self.headers = self.default_response_headers
        try:
            self.initial(request, *args, **kwargs)
            if self._replay is not None:
                response = self._replay
            else:
                method = (request.method or "").lower()
                handler = (
                    getattr(self, method, self.http_method_not_allowed)
                    if method in self.http_method_names
                    else self.http_method_not_allowed
                )
                response = handler(request, *args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - DRF turns it into a response or re-raises
            response = self.handle_exception(exc)
        self.response = self.finalize_response(request, response, *args, **kwargs)
        return self.response

    def handle_exception(self, exc: Exception) -> Response:
        try:
            return super().handle_exception(exc)
        except Exception:
            # A bug (500): forget the claim so the client may retry with the same key.
            record = getattr(self, "_idempotency_record", None)
            if record is not None:
                idempotency.release(record)
                self._idempotency_record = None
            raise

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.spooled_body is not None:
            self.spooled_body.close()
            self.spooled_body = None
        record = getattr(self, "_idempotency_record", None)
        if record is not None:
            idempotency.complete(record, response)
            self._idempotency_record = None
        request_id = getattr(self, "request_id", None) or uuid.uuid4().hex
        response[REQUEST_ID_HEADER] = request_id
        if self.deprecated_on is not None:
            response["Deprecation"] = f"@{int(self.deprecated_on.timestamp())}"
        if self.sunset_on is not None:
            response["Sunset"] = email.utils.format_datetime(self.sunset_on, usegmt=True)
        api_key = request.auth if isinstance(request.auth, ApiKey) else None
        started = getattr(self, "_started", None)
        duration_ms = int((time.monotonic() - started) * 1000) if started else 0
        key_label = f"{api_key.name} ({api_key.prefix})"[:120] if api_key else ""
        recorded = keeps_row(request.method or "", response.status_code, request_id)
        if recorded:
            ApiRequestLog.objects.create(
                at=timezone.now(),
                api_key=api_key,
                key_label=key_label,
                method=request.method or "",
                path=request.get_full_path()[:500].replace("\x00", ""),
                status_code=response.status_code,
                request_id=request_id[:64],
                duration_ms=duration_ms,
            )
        # Every request, row or not, leaves this line (and portal.requests' metrics), so
        # a read that kept no row is still found by its request id in the logs.
        logger.info(
            "api %s %s %s key=%s request_id=%s",
            request.method,
            request.get_full_path(),
            response.status_code,
            f"{api_key.name}({api_key.prefix})" if api_key else "-",
            request_id,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "key": key_label or None,
                "request_id": request_id,
                "duration_ms": duration_ms,
                "recorded": recorded,
            },
        )
        return response


def keeps_row(method: str, status_code: int, request_id: str) -> bool:
    """Whether a request leaves an `ApiRequestLog` row: every write and every error, and of
    the successful reads only the share `API_REQUEST_LOG_READ_SAMPLE` (a database write
    per read was most of a read's cost, issue 24). Reads are sampled by their request id,
    so a retried read with the same id is kept or dropped the same way."""
    if method not in SAFE_METHODS or status_code >= 400:
        return True
    share = settings.API_REQUEST_LOG_READ_SAMPLE
    if share <= 0:
        return False
    return zlib.crc32(request_id.encode()) % 10_000 < share * 10_000
