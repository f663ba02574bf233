"""The fixed vocabulary of the demo distributor: its warehouses, its named suppliers, the
product categories they sell, and the word lists generated suppliers and people draw on.

Only data lives here; `suppliers.demo.plan` turns it into rows deterministically.
"""

from dataclasses import dataclass
from decimal import Decimal

PASSWORD = "demo-portal-2026"


@dataclass(frozen=True)
class WarehouseSpec:
    code: str
    name: str
    time_zone: str


# The first three make the small demo; large uses all five.
WAREHOUSES = (
    WarehouseSpec("DAL1", "Dallas Distribution Center", "America/Chicago"),
    WarehouseSpec("ATL1", "Atlanta Distribution Center", "America/New_York"),
    WarehouseSpec("RNO1", "Reno Distribution Center", "America/Los_Angeles"),
    WarehouseSpec("CHI1", "Chicago Cross-Dock", "America/Chicago"),
    WarehouseSpec("EWR1", "Newark Distribution Center", "America/New_York"),
)


@dataclass(frozen=True)
class Category:
    code: str
    # (description template, the choices for each of its `{}` fields in order)
    products: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]
    price_min: Decimal  # per base unit
    price_max: Decimal
    weighed: bool = False  # sold by the kilogram (base unit KG, 3 decimal places)


