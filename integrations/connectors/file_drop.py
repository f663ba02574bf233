"""`file_drop`: one JSON file per event in a directory (an SFTP-mounted folder in practice).

Files are written atomically (a temporary file in the same directory, fsync, then
`os.replace`), so a reader polling the folder never sees half a file. The file name holds
the event id, so a redelivery overwrites the same file instead of adding a duplicate.
"""

import os
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings

from integrations.connectors.base import BaseConnector, ConnectorError, SendResult, register


def resolve_directory(directory: str) -> Path:
    path = Path(directory)
    # Relative paths are relative to the project, so `var/outbox/erp` works out of the box.
    return path if path.is_absolute() else Path(settings.BASE_DIR) / path


@register("file_drop")
class FileDropConnector(BaseConnector):
    @classmethod
    def config_errors(cls, config: dict[str, Any]) -> list[str]:
        return [] if config.get("directory") else ["config needs 'directory', e.g. var/outbox/erp"]

    def filename(self, envelope: dict[str, Any]) -> str:
        aggregate = envelope["aggregate"]
        safe_id = "".join(c if c.isalnum() or c in "-_" else "_" for c in aggregate["id"])
        return (
            f"{aggregate['type']}-{safe_id}-{envelope['sequence']:06d}-"
            f"{envelope['type']}-{envelope['id']}.json"
        )

    def send(self, envelope: dict[str, Any], body: bytes) -> SendResult:
        directory = resolve_directory(self.config.get("directory", ""))
        target = directory / self.filename(envelope)
        request = {"path": str(target), "bytes": len(body)}
        try:
            directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=".", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(body)
                    handle.flush()
                    if self.config.get("fsync", True):
                        os.fsync(handle.fileno())
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as error:
            # A full disk or an unmounted share heals by itself or by an operator: retry.
            raise ConnectorError(
                f"Could not write {target}: {error}", permanent=False, request=request
            ) from error
        return SendResult(response=f"wrote {target.name}", request=request)
