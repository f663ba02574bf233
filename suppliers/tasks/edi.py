"""Beat task: pick up partner files from every trading partner's inbound folder."""

from celery import shared_task

from suppliers.edi.folders import edi_inbound_folders_poll


@shared_task(name="suppliers.edi_poll_inbound_folders")
def edi_poll_inbound_folders() -> int:
    return edi_inbound_folders_poll().files
