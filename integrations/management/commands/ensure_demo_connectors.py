from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from integrations.demo.connectors import ensure_demo_connectors


class Command(BaseCommand):
    help = "Create the offline demo ERP and WMS file_drop connectors and one dead letter."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-dead-letter", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        connectors = ensure_demo_connectors(with_dead_letter=not options["no_dead_letter"])
        for connector in connectors:
            self.stdout.write(f"{connector.name}: {connector.kind} → {connector.config}")
