"""`python manage.py edi_import PATH [--partner CODE]`: process X12 files (a file or every
file of a folder) through the EDI channel.

Each file is read a chunk at a time (a day's 846 feed of 20 MB takes the memory of a
small one) and committed batch by batch; progress goes to stderr as "sets done / total".
Prints one line per interchange and per transaction set (for an interchange of more than
100 sets, only the sets not applied), then the totals: sets applied, rejected and
duplicate (resent). Exits 1 when anything was rejected or unreadable, so a script or an
operator notices; a resend alone is not an error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from integrations.models import EdiInterchange, EdiTransactionSet
from integrations.services.edi_intake import ImportReport, edi_file_import
from suppliers.models import TradingPartner

LISTED_SETS = 100


class Command(BaseCommand):
    help = "Import EDI X12 files (855, 856, 846, 810, 997) from a file or a folder."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--partner", default="", help="Trading partner code.")

    def handle(self, *args: Any, path: str, partner: str, **options: Any) -> None:
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
        totals = {"applied": 0, "refused": 0, "duplicates": 0, "unreadable": 0}
        for file in files:
            report = edi_file_import(
                path=file, file_name=file.name, partner_code=partner, progress=self._progress
            )
            rejected = rejected or report.rejected
            self._print(file.name, report)
            totals["applied"] += report.applied
            totals["refused"] += report.refused
            totals["duplicates"] += report.duplicates
            totals["unreadable"] += sum(
                1 for i in report.interchanges if i.status == EdiInterchange.Status.UNREADABLE
            )
        self.stdout.write(
            f"{len(files)} file(s): {totals['applied']} set(s) applied, "
            f"{totals['refused']} rejected, {totals['duplicates']} duplicate (resent, applied "
            f"before); {totals['unreadable']} file(s) unreadable."
        )
        if rejected:
            # SystemExit keeps the summary on stdout and gives the shell a non-zero status.
            raise SystemExit(1)

    def _progress(self, interchange: EdiInterchange, done: int, total: int) -> None:
        self.stderr.write(
            f"{interchange.file_name}: ISA {interchange.control_number}: "
            f"{done:,}/{total:,} sets committed",
            style_func=str,
        )

    def _print(self, name: str, report: ImportReport) -> None:
        for error in report.errors:
            self.stdout.write(f"{name}: {error}")
        for interchange in report.interchanges:
            self.stdout.write(
                f"{name}: ISA {interchange.control_number or '?'} "
                f"{interchange.get_status_display().lower()} — {interchange.summary}"
            )
            rows = interchange.transaction_sets.all()
            if interchange.sets_total > LISTED_SETS:
                rows = rows.exclude(status=EdiTransactionSet.Status.ACCEPTED)
            listed = list(rows[: LISTED_SETS + 1])
            for row in listed[:LISTED_SETS]:
                detail = row.rejection or row.result.get("summary", "")
                self.stdout.write(
                    f"  {row.set_id} {row.control_number}: "
                    f"{row.get_status_display().lower()}" + (f" — {detail}" if detail else "")
                )
            if len(listed) > LISTED_SETS:
                self.stdout.write("  … more sets not listed: see the EDI message viewer.")
