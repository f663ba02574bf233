"""The outbox dispatcher: claim due deliveries, call the connector, write the result back.

How it stays correct when things break (DESIGN §5):

- Claiming is one short transaction: `SELECT … FOR UPDATE SKIP LOCKED` of due deliveries
  that are the head of their (connector, document) queue, then a lease (owner + expiry) on
  them. Any number of workers share the queue without waiting on each other.
- The outbound call happens with no transaction open. Its result is written back with a
  compare-and-set on the lease (`WHERE lease_owner = me AND status = in_flight`), so a
  worker that lost its lease (it was too slow, the sweeper took the delivery back) cannot
  overwrite a newer outcome.
- A killed worker's lease expires; the sweeper records the lost attempt and makes the
  delivery due again. Celery messages only make dispatch fast: every task is an idempotent
  "drain what is due for this connector", and the beat sweeper finds anything a lost
  message left behind.
- Per (connector, document) order: only a delivery whose earlier deliveries are all
  delivered or skipped can be claimed, so a failing head holds back its own document only.
- Throughput (DESIGN §9, bench/outbox.py): everything is per batch, not per delivery — one
  claim (an index walk that stops at the batch size, whatever the backlog), the sends over
  one kept-alive connection, then one write-back transaction (attempts by COPY, one
  compare-and-set UPDATE per outcome kind, the breaker).
"""

import json
import logging
import os
import random
import socket
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone

from integrations import metrics
from integrations.connectors import ConnectorError, SendResult, connector_for
from integrations.correlation import bound_correlation_id
from integrations.models import CircuitBreaker, Connector, Delivery, DeliveryAttempt

logger = logging.getLogger(__name__)

Status = Delivery.Status
State = CircuitBreaker.State
ERROR_LIMIT = 2000


def lease_owner_token() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def backoff_seconds(connector: Connector, attempts: int, retry_after: float | None = None) -> float:
    """Full jitter: uniform(0, min(cap, base·2^(n-1))), never sooner than Retry-After."""
    ceiling = min(
        connector.backoff_cap_seconds, connector.backoff_base_seconds * 2 ** (attempts - 1)
    )
    delay = random.uniform(0, ceiling)
    if retry_after is not None:
        delay = max(delay, min(retry_after, connector.max_age_seconds))
    return delay


def _earlier_open_delivery() -> Exists:
    return Exists(
        Delivery.objects.filter(
            connector_id=OuterRef("connector_id"),
            aggregate_key=OuterRef("aggregate_key"),
            sequence__lt=OuterRef("sequence"),
        ).exclude(status__in=Delivery.DONE_STATUSES)
    )


def claim(*, connector: Connector, owner: str, limit: int, now: datetime) -> list[Delivery]:
    """Lease up to `limit` due deliveries that head their document's queue.

    One locking SELECT (deliveries joined to their events, so sending needs no further
    read) and one UPDATE. The partial index `delivery_claim` is ordered like the claim, so
    PostgreSQL walks it and stops after `limit` heads instead of sorting the whole backlog.
    Only the deliveries are locked (`of=self`): locking their events too would make
    connectors sharing an event skip each other's work.
    """
    lease_until = now + timedelta(seconds=connector.lease_seconds)
    with transaction.atomic():
        batch = list(
            Delivery.objects.filter(
                connector_id=connector.pk,
                status__in=Delivery.DUE_STATUSES,
                next_attempt_at__lte=now,
            )
            .filter(~_earlier_open_delivery())
            .select_related("event")
            .order_by("next_attempt_at", "id")
            .select_for_update(skip_locked=True, of=("self",))[:limit]
        )
        if not batch:
            return []
        ids = [d.pk for d in batch]
        Delivery.objects.filter(id__in=ids, status__in=Delivery.DUE_STATUSES).update(
            status=Status.IN_FLIGHT,
            lease_owner=owner,
            lease_expires_at=lease_until,
            attempts=F("attempts") + 1,
            updated_at=now,
        )
        if not connection.features.has_select_for_update_skip_locked:
            # No row locks (SQLite): another claimer may have leased some of these rows
            # between our read and our write; keep the ones the UPDATE gave us.
            mine = set(
                Delivery.objects.filter(id__in=ids, lease_owner=owner).values_list("id", flat=True)
            )
            batch = [d for d in batch if d.pk in mine]
    # On PostgreSQL the rows stay locked from the SELECT to the commit: all of them are ours.
    for delivery in batch:
        delivery.status = Status.IN_FLIGHT
        delivery.lease_owner = owner
        delivery.lease_expires_at = lease_until
        delivery.attempts += 1
        delivery.updated_at = now
    return batch


