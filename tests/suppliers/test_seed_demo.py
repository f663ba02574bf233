"""`manage.py seed_demo`: a believable small distributor, demo logins, no duplicates."""

from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, F
from django.utils import timezone

from integrations.models import AuditEntry, Event
from inventory.models import Item, UnitOfMeasure, UomConversion, Warehouse
from inventory.services import convert_quantity
from portal.access import Role, user_roles
from suppliers.demo import plan
from suppliers.models import PurchaseOrder, PurchaseOrderLine, Supplier, SupplierMembership

PASSWORD = "demo-portal-2026"


def _seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models(include_auto_created=True)
    }


@pytest.fixture
def seeded(db) -> str:
    return _seed()


def test_seeding_twice_leaves_every_table_with_the_same_count(db):
    first_output = _seed()
    after_first = _counts()
    second_output = _seed("--scale", "small")
    assert _counts() == after_first
    # The plan's 150 and, per named active supplier, 3 to acknowledge and 1 shipped.
    assert after_first["suppliers.PurchaseOrder"] == 150 + 12 * 4
    assert "150  suppliers.PurchaseOrder" in first_output
    assert "nothing (everything already exists)" in second_output


def test_the_small_demo_is_a_dozen_active_suppliers_and_one_onboarding(seeded):
    statuses = dict(Supplier.objects.values_list("status").annotate(n=Count("pk")).order_by())
    assert statuses == {Supplier.Status.ACTIVE: 12, Supplier.Status.ONBOARDING: 1}
    seats = SupplierMembership.objects.values("supplier__status", "supplier_id").annotate(
        n=Count("pk")
    )
    active_seats = [row["n"] for row in seats if row["supplier__status"] == "active"]
    assert len(active_seats) == 12
    assert set(active_seats) <= {1, 2}
    assert Warehouse.objects.count() == 3
    assert Item.objects.count() == 400


def test_the_demo_logins_exist_with_their_roles(seeded):
    users = {user.email: user for user in get_user_model().objects.all()}
    admin = users["admin@demo.example"]
    assert (admin.is_staff, admin.is_superuser) == (True, True)
    assert user_roles(admin) == {Role.PORTAL_ADMIN, Role.BUYER, Role.INTEGRATION_OPERATOR}
    assert user_roles(users["buyer@demo.example"]) == {Role.BUYER}
    assert user_roles(users["operator@demo.example"]) == {Role.INTEGRATION_OPERATOR}
    anna = users["anna@northwind-fasteners.example"]
    ben = users["ben@blueridge-packaging.example"]
    assert user_roles(anna) == {Role.SUPPLIER_STAFF, Role.SUPPLIER_ADMIN}
    assert user_roles(ben) == {Role.SUPPLIER_STAFF}
    assert anna.supplier_membership.supplier.code == "NWF"
    assert ben.supplier_membership.supplier.code == "BRP"
    for email in ("admin@demo.example", anna.email, ben.email):
        assert users[email].check_password(PASSWORD)


def test_the_output_prints_every_demo_login_with_role_and_password(db):
    output = _seed()
    assert f"password for all: {PASSWORD}" in output
    for email, role in (
        ("admin@demo.example", "portal_admin"),
        ("buyer@demo.example", "buyer"),
        ("operator@demo.example", "integration_operator"),
        ("anna@northwind-fasteners.example", "supplier_admin at NWF"),
        ("ben@blueridge-packaging.example", "supplier_staff at BRP"),
    ):
        assert f"{email:<42} {role}" in output


def test_orders_exist_in_every_state_including_overdue_acknowledgments(seeded):
    statuses = set(PurchaseOrder.objects.values_list("status", flat=True))
    assert statuses >= {"issued", "change_proposed", "confirmed", "partially_shipped"}
    assert statuses >= {"shipped", "received", "cancelled"}
    now = timezone.now()
    issued = PurchaseOrder.objects.filter(status="issued")
    assert issued.filter(ack_due_at__lt=now).exists()
    assert issued.filter(ack_due_at__gt=now).exists()
    per_order = PurchaseOrder.objects.annotate(n=Count("lines")).values_list("n", flat=True)
    assert min(per_order) >= 1
    assert max(per_order) <= 8


