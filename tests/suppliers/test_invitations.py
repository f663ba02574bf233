"""Invitations: a signed-up account joins exactly the supplier of a usable link; expired,
revoked, reused and tampered links are refused with a page that says what to do."""

import datetime
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from integrations.errors import DomainError
from integrations.models import AuditEntry
from portal.models import User
from suppliers import services
from suppliers.models import Invitation, Supplier, SupplierMembership
from tests.suppliers.factories import SupplierFactory
from tests.suppliers.onboarding_support import BASE_URL

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-enough-passphrase-42"


@pytest.fixture
def invited(portal_admin, django_capture_on_commit_callbacks):
    """A new supplier invited by an admin; the email goes out after commit."""
    with django_capture_on_commit_callbacks(execute=True):
        return services.supplier_invite(
            actor=portal_admin,
            code="newco",
            name="Newco Metals",
            erp_vendor_id="V-NEWCO",
            admin_email="Nina@Newco.example",
            base_url=BASE_URL,
        )


def _sign_up(client, email: str, password: str = PASSWORD):
    return client.post(
        reverse("account_signup"), {"email": email, "password1": password, "password2": password}
    )


def test_inviting_a_supplier_creates_it_invited_and_emails_a_single_link(invited):
    supplier = invited.invitation.supplier

    assert (supplier.code, supplier.status, supplier.erp_vendor_id) == (
        "NEWCO",
        Supplier.Status.INVITED,
        "V-NEWCO",
    )
    assert supplier.invited_at is not None
    assert invited.invitation.email == "nina@newco.example"
    assert invited.invitation.role == SupplierMembership.Role.ADMIN
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nina@newco.example"]
    assert f"http://testserver{invited.accept_path}" in mail.outbox[0].body


def test_the_token_is_stored_only_as_a_hash(invited):
    invitation = Invitation.objects.get()

    assert invited.token not in invitation.token_hash
    assert len(invitation.token_hash) == 64


def test_the_invitation_expires_after_the_configured_days(settings, portal_admin):
    settings.PORTAL_INVITATION_DAYS = 3
    supplier = SupplierFactory(code="THREE", status=Supplier.Status.INVITED)

    issued = services.invitation_create(
        actor=portal_admin, supplier=supplier, email="t@three.example", base_url=BASE_URL
    )

    lifetime = issued.invitation.expires_at - issued.invitation.created_at
    assert lifetime == datetime.timedelta(days=3)


def test_accepting_signs_up_with_the_invited_email_and_joins_the_supplier(client, invited):
    page = client.get(invited.accept_path)
    assert page.status_code == 200
    assert b"nina@newco.example" in page.content

    signup_page = client.get(reverse("account_signup"))
    assert signup_page.status_code == 200
    assert b'value="nina@newco.example"' in signup_page.content
    response = _sign_up(client, "nina@newco.example")

    assert response.status_code == 302
    assert response["Location"] == reverse("onboarding:checklist")
    membership = SupplierMembership.objects.select_related("user", "supplier").get()
    assert (membership.user.email, membership.supplier.code, membership.role) == (
        "nina@newco.example",
        "NEWCO",
        SupplierMembership.Role.ADMIN,
    )
    assert EmailAddress.objects.get(user=membership.user).verified is True
    invitation = Invitation.objects.get()
    assert invitation.accepted_by == membership.user
    assert invitation.status == Invitation.Status.ACCEPTED
    assert Supplier.objects.get(code="NEWCO").status == Supplier.Status.ONBOARDING
    assert set(
        AuditEntry.objects.filter(object_type="suppliers.invitation").values_list(
            "action", flat=True
        )
    ) == {"invited", "accepted"}


def test_sign_up_with_another_email_than_the_invited_one_is_refused(client, invited):
    client.get(invited.accept_path)

    response = _sign_up(client, "someone.else@newco.example")

    assert response.status_code == 200
    assert b"This invitation is for nina@newco.example" in response.content
    assert not User.objects.filter(email="someone.else@newco.example").exists()


def test_sign_up_without_an_invitation_is_closed(client):
    response = _sign_up(client, "walk.in@example.com")

    assert not User.objects.filter(email="walk.in@example.com").exists()
    assert response.templates[0].name == "account/signup_closed.html"
    assert SupplierMembership.objects.count() == 0


def test_an_expired_link_is_refused_with_a_clear_page(client, invited):
    Invitation.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))

    response = client.get(invited.accept_path)

    assert response.status_code == 410
    assert b"This invitation has expired" in response.content
    assert "portal_invitation" not in client.session


def test_a_revoked_link_is_refused_with_a_clear_page(client, invited, portal_admin):
    services.invitation_revoke(actor=portal_admin, invitation=invited.invitation)

    response = client.get(invited.accept_path)

    assert response.status_code == 410
    assert b"This invitation was withdrawn" in response.content


def test_a_link_used_once_is_refused_the_second_time(client, invited):
    client.get(invited.accept_path)
    _sign_up(client, "nina@newco.example")
    client.logout()

    response = client.get(invited.accept_path)

    assert response.status_code == 410
    assert b"This invitation has already been used" in response.content
    assert SupplierMembership.objects.count() == 1


