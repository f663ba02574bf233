from django.core.management.base import BaseCommand

from integrations.demo.connectors import ensure_demo_connectors


class Command(BaseCommand):
    help = "Create the offline demo ERP and WMS file_drop connectors and one dead letter."

    def add_arguments(self, parser):
        parser.add_argument("--no-dead-letter", action="store_true")

    def handle(self, *args, **options):
        connectors = ensure_demo_connectors(with_dead_letter=not options["no_dead_letter"])
        for connector in connectors:
            self.stdout.write(f"{connector.name}: {connector.kind} → {connector.config}")
