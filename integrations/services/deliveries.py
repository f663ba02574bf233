"""Operator actions on deliveries and connectors: replay, skip, bulk replay, pause, resume.

Each is audited. A replay keeps the original event (and so its id, the idempotency key
the receiver dedupes by); it only makes the same delivery due again.
"""

import datetime
from typing import Any

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from integrations import metrics
from integrations.errors import DomainError
from integrations.models import AuditEntry, Channel, Connector, Delivery
from integrations.services.events import audit_record, enqueue_deliveries
from portal.access import Actor, actor_user

Status = Delivery.Status


def _unblock_followers(*, delivery: Delivery, now: datetime.datetime) -> int:
    """Release the deliveries its dead head held back, up to the next dead one."""
    later_dead = (
        Delivery.objects.filter(
            connector_id=delivery.connector_id,
            aggregate_key=delivery.aggregate_key,
            sequence__gt=delivery.sequence,
            status=Status.DEAD,
        )
        .order_by("sequence")
        .values_list("sequence", flat=True)
        .first()
    )
    followers = Delivery.objects.filter(
        connector_id=delivery.connector_id,
        aggregate_key=delivery.aggregate_key,
        sequence__gt=delivery.sequence,
        status=Status.BLOCKED,
    )
    if later_dead is not None:
        followers = followers.filter(sequence__lt=later_dead)
    return followers.update(status=Status.PENDING, next_attempt_at=now, updated_at=now)


def _enqueue_after_commit(delivery_ids: list[int]) -> None:
    if delivery_ids:
        transaction.on_commit(lambda: enqueue_deliveries(delivery_ids), robust=True)


def _locked(delivery_id: int) -> Delivery:
    delivery = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
    if delivery is None:
        raise DomainError(gettext("This delivery no longer exists."))
    return delivery


@transaction.atomic
def delivery_replay(*, actor: Actor, delivery: Delivery, channel: str = Channel.PORTAL) -> Delivery:
    """Make a dead delivery due again with a fresh attempt budget; the same event (same
    id) is sent, and the deliveries it held back follow it in order."""
    delivery = _locked(delivery.pk)
    if not delivery.can_replay:
        state = delivery.get_status_display().lower()
        raise DomainError(
            gettext("Only dead deliveries can be replayed; this one is %(state)s.")
            % {"state": state}
        )
    now = timezone.now()
    before = {
        "status": delivery.status,
        "attempts": delivery.attempts,
        "error": delivery.last_error,
    }
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Status.PENDING,
        attempts=0,
        next_attempt_at=now,
        replay_count=delivery.replay_count + 1,
        updated_at=now,
    )
    released = _unblock_followers(delivery=delivery, now=now)
    delivery.refresh_from_db()
    audit_record(
        actor=actor,
        channel=channel,
        obj=delivery,
        action="replayed",
        before=before,
        after={"status": delivery.status, "released_followers": released},
    )
    metrics.replayed(connector=delivery.connector.name)
    _enqueue_after_commit([delivery.pk])
    return delivery


@transaction.atomic
def delivery_skip(
    *, actor: Actor, delivery: Delivery, reason: str, channel: str = Channel.PORTAL
) -> Delivery:
    """Give up on a dead or blocked delivery on purpose (the receiver got it another way,
    or it no longer matters); later deliveries of the document go ahead."""
    reason = reason.strip()
    if not reason:
        raise DomainError(gettext("Say why this delivery is skipped."), field="reason")
    delivery = _locked(delivery.pk)
    if not delivery.can_skip:
        raise DomainError(
            gettext("Only dead or blocked deliveries can be skipped; this one is %(state)s.")
            % {"state": delivery.get_status_display().lower()}
        )
    now = timezone.now()
    before = {"status": delivery.status, "error": delivery.last_error}
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Status.SKIPPED, skip_reason=reason[:200], updated_at=now
    )
    released = 0
    if not Delivery.objects.filter(
        connector_id=delivery.connector_id,
        aggregate_key=delivery.aggregate_key,
        sequence__lt=delivery.sequence,
        status=Status.DEAD,
    ).exists():
        released = _unblock_followers(delivery=delivery, now=now)
    delivery.refresh_from_db()
    audit_record(
        actor=actor,
        channel=channel,
        obj=delivery,
        action="skipped",
        before=before,
        after={"status": delivery.status, "reason": reason, "released_followers": released},
    )
    if released:
        _enqueue_after_commit([delivery.pk])
    return delivery


