"""What the demo distributor looks like, generated deterministically in memory.

Every kind of row draws from its own `random.Random`, seeded from the demo seed and the
kind's name, and rows are generated in a fixed order. So the first N items (suppliers,
users, …) are the same whatever the scale: the large demo is a superset of the small one,
and running `small` then `large` ends with exactly what `large` alone makes.
"""

import datetime
import random
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.utils.text import slugify

from portal.access import Role
from suppliers.demo import catalog
from suppliers.demo.catalog import CATEGORIES, NAMED_SUPPLIERS, SupplierSpec


@dataclass(frozen=True)
class Scale:
    name: str
    suppliers: int
    items: int
    warehouses: int
    purchase_orders: int


SMALL = Scale("small", suppliers=len(NAMED_SUPPLIERS), items=400, warehouses=3, purchase_orders=150)
LARGE = Scale("large", suppliers=250, items=20_000, warehouses=5, purchase_orders=25_000)
SCALES = {scale.name: scale for scale in (SMALL, LARGE)}

# The small demo's orders are also part of the large one; the large demo adds its own
# number range, so no PO number ever means two different orders.
SMALL_PO_FIRST = 100_001
LARGE_PO_FIRST = 200_001
# Lines per order: 1-8 in the small demo; the large one adds orders of 1-19 lines (10 on
# average), so its 25,000 orders carry about 250,000 lines.
SMALL_MAX_LINES = 8
LARGE_MAX_LINES = 19
# Order volume is skewed like a real distributor's: the two suppliers with demo logins
# get about 12 % of the large demo's orders each (~3,000 orders, ~30,000 lines), the other
# named suppliers four times a generated one's share, so the demo logins show heavy lists.
LARGE_SUPPLIER_WEIGHTS = {
    **{s.code: 4 for s in NAMED_SUPPLIERS},
    NAMED_SUPPLIERS[0].code: 40,
    NAMED_SUPPLIERS[1].code: 40,
}

CS_PER_EA_GLOBAL = 12
PK_PER_EA_GLOBAL = 6


@dataclass(frozen=True)
class UserSpec:
    email: str
    full_name: str
    role: Role
    supplier_code: str | None = None

    @property
    def is_internal(self) -> bool:
        return self.supplier_code is None


@dataclass(frozen=True)
class ItemSpec:
    sku: str
    description: str
    base_uom: str  # "EA" or "KG"
    category: str
    item_class: str
    base_price: Decimal  # per base unit
    case_factor: int | None  # item-specific base units per CS; None: the global 12 EA


@dataclass(frozen=True)
class SupplierItemSpec:
    supplier_code: str
    sku: str
    supplier_sku: str
    uom: str
    lead_time_days: int


@dataclass(frozen=True)
class LineSpec:
    line_no: int
    sku: str
    ordered_qty: Decimal
    uom: str
    unit_price: Decimal
    requested_date: datetime.date
    confirmed_qty: Decimal | None = None
    confirmed_date: datetime.date | None = None
    confirmed_price: Decimal | None = None
    shipped_qty: Decimal = Decimal(0)
    received_qty: Decimal = Decimal(0)


@dataclass(frozen=True)
class PurchaseOrderSpec:
    number: str
    supplier_code: str
    warehouse_code: str
    status: str
    issued_at: datetime.datetime
    ack_due_at: datetime.datetime
    lines: tuple[LineSpec, ...]


def _rng(seed: int, kind: str) -> random.Random:
    return random.Random(f"{seed}:{kind}")


# -- people and partners ---------------------------------------------------------------


INTERNAL_USERS = (
    UserSpec("admin@demo.example", "Ada Admin", Role.PORTAL_ADMIN),
    UserSpec("buyer@demo.example", "Bea Buyer", Role.BUYER),
    UserSpec("operator@demo.example", "Otto Operator", Role.INTEGRATION_OPERATOR),
)
ANNA = UserSpec(
    f"anna@{NAMED_SUPPLIERS[0].domain}",
    "Anna Lindqvist",
    Role.SUPPLIER_ADMIN,
    NAMED_SUPPLIERS[0].code,
)
BEN = UserSpec(
    f"ben@{NAMED_SUPPLIERS[1].domain}", "Ben Okafor", Role.SUPPLIER_STAFF, NAMED_SUPPLIERS[1].code
)
DEMO_LOGINS = (*INTERNAL_USERS, ANNA, BEN)


