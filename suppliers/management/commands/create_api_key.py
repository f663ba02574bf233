"""`manage.py create_api_key --supplier ACME --name erp-sync --scopes read ship` prints a
new API key (shown once) for automation; `--internal` makes a key for an internal system
such as the WMS (scopes read, receipts, snapshots)."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from integrations.errors import DomainError
from integrations.models import Channel
from integrations.services import api_key_create
from suppliers.models import Supplier


class Command(BaseCommand):
    help = "Create an API key and print it (it is shown only once)."

    def add_arguments(self, parser) -> None:
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--supplier", help="Supplier code the key acts for.")
        target.add_argument("--internal", action="store_true", help="A key for an internal system.")
        parser.add_argument("--name", required=True, help="The system that will use the key.")
        parser.add_argument(
            "--scopes", nargs="+", required=True, help="e.g. read acknowledge ship availability"
        )
        parser.add_argument("--expires-in-days", type=int, default=None)

    def handle(self, *args, **options) -> None:
        supplier_id = None
        if options["supplier"]:
            supplier = Supplier.objects.filter(code=options["supplier"]).first()
            if supplier is None:
                raise CommandError(f"No supplier has the code {options['supplier']!r}.")
            supplier_id = supplier.pk
        scopes = [s for chunk in options["scopes"] for s in chunk.split(",") if s]
        expires_at = None
        if options["expires_in_days"] is not None:
            expires_at = timezone.now() + datetime.timedelta(days=options["expires_in_days"])
        try:
            issued = api_key_create(
                actor=None,
                name=options["name"],
                scopes=scopes,
                supplier_id=supplier_id,
                expires_at=expires_at,
                channel=Channel.SYSTEM,
            )
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stdout.write(issued.plaintext)
