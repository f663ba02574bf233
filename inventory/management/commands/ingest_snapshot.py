"""python manage.py ingest_snapshot FILE --source erp|wms --warehouse CODE [--taken-at ISO]
[--partial] [--errors FILE]"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_naive, make_aware

from integrations.errors import DomainError
from inventory.models import Warehouse
from inventory.services.snapshot_loading import FLAGGED
from inventory.services.snapshots import error_report_csv, snapshot_ingest_file


class Command(BaseCommand):
    help = "Ingest a stock snapshot CSV (columns sku, uom, quantity) set-based."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--source", required=True, choices=["erp", "wms"])
        parser.add_argument("--warehouse", required=True)
        parser.add_argument("--taken-at", default="", help="When the source counted (ISO 8601).")
        parser.add_argument(
            "--errors", default="", help="Write the whole error report to this CSV."
        )
        parser.add_argument(
            "--partial",
            action="store_true",
            help="The file holds some items only: the others keep the last full snapshot.",
        )

    def handle(
        self,
        *args,
        file: str,
        source: str,
        warehouse: str,
        taken_at: str,
        errors: str,
        partial: bool,
        **options,
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
                actor=None,
                path=file,
                source=source,
                warehouse=wh,
                taken_at=when,
                partial=partial,
            )
        except DomainError as error:
            raise CommandError(str(error)) from error
        snapshot = result.snapshot
        self.stdout.write(
            f"Snapshot #{snapshot.pk} ({snapshot}): {result.rows_loaded} of {result.rows_total} "
            f"rows loaded in {snapshot.duration_ms} ms."
        )
        for kind, count in sorted(result.error_counts.items()):
            self.stdout.write(f"  {'flagged' if kind in FLAGGED else 'rejected'} {kind}: {count}")
        for row in snapshot.errors[:20]:
            self.stdout.write(f"  line {row['line']}: {row['kind']} ({row['sku']})")
        if errors:
            with open(errors, "w", newline="") as stream:
                stream.write(error_report_csv(snapshot))