def plan_suppliers(scale: Scale, *, seed: int) -> list[SupplierSpec]:
    """The named suppliers, then generated ones with unique names and email domains."""
    rng = _rng(seed, "suppliers")
    suppliers = list(NAMED_SUPPLIERS[: scale.suppliers])
    names = {s.name for s in suppliers}
    domains = {s.domain for s in suppliers}
    categories = sorted(CATEGORIES)
    zones = ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles")
    while len(suppliers) < scale.suppliers:
        category = categories[len(suppliers) % len(categories)]
        name = " ".join(
            part
            for part in (
                rng.choice(catalog.NAME_PLACES),
                rng.choice(catalog.NAME_TRADES[category]),
                rng.choice(catalog.NAME_SUFFIXES),
            )
            if part
        )
        domain = f"{slugify(name.replace('&', 'and'))}.example"
        if name in names or domain in domains:
            continue
        names.add(name)
        domains.add(domain)
        suppliers.append(
            SupplierSpec(
                code=f"S{len(suppliers) + 1:04d}",
                name=name,
                domain=domain,
                category=category,
                time_zone=rng.choice(zones),
                ack_sla_hours=rng.choice((24, 48, 48, 48, 72)),
            )
        )
    return suppliers


def plan_users(suppliers: list[SupplierSpec], *, seed: int) -> list[UserSpec]:
    """The internal demo logins and one or two people at every supplier (its first is the
    supplier admin); Anna and Ben are the fixed logins of the first two suppliers."""
    rng = _rng(seed, "users")
    users = list(INTERNAL_USERS)
    for index, supplier in enumerate(suppliers):
        if index == 0:
            users.append(ANNA)
            continue
        count = 1 if supplier.status != "active" else rng.choice((1, 2))
        firsts = rng.sample(catalog.FIRST_NAMES, 2)
        lasts = rng.sample(catalog.LAST_NAMES, 2)
        people = [
            UserSpec(
                f"{first.lower()}@{supplier.domain}",
                f"{first} {last}",
                Role.SUPPLIER_ADMIN if n == 0 else Role.SUPPLIER_STAFF,
                supplier.code,
            )
            for n, (first, last) in enumerate(zip(firsts, lasts, strict=True))
        ][:count]
        if index == 1:
            # Ben is staff; his supplier still has an admin beside him.
            people = [people[0], BEN]
        users.extend(people)
    return users


# -- catalogue -------------------------------------------------------------------------


def plan_items(scale: Scale, *, seed: int) -> list[ItemSpec]:
    rng = _rng(seed, "items")
    categories = sorted(CATEGORIES)
    items = []
    case_factor: int | None
    for index in range(scale.items):
        category = CATEGORIES[rng.choice(categories)]
        template, choices = rng.choice(category.products)
        description = template.format(*(rng.choice(options) for options in choices))
        cents = rng.randint(int(category.price_min * 10_000), int(category.price_max * 10_000))
        if category.weighed:
            base_uom, case_factor = "KG", 25  # a 25 kg sack is the "case"
        else:
            base_uom, case_factor = "EA", (24 if rng.random() < 0.25 else None)
        items.append(
            ItemSpec(
                sku=f"{category.code}-{index + 1:06d}",
                description=description,
                base_uom=base_uom,
                category=category.code,
                item_class=rng.choices(("A", "B", "C"), weights=(2, 3, 5))[0],
                base_price=Decimal(cents).scaleb(-4),
                case_factor=case_factor,
            )
        )
    return items


