"""Migration 0008 rebuilds the positions that were built before each warehouse followed
one source: a receipt both the WMS and the ERP had reported, counted twice then, counts
once after it; a warehouse fed by one source is left as it is."""

import importlib

import pytest
from django.apps import apps

from inventory.models import LivePosition
from tests.inventory.movements import event, expect, figures, send
from tests.inventory.snapshots import items, warehouse

pytestmark = pytest.mark.django_db

migration = importlib.import_module("inventory.migrations.0008_rebuild_mixed_family_positions")


def test_a_receipt_counted_twice_before_the_rule_counts_once_after_the_migration():
    items("A", "B")
    warehouse("DC1")  # a WMS connector: its positions follow the WMS
    send(event(1, "receipt", 20, minute=10))
    send(event(1, "receipt", 20, source="erp", minute=12))
    LivePosition.objects.update(received=40)  # as the old apply left it

    migration.rebuild_mixed(apps, None)

    assert figures() == expect(received=20)


def test_a_warehouse_fed_by_one_source_is_left_as_it_is():
    items("A", "B")
    warehouse("DC1")
    send(event(1, "receipt", 20, minute=10))
    LivePosition.objects.update(received=40)  # not a double count the migration can see

    migration.rebuild_mixed(apps, None)

    assert figures() == expect(received=40)
