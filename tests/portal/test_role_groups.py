import pytest
from django.urls import reverse

from portal.access import Role
from portal.roles import ensure_role_groups
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_portal_admin_who_is_not_a_superuser_can_use_the_admin_lists():
    ensure_role_groups()
    admin = UserFactory(email="pat@distributor.example", roles=[Role.PORTAL_ADMIN.value])
    admin.is_staff = True
    admin.save()
    from django.test import Client

    client = Client()
    client.force_login(admin)

    assert client.get(reverse("admin:suppliers_purchaseorder_changelist")).status_code == 200
    assert client.get(reverse("admin:inventory_item_changelist")).status_code == 200


def test_an_operator_may_read_but_not_change_integration_records():
    groups = ensure_role_groups()

    codenames = set(
        groups[Role.INTEGRATION_OPERATOR.value].permissions.values_list("codename", flat=True)
    )

    assert "view_auditentry" in codenames
    assert not {c for c in codenames if not c.startswith("view_")}


def test_ensuring_the_groups_twice_changes_nothing():
    first = {n: g.permissions.count() for n, g in ensure_role_groups().items()}
    second = {n: g.permissions.count() for n, g in ensure_role_groups().items()}

    assert first == second
