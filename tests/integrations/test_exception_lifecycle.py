"""The life of an exception case: its table of moves, the single-case actions that make
them, and the set-based door (reconciliation) that makes the same moves in SQL."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from integrations.errors import DomainError
from integrations.models import AuditEntry, Event, ExceptionCase
from integrations.services import (
    EXCEPTION_CASE,
    Subject,
    exception_acknowledge,
    exception_open_or_update,
    exception_resolve,
    exceptions_sync_bulk,
)
from integrations.services.lifecycle import CREATED, TransitionNotAllowed
from integrations.services.lifecycle_sql import created_move, sql_move

pytestmark = pytest.mark.django_db

Status = ExceptionCase.Status
SUBJECT = Subject.document(document_type="asn", document_ref="ACME:ASN-9", supplier_code="ACME")


def candidates(*skus: str) -> str:
    """Quantity mismatches at DC1 for these SKUs, as the bulk sync reads them."""
    rows = [
        f"SELECT 'quantity_mismatch' AS exception_class, '{sku}@DC1' AS subject_key, "
        f"'{sku}' AS sku, 'DC1' AS warehouse_code, '{sku} at DC1' AS title, "
        "10 AS expected_qty, 8 AS actual_qty, -2 AS delta, 'EA' AS uom_code, '{}' AS detail"
        for sku in skus
    ]
    if not rows:  # no difference left: the same columns, no row
        return candidates("NONE").replace("AS detail", "AS detail WHERE 1 = 0")
    return " UNION ALL ".join(rows)


def sync(*skus: str, now: datetime.datetime | None = None):
    return exceptions_sync_bulk(
        actor=None,
        candidates_sql=candidates(*skus),
        scope_classes=["quantity_mismatch"],
        scope_warehouses=["DC1"],
        reference="run-1",
        now=now,
    )


def audit(action: str) -> list[tuple[str, dict, dict]]:
    return list(
        AuditEntry.objects.filter(object_type="integrations.exceptioncase", action=action)
        .order_by("object_id")
        .values_list("object_id", "before", "after")
    )


def statuses() -> dict[str, str]:
    return dict(ExceptionCase.objects.values_list("subject_key", "status"))


def test_the_exception_case_table_holds_exactly_the_moves_of_the_inbox():
    assert {(m.source, m.target, m.action, m.event) for m in EXCEPTION_CASE.moves} == {
        (CREATED, "open", "opened", "exception.opened"),
        ("open", "acknowledged", "acknowledged", ""),
        ("open", "resolved", "resolved", "exception.resolved"),
        ("acknowledged", "resolved", "resolved", "exception.resolved"),
        ("open", "auto_resolved", "auto_resolved", "exception.resolved"),
        ("acknowledged", "auto_resolved", "auto_resolved", "exception.resolved"),
    }


def test_the_exception_case_table_refuses_every_move_it_does_not_hold():
    refused = []
    for source in EXCEPTION_CASE.states:
        for target in EXCEPTION_CASE.states:
            if EXCEPTION_CASE.find(source, target) is not None:
                continue
            case = ExceptionCase(status=source)
            with pytest.raises(TransitionNotAllowed):
                EXCEPTION_CASE.move(case, to=target, actor=None, channel="system")
            refused.append((source, target))

    assert ("resolved", "open") in refused  # a closed case is never reopened
    assert ("acknowledged", "open") in refused
    assert len(refused) == 4 * 4 - 5  # every pair of states but the five moves between them
    assert ExceptionCase.objects.count() == 0


def test_a_case_cannot_be_created_in_a_closed_state():
    with pytest.raises(TransitionNotAllowed):
        created_move(EXCEPTION_CASE, Status.RESOLVED)


def test_a_resolved_case_refuses_auto_resolution_and_nothing_is_written(operator):
    case, _ = exception_open_or_update(
        actor=None, exception_class="late_asn", subject=SUBJECT, title="late"
    )
    exception_resolve(actor=operator, case=case, reason="Delivered after all.")
    case.refresh_from_db()
    entries, events = AuditEntry.objects.count(), Event.objects.count()

    with pytest.raises(TransitionNotAllowed, match="is resolved and cannot become auto-resolved"):
        EXCEPTION_CASE.move(case, to=Status.AUTO_RESOLVED, actor=None, channel="system", data={})

    case.refresh_from_db()
    assert (case.status, case.resolution_reason) == ("resolved", "Delivered after all.")
    assert (AuditEntry.objects.count(), Event.objects.count()) == (entries, events)


def test_acknowledging_twice_is_refused_with_a_message_that_says_why(operator):
    case, _ = exception_open_or_update(
        actor=None, exception_class="late_asn", subject=SUBJECT, title="late"
    )
    exception_acknowledge(actor=operator, case=case)

    with pytest.raises(DomainError) as error:
        exception_acknowledge(actor=operator, case=case)

    assert error.value.message == f"Exception #{case.pk} is acknowledged."


def test_resolving_by_hand_audits_both_states_and_publishes_the_closed_case(operator):
    case, _ = exception_open_or_update(
        actor=None, exception_class="late_asn", subject=SUBJECT, title="late"
    )
    exception_acknowledge(actor=operator, case=case)

    exception_resolve(actor=operator, case=case, reason="  Delivered after all. ")

    assert audit("resolved") == [
        (
            str(case.pk),
            {"status": "acknowledged"},
            {"status": "resolved", "reason": "Delivered after all."},
        )
    ]
    event = Event.objects.get(type="exception.resolved")
    assert (event.aggregate_type, event.aggregate_id) == ("exception", str(case.pk))
    assert (event.data["status"], event.data["id"]) == ("resolved", case.pk)


def test_a_bulk_auto_resolve_writes_one_audit_entry_per_case_from_its_own_state(operator):
    sync("A", "B", "C")
    exception_acknowledge(actor=operator, case=ExceptionCase.objects.get(subject_key="B@DC1"))

    result = sync()

    assert (result.opened, result.updated, result.auto_resolved) == (0, 0, 3)
    assert statuses() == {
        "A@DC1": "auto_resolved",
        "B@DC1": "auto_resolved",
        "C@DC1": "auto_resolved",
    }
    ids = dict(ExceptionCase.objects.values_list("id", "subject_key"))
    entries = audit("auto_resolved")
    assert sorted(
        (ids[int(object_id)], before, after["status"], after["subject"], Decimal(after["delta"]))
        for object_id, before, after in entries
    ) == [
        ("A@DC1", {"status": "open"}, "auto_resolved", "A@DC1", Decimal(-2)),
        ("B@DC1", {"status": "acknowledged"}, "auto_resolved", "B@DC1", Decimal(-2)),
        ("C@DC1", {"status": "open"}, "auto_resolved", "C@DC1", Decimal(-2)),
    ]
    assert {
        (case.resolved_at is not None, case.resolution_reason)
        for case in ExceptionCase.objects.all()
    } == {(True, "The difference is gone (run-1).")}


def test_a_bulk_auto_resolve_publishes_one_resolved_event_per_class_listing_the_cases():
    sync("A", "B")

    sync()

    event = Event.objects.get(type="exception.resolved")
    assert (event.aggregate_type, event.aggregate_id) == (
        "exception_batch",
        "run-1:quantity_mismatch",
    )
    assert (event.data["count"], sorted(event.data["case_ids"])) == (
        2,
        sorted(ExceptionCase.objects.values_list("id", flat=True)),
    )


def test_running_the_bulk_sync_again_on_the_same_differences_changes_no_state():
    sync("A")
    sync()
    entries, events = AuditEntry.objects.count(), Event.objects.count()

    again = sync()

    assert (again.opened, again.updated, again.auto_resolved) == (0, 0, 0)
    assert (AuditEntry.objects.count(), Event.objects.count()) == (entries, events)
    assert statuses() == {"A@DC1": "auto_resolved"}


def test_the_bulk_sync_leaves_a_case_resolved_by_hand_as_it_was(operator):
    sync("A")
    case = ExceptionCase.objects.get()
    exception_resolve(actor=operator, case=case, reason="Counted again.")

    result = sync()

    case.refresh_from_db()
    assert result.auto_resolved == 0
    assert (case.status, case.resolution_reason, case.resolved_by) == (
        "resolved",
        "Counted again.",
        operator,
    )
    assert audit("auto_resolved") == []


def test_the_bulk_sync_opens_cases_with_an_opened_audit_entry_each():
    result = sync("A", "B")

    assert (result.opened, result.opened_by_class) == (2, {"quantity_mismatch": 2})
    assert [
        (before, after["status"], after["subject"]) for _id, before, after in audit("opened")
    ] == [
        ({}, "open", "A@DC1"),
        ({}, "open", "B@DC1"),
    ]
    assert list(Event.objects.values_list("type", "data__count")) == [("exception.opened", 2)]


def test_a_set_based_move_the_table_does_not_hold_is_refused_before_any_sql():
    sync("A")

    with (
        pytest.raises(ValueError, match="no move to acknowledged by auto_resolved"),
        connection.cursor() as cursor,
    ):
        sql_move(
            EXCEPTION_CASE,
            cursor,
            to=Status.ACKNOWLEDGED,
            action="auto_resolved",
            where="1 = 1",
            actor=None,
            now=ExceptionCase.objects.get().last_seen_at,
        )

    assert statuses() == {"A@DC1": "open"}


def test_a_bulk_auto_resolve_bumps_updated_at_of_the_cases_it_closes_only():
    opened_at = timezone.now() - datetime.timedelta(hours=2)
    resolved_at = opened_at + datetime.timedelta(hours=1)
    exceptions_sync_bulk(
        actor=None,
        candidates_sql=candidates("A", "B"),
        scope_classes=["quantity_mismatch"],
        now=opened_at,
    )
    ExceptionCase.objects.filter(subject_key="B@DC1").update(warehouse_code="DC2")

    sync(now=resolved_at)
    sync(now=resolved_at + datetime.timedelta(hours=1))  # again: nothing left to close

    assert dict(ExceptionCase.objects.values_list("subject_key", "updated_at")) == {
        "A@DC1": resolved_at,
        "B@DC1": opened_at,
    }
    assert statuses() == {"A@DC1": "auto_resolved", "B@DC1": "open"}


def test_resolving_by_hand_bumps_updated_at(operator):
    case, _ = exception_open_or_update(
        actor=None, exception_class="late_asn", subject=SUBJECT, title="late"
    )
    opened = case.updated_at

    exception_resolve(actor=operator, case=case, reason="Delivered after all.")

    case.refresh_from_db()
    assert case.updated_at > opened
