"""`python manage.py edi_demo_files [--po NUMBER] [--partner CODE] [--no-invoice]`: play the
demo EDI supplier's side. Without --po a new PO is issued to the supplier (our 850 goes to
the partner's outbound folder); then the 855 (accept), 856 (ship everything) and 810
(invoice) the partner would send back are written into its inbound folder, ready for
`edi_import` or the folder poll."""

from django.core.management.base import BaseCommand, CommandError

from integrations.connectors.file_drop import resolve_directory
from integrations.models import Connector
from integrations.services.dispatch import drain_connector
from suppliers.demo.edi import (
    DEMO_PARTNER_CODE,
    edi_demo_files_write,
    edi_demo_purchase_order,
    sent_850,
)
from suppliers.models import PurchaseOrder, TradingPartner


class Command(BaseCommand):
    help = "Issue a PO to the demo EDI supplier and write its 855, 856 and 810 replies."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--partner", default=DEMO_PARTNER_CODE, help="Trading partner code.")
        parser.add_argument("--po", default="", help="Answer this existing PO instead.")
        parser.add_argument("--no-invoice", action="store_true", help="Write no 810.")

    def handle(self, *args, partner: str, po: str, no_invoice: bool, **options) -> None:
        trading_partner = (
            TradingPartner.objects.select_related("supplier").filter(code=partner).first()
        )
        if trading_partner is None:
            raise CommandError(f"No trading partner {partner!r}; run seed_demo first.")
        if po:
            purchase_order = PurchaseOrder.objects.filter(
                number=po, supplier_id=trading_partner.supplier_id
            ).first()
            if purchase_order is None:
                raise CommandError(f"PO {po} is not one of {trading_partner.supplier.code}'s.")
        else:
            try:
                purchase_order = edi_demo_purchase_order(partner=trading_partner)
            except LookupError as error:
                raise CommandError(str(error)) from error
            self.stdout.write(f"Issued PO {purchase_order.number} to {trading_partner.supplier}.")
        # A worker sends the 850 too; draining here makes the file appear before we print.
        for connector in Connector.objects.filter(kind="edi_x12", enabled=True):
            drain_connector(connector.pk)
        record = sent_850(purchase_order)
        if record is not None:
            path = resolve_directory(trading_partner.outbound_folder) / record.file_name
            self.stdout.write(f"850 out: {path}")
        else:
            self.stdout.write(f"No 850 was sent for PO {purchase_order.number}.")
        for path in edi_demo_files_write(
            partner=trading_partner, purchase_order=purchase_order, invoice=not no_invoice
        ):
            self.stdout.write(f"Partner file: {path}")
        inbound = resolve_directory(trading_partner.inbound_folder)
        self.stdout.write(
            f"Next: python manage.py edi_import {inbound} --partner {trading_partner.code}"
        )
