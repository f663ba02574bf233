"""An active supplier's profile and bank details change only after an admin approves."""

import pytest
from django.urls import reverse

from integrations.errors import DomainError
from integrations.models import AuditEntry
from suppliers import services
from suppliers.models import ProfileChange, SupplierProfile
from tests.suppliers.onboarding_support import PROFILE

pytestmark = pytest.mark.django_db


@pytest.fixture
def active_profile(supplier):
    # `supplier` is active; its profile is what onboarding approved.
    return SupplierProfile.objects.create(supplier=supplier, **{**PROFILE, "country": "US"})


def test_a_bank_change_on_an_active_supplier_waits_for_approval(
    supplier, supplier_user, active_profile
):
    change = services.supplier_profile_save(
        actor=supplier_user,
        supplier=supplier,
        data={**PROFILE, "bank_account_number": "999988887777"},
    )

    active_profile.refresh_from_db()
    assert active_profile.bank_account_number == "000123456789"
    assert change.status == ProfileChange.Status.PENDING
    assert change.changes == {"bank_account_number": "999988887777"}
    assert change.touches_bank_details is True
    entry = AuditEntry.objects.get(object_type="suppliers.profilechange")
    assert entry.after == {"bank_account_number": "•••• 7777"}


def test_approving_the_change_applies_it(supplier, supplier_user, portal_admin, active_profile):
    change = services.supplier_profile_save(
        actor=supplier_user, supplier=supplier, data={"legal_name": "Acme Fasteners Inc."}
    )

    services.profile_change_decide(actor=portal_admin, change=change, approve=True)

    active_profile.refresh_from_db()
    assert active_profile.legal_name == "Acme Fasteners Inc."
    entry = AuditEntry.objects.get(object_type="suppliers.supplierprofile", action="updated")
    assert (entry.before, entry.after) == (
        {"legal_name": "Acme Fasteners LLC"},
        {"legal_name": "Acme Fasteners Inc."},
    )


def test_rejecting_the_change_keeps_the_details_and_needs_a_reason(
    supplier, supplier_user, portal_admin, active_profile
):
    change = services.supplier_profile_save(
        actor=supplier_user, supplier=supplier, data={"tax_id": "99-0000000"}
    )
    with pytest.raises(DomainError, match="Say why the change is rejected"):
        services.profile_change_decide(actor=portal_admin, change=change, approve=False)

    services.profile_change_decide(
        actor=portal_admin, change=change, approve=False, comment="Tax id does not match W-9."
    )

    active_profile.refresh_from_db()
    assert active_profile.tax_id == "12-3456789"
    assert ProfileChange.objects.get().status == ProfileChange.Status.REJECTED


def test_a_second_edit_replaces_the_pending_change(supplier, supplier_user, active_profile):
    services.supplier_profile_save(actor=supplier_user, supplier=supplier, data={"city": "A"})
    services.supplier_profile_save(actor=supplier_user, supplier=supplier, data={"city": "B"})

    assert list(ProfileChange.objects.values_list("changes", flat=True)) == [{"city": "B"}]


def test_an_edit_that_changes_nothing_is_refused(supplier, supplier_user, active_profile):
    with pytest.raises(DomainError, match="Nothing changed"):
        services.supplier_profile_save(actor=supplier_user, supplier=supplier, data=PROFILE)


def test_the_page_says_the_change_waits_for_approval(
    client, supplier, supplier_user, active_profile
):
    client.force_login(supplier_user)

    response = client.post(reverse("onboarding:profile_save"), {**PROFILE, "city": "Chicago"})
    page = client.get(reverse("onboarding:checklist")).content.decode()

    assert response.status_code == 302
    assert "waiting for approval" in page
    assert SupplierProfile.objects.get().city == "Springfield"


def test_the_admin_approves_from_the_queue(
    client, supplier, supplier_user, portal_admin, active_profile
):
    change = services.supplier_profile_save(
        actor=supplier_user, supplier=supplier, data={"city": "Chicago"}
    )
    client.force_login(portal_admin)

    response = client.post(
        reverse("supplier_admin:profile_change_decide", args=[change.pk]), {"decision": "approve"}
    )

    assert response.status_code == 302
    assert SupplierProfile.objects.get().city == "Chicago"


def test_a_supplier_user_cannot_approve_their_own_change(
    client, supplier, supplier_user, active_profile
):
    change = services.supplier_profile_save(
        actor=supplier_user, supplier=supplier, data={"city": "Chicago"}
    )
    client.force_login(supplier_user)

    response = client.post(
        reverse("supplier_admin:profile_change_decide", args=[change.pk]), {"decision": "approve"}
    )

    assert response.status_code == 403
    assert SupplierProfile.objects.get().city == "Springfield"