@dataclass
class _Outcome:
    delivery: Delivery
    started_at: datetime
    duration_ms: int
    result: SendResult | None = None
    error: ConnectorError | None = None


@dataclass
class BatchReport:
    claimed: int = 0
    delivered: int = 0
    failed: int = 0
    released: int = 0
    outcomes: list[_Outcome] = field(default_factory=list)


def _attempt_row(outcome: _Outcome) -> DeliveryAttempt:
    delivery = outcome.delivery
    if outcome.error is None:
        result = outcome.result or SendResult()
        return DeliveryAttempt(
            delivery_id=delivery.pk,
            connector_id=delivery.connector_id,
            number=delivery.attempts,
            started_at=outcome.started_at,
            duration_ms=outcome.duration_ms,
            outcome=DeliveryAttempt.Outcome.SUCCESS,
            status_code=result.status_code,
            request=result.request,
            response=result.response[:ERROR_LIMIT],
        )
    error = outcome.error
    return DeliveryAttempt(
        delivery_id=delivery.pk,
        connector_id=delivery.connector_id,
        number=delivery.attempts,
        started_at=outcome.started_at,
        duration_ms=outcome.duration_ms,
        outcome=(
            DeliveryAttempt.Outcome.PERMANENT
            if error.permanent
            else DeliveryAttempt.Outcome.TRANSIENT
        ),
        status_code=error.status_code,
        request=error.request,
        response=error.response[:ERROR_LIMIT],
        error=error.message[:ERROR_LIMIT],
    )


_ATTEMPT_COLUMNS = (
    "delivery_id",
    "connector_id",
    "number",
    "started_at",
    "duration_ms",
    "outcome",
    "status_code",
    "request",
    "response",
    "error",
)


def save_attempts(rows: list[DeliveryAttempt]) -> None:
    """Store a batch's attempt rows. On PostgreSQL with `COPY`: the attempts are the
    outbox's biggest write, and an INSERT of a hundred rows spends more worker CPU quoting
    its parameters than sending the deliveries did; COPY streams them instead."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        DeliveryAttempt.objects.bulk_create(rows)
        return
    quote = connection.ops.quote_name
    statement = (
        f"COPY {quote(DeliveryAttempt._meta.db_table)} "
        f"({', '.join(quote(column) for column in _ATTEMPT_COLUMNS)}) FROM STDIN"
    )
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(
                (
                    row.delivery_id,
                    row.connector_id,
                    row.number,
                    row.started_at,
                    row.duration_ms,
                    row.outcome,
                    row.status_code,
                    json.dumps(row.request),
                    row.response,
                    row.error,
                )
            )


def block_followers(*, delivery: Delivery, now: datetime) -> int:
    """Mark the later deliveries of a dead delivery's document as blocked (visible why)."""
    return Delivery.objects.filter(
        connector_id=delivery.connector_id,
        aggregate_key=delivery.aggregate_key,
        sequence__gt=delivery.sequence,
        status__in=Delivery.DUE_STATUSES,
    ).update(status=Status.BLOCKED, updated_at=now)