def test_a_tampered_link_is_refused_with_a_clear_page(client, invited):
    tampered = invited.accept_path.replace(invited.token, invited.token[:-2] + "xx")

    response = client.get(tampered)

    assert response.status_code == 410
    assert b"This invitation link is not valid" in response.content


def test_a_resent_invitation_kills_the_old_link(
    client, invited, portal_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        resent = services.invitation_resend(
            actor=portal_admin, invitation=invited.invitation, base_url=BASE_URL
        )

    assert client.get(invited.accept_path).status_code == 410
    assert client.get(resent.accept_path).status_code == 200
    assert Invitation.objects.get().send_count == 2
    assert len(mail.outbox) == 2


def test_an_invitation_for_one_supplier_cannot_join_another(client, invited, other_supplier):
    # Same token, another supplier's code in the link.
    foreign = invited.accept_path.replace("/NEWCO/", f"/{other_supplier.code}/")

    response = client.get(foreign)

    assert response.status_code == 410
    assert b"This invitation link is not valid" in response.content
    with pytest.raises(services.InvitationError):
        services.invitation_check(supplier_code=other_supplier.code, token=invited.token)


def test_a_session_holding_a_link_for_one_supplier_cannot_sign_up_into_another(
    client, invited, other_supplier
):
    client.get(invited.accept_path)
    session = client.session
    session["portal_invitation"] = {"supplier": other_supplier.code, "token": invited.token}
    session.save()

    _sign_up(client, "nina@newco.example")

    assert not User.objects.filter(email="nina@newco.example").exists()
    assert not SupplierMembership.objects.filter(supplier=other_supplier).exists()


def test_a_link_revoked_between_opening_and_sign_up_creates_no_account(
    client, invited, portal_admin
):
    client.get(invited.accept_path)
    services.invitation_revoke(actor=portal_admin, invitation=invited.invitation)

    _sign_up(client, "nina@newco.example")

    assert not User.objects.filter(email="nina@newco.example").exists()


def test_a_signed_in_user_opening_a_link_is_told_to_sign_out(client, invited, buyer):
    client.force_login(buyer)

    response = client.get(invited.accept_path)

    assert response.status_code == 409
    assert b"You are already signed in" in response.content


def test_inviting_an_email_that_already_has_an_account_is_refused(supplier, supplier_user):
    with pytest.raises(DomainError, match="already has a portal account"):
        services.invitation_create(
            actor=supplier_user, supplier=supplier, email="SAM@acme.example", base_url=BASE_URL
        )


def test_a_second_pending_invitation_for_the_same_email_is_refused(supplier, supplier_user):
    services.invitation_create(
        actor=supplier_user, supplier=supplier, email="new@acme.example", base_url=BASE_URL
    )

    with pytest.raises(DomainError, match="already has a pending invitation; resend it"):
        services.invitation_create(
            actor=supplier_user, supplier=supplier, email="new@acme.example", base_url=BASE_URL
        )


def test_a_duplicate_supplier_code_is_refused(portal_admin, supplier):
    with pytest.raises(DomainError, match="A supplier with code ACME already exists"):
        services.supplier_invite(
            actor=portal_admin,
            code="acme",
            name="Another Acme",
            admin_email="x@acme2.example",
            base_url=BASE_URL,
        )


def test_the_admin_invites_a_supplier_from_the_page(
    client, portal_admin, django_capture_on_commit_callbacks
):
    client.force_login(portal_admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("supplier_admin:supplier_invite"),
            {"code": "PAGE", "name": "Page Co", "admin_email": "p@page.example"},
        )

    assert response.status_code == 302
    assert response["Location"] == reverse("supplier_admin:supplier_detail", args=["PAGE"])
    assert Invitation.objects.get().email == "p@page.example"
    link = re.search(r"http://testserver(/onboarding/invitations/\S+)", mail.outbox[0].body)
    assert client.get(link.group(1)).status_code == 409  # the admin is signed in


def test_supplier_users_cannot_reach_the_admin_invite_page(client, supplier_user):
    client.force_login(supplier_user)

    assert client.get(reverse("supplier_admin:supplier_invite")).status_code == 403


def test_the_admin_resends_and_revokes_from_the_supplier_page(
    client, portal_admin, invited, django_capture_on_commit_callbacks
):
    client.force_login(portal_admin)
    detail = client.get(reverse("supplier_admin:supplier_detail", args=["NEWCO"]))
    assert detail.status_code == 200
    assert "nina@newco.example" in detail.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("supplier_admin:invitation_resend", args=[invited.invitation.pk]))
    client.post(reverse("supplier_admin:invitation_revoke", args=[invited.invitation.pk]))

    invitation = Invitation.objects.get()
    assert (invitation.send_count, invitation.status) == (2, Invitation.Status.REVOKED)
    assert len(mail.outbox) == 2
    assert client.get(invited.accept_path).status_code == 410