_M = ("M6", "M8", "M10", "M12", "M16")
CATEGORIES = {
    "FAS": Category(
        "FAS",
        (
            ("Hex bolt {} x {} mm, zinc plated", (_M, ("20", "25", "40", "50", "75", "100"))),
            ("Nylon insert lock nut {}, grade 8", (_M,)),
            ("Flat washer {}, stainless 18-8", (_M,)),
            ("Socket head cap screw {} x {} mm", (_M, ("16", "20", "30", "45", "60"))),
        ),
        Decimal("0.04"),
        Decimal("1.90"),
    ),
    "PKG": Category(
        "PKG",
        (
            ("Corrugated box {} in, 200# test", (("12x12x12", "16x12x8", "18x18x16", "10x8x6"),)),
            ("Stretch film {} in x 1500 ft, 80 gauge", (("12", "15", "18", "20"),)),
            ("Carton sealing tape {} in x 110 yd, clear", (("2", "3"),)),
            ("Poly mailer {} in, white", (("6x9", "10x13", "14.5x19", "19x24"),)),
        ),
        Decimal("0.35"),
        Decimal("24.00"),
    ),
    "FSV": Category(
        "FSV",
        (
            ("Nitrile gloves, powder free, size {}, box of 100", (("S", "M", "L", "XL"),)),
            ("Foam cup {} oz, white", (("8", "12", "16", "20"),)),
            ("Kraft paper bag #{}", (("4", "6", "8", "12", "20"),)),
            ("Compostable clamshell {} in", (("6x6", "8x8", "9x6", "9x9"),)),
        ),
        Decimal("0.03"),
        Decimal("14.50"),
    ),
    "JAN": Category(
        "JAN",
        (
            ("Trash can liner {} gal, 1.5 mil, black", (("33", "45", "55", "60"),)),
            ("Hardwound paper towel roll, {} ft", (("600", "800", "1000"),)),
            ("Neutral floor cleaner concentrate, {}", (("1 gal", "2.5 gal", "5 gal"),)),
            ("Microfiber cloth {} in, {}", (("12x12", "16x16"), ("blue", "green", "yellow"))),
        ),
        Decimal("0.25"),
        Decimal("38.00"),
    ),
    "SAF": Category(
        "SAF",
        (
            ("Safety glasses, {} lens, anti-fog", (("clear", "smoke", "amber", "mirror"),)),
            ("Hi-vis vest, ANSI class 2, size {}", (("M", "L", "XL", "2XL"),)),
            ("Corded ear plugs, NRR {} dB, pair", (("29", "32", "33"),)),
            ("Cut-resistant glove, level {}, size {}", (("A2", "A4", "A6"), ("M", "L", "XL"))),
        ),
        Decimal("0.30"),
        Decimal("19.00"),
    ),
    "ELE": Category(
        "ELE",
        (
            (
                "LED A19 lamp {} W, {}K, dimmable",
                (("8", "9", "11", "14"), ("2700", "3000", "5000")),
            ),
            ("Duplex receptacle 15 A, {}", (("white", "ivory", "gray", "black"),)),
            ("Cable tie {} in, UV black", (("4", "8", "11", "14", "24"),)),
            ("Twist-on wire connector, {}", (("yellow", "red", "orange", "gray"),)),
        ),
        Decimal("0.02"),
        Decimal("9.80"),
    ),
    "TLS": Category(
        "TLS",
        (
            ("Cut-off wheel {} in x .045, type 1", (("4-1/2", "5", "6"),)),
            ("Sanding disc 5 in, {} grit, hook and loop", (("60", "80", "120", "220"),)),
            ("HSS jobber drill bit {} in", (("1/8", "3/16", "1/4", "5/16", "3/8", "1/2"),)),
            ("Heavy-duty utility blade, pack of {}", (("5", "10", "100"),)),
        ),
        Decimal("0.20"),
        Decimal("12.00"),
    ),
    "CHM": Category(
        "CHM",
        (
            ("Sodium bicarbonate, {}", (("technical grade", "food grade"),)),
            ("Citric acid anhydrous, {}", (("fine granular", "powder"),)),
            ("Calcium chloride flakes, {}", (("77%", "83-87%"),)),
            ("Sodium percarbonate, {}", (("coated", "uncoated"),)),
        ),
        Decimal("0.80"),
        Decimal("6.50"),
        weighed=True,
    ),
    "LAB": Category(
        "LAB",
        (
            ("Pipette tips {} µL, filtered, rack of 96", (("10", "20", "200", "1000"),)),
            ("Centrifuge tube {} mL, sterile", (("1.5", "15", "50"),)),
            ("Sample vial {} mL, amber glass", (("2", "4", "20", "40"),)),
            ("Petri dish 90 mm, {}", (("vented", "non-vented", "triple vent"),)),
        ),
        Decimal("0.05"),
        Decimal("8.50"),
    ),
    "OFF": Category(
        "OFF",
        (
            ("Copy paper letter, 20 lb, {} bright, ream", (("92", "96"),)),
            ("Ballpoint pen, medium, {} ink", (("blue", "black", "red"),)),
            ("File folder, letter, {}", (("manila", "red", "blue", "green"),)),
            ("Sticky notes 3x3 in, {}", (("yellow", "assorted neon", "pastel"),)),
        ),
        Decimal("0.10"),
        Decimal("7.50"),
    ),
    "HYD": Category(
        "HYD",
        (
            ("Hydraulic JIC fitting {} in, steel", (("1/4", "3/8", "1/2", "3/4", "1"),)),
            ("Hose clamp {} in, worm drive", (("1/2", "3/4", "1", "1-1/2", "2"),)),
            ("Quick coupler {} in, ISO A", (("1/4", "3/8", "1/2"),)),
            ("O-ring kit, {}, nitrile", (("SAE", "metric"),)),
        ),
        Decimal("0.40"),
        Decimal("42.00"),
    ),
}


@dataclass(frozen=True)
class SupplierSpec:
    code: str
    name: str
    domain: str
    category: str
    status: str = "active"
    time_zone: str = "America/Chicago"
    ack_sla_hours: int = 48


