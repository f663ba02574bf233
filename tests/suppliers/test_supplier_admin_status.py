"""A supplier's status is not edited in the Django admin: it moves through the
onboarding case's services, here the suspend and reinstate actions."""

import pytest
from django.urls import reverse

from integrations.models import AuditEntry
from suppliers.models import Supplier
from tests.portal.factories import UserFactory
from tests.suppliers.factories import SupplierFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_the_admin_change_form_cannot_change_a_suppliers_status(superuser_client):
    supplier = SupplierFactory(status=Supplier.Status.ACTIVE)

    response = superuser_client.get(reverse("admin:suppliers_supplier_change", args=[supplier.pk]))

    assert response.status_code == 200
    assert 'name="status"' not in response.content.decode()


def test_the_suspend_action_moves_an_active_supplier_through_its_service(superuser_client):
    active = SupplierFactory(status=Supplier.Status.ACTIVE)
    onboarding = SupplierFactory(status=Supplier.Status.ONBOARDING)

    superuser_client.post(
        reverse("admin:suppliers_supplier_changelist"),
        {"action": "suspend", "_selected_action": [active.pk, onboarding.pk]},
    )

    active.refresh_from_db()
    onboarding.refresh_from_db()
    assert active.status == Supplier.Status.SUSPENDED
    assert onboarding.status == Supplier.Status.ONBOARDING
    entry = AuditEntry.objects.get(object_id=str(active.pk), object_type="suppliers.supplier")
    assert (entry.before["status"], entry.after["status"]) == ("active", "suspended")
