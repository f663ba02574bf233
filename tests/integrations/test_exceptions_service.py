"""The inbox service: one open case per subject × class, policies, bulk sync."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from integrations.errors import DomainError
from integrations.models import AuditEntry, Event, ExceptionCase, ExceptionPolicy
from integrations.services import (
    Subject,
    exception_assign,
    exception_auto_resolve,
    exception_open_or_update,
    exception_resolve,
    exceptions_sync_bulk,
)

pytestmark = pytest.mark.django_db

SUBJECT = Subject.document(
    document_type="asn_line", document_ref="ACME:ASN-1:1", supplier_code="ACME"
)


def test_opening_the_same_subject_and_class_twice_updates_the_one_open_case():
    first, opened = exception_open_or_update(
        actor=None,
        exception_class="receiving_variance",
        subject=SUBJECT,
        title="short",
        delta=Decimal(-5),
    )
    second, opened_again = exception_open_or_update(
        actor=None,
        exception_class="receiving_variance",
        subject=SUBJECT,
        title="short",
        delta=Decimal(-7),
    )

    assert (opened, opened_again) == (True, False)
    assert second.pk == first.pk
    assert (second.delta, second.seen_count) == (Decimal(-7), 2)


def test_a_resolved_case_does_not_block_a_new_one_for_the_same_subject():
    case, _ = exception_open_or_update(
        actor=None, exception_class="late_asn", subject=SUBJECT, title="late"
    )
    exception_auto_resolve(
        actor=None, exception_class="late_asn", subject_key=case.subject_key, reason="delivered"
    )

    again, opened = exception_open_or_update(
        actor=None, exception_class="late_asn", subject=SUBJECT, title="late again"
    )

    assert opened is True
    assert again.pk != case.pk


def test_an_admin_policy_sets_owner_team_and_sla():
    ExceptionPolicy.objects.create(
        exception_class="late_asn", owner_team="receiving", severity="high", sla_hours=2
    )
    now = timezone.now()

    case, _ = exception_open_or_update(
        actor=None, exception_class="late_asn", subject=SUBJECT, title="late", now=now
    )

    assert (case.owner_team, case.severity, case.sla_due_at) == (
        "receiving",
        "high",
        now + datetime.timedelta(hours=2),
    )


def test_a_closed_case_cannot_be_resolved_again(operator):
    case, _ = exception_open_or_update(
        actor=None, exception_class="late_asn", subject=SUBJECT, title="late"
    )
    exception_resolve(actor=operator, case=case, reason="ok")

    with pytest.raises(DomainError, match="already resolved"):
        exception_resolve(actor=operator, case=case, reason="again")


def test_bulk_sync_opens_updates_and_resolves_only_within_its_scope():
    exceptions_sync_bulk(
        actor=None,
        candidates_sql="""
            SELECT 'quantity_mismatch' AS exception_class, 'A@DC1' AS subject_key, 'A' AS sku,
                   'DC1' AS warehouse_code, 'A at DC1' AS title, 10 AS expected_qty,
                   8 AS actual_qty, -2 AS delta, 'EA' AS uom_code, '{}' AS detail
            UNION ALL
            SELECT 'quantity_mismatch', 'B@DC2', 'B', 'DC2', 'B at DC2', 1, 2, 1, 'EA', '{}'
        """,
        scope_classes=["quantity_mismatch"],
    )

    result = exceptions_sync_bulk(
        actor=None,
        candidates_sql="""
            SELECT 'quantity_mismatch' AS exception_class, 'C@DC1' AS subject_key, 'C' AS sku,
                   'DC1' AS warehouse_code, 'C at DC1' AS title, 5 AS expected_qty,
                   4 AS actual_qty, -1 AS delta, 'EA' AS uom_code, '{}' AS detail
        """,
        scope_classes=["quantity_mismatch"],
        scope_warehouses=["DC1"],
    )

    assert (result.opened, result.updated, result.auto_resolved) == (1, 0, 1)
    assert dict(ExceptionCase.objects.values_list("subject_key", "status")) == {
        "A@DC1": "auto_resolved",
        "B@DC2": "open",
        "C@DC1": "open",
    }


def test_a_case_can_be_assigned_to_an_internal_user_or_nobody_but_not_to_a_supplier(
    operator, buyer, supplier_user
):
    case, _ = exception_open_or_update(
        actor=None, exception_class="late_asn", subject=SUBJECT, title="late"
    )
    exception_assign(actor=operator, case=case, assignee=buyer)

    with pytest.raises(DomainError) as error:
        exception_assign(actor=operator, case=case, assignee=supplier_user)

    assert (error.value.message, error.value.field) == ("Choose someone from the list.", "assignee")
    case.refresh_from_db()
    assert case.assigned_to == buyer
    exception_assign(actor=operator, case=case, assignee=None)
    case.refresh_from_db()
    assert case.assigned_to is None


def test_bulk_sync_audits_each_opened_case_once_and_announces_them_per_class():
    result = exceptions_sync_bulk(
        actor=None,
        candidates_sql="""
            SELECT 'quantity_mismatch' AS exception_class, 'A@DC1' AS subject_key, 'A' AS sku,
                   'DC1' AS warehouse_code, 'A at DC1' AS title, 10 AS expected_qty,
                   8 AS actual_qty, -2 AS delta, 'EA' AS uom_code, '{}' AS detail
            UNION ALL
            SELECT 'quantity_mismatch', 'B@DC1', 'B', 'DC1', 'B at DC1', 1, 2, 1, 'EA', '{}'
            UNION ALL
            SELECT 'missing_in_wms', 'C@DC1', 'C', 'DC1', 'C at DC1', 5, 0, -5, 'EA', '{}'
        """,
        scope_classes=["quantity_mismatch", "missing_in_wms"],
        reference="night-1",
    )

    cases = dict(ExceptionCase.objects.values_list("subject_key", "pk"))
    assert (result.opened, result.opened_by_class) == (
        3,
        {"quantity_mismatch": 2, "missing_in_wms": 1},
    )
    audited = AuditEntry.objects.filter(object_type="integrations.exceptioncase")
    # The delta as each database writes it in JSON (text on PostgreSQL, a number on SQLite).
    assert sorted(
        (object_id, action, status, Decimal(str(delta)))
        for object_id, action, status, delta in audited.values_list(
            "object_id", "action", "after__status", "after__delta"
        )
    ) == sorted(
        [
            (str(cases["A@DC1"]), "opened", "open", Decimal(-2)),
            (str(cases["B@DC1"]), "opened", "open", Decimal(1)),
            (str(cases["C@DC1"]), "opened", "open", Decimal(-5)),
        ]
    )
    announced = Event.objects.filter(type="exception.opened").order_by("aggregate_id")
    assert [(e.aggregate_id, e.data["count"], e.data["case_ids"]) for e in announced] == [
        ("night-1:missing_in_wms", 1, [cases["C@DC1"]]),
        ("night-1:quantity_mismatch", 2, sorted([cases["A@DC1"], cases["B@DC1"]])),
    ]
