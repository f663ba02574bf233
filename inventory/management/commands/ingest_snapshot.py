"""python manage.py ingest_snapshot FILE --source erp|wms --warehouse CODE [--taken-at ISO]"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_naive, make_aware

from integrations.errors import DomainError
from inventory.models import Warehouse
from inventory.services.snapshots import error_report_csv, snapshot_ingest_file


class Command(BaseCommand):
    help = "Ingest a stock snapshot CSV (columns sku, uom, quantity) set-based."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--source", required=True, choices=["erp", "wms"])
        parser.add_argument("--warehouse", required=True)
        parser.add_argument("--taken-at", default="", help="When the source counted (ISO 8601).")
        parser.add_argument("--errors", default="", help="Write the rejected rows to this CSV.")

    def handle(
        self, *args, file: str, source: str, warehouse: str, taken_at: str, errors: str, **options
    ):
        wh = Warehouse.objects.filter(code=warehouse).first()
        if wh is None:
            raise CommandError(f"No warehouse has the code {warehouse!r}.")
        when = None
        if taken_at:
            when = parse_datetime(taken_at)
            if when is None:
                raise CommandError(f"--taken-at {taken_at!r} is not an ISO 8601 date-time.")
            when = make_aware(when) if is_naive(when) else when
        try:
            result = snapshot_ingest_file(
                actor=None, path=file, source=source, warehouse=wh, taken_at=when
            )
        except DomainError as error:
            raise CommandError(str(error)) from error
        snapshot = result.snapshot
        self.stdout.write(
            f"Snapshot #{snapshot.pk} ({snapshot}): {result.rows_loaded} of {result.rows_total} "
            f"rows loaded in {snapshot.duration_ms} ms."
        )
        for kind, count in sorted(result.error_counts.items()):
            self.stdout.write(f"  rejected {kind}: {count}")
        for row in snapshot.errors[:20]:
            self.stdout.write(f"  line {row['line']}: {row['kind']} ({row['sku']})")
        if errors:
            with open(errors, "w", newline="") as stream:
                stream.write(error_report_csv(snapshot))