def _record_failure(connector: Connector, outcome: _Outcome, owner: str, now: datetime) -> None:
    delivery, error = outcome.delivery, outcome.error
    if error is None:
        raise ValueError("Only a failed outcome (one with an error) is recorded as a failure.")
    too_old = now - delivery.created_at > timedelta(seconds=connector.max_age_seconds)
    exhausted = delivery.attempts >= connector.max_attempts
    common = {
        "lease_owner": "",
        "lease_expires_at": None,
        "last_error": error.message[:ERROR_LIMIT],
        "last_status_code": error.status_code,
        "updated_at": now,
    }
    mine = Delivery.objects.filter(pk=delivery.pk, lease_owner=owner, status=Status.IN_FLIGHT)
    if error.permanent or exhausted or too_old:
        if not error.permanent:
            reason = "attempts exhausted" if exhausted else "maximum age reached"
            common["last_error"] = f"{error.message} ({reason})"[:ERROR_LIMIT]
        with transaction.atomic():
            if mine.update(status=Status.DEAD, **common):
                metrics.dead_lettered(connector=connector.name)
                block_followers(delivery=delivery, now=now)
        return
    delay = backoff_seconds(connector, delivery.attempts, error.retry_after)
    mine.update(
        status=Status.RETRY_SCHEDULED, next_attempt_at=now + timedelta(seconds=delay), **common
    )


def _record_successes(outcomes: list[_Outcome], owner: str, now: datetime) -> None:
    by_code: dict[int | None, list[int]] = {}
    for outcome in outcomes:
        code = outcome.result.status_code if outcome.result is not None else None
        by_code.setdefault(code, []).append(outcome.delivery.pk)
    for code, ids in by_code.items():
        Delivery.objects.filter(id__in=ids, lease_owner=owner, status=Status.IN_FLIGHT).update(
            status=Status.DELIVERED,
            delivered_at=now,
            lease_owner="",
            lease_expires_at=None,
            last_error="",
            last_status_code=code,
            updated_at=now,
        )


def _release(deliveries: list[Delivery], owner: str, until: datetime, now: datetime) -> int:
    """Give claimed-but-unsent deliveries back without spending their attempt."""
    return Delivery.objects.filter(
        id__in=[d.pk for d in deliveries], lease_owner=owner, status=Status.IN_FLIGHT
    ).update(
        status=Status.RETRY_SCHEDULED,
        next_attempt_at=until,
        attempts=F("attempts") - 1,
        lease_owner="",
        lease_expires_at=None,
        updated_at=now,
    )


# --- circuit breaker --------------------------------------------------------------------


def breaker_for(connector: Connector) -> CircuitBreaker:
    breaker, _ = CircuitBreaker.objects.get_or_create(connector=connector)
    return breaker


def _breaker_gate(connector: Connector, now: datetime) -> tuple[bool, bool, int]:
    """(may send, is the half-open probe, consecutive failures so far). While open, due
    deliveries move to the reopen time without spending an attempt; after the cooldown
    exactly one worker wins the probe."""
    breaker = breaker_for(connector)
    if breaker.state == State.CLOSED:
        return True, False, breaker.consecutive_failures
    if breaker.state == State.OPEN and breaker.reopen_at and breaker.reopen_at > now:
        Delivery.objects.filter(
            connector_id=connector.pk,
            status__in=Delivery.DUE_STATUSES,
            next_attempt_at__lt=breaker.reopen_at,
        ).update(status=Status.RETRY_SCHEDULED, next_attempt_at=breaker.reopen_at, updated_at=now)
        return False, False, breaker.consecutive_failures
    # Open and cooled down, or half-open with an expired probe (its worker died): one
    # compare-and-set decides which worker probes.
    probe_until = now + timedelta(seconds=connector.lease_seconds)
    won = (
        CircuitBreaker.objects.filter(connector_id=connector.pk)
        .filter(
            Q(state=State.OPEN, reopen_at__lte=now) | Q(state=State.HALF_OPEN, probe_until__lte=now)
        )
        .update(state=State.HALF_OPEN, probe_until=probe_until)
    )
    return bool(won), bool(won), breaker.consecutive_failures


