"""python manage.py ingest_movements FILE [FILE …]: the movement file drop (CSV with the
columns of integrations/schemas/inventory.movement.v1.json), e.g. from a folder poll."""

from django.core.management.base import BaseCommand, CommandError

from integrations.errors import DomainError
from integrations.models import Channel
from inventory.resources.movement_files import movements_ingest_path


class Command(BaseCommand):
    help = "Ingest inventory movement events from CSV files (idempotent per source event id)."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+")

    def handle(self, *args, files: list[str], **options):
        for path in files:
            try:
                result = movements_ingest_path(actor=None, path=path, channel=Channel.CSV)
            except (DomainError, OSError) as error:
                raise CommandError(f"{path}: {error}") from error
            applied = sum(batch.applied for batch in result.batches)
            recorded = sum(batch.recorded for batch in result.batches)
            held = sum(batch.held for batch in result.batches)
            duplicates = sum(batch.duplicates for batch in result.batches)
            self.stdout.write(
                f"{path}: {result.rows} rows, {recorded} recorded, {duplicates} duplicates, "
                f"{applied} applied, {held} held for a gap, {len(result.errors)} errors."
            )
            for line, field, message in result.errors[:20]:
                self.stdout.write(f"  line {line}: {field}: {message}")
