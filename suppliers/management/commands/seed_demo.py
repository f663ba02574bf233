"""`manage.py seed_demo [--scale small|large]`: a believable distributor to click through.

small (default): 13 suppliers (12 active, 1 onboarding), 400 items, 3 warehouses, 150 POs.
large: 250 suppliers, 20,000 items, 5 warehouses, 25,000 POs (~250,000 lines), a superset
of small (same suppliers, items and the same 150 POs, plus POs numbered from PO-200001).
Re-running creates only what is missing.
"""

import time

from django.core.management.base import BaseCommand, CommandParser

from suppliers.demo.catalog import PASSWORD
from suppliers.demo.load import seed_demo
from suppliers.demo.plan import SCALES
from suppliers.demo.workflows import seed_demo_workflows


class Command(BaseCommand):
    help = "Create demo suppliers, items, warehouses, purchase orders and demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=sorted(SCALES), default="small")
        parser.add_argument(
            "--seed", type=int, default=2026, help="Random seed; the same seed, the same data."
        )

    def handle(self, *args, scale: str, seed: int, **options) -> None:
        started = time.monotonic()
        report = seed_demo(scale=SCALES[scale], seed=seed)
        report.created.update(seed_demo_workflows(to_propose=report.to_propose))
        elapsed = time.monotonic() - started

        self.stdout.write(f"Demo data, scale {scale}: created")
        if report.created:
            for label, count in sorted(report.created.items()):
                self.stdout.write(f"  {count:>9,}  {label}")
        else:
            self.stdout.write("  nothing (everything already exists)")
        self.stdout.write(f"in {elapsed:.1f} s.\n")
        self.stdout.write(f"Demo logins (password for all: {PASSWORD}):")
        for user in report.logins:
            where = f" at {user.supplier_code}" if user.supplier_code else ""
            self.stdout.write(f"  {user.email:<42} {user.role.value}{where}")