def test_confirmed_lines_carry_quantity_date_and_price(seeded):
    confirmed = PurchaseOrderLine.objects.filter(purchase_order__status="confirmed")
    assert confirmed.exists()
    assert not confirmed.filter(confirmed_qty__isnull=True).exists()
    assert not confirmed.filter(confirmed_date__isnull=True).exists()
    assert not confirmed.filter(confirmed_price__isnull=True).exists()
    assert not confirmed.exclude(shipped_qty=0).exists()
    unconfirmed = PurchaseOrderLine.objects.filter(
        purchase_order__status__in=["issued", "change_proposed", "cancelled"]
    )
    assert not unconfirmed.filter(confirmed_qty__isnull=False).exists()


def test_every_partially_shipped_order_has_a_line_shipped_in_part(seeded):
    orders = PurchaseOrder.objects.filter(status="partially_shipped")
    assert orders.exists()
    part_shipped = PurchaseOrderLine.objects.filter(
        purchase_order__in=orders, shipped_qty__gt=0, shipped_qty__lt=F("confirmed_qty")
    )
    assert set(part_shipped.values_list("purchase_order_id", flat=True)) == set(
        orders.values_list("pk", flat=True)
    )


def test_received_orders_received_everything_they_shipped(seeded):
    lines = PurchaseOrderLine.objects.filter(purchase_order__status="received")
    assert lines.exists()
    assert not lines.exclude(received_qty=F("shipped_qty")).exists()
    assert not lines.exclude(shipped_qty=F("confirmed_qty")).exists()


def test_a_seeded_case_quantity_converts_to_eaches(seeded):
    units = {unit.code: unit for unit in UnitOfMeasure.objects.all()}
    case_of_24 = (
        UomConversion.objects.filter(from_uom__code="CS", to_uom__code="EA", factor=24)
        .order_by("item__sku")
        .first()
        .item
    )
    plain = (
        Item.objects.filter(base_uom__code="EA", uom_conversions__isnull=True)
        .order_by("sku")
        .first()
    )
    cs, ea, pk = units["CS"], units["EA"], units["PK"]
    assert convert_quantity(quantity=Decimal(3), from_uom=cs, to_uom=ea, item=case_of_24) == 72
    assert convert_quantity(quantity=Decimal(3), from_uom=cs, to_uom=ea, item=plain) == 36
    assert convert_quantity(quantity=Decimal(2), from_uom=pk, to_uom=ea, item=plain) == 12
    assert convert_quantity(quantity=Decimal(36), from_uom=ea, to_uom=cs, item=plain) == 3


def test_some_lines_are_weighed_in_kilograms_to_three_places(seeded):
    kilos = PurchaseOrderLine.objects.filter(uom__code="KG")
    assert UnitOfMeasure.objects.get(code="KG").decimal_places == 3
    quantities = list(kilos.values_list("ordered_qty", flat=True))
    assert any(qty != qty.to_integral_value() for qty in quantities)
    assert all(qty == qty.quantize(Decimal("0.001")) for qty in quantities)


def test_every_order_has_its_received_timeline_entry_at_its_issue_time(seeded):
    entries = AuditEntry.objects.filter(object_type="suppliers.purchaseorder", action="received")
    issued_at = dict(PurchaseOrder.objects.values_list("number", "issued_at"))
    assert {entry.object_repr: entry.occurred_at for entry in entries} == issued_at
    planned = Event.objects.filter(type="purchase_order.received").exclude(
        aggregate_id__startswith="PO-9"
    )
    assert planned.count() == 150