def plan_supplier_items(
    items: list[ItemSpec], suppliers: list[SupplierSpec], *, seed: int
) -> list[SupplierItemSpec]:
    """Each item from a supplier of its category, a quarter of them from a second one too.

    Items of the small range only go to the named suppliers, so that range is the same at
    every scale."""
    rng = _rng(seed, "supplier-items")
    active = [s for s in suppliers if s.status == "active"]
    named = [s for s in active if s.code in {n.code for n in NAMED_SUPPLIERS}]
    by_category: dict[tuple[bool, str], list[SupplierSpec]] = {}
    for pool_is_small, pool in ((True, named), (False, active)):
        for supplier in pool:
            by_category.setdefault((pool_is_small, supplier.category), []).append(supplier)
    rows = []
    for index, item in enumerate(items):
        small_range = index < SMALL.items
        pool = named if small_range else active
        primary = rng.choice(by_category.get((small_range, item.category)) or pool)
        chosen = [primary]
        if rng.random() < 0.25:
            second = rng.choice(pool)
            if second.code != primary.code:
                chosen.append(second)
        for supplier in chosen:
            if item.base_uom == "KG":
                uom = "KG"
            else:
                uom = rng.choices(("CS", "EA", "PK"), weights=(60, 28, 12))[0]
            rows.append(
                SupplierItemSpec(
                    supplier_code=supplier.code,
                    sku=item.sku,
                    supplier_sku=f"{supplier.code}-{70000 + index * 3:07d}",
                    uom=uom,
                    lead_time_days=rng.choice((3, 5, 7, 7, 10, 14, 21)),
                )
            )
    return rows


# -- purchase orders -------------------------------------------------------------------

# (status, weight, issued this many hours ago: low, high). "overdue" is an issued PO past
# its acknowledgment due time; its range is added to the supplier's SLA.
_STATUS_MIX = (
    ("issued", 14, 1, None),
    ("overdue", 7, 2, 240),
    ("change_proposed", 8, 12, 96),
    ("confirmed", 22, 48, 480),
    ("partially_shipped", 12, 192, 720),
    ("shipped", 6, 288, 840),
    ("received", 24, 600, 1900),
    ("cancelled", 7, 72, 1440),
)
_EA_QUANTITIES = (12, 24, 36, 48, 60, 72, 96, 100, 120, 144, 200, 250, 500, 1000)
_Q3 = Decimal("0.001")
_Q4 = Decimal("0.0001")


def _factor(item: ItemSpec, uom: str) -> int:
    if uom == "CS":
        return item.case_factor or CS_PER_EA_GLOBAL
    if uom == "PK":
        return PK_PER_EA_GLOBAL
    return 1


def _ordered_qty(rng: random.Random, uom: str) -> Decimal:
    if uom == "KG":
        return Decimal(rng.randint(2_000, 900_000)).scaleb(-3)  # e.g. 125.375 kg
    if uom == "EA":
        return Decimal(rng.choice(_EA_QUANTITIES))
    return Decimal(rng.randint(2, 60))


