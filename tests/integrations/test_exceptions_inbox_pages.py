"""The exceptions inbox pages: who may see them, constant query counts, and the actions
(acknowledge, assign, note, resolve) through htmx."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from integrations.models import AuditEntry, Event, ExceptionCase
from integrations.services import Subject, exception_open_or_update

pytestmark = pytest.mark.django_db


def open_case(n: int, **kwargs) -> ExceptionCase:
    defaults = {
        "exception_class": "quantity_mismatch",
        "subject": Subject.position(sku=f"SKU-{n}", warehouse_code="DC1"),
        "title": f"SKU-{n} at DC1",
        "expected": Decimal(10),
        "actual": Decimal(9),
        "delta": Decimal(-1),
    }
    defaults.update(kwargs)
    return exception_open_or_update(actor=None, **defaults)[0]


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("name", ["exceptions:list", "exceptions:dashboard"])
def test_supplier_users_cannot_open_the_inbox(client, supplier_user, outsider, name):
    for user in (supplier_user, outsider):
        client.force_login(user)
        assert client.get(reverse(name)).status_code == 403


def test_a_suppliers_user_cannot_open_a_case_page(client, outsider):
    case = open_case(1)
    client.force_login(outsider)

    assert client.get(reverse("exceptions:detail", args=[case.pk])).status_code == 403


def test_the_inbox_runs_the_same_queries_for_3_and_60_cases(client, operator):
    client.force_login(operator)
    for n in range(3):
        open_case(n)
    few = queries(client, reverse("exceptions:list"))

    for n in range(3, 60):
        open_case(n)
    many = queries(client, reverse("exceptions:list"))

    assert few == many


def test_the_dashboard_runs_the_same_queries_whatever_the_volume(client, buyer):
    client.force_login(buyer)
    open_case(1)
    few = queries(client, reverse("exceptions:dashboard"))

    for n in range(2, 40):
        case = open_case(n, exception_class="negative_stock")
    case.status = ExceptionCase.Status.RESOLVED
    case.resolved_at = timezone.now()
    case.save()
    many = queries(client, reverse("exceptions:dashboard"))

    assert few == many


def test_the_inbox_filters_by_class_and_warehouse(client, buyer):
    open_case(1)
    open_case(2, exception_class="negative_stock")
    open_case(3, subject=Subject.position(sku="SKU-3", warehouse_code="DC2"))
    client.force_login(buyer)

    response = client.get(
        reverse("exceptions:list"), {"class": "quantity_mismatch", "warehouse": "DC1"}
    )

    assert [c["subject_key"] for c in response.context["page"].object_list] == ["SKU-1@DC1"]


def test_the_dashboard_counts_open_cases_by_class_and_age(client, buyer):
    old = open_case(1)
    ExceptionCase.objects.filter(pk=old.pk).update(
        first_seen_at=timezone.now() - datetime.timedelta(days=5)
    )
    open_case(2)
    client.force_login(buyer)

    rows = client.get(reverse("exceptions:dashboard")).context["by_class"]

    assert rows == [
        {
            "class": "quantity_mismatch",
            "label": "Quantity mismatch",
            "total": 2,
            "overdue": 0,
            "buckets": [("lt1d", 1), ("1to3d", 0), ("3to7d", 1), ("gt7d", 0)],
        }
    ]


def test_an_operator_works_a_case_from_acknowledge_to_resolution(client, operator):
    case = open_case(1)
    client.force_login(operator)
    htmx = {"HTTP_HX_REQUEST": "true"}

    client.post(reverse("exceptions:acknowledge", args=[case.pk]), **htmx)
    client.post(reverse("exceptions:note", args=[case.pk]), {"body": "Counting again."}, **htmx)
    refused = client.post(reverse("exceptions:resolve", args=[case.pk]), {"reason": " "}, **htmx)
    response = client.post(
        reverse("exceptions:resolve", args=[case.pk]),
        {"reason": "Recount matched the ERP."},
        **htmx,
    )

    assert "Say why the exception is resolved." in refused.content.decode()
    assert response.status_code == 200
    case.refresh_from_db()
    assert (case.status, case.assigned_to, case.resolution_reason, case.resolved_by) == (
        "resolved",
        operator,
        "Recount matched the ERP.",
        operator,
    )
    assert list(case.notes.values_list("body", flat=True)) == ["Counting again."]
    assert list(
        AuditEntry.objects.filter(object_type="integrations.exceptioncase", object_id=str(case.pk))
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["opened", "acknowledged", "note_added", "resolved"]
    assert list(
        Event.objects.filter(aggregate_type="exception")
        .order_by("sequence")
        .values_list("type", flat=True)
    ) == ["exception.opened", "exception.resolved"]


def test_a_case_can_be_assigned_to_another_internal_user_but_not_to_a_supplier(
    client, operator, buyer, supplier_user
):
    case = open_case(1)
    client.force_login(operator)

    client.post(reverse("exceptions:assign", args=[case.pk]), {"assignee": str(buyer.pk)})
    case.refresh_from_db()
    assert case.assigned_to == buyer

    response = client.post(
        reverse("exceptions:assign", args=[case.pk]), {"assignee": str(supplier_user.pk)}
    )
    assert response.status_code == 422
    case.refresh_from_db()
    assert case.assigned_to == buyer


def test_writes_need_post(client, operator):
    case = open_case(1)
    client.force_login(operator)

    assert client.get(reverse("exceptions:resolve", args=[case.pk])).status_code == 405
