"""python manage.py reconcile_inventory [--warehouse CODE] [--report FILE]"""

from django.core.management.base import BaseCommand, CommandError

from inventory.models import Warehouse
from inventory.services.reconciliation import open_exceptions_report, reconcile


class Command(BaseCommand):
    help = (
        "Reconcile the latest ERP and WMS snapshots of every active warehouse (or one), "
        "print the differences by class, and optionally write the open inventory "
        "exceptions as CSV."
    )

    def add_arguments(self, parser):
        parser.add_argument("--warehouse", default="", help="Warehouse code (default: all).")
        parser.add_argument("--report", default="", help="Write open exceptions to this CSV.")

    def handle(self, *args, warehouse: str, report: str, **options):
        if warehouse and not Warehouse.objects.filter(code=warehouse).exists():
            raise CommandError(f"No warehouse has the code {warehouse!r}.")
        run = reconcile(actor=None, warehouse_code=warehouse, trigger="cli")
        self.stdout.write(
            f"Reconciliation #{run.pk}: {run.positions_compared} positions compared, "
            f"{run.discrepancies} discrepancies ({run.duration})."
        )
        for kind, count in sorted(run.counts.items()):
            self.stdout.write(f"  {kind}: {count}")
        for code, stats in sorted(run.by_warehouse.items()):
            if "skipped" in stats:
                self.stdout.write(f"  {code}: skipped ({stats['skipped']})")
        self.stdout.write(
            f"Exceptions: {run.opened} opened, {run.updated} updated, "
            f"{run.auto_resolved} auto-resolved."
        )
        if report:
            with open(report, "w", newline="") as stream:
                rows = open_exceptions_report(stream, warehouse_code=warehouse)
            self.stdout.write(f"Wrote {rows} open exceptions to {report}.")