def _confirm(rng: random.Random, qty: Decimal, uom: str) -> Decimal:
    """Mostly as ordered; sometimes the supplier confirms a little less."""
    if rng.random() >= 0.15:
        return qty
    if uom == "KG":
        return (qty * Decimal("0.9")).quantize(_Q3)
    if qty >= 8:
        return qty - rng.randint(1, int(qty) // 4)
    return qty


def _part(rng: random.Random, qty: Decimal, uom: str) -> Decimal:
    """Some but not all of `qty` (qty is at least 2 of a count unit or 1.8 kg)."""
    if uom == "KG":
        return (qty * Decimal(rng.randint(30, 80)) / 100).quantize(_Q3)
    return Decimal(rng.randint(1, int(qty) - 1))


def _line(
    rng: random.Random,
    *,
    line_no: int,
    item: ItemSpec,
    supplier_item: SupplierItemSpec,
    status: str,
    issued_on: datetime.date,
) -> LineSpec:
    uom = supplier_item.uom
    qty = _ordered_qty(rng, uom)
    price = (item.base_price * _factor(item, uom)).quantize(_Q4)
    requested = issued_on + datetime.timedelta(
        days=supplier_item.lead_time_days + rng.choice((0, 0, 3, 7))
    )
    line = LineSpec(line_no, item.sku, qty, uom, price, requested)
    if status in ("issued", "overdue", "change_proposed", "cancelled"):
        return line
    confirmed = _confirm(rng, qty, uom)
    confirmed_price = price if rng.random() >= 0.08 else (price * Decimal("1.03")).quantize(_Q4)
    shipped = confirmed if status in ("shipped", "received") else Decimal(0)
    if status == "partially_shipped":
        # The first line is always part-shipped, so the PO really is partial.
        choice = "part" if line_no == 1 else rng.choice(("all", "part", "none"))
        if choice == "all":
            shipped = confirmed
        elif choice == "part":
            shipped = _part(rng, confirmed, uom)
    return LineSpec(
        line_no,
        item.sku,
        qty,
        uom,
        price,
        requested,
        confirmed_qty=confirmed,
        confirmed_date=requested + datetime.timedelta(days=rng.choice((0, 0, 0, 0, 2, 5, 7))),
        confirmed_price=confirmed_price,
        shipped_qty=shipped,
        received_qty=shipped if status == "received" else Decimal(0),
    )


def iter_purchase_orders(
    *,
    first_number: int,
    count: int,
    suppliers: list[SupplierSpec],
    items: list[ItemSpec],
    supplier_items: list[SupplierItemSpec],
    warehouse_codes: list[str],
    max_lines: int,
    now: datetime.datetime,
    seed: int,
    supplier_weights: dict[str, int] | None = None,
) -> Iterator[PurchaseOrderSpec]:
    """`count` orders numbered from `first_number` with 1 to `max_lines` lines, of the
    given active suppliers and only their given catalogue items; dates relative to `now`."""
    rng = _rng(seed, f"purchase-orders-{first_number}")
    items_by_sku = {item.sku: item for item in items}
    catalogue: dict[str, list[SupplierItemSpec]] = {}
    for row in supplier_items:
        if row.sku in items_by_sku:
            catalogue.setdefault(row.supplier_code, []).append(row)
    ordering = [s for s in suppliers if catalogue.get(s.code)]
    weights_by_supplier = [(supplier_weights or {}).get(s.code, 1) for s in ordering]
    statuses = [row[0] for row in _STATUS_MIX]
    weights = [row[1] for row in _STATUS_MIX]
    ranges = {row[0]: row[2:] for row in _STATUS_MIX}
    now = now.replace(second=0, microsecond=0)
    for n in range(count):
        supplier = rng.choices(ordering, weights_by_supplier)[0]
        status = rng.choices(statuses, weights)[0]
        low, high = ranges[status]
        if high is None:  # issued (the one open range): still within the supplier's SLA
            hours_ago = rng.uniform(low, supplier.ack_sla_hours - 2)
        elif status == "overdue":
            hours_ago = supplier.ack_sla_hours + rng.uniform(low, high)
        else:
            hours_ago = rng.uniform(low, high)
        issued_at = now - datetime.timedelta(minutes=int(hours_ago * 60))
        chosen = rng.sample(
            catalogue[supplier.code], min(rng.randint(1, max_lines), len(catalogue[supplier.code]))
        )
        lines = tuple(
            _line(
                rng,
                line_no=line_no,
                item=items_by_sku[row.sku],
                supplier_item=row,
                status=status,
                issued_on=issued_at.date(),
            )
            for line_no, row in enumerate(chosen, start=1)
        )
        yield PurchaseOrderSpec(
            number=f"PO-{first_number + n}",
            supplier_code=supplier.code,
            warehouse_code=rng.choice(warehouse_codes),
            status="issued" if status == "overdue" else status,
            issued_at=issued_at,
            ack_due_at=issued_at + datetime.timedelta(hours=supplier.ack_sla_hours),
            lines=lines,
        )
