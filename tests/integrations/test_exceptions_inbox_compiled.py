"""The exceptions inbox's page and count statements, compiled once per filter shape on
PostgreSQL (integrations/selectors/exception_list.py): for every shape they return the
rows and the count the ORM's `exception_cases` returns, with each page's own values in
place of the stand-ins."""

import datetime
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from integrations.models import ExceptionCase
from integrations.selectors import exception_cases, exception_page_source
from integrations.services import Subject, exception_open_or_update
from integrations.views.exceptions import _ROW_FIELDS

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite runs the ORM: nothing compiled"
    ),
]

NOW = timezone.now()


def _case(sku: str, **fields) -> ExceptionCase:
    case = exception_open_or_update(
        actor=None,
        exception_class="quantity_mismatch",
        subject=Subject.position(sku=sku, warehouse_code="DC1"),
        title=f"{sku} at DC1",
        expected=Decimal("10"),
        actual=Decimal("9.5"),
        delta=Decimal("-0.5"),
    )[0]
    ExceptionCase.objects.filter(pk=case.pk).update(**fields)
    return case


@pytest.fixture
def cases() -> None:
    """Cases of two classes, teams, warehouses and suppliers, each status, first seen
    hours to weeks ago, some past their SLA: every filter keeps some and leaves some."""
    statuses = list(ExceptionCase.Status.values)
    ages = (2, 30, 80, 200, 400)  # hours
    for i in range(20):
        _case(
            f"SKU-{i}",
            status=statuses[i % len(statuses)],
            exception_class="quantity_mismatch" if i % 3 else "missing_in_erp",
            owner_team="receiving" if i % 2 else "inventory_control",
            warehouse_code="DC1" if i % 4 < 2 else "DC2",
            supplier_code="ACME" if i % 5 < 3 else "GLOBEX",
            first_seen_at=NOW - datetime.timedelta(hours=ages[i % len(ages)]),
            sla_due_at=NOW + datetime.timedelta(hours=10 - i),
        )


def test_every_filter_shape_compiles_once_and_reads_the_rows_and_count_the_orm_reads(cases):
    shapes = 0
    for status, exception_class, team, warehouse, supplier, age, overdue in itertools.product(
        ("active", "closed", "all", "open", "auto_resolved"),
        ("", "missing_in_erp"),
        ("", "receiving"),
        ("", "DC2"),
        ("", "ACME"),
        ("", "lt1d", "1to3d", "3to7d", "gt7d"),
        (False, True),
    ):
        filters: dict[str, Any] = {
            "status": status,
            "exception_class": exception_class,
            "team": team,
            "warehouse": warehouse,
            "supplier": supplier,
            "age": age,
            "overdue": overdue,
            "now": NOW,
        }
        source = exception_page_source(columns=_ROW_FIELDS, **filters)
        expected = list(exception_cases(**filters).values(*_ROW_FIELDS))

        assert source._compiled is not None, filters
        assert source.count() == len(expected), filters
        assert source[0:100] == expected, filters
        assert source[2:5] == expected[2:5], filters
        shapes += 1
    assert shapes == 800


def test_a_search_reads_through_the_orm(cases):
    source = exception_page_source(columns=_ROW_FIELDS, status="all", q="SKU-1", now=NOW)
    expected = list(exception_cases(status="all", q="SKU-1", now=NOW).values(*_ROW_FIELDS))

    assert source._compiled is None
    assert source.count() == len(expected) == 11
    assert source[0:25] == expected
