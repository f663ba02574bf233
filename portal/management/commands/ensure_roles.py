from django.core.management.base import BaseCommand

from portal.roles import ensure_role_groups


class Command(BaseCommand):
    help = (
        "Create the internal role groups (buyer, integration operator, portal admin) "
        "with their permissions."
    )

    def handle(self, *args, **options) -> None:
        for name, group in ensure_role_groups().items():
            self.stdout.write(f"{name}: {group.permissions.count()} permissions")
