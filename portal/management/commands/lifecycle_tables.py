"""`python manage.py lifecycle_tables [--write]`: print every document's table of allowed
status moves as Markdown, or write it into docs/architecture.md between its markers, so
the document cannot drift from the code (tests/portal/test_architecture.py checks it)."""

import importlib
import pkgutil
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from integrations.services.lifecycle import lifecycle_markdown

BEGIN = "<!-- lifecycle-tables:begin -->"
END = "<!-- lifecycle-tables:end -->"
APPS_WITH_DOCUMENTS = ("suppliers", "inventory", "integrations")


def load_lifecycles() -> None:
    """Import every services module of the apps, which declares the lifecycles."""
    for app in APPS_WITH_DOCUMENTS:
        package = importlib.import_module(f"{app}.services")
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{app}.services.{module.name}")


class Command(BaseCommand):
    help = "Print (or --write into docs/architecture.md) the documents' lifecycle tables."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--write", action="store_true", help="update docs/architecture.md")

    def handle(self, *args, write: bool = False, **options) -> None:
        load_lifecycles()
        tables = lifecycle_markdown().strip()
        if not write:
            self.stdout.write(tables)
            return
        path = Path(settings.BASE_DIR) / "docs" / "architecture.md"
        text = path.read_text()
        if BEGIN not in text or END not in text:
            raise CommandError(f"{path} has no {BEGIN} … {END} markers to write between.")
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        path.write_text(f"{head}{BEGIN}\n\n{tables}\n\n{END}{tail}")
        self.stdout.write(f"Wrote the lifecycle tables into {path}.")
