"""Inbound dedupe (DESIGN §5): a message identified by (source, external id) is processed
once. Record it in the same transaction as its processing, so that a failed processing
rolls the record back too and the message can be processed again."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.models import InboundMessage


def inbound_seen_or_record(*, source: str, external_id: str, note: str = "") -> bool:
    """True when (source, external_id) was already processed; otherwise record it and
    return False. Call it inside the transaction that processes the message. Concurrent
    callers with the same id serialise on the unique index: the second one waits for the
    first to commit and then sees it."""
    if not source or not external_id:
        raise ValueError("Inbound dedupe needs both a source and an external id.")
    try:
        with transaction.atomic():
            InboundMessage.objects.create(
                source=source,
                external_id=external_id[:200],
                received_at=timezone.now(),
                note=note[:200],
            )
    except IntegrityError:
        return True
    return False


@contextmanager
def inbound_message(*, source: str, external_id: str, note: str = "") -> Iterator[bool]:
    """`with inbound_message(source="tryton", external_id=msg_id) as first_time:` — the
    block runs in one transaction with the record; `first_time` is False for a repeat,
    which the caller turns into a no-op. An exception in the block forgets the message."""
    with transaction.atomic():
        yield not inbound_seen_or_record(source=source, external_id=external_id, note=note)