# The small demo's suppliers, in a fixed order: the first two own the demo supplier logins.
NAMED_SUPPLIERS = (
    SupplierSpec("NWF", "Northwind Fasteners", "northwind-fasteners.example", "FAS"),
    SupplierSpec(
        "BRP",
        "Blue Ridge Packaging",
        "blueridge-packaging.example",
        "PKG",
        "active",
        "America/New_York",
        24,
    ),
    SupplierSpec(
        "CFS",
        "Cascade Foodservice Supply",
        "cascade-foodservice.example",
        "FSV",
        time_zone="America/Los_Angeles",
    ),
    SupplierSpec("SMJ", "Summit Janitorial Co.", "summit-janitorial.example", "JAN"),
    SupplierSpec(
        "LKS", "Lakeshore Safety Products", "lakeshore-safety.example", "SAF", ack_sla_hours=72
    ),
    SupplierSpec("PEW", "Prairie Electrical Wholesale", "prairie-electrical.example", "ELE"),
    SupplierSpec(
        "HTA",
        "Harbor Tools & Abrasives",
        "harbor-tools.example",
        "TLS",
        time_zone="America/New_York",
    ),
    SupplierSpec("RVC", "Riverside Chemical", "riverside-chemical.example", "CHM"),
    SupplierSpec(
        "GPL",
        "Granite Peak Lab Supply",
        "granitepeak-lab.example",
        "LAB",
        time_zone="America/Denver",
    ),
    SupplierSpec(
        "TWO",
        "Tidewater Office Products",
        "tidewater-office.example",
        "OFF",
        time_zone="America/New_York",
    ),
    SupplierSpec(
        "MSC", "Mesa Corrugated", "mesa-corrugated.example", "PKG", time_zone="America/Phoenix"
    ),
    SupplierSpec("IBH", "Ironbridge Hydraulics", "ironbridge-hydraulics.example", "HYD"),
    # Still onboarding: it can sign in to its checklist but has no catalogue or orders yet.
    SupplierSpec(
        "ACC",
        "Alpine Cold Chain Supply",
        "alpine-coldchain.example",
        "FSV",
        status="onboarding",
        time_zone="America/Denver",
    ),
)

# Word lists for the generated suppliers of the large demo.
NAME_PLACES = (
    "Apex",
    "Atlas",
    "Bayside",
    "Beacon",
    "Birchwood",
    "Brightwater",
    "Canyon",
    "Cedar",
    "Coastal",
    "Copperline",
    "Crescent",
    "Delta",
    "Eagle",
    "Evergreen",
    "Fairview",
    "Falcon",
    "Frontier",
    "Gateway",
    "Golden Gate",
    "Great Lakes",
    "Highland",
    "Horizon",
    "Keystone",
    "Liberty",
    "Lone Star",
    "Magnolia",
    "Meridian",
    "Midwest",
    "Mountain View",
    "Northstar",
    "Oakridge",
    "Pacific",
    "Palmetto",
    "Pinnacle",
    "Pioneer",
    "Redwood",
    "Sierra",
    "Silver Creek",
    "Southern",
    "Sterling",
    "Sunbelt",
    "Tri-State",
    "Valley",
    "Westbrook",
)
NAME_TRADES = {
    "FAS": ("Fasteners", "Bolt & Screw", "Fastening Systems"),
    "PKG": ("Packaging", "Container", "Box & Film"),
    "FSV": ("Foodservice", "Restaurant Supply", "Disposables"),
    "JAN": ("Janitorial", "Sanitation", "Facility Supply"),
    "SAF": ("Safety", "Protective Equipment", "Workwear"),
    "ELE": ("Electric Supply", "Lighting", "Wire & Cable"),
    "TLS": ("Tool", "Abrasives", "Cutting Tools"),
    "CHM": ("Chemical", "Industrial Chemicals", "Minerals"),
    "LAB": ("Scientific", "Lab Supply", "Labware"),
    "OFF": ("Office Supply", "Business Products", "Stationers"),
    "HYD": ("Hydraulics", "Fluid Power", "Hose & Fitting"),
}
NAME_SUFFIXES = ("Inc.", "Co.", "LLC", "Corp.", "Supply", "Distributors", "Group", "")

FIRST_NAMES = (
    "Carmen",
    "David",
    "Elena",
    "Farid",
    "Grace",
    "Hiro",
    "Imani",
    "Jonas",
    "Keiko",
    "Luis",
    "Maya",
    "Nadia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sanjay",
    "Tomas",
    "Uma",
    "Victor",
    "Wendy",
    "Xavier",
    "Yara",
    "Zoe",
)
LAST_NAMES = (
    "Alvarez",
    "Brennan",
    "Chen",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Moreau",
    "Nguyen",
    "Olsen",
    "Patel",
    "Rossi",
    "Silva",
    "Tanaka",
    "Varga",
    "Weber",
    "Young",
)
