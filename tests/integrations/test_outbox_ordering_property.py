"""Hypothesis state machine: under any interleaving of receiver failures (transient and
permanent, per document or total), dispatches, time passing and replays, the receiver
accepts each document's events in sequence order, and once it is healthy and the dead
letters are replayed it has every event exactly once.

It drives the real dispatcher in-process against the real local HTTP sink; it runs on
SQLite and PostgreSQL alike.
"""

import datetime
import uuid

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from integrations.models import CircuitBreaker, Delivery
from integrations.services import delivery_replay, dispatch
from tests.integrations.factories import ConnectorFactory
from tests.integrations.helpers import publish_po_event

pytestmark = pytest.mark.django_db

DOCUMENTS = st.integers(min_value=0, max_value=2)


def test_documents_are_received_in_sequence_order_under_any_failures(sink, operator, monkeypatch):
    monkeypatch.setenv("TEST_SINK_SECRET", "s3cret")

    class Ordering(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            run = uuid.uuid4().hex[:8]
            self.connector = ConnectorFactory(
                name=f"prop-{run}",
                config={"url": sink.url, "secret_env": "TEST_SINK_SECRET"},
                event_types=["purchase_order.*"],
                breaker_threshold=3,
                batch_size=4,
                max_attempts=3,
                # Retries become due only when the `time_passes` rule says so.
                backoff_base_seconds=60,
                backoff_cap_seconds=600,
            )
            self.prefix = f"P{run}-"
            self.expected: dict[str, list[int]] = {}
            sink.heal()

        def doc(self, n: int) -> str:
            return f"{self.prefix}{n}"

        def received(self) -> dict[str, list[int]]:
            return {
                doc: seqs
                for doc, seqs in sink.sequences_by_document().items()
                if doc.startswith(self.prefix)
            }

        @rule(n=DOCUMENTS)
        def publish(self, n):
            event = publish_po_event(self.doc(n))
            self.expected.setdefault(self.doc(n), []).append(event.sequence)

        @rule(n=DOCUMENTS, status=st.sampled_from([400, 409, 500]))
        def receiver_rejects_document(self, n, status):
            sink.fail_documents[self.doc(n)] = status

        @rule(status=st.sampled_from([None, 503]))
        def receiver_goes_down_or_up(self, status):
            sink.fail_status = status

        @rule()
        def receiver_heals(self):
            sink.heal()

        @rule()
        def dispatch(self):
            dispatch.dispatch_batch(self.connector)

        @rule(n=DOCUMENTS, status=st.sampled_from([400, 500]))
        def a_dispatch_fails_for_one_document(self, n, status):
            sink.fail_documents[self.doc(n)] = status
            dispatch.dispatch_batch(self.connector)
            sink.fail_documents.pop(self.doc(n))

        @rule()
        def time_passes(self):
            past = timezone.now() - datetime.timedelta(seconds=1)
            Delivery.objects.filter(connector=self.connector, status="retry_scheduled").update(
                next_attempt_at=past
            )
            CircuitBreaker.objects.filter(connector=self.connector, state="open").update(
                reopen_at=past
            )

        @rule()
        def operator_replays_dead_letters(self):
            for delivery in Delivery.objects.filter(connector=self.connector, status="dead"):
                delivery_replay(actor=operator, delivery=delivery)

        @invariant()
        def each_document_is_received_as_a_prefix_of_its_sequence(self):
            for doc, seqs in self.received().items():
                assert seqs == self.expected[doc][: len(seqs)], (doc, seqs)

        def teardown(self):
            sink.heal()
            for _ in range(40):
                self.operator_replays_dead_letters()
                self.time_passes()
                dispatch.drain_connector(self.connector.pk)
                if (
                    not Delivery.objects.filter(connector=self.connector)
                    .exclude(status="delivered")
                    .exists()
                ):
                    break
            assert self.received() == self.expected
            counts = sink.key_counts()
            assert all(counts[key] == 1 for key in counts)

    run_state_machine_as_test(
        Ordering,
        settings=settings(
            max_examples=40,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