def test_the_large_plan_starts_with_the_small_plan():
    seed = 2026
    small_suppliers = plan.plan_suppliers(plan.SMALL, seed=seed)
    large_suppliers = plan.plan_suppliers(plan.LARGE, seed=seed)
    assert large_suppliers[: len(small_suppliers)] == small_suppliers
    assert len({s.code for s in large_suppliers}) == 250
    assert len({s.domain for s in large_suppliers}) == 250
    small_items = plan.plan_items(plan.SMALL, seed=seed)
    large_items = plan.plan_items(plan.LARGE, seed=seed)
    assert large_items[: len(small_items)] == small_items
    small_range = {item.sku for item in small_items}
    assert [
        row
        for row in plan.plan_supplier_items(large_items, large_suppliers, seed=seed)
        if row.sku in small_range
    ] == plan.plan_supplier_items(small_items, small_suppliers, seed=seed)
    large_users = plan.plan_users(large_suppliers, seed=seed)
    assert len({user.email for user in large_users}) == len(large_users)


def test_the_demo_has_change_proposals_waiting_for_a_buyer(seeded):
    from suppliers.models import Acknowledgment, PurchaseOrder

    waiting = Acknowledgment.objects.filter(status=Acknowledgment.Status.PENDING_REVIEW)

    assert waiting.count() == PurchaseOrder.objects.filter(status="change_proposed").count()
    assert waiting.count() > 0


def test_the_demo_has_asns_in_transit_and_one_delayed(seeded):
    from suppliers.models import Shipment

    statuses = sorted(Shipment.objects.values_list("status", flat=True))

    # One delayed per named supplier (its try-everything ASNs) and NWF's planned one.
    assert statuses.count("delayed") == 12 + 1
    assert statuses.count("in_transit") >= 12


def test_the_demo_has_connectors_and_a_dead_letter_to_replay(seeded):
    from integrations.models import Connector, Delivery

    assert Connector.objects.count() >= 2
    assert Delivery.objects.filter(status=Delivery.Status.DEAD).count() == 1


def test_the_demo_has_reconciled_warehouses_with_open_inventory_exceptions(seeded):
    from integrations.models import ExceptionCase
    from inventory.models import InventorySnapshot, Warehouse

    assert InventorySnapshot.objects.count() == 2 * Warehouse.objects.count()
    assert ExceptionCase.objects.filter(status=ExceptionCase.Status.OPEN).count() > 10


def test_every_demo_supplier_has_three_orders_to_acknowledge_one_of_them_overdue(seeded):
    from suppliers.demo.documents import demo_suppliers, po_number

    now = timezone.now()
    suppliers = demo_suppliers()
    assert len(suppliers) == 12
    for index, supplier in suppliers:
        numbers = [po_number(index, n) for n in (1, 2, 3)]
        orders = PurchaseOrder.objects.filter(number__in=numbers, supplier=supplier)
        assert sorted(orders.values_list("status", flat=True)) == ["issued"] * 3
        assert orders.filter(ack_due_at__lt=now).count() == 1
        awaiting = PurchaseOrder.objects.filter(supplier=supplier, status="issued")
        assert awaiting.count() >= 3
        assert awaiting.filter(ack_due_at__lt=now).exists()


def test_every_demo_supplier_has_an_asn_in_each_state_a_short_receipt_and_two_invoices(seeded):
    from suppliers.demo.documents import demo_suppliers, po_number
    from suppliers.models import Invoice, ReceiptLine, Shipment

    for index, supplier in demo_suppliers():
        asns = Shipment.objects.filter(supplier=supplier, asn_number__startswith="ASN-")
        asns = asns.exclude(asn_number__startswith="ASN-DEMO-")
        statuses = dict(asns.values_list("status").annotate(n=Count("pk")).order_by())
        assert statuses == {
            "draft": 1,
            "submitted": 1,
            "in_transit": 1,
            "delayed": 1,
            "delivered": 1,
            "received": 2,
            "cancelled": 1,
        }
        variances = ReceiptLine.objects.filter(receipt__shipment__in=asns).exclude(variance="none")
        assert [(line.variance, line.variance_qty) for line in variances] == [
            ("short", Decimal(-2))
        ]
        invoices = Invoice.objects.filter(supplier=supplier).order_by("number")
        assert [(i.number, i.status) for i in invoices] == [
            (f"INV-{supplier.code}-0001", "approved"),
            (f"INV-{supplier.code}-0002", "on_hold"),
        ]
        assert PurchaseOrder.objects.get(number=po_number(index, 10)).status == "partially_shipped"
