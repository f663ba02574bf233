"""Picking partner files up from each trading partner's inbound folder.

A file is processed, then moved to `processed/` (everything accepted, or a duplicate) or
`failed/` (anything rejected or unreadable) beside it, so a folder shows at a glance what
still needs attention and nothing is read twice. Hidden and temporary files (a partner's
upload in progress) are left alone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from integrations.services.edi_intake import ImportReport, edi_file_import
from suppliers.models import TradingPartner

logger = logging.getLogger(__name__)


@dataclass
class FolderRun:
    reports: list[ImportReport] = field(default_factory=list)

    @property
    def files(self) -> int:
        return len(self.reports)

    @property
    def failed(self) -> int:
        return sum(1 for r in self.reports if r.rejected)


def _resolve(folder: str) -> Path:
    path = Path(folder)
    return path if path.is_absolute() else Path(settings.BASE_DIR) / path


def _move(path: Path, subfolder: str) -> None:
    target = path.parent / subfolder
    target.mkdir(exist_ok=True)
    destination = target / path.name
    counter = 1
    while destination.exists():  # a resend under the same name keeps both copies
        destination = target / f"{path.stem}.{counter}{path.suffix}"
        counter += 1
    path.rename(destination)


def edi_inbound_folders_poll() -> FolderRun:
    run = FolderRun()
    partners = TradingPartner.objects.filter(is_active=True).exclude(inbound_folder="")
    for partner in partners:
        folder = _resolve(partner.inbound_folder)
        if not folder.is_dir():
            continue
        for path in sorted(p for p in folder.iterdir() if p.is_file()):
            if path.name.startswith(".") or path.suffix in (".tmp", ".part"):
                continue
            report = edi_file_import(path=path, file_name=path.name, partner_code=partner.code)
            run.reports.append(report)
            _move(path, "failed" if report.rejected else "processed")
    return run
