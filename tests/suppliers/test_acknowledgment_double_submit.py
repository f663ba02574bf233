"""A double click or a second tab produces one acknowledgment, not two: the service locks
the PO row and checks its status inside the transaction, and a partial unique constraint
on (purchase_order, revision) is the database's backstop."""

import datetime
import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from integrations.errors import DomainError
from integrations.models import Event
from suppliers import services
from suppliers.models import Acknowledgment
from tests.suppliers.factories import purchase_order_awaiting_acknowledgment


def _race(target, count: int) -> list:
    """Run `target` in `count` threads, each with its own database connection, released
    together by a barrier; return what each returned or raised."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        from django.db import connection as thread_connection

        try:
            barrier.wait(timeout=10)
            results[index] = target()
        except DomainError as error:
            results[index] = error
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_accepts_produce_exactly_one_acknowledgment(supplier, supplier_user):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite has no row locks and serialises writers anyway")
    po = purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-RACE")

    results = _race(
        lambda: services.purchase_order_accept(actor=supplier_user, purchase_order=po, revision=1),
        count=2,
    )

    accepted = [r for r in results if isinstance(r, Acknowledgment)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert (len(accepted), len(refused)) == (1, 1)
    assert refused[0].code == "already_acknowledged"
    assert Acknowledgment.objects.filter(purchase_order=po).count() == 1
    assert Event.objects.filter(aggregate_id="PO-RACE").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_accept_racing_a_proposal_leaves_exactly_one_of_them(supplier, supplier_user, teammate):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite has no row locks and serialises writers anyway")
    po = purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-RACE2")
    change = services.LineProposalInput(
        line_no=1,
        action="change",
        date=timezone.localdate() + datetime.timedelta(days=30),
        reason_code="lead_time",
    )
    calls = iter(
        [
            lambda: services.purchase_order_accept(
                actor=supplier_user, purchase_order=po, revision=1
            ),
            lambda: services.purchase_order_propose_changes(
                actor=teammate, purchase_order=po, revision=1, lines=[change]
            ),
        ]
    )
    lock = threading.Lock()

    def next_call():
        with lock:
            call = next(calls)
        return call()

    results = _race(next_call, count=2)

    assert sum(isinstance(r, Acknowledgment) for r in results) == 1
    assert sum(isinstance(r, DomainError) for r in results) == 1
    assert Acknowledgment.objects.filter(purchase_order=po).count() == 1


@pytest.mark.django_db
def test_the_database_refuses_a_second_live_acknowledgment_of_one_revision(supplier, supplier_user):
    po = purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-UNIQ")
    services.purchase_order_accept(actor=supplier_user, purchase_order=po, revision=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        Acknowledgment.objects.create(
            purchase_order=po,
            revision=1,
            kind="accept",
            status="recorded",
            submitted_at=timezone.now(),
        )


@pytest.mark.django_db
def test_proposals_the_buyer_rejected_do_not_block_a_new_answer(supplier):
    po = purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-UNIQ2")
    for _ in range(2):
        Acknowledgment.objects.create(
            purchase_order=po,
            revision=1,
            kind="change",
            status="rejected",
            submitted_at=timezone.now(),
        )

    Acknowledgment.objects.create(
        purchase_order=po, revision=1, kind="accept", status="recorded", submitted_at=timezone.now()
    )

    assert Acknowledgment.objects.filter(purchase_order=po).count() == 3
