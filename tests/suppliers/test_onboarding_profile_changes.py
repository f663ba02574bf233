"""An active supplier's profile and bank details change only after an admin approves;
the approval publishes `supplier.profile_changed`, bank secrets in it masked."""

import json

import pytest
from django.db import connection
from django.urls import reverse

from integrations.contracts import EventContractError, load_schema, validate_envelope
from integrations.errors import DomainError
from integrations.models import AuditEntry, Event
from integrations.services import publish
from suppliers import services
from suppliers.models import ProfileChange, SupplierProfile
from suppliers.models.onboarding import BANK_SECRET_FIELDS
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
    assert change.changes == {"bank_account_number": "•••• 7777"}
    assert change.proposed_values() == {"bank_account_number": "999988887777"}
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


def _raw_event_json() -> str:
    """Every stored event row as the database holds it, read past the ORM."""
    table = Event._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")
        return json.dumps([[str(value) for value in row] for row in cursor.fetchall()])


def test_approving_a_change_publishes_one_profile_changed_event(
    supplier, supplier_user, portal_admin, active_profile
):
    change = services.supplier_profile_save(
        actor=supplier_user,
        supplier=supplier,
        data={"legal_name": "Acme Fasteners Inc.", "city": "Chicago"},
    )

    services.profile_change_decide(actor=portal_admin, change=change, approve=True)

    [event] = Event.objects.all()
    assert (event.type, event.version, event.aggregate_type, event.aggregate_id) == (
        "supplier.profile_changed",
        1,
        "supplier",
        "ACME",
    )
    assert (event.source_channel, event.source_actor) == ("portal", str(portal_admin))
    assert event.data == {
        "code": "ACME",
        "name": "Acme Fasteners",
        "profile_change_id": change.pk,
        "decided_by": str(portal_admin),
        "changes": {
            "legal_name": {"before": "Acme Fasteners LLC", "after": "Acme Fasteners Inc."},
            "city": {"before": "Springfield", "after": "Chicago"},
        },
    }
    validate_envelope(event.envelope())


def test_a_bank_account_change_is_published_masked(
    supplier, supplier_user, portal_admin, active_profile
):
    change = services.supplier_profile_save(
        actor=supplier_user,
        supplier=supplier,
        data={**PROFILE, "bank_account_number": "999988887777"},
    )

    services.profile_change_decide(actor=portal_admin, change=change, approve=True)

    event = Event.objects.get(type="supplier.profile_changed")
    assert event.data["changes"] == {
        "bank_account_number": {
            "before": "•••• 6789",
            "after": "•••• 7777",
            "masked": True,
            "changed": True,
        }
    }
    stored = _raw_event_json()
    assert "999988887777" not in stored
    assert "000123456789" not in stored
    assert SupplierProfile.objects.get().bank_account_number == "999988887777"


def test_a_new_account_with_the_same_last_four_digits_is_still_flagged_as_changed(
    supplier, supplier_user, portal_admin, active_profile
):
    change = services.supplier_profile_save(
        actor=supplier_user, supplier=supplier, data={"bank_account_number": "555500006789"}
    )

    services.profile_change_decide(actor=portal_admin, change=change, approve=True)

    assert Event.objects.get().data["changes"] == {
        "bank_account_number": {
            "before": "•••• 6789",
            "after": "•••• 6789",
            "masked": True,
            "changed": True,
        }
    }


def test_rejecting_a_change_publishes_no_event(
    supplier, supplier_user, portal_admin, active_profile
):
    change = services.supplier_profile_save(
        actor=supplier_user, supplier=supplier, data={"bank_account_number": "999988887777"}
    )

    services.profile_change_decide(
        actor=portal_admin, change=change, approve=False, comment="Call us to confirm first."
    )

    assert Event.objects.count() == 0


def test_a_decided_change_keeps_no_copy_of_the_new_account_number(
    supplier, supplier_user, portal_admin, active_profile
):
    change = services.supplier_profile_save(
        actor=supplier_user, supplier=supplier, data={"bank_account_number": "999988887777"}
    )
    assert change.sealed_changes == '{"bank_account_number": "999988887777"}'

    services.profile_change_decide(actor=portal_admin, change=change, approve=True)

    change.refresh_from_db()
    assert (change.changes, change.sealed_changes) == ({"bank_account_number": "•••• 7777"}, "")


def test_the_contract_refuses_a_bank_account_number_in_clear(supplier):
    with pytest.raises(EventContractError) as error:
        publish(
            event_type="supplier.profile_changed",
            aggregate_type="supplier",
            aggregate_id="ACME",
            data={
                "code": "ACME",
                "name": "Acme Fasteners",
                "profile_change_id": 1,
                "decided_by": "ada",
                "changes": {
                    "bank_account_number": {
                        "before": "000123456789",
                        "after": "999988887777",
                        "masked": True,
                        "changed": True,
                    }
                },
            },
        )

    assert "data/changes/bank_account_number/after" in str(error.value)
    assert Event.objects.count() == 0


def test_the_contract_masks_every_bank_secret_field():
    schema = load_schema("supplier.profile_changed", 1)

    masked = schema["properties"]["data"]["properties"]["changes"]["properties"]
    assert set(masked) == BANK_SECRET_FIELDS
