"""`python manage.py edi_import PATH [--partner CODE]`: process X12 files (a file or every
file of a folder) through the EDI channel. Prints one line per transaction set and exits
1 when anything was rejected, so a script or an operator notices."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from integrations.services.edi_intake import edi_file_import
from suppliers.models import TradingPartner


class Command(BaseCommand):
    help = "Import EDI X12 files (855, 856, 846, 810, 997) from a file or a folder."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path")
        parser.add_argument("--partner", default="", help="Trading partner code.")

    def handle(self, *args, path: str, partner: str, **options) -> None:
        source = Path(path)
        if partner and not TradingPartner.objects.filter(code=partner).exists():
            raise CommandError(f"No trading partner {partner!r}.")
        if source.is_dir():
            files = sorted(
                p for p in source.iterdir() if p.is_file() and not p.name.startswith(".")
            )
        elif source.is_file():
            files = [source]
        else:
            raise CommandError(f"{path} is not a file or folder.")
        rejected = False
        for file in files:
            report = edi_file_import(
                data=file.read_bytes(), file_name=file.name, partner_code=partner
            )
            rejected = rejected or report.rejected
            for error in report.errors:
                self.stdout.write(f"{file.name}: {error}")
            for interchange in report.interchanges:
                self.stdout.write(
                    f"{file.name}: ISA {interchange.control_number or '?'} "
                    f"{interchange.get_status_display().lower()} — {interchange.summary}"
                )
                for row in interchange.transaction_sets.all():
                    detail = row.rejection or row.result.get("summary", "")
                    self.stdout.write(
                        f"  {row.set_id} {row.control_number}: "
                        f"{row.get_status_display().lower()}" + (f" — {detail}" if detail else "")
                    )
        if rejected:
            # SystemExit keeps the summary on stdout and gives the shell a non-zero status.
            raise SystemExit(1)