def _breaker_after_batch(
    connector: Connector, *, had_success: bool, trailing_failures: int, probing: bool, now: datetime
) -> bool:
    """Update the shared breaker; True when this batch opened it."""
    breaker = CircuitBreaker.objects.filter(connector_id=connector.pk)
    if trailing_failures == 0:
        if had_success and probing:
            breaker.update(
                state=State.CLOSED, consecutive_failures=0, last_success_at=now, probe_until=None
            )
        elif had_success:
            breaker.update(consecutive_failures=0, last_success_at=now)
        elif probing:
            # The probe ended in a permanent rejection: the endpoint answers, so close.
            breaker.update(state=State.CLOSED, consecutive_failures=0, probe_until=None)
        return False
    reopen_at = now + timedelta(seconds=connector.breaker_cooldown_seconds)
    if probing:
        breaker.update(
            state=State.OPEN,
            reopen_at=reopen_at,
            opened_at=now,
            probe_until=None,
            last_failure_at=now,
            times_opened=F("times_opened") + 1,
            consecutive_failures=F("consecutive_failures") + trailing_failures,
        )
        return True
    with transaction.atomic():
        if had_success:
            breaker.update(
                consecutive_failures=trailing_failures, last_success_at=now, last_failure_at=now
            )
        else:
            breaker.update(
                consecutive_failures=F("consecutive_failures") + trailing_failures,
                last_failure_at=now,
            )
        opened = breaker.filter(
            state=State.CLOSED, consecutive_failures__gte=connector.breaker_threshold
        ).update(
            state=State.OPEN, reopen_at=reopen_at, opened_at=now, times_opened=F("times_opened") + 1
        )
    return bool(opened)


# --- dispatch ---------------------------------------------------------------------------


def envelope_body(envelope: dict[str, Any]) -> bytes:
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()


def dispatch_batch(connector: Connector, *, owner: str | None = None) -> BatchReport:
    """Claim one batch for the connector, send it, record every outcome."""
    report = BatchReport()
    if not connector.enabled or connector.paused:
        return report
    now = timezone.now()
    may_send, probing, streak_before = _breaker_gate(connector, now)
    if not may_send:
        return report
    owner = owner or lease_owner_token()
    batch = claim(
        connector=connector, owner=owner, limit=1 if probing else connector.batch_size, now=now
    )
    report.claimed = len(batch)
    if not batch:
        if probing:  # nothing to probe with: the breaker may close
            CircuitBreaker.objects.filter(connector_id=connector.pk).update(
                state=State.CLOSED, consecutive_failures=0, probe_until=None
            )
        return report
    impl = connector_for(connector)
    outcomes: list[_Outcome] = []
    stopped_at = None
    trailing = 0
    had_success = False
    for index, delivery in enumerate(batch):
        envelope = delivery.event.envelope()
        started = timezone.now()
        clock = time.perf_counter()
        outcome = _Outcome(delivery=delivery, started_at=started, duration_ms=0)
        try:
            with bound_correlation_id(delivery.event.correlation_id):
                outcome.result = impl.send(envelope, envelope_body(envelope))
        except ConnectorError as error:
            outcome.error = error
        outcome.duration_ms = int((time.perf_counter() - clock) * 1000)
        outcomes.append(outcome)
        metrics.attempt_recorded(connector.name, delivery, _attempt_row(outcome))
        if outcome.error is None:
            had_success, trailing = True, 0
        elif not outcome.error.permanent:
            trailing += 1
            streak = trailing if had_success else streak_before + trailing
            if probing or streak >= connector.breaker_threshold:
                # The receiver is down: stop hammering it; the rest go back unspent.
                stopped_at = timezone.now()
                report.released = _release(
                    batch[index + 1 :],
                    owner,
                    stopped_at + timedelta(seconds=connector.breaker_cooldown_seconds),
                    stopped_at,
                )
                break
    now = stopped_at or timezone.now()
    successes = [o for o in outcomes if o.error is None]
    # One transaction (one commit) for the whole batch's write-back: the attempts, the
    # compare-and-set of every outcome and the breaker. Each statement covers the batch.
    with transaction.atomic():
        save_attempts([_attempt_row(o) for o in outcomes])
        if successes:
            _record_successes(successes, owner, now)
        for outcome in outcomes:
            if outcome.error is not None:
                _record_failure(connector, outcome, owner, now)
        _breaker_after_batch(
            connector,
            had_success=had_success,
            trailing_failures=trailing,
            probing=probing,
            now=now,
        )
    report.delivered = len(successes)
    report.failed = len(outcomes) - len(successes)
    report.outcomes = outcomes
    return report


