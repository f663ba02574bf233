"""`Idempotency-Key` on API writes, with Stripe's semantics:

- same key, same request → the stored response of the first execution, errors included,
  marked `Idempotent-Replayed: true`;
- same key, different request (method, path or body) → 422;
- same key while the first request still runs → 409;
- keys are scoped per API key and kept `API_IDEMPOTENCY_HOURS` (≥ 24 h): a key past that
  is taken over by the next request, and the daily retention purge
  (integrations/services/retention.py) deletes it.

The claim is committed before the request runs (its own short transaction), so a second
request sees it at once, on any worker. A 5xx is not stored (the key may be retried), and
a claim left in progress by a crashed worker is taken over after `STALE_AFTER`.
"""

import datetime
import hashlib
import json

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.response import Response

from integrations.api.parsers import nesting_depth_exceeds
from integrations.models import ApiKey, IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
STALE_AFTER = datetime.timedelta(minutes=10)


class IdempotencyConflict(exceptions.APIException):
    status_code = 409
    default_code = "idempotency-in-progress"
    default_detail = (
        "A request with this Idempotency-Key is still being processed; retry after it finishes."
    )


class IdempotencyMismatch(exceptions.APIException):
    status_code = 422
    default_code = "idempotency-mismatch"
    default_detail = (
        "This Idempotency-Key was used with a different request; use a new key for a new request."
    )


def retention() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.API_IDEMPOTENCY_HOURS)


def fingerprint(*, method: str, path: str, body: bytes, content_type: str) -> str:
    """The request's identity: method, path with query, and body (JSON canonicalised, so
    key order and whitespace do not count as a different request)."""
    canonical = body
    if content_type.split(";")[0].strip() == "application/json" and body:
        try:
            text = body.decode()
            # Too deep to decode safely: the parser refuses it (400), the raw bytes do here.
            if not nesting_depth_exceeds(text, settings.API_MAX_JSON_DEPTH):
                canonical = json.dumps(
                    json.loads(text), sort_keys=True, separators=(",", ":")
                ).encode()
        except ValueError:
            canonical = body
    digest = hashlib.sha256()
    for part in (method.encode(), b"\n", path.encode(), b"\n", canonical):
        digest.update(part)
    return digest.hexdigest()


def claim(
    *, api_key: ApiKey, key: str, method: str, path: str, request_fingerprint: str
) -> tuple[IdempotencyRecord | None, Response | None]:
    """Claim `key` for this request: (record, None) to run it, or (None, stored response)
    to replay. Raises IdempotencyMismatch or IdempotencyConflict."""
    if not key or len(key) > MAX_KEY_LENGTH or not (key.isascii() and key.isprintable()):
        raise exceptions.ValidationError(
            {HEADER: [f"Send 1 to {MAX_KEY_LENGTH} printable ASCII characters, e.g. a UUID."]}
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                api_key=api_key,
                key=key,
                fingerprint=request_fingerprint,
                method=method,
                path=path[:500],
                created_at=now,
            )
        return record, None
    except IntegrityError:
        pass
    existing = IdempotencyRecord.objects.get(api_key=api_key, key=key)
    expired = existing.created_at < now - retention()
    stale = existing.state == IdempotencyRecord.State.IN_PROGRESS and (
        existing.created_at < now - STALE_AFTER
    )
    if expired or stale:
        # Compare-and-set on created_at: of two requests taking over, one wins.
        taken = IdempotencyRecord.objects.filter(
            pk=existing.pk, created_at=existing.created_at
        ).update(
            fingerprint=request_fingerprint,
            method=method,
            path=path[:500],
            state=IdempotencyRecord.State.IN_PROGRESS,
            response_status=None,
            response_body=None,
            response_headers={},
            created_at=now,
            completed_at=None,
        )
        if taken:
            existing.refresh_from_db()
            return existing, None
        raise IdempotencyConflict()
    if existing.fingerprint != request_fingerprint:
        raise IdempotencyMismatch()
    if existing.state == IdempotencyRecord.State.IN_PROGRESS:
        raise IdempotencyConflict()
    headers = dict(existing.response_headers)
    content_type = headers.pop("Content-Type", None)
    response = Response(existing.response_body, status=existing.response_status, headers=headers)
    if content_type:
        response.content_type = content_type
    response["Idempotent-Replayed"] = "true"
    return None, response


# Headers worth replaying: the rest (dates, request ids, throttling) belong to each call.
# Content-Type is taken from the response's explicit content_type (problem JSON): before
# rendering, the header still holds Django's text/html default.
STORED_HEADERS = ("Location", "Retry-After")


def complete(record: IdempotencyRecord, response: Response) -> None:
    """Store the response of the request that held the claim; forget the claim on a 5xx."""
    if response.status_code >= 500:
        IdempotencyRecord.objects.filter(pk=record.pk).delete()
        return
    headers = {name: response[name] for name in STORED_HEADERS if response.has_header(name)}
    content_type = getattr(response, "content_type", None)
    if content_type:
        headers["Content-Type"] = content_type
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        state=IdempotencyRecord.State.DONE,
        response_status=response.status_code,
        response_body=response.data,
        response_headers=headers,
        completed_at=timezone.now(),
    )


def release(record: IdempotencyRecord) -> None:
    """The request crashed (a bug, a 500): the key may be retried."""
    IdempotencyRecord.objects.filter(pk=record.pk).delete()
