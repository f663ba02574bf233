"""A supplier admin manages their own users: invite, deactivate, reactivate, set role.
Deactivated users cannot sign in and their history stays; staff cannot manage anyone."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from integrations.errors import DomainError
from integrations.models import AuditEntry
from portal.models import User
from suppliers import services
from suppliers.models import Invitation, SupplierMembership
from tests.portal.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _membership(user) -> SupplierMembership:
    return SupplierMembership.objects.select_related("user").get(user=user)


def test_the_admin_sees_only_their_own_users(client, supplier_user, teammate, outsider):
    client.force_login(supplier_user)

    page = client.get(reverse("team:user_list")).content.decode()

    assert "tia@acme.example" in page
    assert "olga@globex.example" not in page


def test_the_admin_invites_a_user_with_a_role(
    client, supplier_user, django_capture_on_commit_callbacks
):
    client.force_login(supplier_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("team:user_list"), {"email": "Neo@Acme.example", "role": "supplier_staff"}
        )

    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.supplier.code, invitation.email, invitation.role) == (
        "ACME",
        "neo@acme.example",
        "supplier_staff",
    )


def test_deactivating_a_user_stops_their_login_and_keeps_their_history(
    client, supplier_user, teammate
):
    AuditEntry.objects.create(
        actor=teammate,
        actor_label=str(teammate),
        channel="portal",
        object_type="x",
        object_id="1",
        action="did something",
    )
    client.force_login(supplier_user)

    response = client.post(reverse("team:user_deactivate", args=[_membership(teammate).pk]))

    assert response.status_code == 302
    teammate.refresh_from_db()
    assert teammate.is_active is False
    assert _membership(teammate).is_active is False
    assert AuditEntry.objects.filter(actor=teammate).count() == 1
    assert User.objects.filter(pk=teammate.pk).exists()
    client.logout()
    cache.clear()  # no failed-login rate limit left over from another test
    login = client.post(
        reverse("account_login"), {"login": "tia@acme.example", "password": PASSWORD}
    )
    assert "_auth_user_id" not in client.session
    assert (login.status_code, login["Location"]) == (302, reverse("account_inactive"))


def test_a_deactivated_users_open_session_loses_access(client, supplier_user, teammate):
    client.force_login(teammate)
    services.supplier_user_deactivate(actor=supplier_user, membership=_membership(teammate))

    response = client.get(reverse("suppliers:po_list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_reactivated_user_can_sign_in_again(client, supplier_user, teammate):
    services.supplier_user_deactivate(actor=supplier_user, membership=_membership(teammate))
    client.force_login(supplier_user)

    client.post(reverse("team:user_reactivate", args=[_membership(teammate).pk]))

    assert client.login(email="tia@acme.example", password=PASSWORD) is True


def test_the_admin_makes_a_teammate_admin(client, supplier_user, teammate):
    client.force_login(supplier_user)

    client.post(
        reverse("team:user_set_role", args=[_membership(teammate).pk]), {"role": "supplier_admin"}
    )

    assert _membership(teammate).role == "supplier_admin"
    entry = AuditEntry.objects.get(action="role_changed")
    assert (entry.before, entry.after) == ({"role": "supplier_staff"}, {"role": "supplier_admin"})


def test_the_last_admin_cannot_be_demoted(client, supplier_user, teammate):
    with pytest.raises(DomainError, match="Keep at least one active admin"):
        services.supplier_user_set_role(
            actor=teammate, membership=_membership(supplier_user), role="supplier_staff"
        )


def test_an_admin_cannot_deactivate_themselves(client, supplier_user):
    client.force_login(supplier_user)

    client.post(reverse("team:user_deactivate", args=[_membership(supplier_user).pk]))

    assert _membership(supplier_user).is_active is True


def test_staff_cannot_manage_users(client, supplier_user, teammate):
    client.force_login(teammate)

    assert client.get(reverse("team:user_list")).status_code == 403
    response = client.post(reverse("team:user_deactivate", args=[_membership(supplier_user).pk]))
    assert response.status_code == 403
    assert _membership(supplier_user).is_active is True


def test_the_admin_cannot_touch_another_suppliers_user(client, supplier_user, outsider):
    client.force_login(supplier_user)

    response = client.post(reverse("team:user_deactivate", args=[_membership(outsider).pk]))
    role = client.post(
        reverse("team:user_set_role", args=[_membership(outsider).pk]), {"role": "supplier_admin"}
    )

    assert (response.status_code, role.status_code) == (404, 404)
    assert _membership(outsider).is_active is True
    assert _membership(outsider).role == "supplier_staff"


def test_the_team_page_runs_a_constant_number_of_queries(
    client, supplier, supplier_user, django_assert_max_num_queries
):
    from tests.suppliers.factories import SupplierMembershipFactory

    client.force_login(supplier_user)
    client.get(reverse("team:user_list"))
    with django_assert_max_num_queries(30) as captured:
        client.get(reverse("team:user_list"))
    SupplierMembershipFactory.create_batch(10, supplier=supplier)

    with django_assert_max_num_queries(len(captured.captured_queries)):
        client.get(reverse("team:user_list"))
