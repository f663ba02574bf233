"""Writing the demo plan to the database: bulk inserts of whatever is missing.

Seed data is not business activity, so this bypasses the services on purpose: it would
take hours to push 25,000 orders through `purchase_order_create` one by one. It still
leaves what the services would: one "received" audit entry per order (so timelines are not
empty) and, for the small demo's orders, their `purchase_order.received` event.

Every row has a natural key (codes, SKUs, e-mails, PO numbers); existing keys are read
first and only the missing rows are inserted, so running it again creates nothing.
"""

import datetime
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import models, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from integrations.models import AuditEntry, Channel, Event
from inventory.models import Item, UnitOfMeasure, UomConversion, Warehouse
from portal.access import INTERNAL_ROLES, Role
from suppliers.demo import catalog, plan
from suppliers.demo.bulk import insert_rows, rebuild_read_models
from suppliers.demo.plan import PurchaseOrderSpec, Scale
from suppliers.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderScheduleLine,
    Supplier,
    SupplierItem,
    SupplierMembership,
)

BATCH = 2_000
PO_CHUNK = 1_000
SEED_ACTOR = "ERP (demo data)"

UNITS = (
    ("EA", "Each", UnitOfMeasure.Kind.COUNT, 0),
    ("CS", "Case", UnitOfMeasure.Kind.COUNT, 0),
    ("PK", "Pack", UnitOfMeasure.Kind.COUNT, 0),
    ("KG", "Kilogram", UnitOfMeasure.Kind.MASS, 3),
)
GLOBAL_CONVERSIONS = (("CS", "EA", plan.CS_PER_EA_GLOBAL), ("PK", "EA", plan.PK_PER_EA_GLOBAL))


@dataclass
class SeedReport:
    scale: str
    created: Counter = field(default_factory=Counter)
    logins: tuple[plan.UserSpec, ...] = plan.DEMO_LOGINS
    # POs the plan wants "change proposed": created awaiting acknowledgment, and given a
    # real proposal by the workflows (a PO's status changes only through its services).
    to_propose: list[str] = field(default_factory=list)

    def add(self, model: type[models.Model], count: int) -> None:
        if count:
            self.created[model._meta.label] += count


def seed_demo(
    *, scale: Scale, seed: int = 2026, now: datetime.datetime | None = None
) -> SeedReport:
    """Create the demo distributor at `scale`, adding only rows whose keys are missing."""
    now = now or timezone.now()
    report = SeedReport(scale=scale.name)
    suppliers = plan.plan_suppliers(scale, seed=seed)
    items = plan.plan_items(scale, seed=seed)
    supplier_items = plan.plan_supplier_items(items, suppliers, seed=seed)
    with transaction.atomic():
        groups = _groups(report)
        units = _units(report)
        _global_conversions(report, units)
        warehouses = _warehouses(report, scale)
        supplier_ids = _suppliers(report, suppliers)
        user_ids = _users(report, plan.plan_users(suppliers, seed=seed), supplier_ids, groups)
        item_ids = _items(report, items, units)
        _item_conversions(report, items, item_ids, units)
        _supplier_items(report, supplier_items, supplier_ids, item_ids, units)
        active = [s for s in suppliers if s.status == Supplier.Status.ACTIVE]
        small_active = [s for s in active if s.code in {n.code for n in catalog.NAMED_SUPPLIERS}]
        ids = _Ids(supplier_ids, warehouses, item_ids, units, user_ids["buyer@demo.example"])
        small_orders = plan.iter_purchase_orders(
            first_number=plan.SMALL_PO_FIRST,
            count=plan.SMALL.purchase_orders,
            suppliers=small_active,
            items=items[: plan.SMALL.items],
            supplier_items=supplier_items,
            warehouse_codes=[w.code for w in catalog.WAREHOUSES[: plan.SMALL.warehouses]],
            max_lines=plan.SMALL_MAX_LINES,
            now=now,
            seed=seed,
        )
        _purchase_orders(report, small_orders, ids, with_events=True)
        if scale.purchase_orders > plan.SMALL.purchase_orders:
            large_orders = plan.iter_purchase_orders(
                first_number=plan.LARGE_PO_FIRST,
                count=scale.purchase_orders - plan.SMALL.purchase_orders,
                suppliers=active,
                items=items,
                supplier_items=supplier_items,
                warehouse_codes=[w.code for w in catalog.WAREHOUSES[: scale.warehouses]],
                max_lines=plan.LARGE_MAX_LINES,
                supplier_weights=plan.LARGE_SUPPLIER_WEIGHTS,
                now=now,
                seed=seed,
            )
            _purchase_orders(report, large_orders, ids, with_events=False)
        rebuild_read_models()
    return report


