"""`edi_x12`: X12 files for EDI trading partners, written into each partner's outbound
folder (an SFTP-mounted folder or a VAN mailbox in practice).

Two kinds of events reach it:

* `edi.functional_ack` carries a rendered 997 (intake rendered it with our control
  numbers and stored it); the connector writes it as it is.
* `purchase_order.received` / `purchase_order.change_decided` (subscribe to both): the
  connector asks the partner registry (filled by `suppliers`) for the canonical 850 of
  that PO. No answer means "not an EDI supplier" and the delivery is done with nothing to
  send. Otherwise the 850 is rendered once per event with our next control numbers and
  stored; a redelivery writes the same text again (same ISA13), so a partner sees one
  interchange per event however often the outbox retries.

Files are written atomically under a name holding the control number, so a retry
overwrites instead of duplicating.
"""

from pathlib import Path
from typing import Any

from django.utils import timezone

from integrations.connectors.base import BaseConnector, ConnectorError, SendResult, register
from integrations.connectors.file_drop import resolve_directory
from integrations.edi import registry
from integrations.edi.envelope import render_outbound
from integrations.edi.x850 import render_850
from integrations.models import EdiInterchange, EdiTransactionSet

PURCHASE_ORDER_EVENTS = (
    "purchase_order.received",
    "purchase_order.change_decided",
    "purchase_order.revised",
)


def _write_atomically(directory: Path, name: str, text: str) -> str:
    import os
    import tempfile

    directory.mkdir(parents=True, exist_ok=True)
    target = directory / name
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return str(target)


@register("edi_x12")
class EdiX12Connector(BaseConnector):
    @classmethod
    def config_errors(cls, config: dict[str, Any]) -> list[str]:
        # Folders come from each trading partner; nothing is required here.
        return []

    def send(self, envelope: dict[str, Any], body: bytes) -> SendResult:
        if envelope["type"] == "edi.functional_ack":
            return self._send_ack(envelope)
        if envelope["type"] in PURCHASE_ORDER_EVENTS:
            return self._send_850(envelope)
        return SendResult(response=f"{envelope['type']} is not sent as EDI; nothing to do.")

    def _profile(self, code: str) -> registry.PartnerProfile:
        profile = registry.partner_by_code(code)
        if profile is None or not profile.outbound_folder:
            # An operator fixes the partner set-up; then the retry goes through.
            raise ConnectorError(
                f"Trading partner {code!r} is missing or has no outbound folder.", permanent=False
            )
        return profile

    def _write(self, record: EdiInterchange, folder: str) -> SendResult:
        directory = resolve_directory(folder)
        request = {"path": str(directory / record.file_name), "bytes": len(record.raw)}
        try:
            path = _write_atomically(directory, record.file_name, record.raw)
        except OSError as error:
            raise ConnectorError(
                f"Could not write {record.file_name}: {error}", permanent=False, request=request
            ) from error
        EdiInterchange.objects.filter(pk=record.pk).update(
            status=EdiInterchange.Status.SENT, sent_at=timezone.now()
        )
        return SendResult(response=f"wrote {path}", request=request)

    def _send_ack(self, envelope: dict[str, Any]) -> SendResult:
        data = envelope["data"]
        profile = self._profile(data["partner"])
        record = EdiInterchange.objects.filter(pk=data["interchange_id"]).first()
        if record is None:
            raise ConnectorError(
                f"997 interchange {data['interchange_id']} no longer exists.", permanent=True
            )
        return self._write(record, profile.outbound_folder)

    def _send_850(self, envelope: dict[str, Any]) -> SendResult:
        data = envelope["data"]
        if envelope["type"] == "purchase_order.change_decided" and "new_revision" not in data:
            return SendResult(response="The PO was not revised; no 850 to send.")
        record = EdiInterchange.objects.filter(event_id=envelope["id"]).first()
        if record is None:
            found = registry.outbound_purchase_order(envelope)
            if found is None:
                return SendResult(response="Not an EDI trading partner; no 850 to send.")
            profile, purchase_order = found
            if not profile.outbound_folder:
                raise ConnectorError(
                    f"Trading partner {profile.code} has no outbound folder.", permanent=False
                )
            text, isa13, gs06 = render_outbound(
                profile=profile, functional_id="PO", sets=[("850", render_850(purchase_order))]
            )
            record = EdiInterchange.objects.create(
                direction=EdiInterchange.Direction.OUTBOUND,
                status=EdiInterchange.Status.GENERATED,
                partner_code=profile.code,
                sender_qualifier=profile.our_qualifier,
                sender_id=profile.our_id,
                receiver_qualifier=profile.partner_qualifier,
                receiver_id=profile.partner_id,
                control_number=isa13,
                usage=profile.usage,
                file_name=f"850-{profile.code}-{purchase_order.number}-r{purchase_order.revision}"
                f"-{isa13}.x12",
                raw=text,
                event_id=envelope["id"],
                document_kind="850",
                document_ref=purchase_order.number,
                summary=f"PO {purchase_order.number} revision {purchase_order.revision}, "
                f"{len(purchase_order.lines)} lines",
                created_at=timezone.now(),
            )
            EdiTransactionSet.objects.create(
                interchange=record,
                sequence=1,
                functional_id="PO",
                group_control_number=gs06,
                set_id="850",
                control_number="",
                status=EdiTransactionSet.Status.GENERATED,
                result={"summary": record.summary},
            )
        else:
            profile = self._profile(record.partner_code)
        return self._write(record, profile.outbound_folder)