def drain_connector(
    connector_id: int, *, time_budget: float = 10.0, max_batches: int = 10_000
) -> int:
    """Send what is due for one connector until nothing is, or the time budget is spent.
    Returns the number delivered."""
    deadline = time.monotonic() + time_budget
    delivered = 0
    owner = lease_owner_token()
    for _ in range(max_batches):
        connector = Connector.objects.filter(pk=connector_id).first()
        if connector is None:
            return delivered
        report = dispatch_batch(connector, owner=owner)
        delivered += report.delivered
        # Stop when nothing was due or the breaker just opened; a failure of one document
        # does not stop the others.
        if report.claimed == 0 or report.released or time.monotonic() > deadline:
            break
    return delivered


def deliver_one(delivery_id: int, *, time_budget: float = 10.0) -> int:
    """The per-delivery task's body: a no-op when the delivery is no longer due (another
    worker or the sweeper got there first), else drain its connector."""
    row = (
        Delivery.objects.filter(pk=delivery_id, status__in=Delivery.DUE_STATUSES)
        .values_list("connector_id", flat=True)
        .first()
    )
    if row is None:
        return 0
    return drain_connector(row, time_budget=time_budget)


# --- sweeper ----------------------------------------------------------------------------


def reclaim_expired_leases(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Deliveries whose worker died or hung past the lease: record the lost attempt and
    make them due again (or dead, when that was the last attempt allowed)."""
    now = now or timezone.now()
    with transaction.atomic():
        expired = list(
            Delivery.objects.filter(status=Status.IN_FLIGHT, lease_expires_at__lt=now)
            .select_related("connector")
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("id")[:limit]
        )
        attempts = []
        for delivery in expired:
            # Never None here (the filter above), but the column is nullable.
            lease_expired_at = delivery.lease_expires_at or now
            attempts.append(
                DeliveryAttempt(
                    delivery_id=delivery.pk,
                    connector_id=delivery.connector_id,
                    number=delivery.attempts,
                    started_at=lease_expired_at
                    - timedelta(seconds=delivery.connector.lease_seconds),
                    outcome=DeliveryAttempt.Outcome.LOST,
                    error=f"Worker {delivery.lease_owner} did not finish before its lease expired.",
                )
            )
            exhausted = delivery.attempts >= delivery.connector.max_attempts
            Delivery.objects.filter(pk=delivery.pk).update(
                status=Status.DEAD if exhausted else Status.RETRY_SCHEDULED,
                next_attempt_at=now,
                lease_owner="",
                lease_expires_at=None,
                last_error="Worker lost (lease expired)"
                + (" — attempts exhausted" if exhausted else ""),
                updated_at=now,
            )
            if exhausted:
                block_followers(delivery=delivery, now=now)
        DeliveryAttempt.objects.bulk_create(attempts)
        metrics.leases_reclaimed((d.connector, d.attempts) for d in expired)
    return len(expired)


def block_behind_dead(*, now: datetime | None = None) -> int:
    """A delivery published while its document's head was dying is held back by the claim
    query anyway; this only makes its state say so."""
    now = now or timezone.now()
    dead_before = Delivery.objects.filter(
        connector_id=OuterRef("connector_id"),
        aggregate_key=OuterRef("aggregate_key"),
        sequence__lt=OuterRef("sequence"),
        status=Status.DEAD,
    )
    return (
        Delivery.objects.filter(status__in=Delivery.DUE_STATUSES)
        .filter(Exists(dead_before))
        .update(status=Status.BLOCKED, updated_at=now)
    )


def due_by_connector(*, now: datetime | None = None) -> dict[int, int]:
    """Due delivery counts of every active connector."""
    now = now or timezone.now()
    rows = (
        Delivery.objects.filter(
            status__in=Delivery.DUE_STATUSES,
            next_attempt_at__lte=now,
            connector__enabled=True,
            connector__paused=False,
        )
        .values("connector_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["connector_id"]: row["n"] for row in rows}