def _missing(model: type[models.Model], key: str, wanted: Iterable) -> set:
    """Which of the `wanted` values of the unique field `key` are not in the table yet."""
    wanted = set(wanted)
    existing = set(model._default_manager.values_list(key, flat=True))
    return wanted - existing


def _id_map(model: type[models.Model], key: str) -> dict:
    return dict(model._default_manager.values_list(key, "pk"))


def _groups(report: SeedReport) -> dict[str, int]:
    ids = {}
    for role in INTERNAL_ROLES:
        group, created = Group.objects.get_or_create(name=role.value)
        report.add(Group, int(created))
        ids[role.value] = group.pk
    return ids


def _units(report: SeedReport) -> dict[str, int]:
    missing = _missing(UnitOfMeasure, "code", (code for code, *_ in UNITS))
    new = [
        UnitOfMeasure(code=code, name=name, kind=kind, decimal_places=places)
        for code, name, kind, places in UNITS
        if code in missing
    ]
    UnitOfMeasure.objects.bulk_create(new)
    report.add(UnitOfMeasure, len(new))
    return _id_map(UnitOfMeasure, "code")


def _global_conversions(report: SeedReport, units: dict[str, int]) -> None:
    existing = set(
        UomConversion.objects.filter(item__isnull=True).values_list("from_uom_id", "to_uom_id")
    )
    new = [
        UomConversion(from_uom_id=units[a], to_uom_id=units[b], factor=factor)
        for a, b, factor in GLOBAL_CONVERSIONS
        if (units[a], units[b]) not in existing
    ]
    UomConversion.objects.bulk_create(new)
    report.add(UomConversion, len(new))


def _warehouses(report: SeedReport, scale: Scale) -> dict[str, int]:
    specs = catalog.WAREHOUSES[: scale.warehouses]
    missing = _missing(Warehouse, "code", (w.code for w in specs))
    new = [
        Warehouse(code=w.code, name=w.name, time_zone=w.time_zone, wms_connector="demo-wms")
        for w in specs
        if w.code in missing
    ]
    Warehouse.objects.bulk_create(new)
    report.add(Warehouse, len(new))
    return _id_map(Warehouse, "code")


def _suppliers(report: SeedReport, suppliers: list[catalog.SupplierSpec]) -> dict[str, int]:
    missing = _missing(Supplier, "code", (s.code for s in suppliers))
    new = [
        Supplier(
            code=s.code,
            name=s.name,
            status=s.status,
            erp_vendor_id=f"V-{s.code}",
            time_zone=s.time_zone,
            ack_sla_hours=s.ack_sla_hours,
            over_ship_tolerance_pct=5 if s.category in ("CHM", "PKG") else 0,
            # Northwind prints its labels from the portal (GS1's own example prefix); the
            # other demo suppliers type the SSCCs of labels they print themselves.
            gs1_company_prefix="0614141" if s.code == "NWF" else "",
        )
        for s in suppliers
        if s.code in missing
    ]
    Supplier.objects.bulk_create(new, batch_size=BATCH)
    report.add(Supplier, len(new))
    return _id_map(Supplier, "code")


def _users(
    report: SeedReport,
    users: list[plan.UserSpec],
    supplier_ids: dict[str, int],
    groups: dict[str, int],
) -> dict[str, int]:
    user_model = get_user_model()
    missing = _missing(user_model, "email", (u.email for u in users))
    # One hash for everyone: hashing is deliberately slow, and they share the password.
    password = make_password(catalog.PASSWORD) if missing else ""
    new = [
        user_model(
            email=u.email,
            full_name=u.full_name,
            password=password,
            is_staff=u.role == Role.PORTAL_ADMIN,
            is_superuser=u.role == Role.PORTAL_ADMIN,
        )
        for u in users
        if u.email in missing
    ]
    user_model.objects.bulk_create(new, batch_size=BATCH)
    report.add(user_model, len(new))
    emails = [u.email for u in users]
    user_ids = dict(user_model.objects.filter(email__in=emails).values_list("email", "pk"))

    through = user_model.groups.through
    internal = [(user_ids[u.email], groups[u.role.value]) for u in users if u.is_internal]
    existing = set(
        through.objects.filter(user_id__in=[uid for uid, _ in internal]).values_list(
            "user_id", "group_id"
        )
    )
    new_links = [
        through(user_id=uid, group_id=gid) for uid, gid in internal if (uid, gid) not in existing
    ]
    through.objects.bulk_create(new_links)
    report.add(through, len(new_links))

    seated = set(SupplierMembership.objects.values_list("user_id", flat=True))
    new_seats = [
        SupplierMembership(
            user_id=user_ids[u.email], supplier_id=supplier_ids[u.supplier_code], role=u.role.value
        )
        for u in users
        if u.supplier_code is not None and user_ids[u.email] not in seated
    ]
    SupplierMembership.objects.bulk_create(new_seats, batch_size=BATCH)
    report.add(SupplierMembership, len(new_seats))
    return user_ids


