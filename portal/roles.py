"""The internal roles as Django groups, with the Django-admin permissions each needs: a
portal admin manages every model of the product's apps; an integration operator reads the
integration records (its own screens are outside the admin)."""

from django.contrib.auth.models import Group, Permission

from portal.access import INTERNAL_ROLES, Role

PRODUCT_APPS = ("portal", "suppliers", "inventory", "integrations")


def ensure_role_groups() -> dict[str, Group]:
    """Create the role groups if missing and (re)grant their permissions. Idempotent."""
    groups = {
        role.value: Group.objects.get_or_create(name=role.value)[0] for role in INTERNAL_ROLES
    }
    product = Permission.objects.filter(content_type__app_label__in=PRODUCT_APPS)
    groups[Role.PORTAL_ADMIN.value].permissions.add(*product)
    groups[Role.INTEGRATION_OPERATOR.value].permissions.add(
        *product.filter(content_type__app_label="integrations", codename__startswith="view_")
    )
    return groups