def dead_letters_filter(
    *,
    connector_id: int | None = None,
    event_type: str = "",
    document: str = "",
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
) -> QuerySet[Delivery]:
    """The dead deliveries a bulk replay would touch (also the dry-run count)."""
    queryset = Delivery.objects.filter(status=Status.DEAD)
    if connector_id:
        queryset = queryset.filter(connector_id=connector_id)
    if event_type:
        queryset = queryset.filter(event__type=event_type)
    if document:
        queryset = queryset.filter(Q(event__aggregate_id=document) | Q(aggregate_key=document))
    if since:
        queryset = queryset.filter(created_at__gte=since)
    if until:
        queryset = queryset.filter(created_at__lt=until)
    return queryset


@transaction.atomic
def dead_letters_replay(
    *, actor: Actor, expected_count: int, channel: str = Channel.PORTAL, **filters: Any
) -> int:
    """Replay every dead delivery matching the filters, after the operator confirmed the
    dry-run count: if the filter now matches a different number, nothing is replayed."""
    queryset = dead_letters_filter(**filters).select_for_update(of=("self",))
    deliveries = list(queryset.order_by("connector_id", "aggregate_key", "sequence"))
    if len(deliveries) != expected_count:
        raise DomainError(
            gettext(
                "The filter now matches %(count)s dead deliveries, not %(expected)s: "
                "review the list and confirm again."
            )
            % {"count": len(deliveries), "expected": expected_count},
            field="expected_count",
        )
    now = timezone.now()
    Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(
        status=Status.PENDING,
        attempts=0,
        next_attempt_at=now,
        replay_count=F("replay_count") + 1,
        updated_at=now,
    )
    for delivery in deliveries:
        # Followers are released per document; a later dead delivery replayed in the same
        # call is already pending, so nothing stays blocked behind it.
        _unblock_followers(delivery=delivery, now=now)
    label = str(actor) if actor is not None else "system"
    user = actor_user(actor)
    AuditEntry.objects.bulk_create(
        AuditEntry(
            occurred_at=now,
            actor=user,
            actor_label=label,
            channel=Channel(channel),
            object_type=Delivery._meta.label_lower,
            object_id=str(delivery.pk),
            object_repr=str(delivery)[:200],
            action="replayed",
            before={"status": Status.DEAD, "error": delivery.last_error},
            after={"status": Status.PENDING, "bulk": {k: str(v) for k, v in filters.items() if v}},
        )
        for delivery in deliveries
    )
    # Each task drains its whole connector: one per connector is enough to start.
    first_per_connector = {d.connector_id: d.pk for d in reversed(deliveries)}
    _enqueue_after_commit(list(first_per_connector.values()))
    names = dict(Connector.objects.filter(pk__in=first_per_connector).values_list("pk", "name"))
    metrics.replayed_many(names[d.connector_id] for d in deliveries)
    return len(deliveries)


@transaction.atomic
def connector_pause(
    *, actor: Actor, connector: Connector, reason: str, channel: str = Channel.PORTAL
) -> Connector:
    """Stop sending to a connector; deliveries keep queueing and go out on resume."""
    reason = reason.strip()
    if not reason:
        raise DomainError(gettext("Say why the connector is paused."), field="reason")
    connector = Connector.objects.select_for_update().get(pk=connector.pk)
    if connector.paused:
        raise DomainError(
            gettext("%(connector)s is already paused.") % {"connector": connector.name}
        )
    Connector.objects.filter(pk=connector.pk).update(paused=True, paused_reason=reason[:200])
    connector.refresh_from_db()
    audit_record(
        actor=actor,
        channel=channel,
        obj=connector,
        action="paused",
        before={"paused": False},
        after={"paused": True, "reason": reason},
    )
    return connector


@transaction.atomic
def connector_resume(
    *, actor: Actor, connector: Connector, channel: str = Channel.PORTAL
) -> Connector:
    """Resume sending; what queued meanwhile goes out in order."""
    connector = Connector.objects.select_for_update().get(pk=connector.pk)
    if not connector.paused:
        raise DomainError(gettext("%(connector)s is not paused.") % {"connector": connector.name})
    before = {"paused": True, "reason": connector.paused_reason}
    Connector.objects.filter(pk=connector.pk).update(paused=False, paused_reason="")
    connector.refresh_from_db()
    audit_record(
        actor=actor, channel=channel, obj=connector, action="resumed", before=before, after={}
    )
    first_due = (
        Delivery.objects.filter(connector=connector, status__in=Delivery.DUE_STATUSES)
        .values_list("pk", flat=True)
        .first()
    )
    if first_due is not None:
        transaction.on_commit(lambda: enqueue_deliveries([first_due]), robust=True)
    return connector
