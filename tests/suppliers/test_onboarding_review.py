"""Admins review a submitted onboarding section by section: changes requested go back to
the supplier with comments; approval activates it, publishes `supplier.onboarded` and
records the onboarding cycle time."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from integrations.errors import DomainError
from integrations.models import Event
from suppliers import selectors, services
from suppliers.models import OnboardingSectionReview, Supplier, SupplierDocument
from tests.suppliers.onboarding_support import complete_checklist

pytestmark = pytest.mark.django_db

ALL_APPROVED = {s: (True, "") for s in ("profile", "contacts", "locations", "documents")}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def submitted(supplier, supplier_user):
    supplier.status = Supplier.Status.ONBOARDING
    supplier.invited_at = timezone.now() - datetime.timedelta(days=3)
    supplier.save()
    complete_checklist(actor=supplier_user, supplier=supplier)
    return services.onboarding_submit(actor=supplier_user, supplier=supplier)


def _review_post(**overrides):
    data = {}
    for section in ("profile", "contacts", "locations", "documents"):
        data[f"{section}_decision"] = "approve"
        data[f"{section}_comment"] = ""
    data.update(overrides)
    return data


def test_the_queue_lists_submitted_onboardings(client, portal_admin, submitted):
    client.force_login(portal_admin)

    page = client.get(reverse("supplier_admin:review_queue")).content.decode()

    assert "Review ACME" in page


def test_requesting_changes_sends_it_back_with_the_comment(
    client, portal_admin, supplier_user, submitted, django_capture_on_commit_callbacks
):
    client.force_login(portal_admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("supplier_admin:onboarding_review", args=["ACME"]),
            _review_post(
                locations_decision="changes", locations_comment="Add the Dallas warehouse."
            ),
        )

    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Supplier.Status.ONBOARDING
    statuses = dict(
        OnboardingSectionReview.objects.filter(supplier=submitted).values_list("section", "status")
    )
    assert statuses == {
        "profile": "approved",
        "contacts": "approved",
        "locations": "changes_requested",
        "documents": "approved",
    }
    assert mail.outbox[-1].to == ["sam@acme.example"]
    assert "Ship-from locations: Add the Dallas warehouse." in mail.outbox[-1].body
    client.force_login(supplier_user)
    page = client.get(reverse("onboarding:checklist")).content.decode()
    assert "Add the Dallas warehouse." in page
    assert "Changes requested" in page


def test_changes_requested_without_a_comment_are_refused(client, portal_admin, submitted):
    client.force_login(portal_admin)

    response = client.post(
        reverse("supplier_admin:onboarding_review", args=["ACME"]),
        _review_post(documents_decision="changes"),
    )

    assert response.status_code == 400
    assert "Documents: say what needs to change." in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == Supplier.Status.PENDING_APPROVAL


def test_the_round_trip_ends_with_an_active_supplier_and_one_event(
    portal_admin, supplier_user, submitted
):
    services.onboarding_review(
        actor=portal_admin,
        supplier=submitted,
        decisions={**ALL_APPROVED, "locations": (False, "Add the Dallas warehouse.")},
    )
    services.ship_from_location_add(
        actor=supplier_user,
        supplier=submitted,
        data={
            "name": "Dallas",
            "address_line1": "2 Way",
            "city": "Dallas",
            "postal_code": "75201",
            "country": "US",
        },
    )
    services.onboarding_submit(actor=supplier_user, supplier=submitted)
    assert OnboardingSectionReview.objects.get(section="locations").status == "not_reviewed"

    supplier = services.onboarding_review(
        actor=portal_admin, supplier=submitted, decisions=ALL_APPROVED
    )

    assert supplier.status == Supplier.Status.ACTIVE
    assert supplier.activated_at is not None
    event = Event.objects.get(type="supplier.onboarded")
    assert (event.aggregate_type, event.aggregate_id) == ("supplier", "ACME")
    assert event.data["code"] == "ACME"
    assert [loc["name"] for loc in event.data["ship_from"]] == ["Dallas", "Main plant"]
    assert event.data["profile"]["bank_account_number"] == "•••• 6789"
    assert set(SupplierDocument.objects.values_list("status", flat=True)) == {"approved"}


def test_approval_records_the_onboarding_cycle_time(portal_admin, submitted):
    services.onboarding_review(actor=portal_admin, supplier=submitted, decisions=ALL_APPROVED)

    cycle = selectors.onboarding_cycle_time()

    assert cycle.suppliers == 1
    assert cycle.average_days == pytest.approx(3.0, abs=0.01)
    assert cycle.median_days == pytest.approx(3.0, abs=0.01)


def test_a_supplier_not_submitted_cannot_be_reviewed(portal_admin, supplier):
    with pytest.raises(DomainError, match="Only a submitted onboarding can be reviewed"):
        services.onboarding_review(actor=portal_admin, supplier=supplier, decisions=ALL_APPROVED)


def test_every_section_must_be_reviewed(portal_admin, submitted):
    with pytest.raises(DomainError, match="Review every section: Documents"):
        services.onboarding_review(
            actor=portal_admin,
            supplier=submitted,
            decisions={k: v for k, v in ALL_APPROVED.items() if k != "documents"},
        )


def test_approved_users_then_see_their_purchase_orders(
    client, portal_admin, supplier_user, submitted
):
    from tests.suppliers.factories import PurchaseOrderFactory

    services.onboarding_review(actor=portal_admin, supplier=submitted, decisions=ALL_APPROVED)
    PurchaseOrderFactory(supplier=submitted, number="PO-FIRST-1")
    client.force_login(supplier_user)

    page = client.get(reverse("suppliers:po_list")).content.decode()

    assert "PO-FIRST-1" in page


@pytest.mark.parametrize("who", ["supplier_user", "teammate", "buyer", "operator"])
def test_only_portal_admins_reach_the_review_pages(client, request, who, submitted):
    client.force_login(request.getfixturevalue(who))

    for url in (
        reverse("supplier_admin:review_queue"),
        reverse("supplier_admin:onboarding_review", args=["ACME"]),
        reverse("supplier_admin:supplier_list"),
        reverse("supplier_admin:supplier_detail", args=["ACME"]),
    ):
        assert client.get(url).status_code == 403, url
    assert (
        client.post(
            reverse("supplier_admin:onboarding_review", args=["ACME"]), _review_post()
        ).status_code
        == 403
    )
    submitted.refresh_from_db()
    assert submitted.status == Supplier.Status.PENDING_APPROVAL


def test_the_admin_supplier_list_runs_a_constant_number_of_queries(
    client, portal_admin, django_assert_max_num_queries
):
    from tests.suppliers.factories import SupplierFactory

    client.force_login(portal_admin)
    SupplierFactory.create_batch(3)
    client.get(reverse("supplier_admin:supplier_list"))
    with django_assert_max_num_queries(30) as captured:
        client.get(reverse("supplier_admin:supplier_list"))
    SupplierFactory.create_batch(20)

    with django_assert_max_num_queries(len(captured.captured_queries)):
        client.get(reverse("supplier_admin:supplier_list"))


def test_the_review_queue_runs_a_constant_number_of_queries(
    client, portal_admin, submitted, supplier_user, django_assert_max_num_queries
):
    client.force_login(portal_admin)
    client.get(reverse("supplier_admin:review_queue"))
    with django_assert_max_num_queries(30) as captured:
        client.get(reverse("supplier_admin:review_queue"))
    services.onboarding_review(actor=portal_admin, supplier=submitted, decisions=ALL_APPROVED)
    services.supplier_profile_save(
        actor=supplier_user, supplier=submitted, data={"city": "Chicago"}
    )

    with django_assert_max_num_queries(len(captured.captured_queries)):
        client.get(reverse("supplier_admin:review_queue"))