def _items(report: SeedReport, items: list[plan.ItemSpec], units: dict[str, int]) -> dict[str, int]:
    missing = _missing(Item, "sku", (i.sku for i in items))
    new = [
        Item(
            sku=i.sku,
            description=i.description,
            base_uom_id=units[i.base_uom],
            item_class=i.item_class,
            erp_id=f"PRD-{i.sku}",
        )
        for i in items
        if i.sku in missing
    ]
    Item.objects.bulk_create(new, batch_size=BATCH)
    report.add(Item, len(new))
    return _id_map(Item, "sku")


def _item_conversions(
    report: SeedReport, items: list[plan.ItemSpec], item_ids: dict[str, int], units: dict[str, int]
) -> None:
    existing = set(
        UomConversion.objects.filter(item__isnull=False).values_list(
            "item_id", "from_uom_id", "to_uom_id"
        )
    )
    new = []
    for i in items:
        key = (item_ids[i.sku], units["CS"], units[i.base_uom])
        if i.case_factor is not None and key not in existing:
            new.append(
                UomConversion(
                    item_id=key[0], from_uom_id=key[1], to_uom_id=key[2], factor=i.case_factor
                )
            )
    UomConversion.objects.bulk_create(new, batch_size=BATCH)
    report.add(UomConversion, len(new))


def _supplier_items(
    report: SeedReport,
    rows: list[plan.SupplierItemSpec],
    supplier_ids: dict[str, int],
    item_ids: dict[str, int],
    units: dict[str, int],
) -> None:
    existing = SupplierItem.objects.values_list("supplier_id", "item_id", "supplier_sku")
    taken_items, taken_skus = set(), set()
    for supplier_id, item_id, supplier_sku in existing:
        taken_items.add((supplier_id, item_id))
        taken_skus.add((supplier_id, supplier_sku))
    new = []
    for row in rows:
        supplier_id, item_id = supplier_ids[row.supplier_code], item_ids[row.sku]
        if (supplier_id, item_id) in taken_items or (supplier_id, row.supplier_sku) in taken_skus:
            continue
        new.append(
            SupplierItem(
                supplier_id=supplier_id,
                item_id=item_id,
                supplier_sku=row.supplier_sku,
                uom_id=units[row.uom],
                lead_time_days=row.lead_time_days,
            )
        )
    SupplierItem.objects.bulk_create(new, batch_size=BATCH)
    report.add(SupplierItem, len(new))


@dataclass(frozen=True)
class _Ids:
    suppliers: dict[str, int]
    warehouses: dict[str, int]
    items: dict[str, int]
    units: dict[str, int]
    buyer: int


def _purchase_orders(
    report: SeedReport, specs: Iterable[PurchaseOrderSpec], ids: _Ids, *, with_events: bool
) -> None:
    existing = set(PurchaseOrder.objects.values_list("number", flat=True))
    first_audit_id = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    chunk: list[PurchaseOrderSpec] = []
    for spec in specs:
        if spec.number in existing:
            continue
        chunk.append(spec)
        if len(chunk) == PO_CHUNK:
            _write_orders(report, chunk, ids, with_events=with_events)
            chunk = []
    if chunk:
        _write_orders(report, chunk, ids, with_events=with_events)
    # bulk_create stamps auto_now_add fields with the current time; the order reached the
    # portal when the ERP issued it, so the timeline starts there.
    issued_at = PurchaseOrder.objects.filter(number=OuterRef("object_repr")).values("issued_at")
    AuditEntry.objects.filter(
        pk__gt=first_audit_id, object_type=PurchaseOrder._meta.label_lower, action="received"
    ).update(occurred_at=Subquery(issued_at[:1]))


def _created_status(spec: PurchaseOrderSpec) -> str:
    """A planned "change proposed" PO is written awaiting acknowledgment: only a real
    proposal (seed_demo_workflows) may move it on."""
    if spec.status == PurchaseOrder.Status.CHANGE_PROPOSED:
        return PurchaseOrder.Status.ISSUED
    return spec.status


def _write_orders(
    report: SeedReport, specs: list[PurchaseOrderSpec], ids: _Ids, *, with_events: bool
) -> None:
    if with_events:
        report.to_propose.extend(
            spec.number for spec in specs if spec.status == PurchaseOrder.Status.CHANGE_PROPOSED
        )
    # COPY of plain tuples (suppliers/demo/bulk.py): bulk_create's Python-side adaptation
    # was most of the large seed's time. Ids are read back by natural key.
    insert_rows(
        PurchaseOrder,
        (
            "number",
            "supplier_id",
            "ship_to_id",
            "status",
            "issued_at",
            "ack_due_at",
            "source_channel",
            "erp_id",
            "buyer_id",
        ),
        (
            (
                spec.number,
                ids.suppliers[spec.supplier_code],
                ids.warehouses[spec.warehouse_code],
                _created_status(spec),
                spec.issued_at,
                spec.ack_due_at,
                Channel.CONNECTOR,
                f"P{spec.number[3:]}",
                ids.buyer,
            )
            for spec in specs
        ),
    )
    pks = dict(
        PurchaseOrder.objects.filter(number__in=[s.number for s in specs]).values_list(
            "number", "pk"
        )
    )
    orders = [(pks[spec.number], spec) for spec in specs]
    line_count = insert_rows(
        PurchaseOrderLine,
        (
            "purchase_order_id",
            "line_no",
            "item_id",
            "ordered_qty",
            "uom_id",
            "unit_price",
            "requested_date",
            "confirmed_qty",
            "confirmed_date",
            "confirmed_price",
            "shipped_qty",
            "received_qty",
        ),
        (
            (
                order_pk,
                line.line_no,
                ids.items[line.sku],
                line.ordered_qty,
                ids.units[line.uom],
                line.unit_price,
                line.requested_date,
                line.confirmed_qty,
                line.confirmed_date,
                line.confirmed_price,
                line.shipped_qty,
                line.received_qty,
            )
            for order_pk, spec in orders
            for line in spec.lines
        ),
    )
    # A confirmed line's confirmation is its delivery (schedule line), as the services
    # leave it: one delivery on the confirmed date, with what already shipped.
    confirmed = PurchaseOrderLine.objects.filter(
        purchase_order_id__in=list(pks.values()),
        confirmed_qty__gt=0,
        confirmed_date__isnull=False,
    ).values_list("pk", "confirmed_qty", "confirmed_date", "shipped_qty")
    schedule_count = insert_rows(
        PurchaseOrderScheduleLine,
        ("line_id", "position", "quantity", "date", "shipped_qty"),
        (
            (line_pk, 1, confirmed_qty, confirmed_date, min(shipped_qty, confirmed_qty))
            for line_pk, confirmed_qty, confirmed_date, shipped_qty in confirmed
            if confirmed_qty is not None
        ),
    )
    snapshots = [_snapshot(spec) for spec in specs]
    audit_count = insert_rows(
        AuditEntry,
        (
            "occurred_at",
            "actor_label",
            "channel",
            "object_type",
            "object_id",
            "object_repr",
            "action",
            "after",
        ),
        (
            (
                spec.issued_at,
                SEED_ACTOR,
                Channel.CONNECTOR,
                PurchaseOrder._meta.label_lower,
                str(order_pk),
                spec.number,
                "received",
                snapshot,
            )
            for (order_pk, spec), snapshot in zip(orders, snapshots, strict=True)
        ),
    )
    report.add(PurchaseOrder, len(orders))
    report.add(PurchaseOrderLine, line_count)
    report.add(PurchaseOrderScheduleLine, schedule_count)
    report.add(AuditEntry, audit_count)
    if not with_events:
        return
    events = [
        Event(
            id=uuid.uuid4(),
            type="purchase_order.received",
            occurred_at=spec.issued_at,
            aggregate_type="purchase_order",
            aggregate_id=spec.number,
            sequence=1,
            correlation_id=uuid.uuid4().hex,
            source_channel=Channel.CONNECTOR,
            source_actor=SEED_ACTOR,
            data={**snapshot, "revision": 1, "currency": "USD"},
        )
        for spec, snapshot in zip(specs, snapshots, strict=True)
    ]
    Event.objects.bulk_create(events, batch_size=BATCH)
    report.add(Event, len(events))


def _snapshot(spec: PurchaseOrderSpec) -> dict:
    """The same shape `purchase_order_create` audits and publishes."""
    return {
        "number": spec.number,
        "supplier": spec.supplier_code,
        "ship_to": spec.warehouse_code,
        "lines": [
            {
                "line_no": line.line_no,
                "sku": line.sku,
                "ordered_qty": str(line.ordered_qty),
                "uom": line.uom,
                "unit_price": str(line.unit_price),
                "requested_date": line.requested_date.isoformat(),
            }
            for line in spec.lines
        ],
    }
