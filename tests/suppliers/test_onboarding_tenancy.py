"""Tenancy of the onboarding and team pages: every URL naming an object, probed by an
admin of another supplier, is a 404; the owner's admin reaches the same object."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from suppliers import services
from suppliers.models import DocumentType, SupplierMembership
from tests.suppliers.factories import SupplierMembershipFactory
from tests.suppliers.onboarding_support import BASE_URL, PROFILE, in_days, pdf

pytestmark = pytest.mark.django_db

NAMESPACES = {"onboarding", "team"}
# The invitation link is public by design: the token, not the session, is the key.
PUBLIC = {"onboarding:invitation_accept"}


def _walk(resolver, namespace=None):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry, entry.namespace or namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield namespace, entry


def object_patterns():
    return [
        f"{ns}:{p.name}"
        for ns, p in _walk(get_resolver())
        if ns in NAMESPACES and p.pattern.converters and f"{ns}:{p.name}" not in PUBLIC
    ]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def outsider_admin(other_supplier):
    return SupplierMembershipFactory(
        supplier=other_supplier, user__email="oscar@globex.example", role="supplier_admin"
    ).user


@pytest.fixture
def owned(supplier, supplier_user, teammate):
    """URL name → pk of an object of `supplier` that the URL acts on."""
    services.document_types_ensure_defaults()
    contact = services.supplier_contact_add(
        actor=supplier_user, supplier=supplier, role="orders", name="O", email="o@acme.example"
    )
    location = services.ship_from_location_add(
        actor=supplier_user,
        supplier=supplier,
        data={"name": "P", "address_line1": "1", "city": "X", "postal_code": "1", "country": "US"},
    )
    document = services.supplier_document_upload(
        actor=supplier_user,
        supplier=supplier,
        document_type=DocumentType.objects.get(code="insurance"),
        upload=pdf(),
        expires_on=in_days(100),
    )
    invitation = services.invitation_create(
        actor=supplier_user, supplier=supplier, email="new@acme.example", base_url=BASE_URL
    ).invitation
    membership = SupplierMembership.objects.get(user=teammate)
    return {
        "onboarding:contact_remove": contact.pk,
        "onboarding:location_remove": location.pk,
        "onboarding:document_download": document.pk,
        "onboarding:document_remove": document.pk,
        "team:user_deactivate": membership.pk,
        "team:user_reactivate": membership.pk,
        "team:user_set_role": membership.pk,
        "team:invitation_resend": invitation.pk,
        "team:invitation_revoke": invitation.pk,
    }


def test_every_object_url_is_a_404_for_another_suppliers_admin(client, outsider_admin, owned):
    names = object_patterns()
    assert sorted(names) == sorted(owned), "add the new URL to `owned`"
    client.force_login(outsider_admin)

    for name in names:
        url = reverse(name, args=[owned[name]])
        get_status = client.get(url).status_code
        post_status = client.post(url, {"role": "supplier_admin"}).status_code
        assert get_status in (404, 405), f"GET {url}: {get_status}"
        assert post_status in (404, 405), f"POST {url}: {post_status}"
        assert (get_status, post_status) != (405, 405), url

    assert SupplierMembership.objects.get(user__email="tia@acme.example").is_active is True


def test_the_owners_admin_reaches_the_same_document(client, supplier_user, owned):
    client.force_login(supplier_user)

    response = client.get(
        reverse("onboarding:document_download", args=[owned["onboarding:document_download"]])
    )

    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_another_suppliers_admin_sees_only_their_own_profile_and_users(
    client, supplier, supplier_user, outsider_admin, owned
):
    services.supplier_profile_save(
        actor=supplier_user, supplier=supplier, data={**PROFILE, "legal_name": "Acme Secret LLC"}
    )
    client.force_login(outsider_admin)

    checklist = client.get(reverse("onboarding:checklist")).content.decode()
    team = client.get(reverse("team:user_list")).content.decode()

    assert "Acme Secret LLC" not in checklist
    assert "Globex Packaging" in checklist
    assert "sam@acme.example" not in team and "tia@acme.example" not in team
    assert "oscar@globex.example" in team


def test_a_profile_post_only_changes_the_posters_own_supplier(
    client, supplier, outsider_admin, other_supplier
):
    other_supplier.status = "onboarding"
    other_supplier.save()
    client.force_login(outsider_admin)

    client.post(reverse("onboarding:profile_save"), {**PROFILE, "legal_name": "Globex Ltd"})

    assert other_supplier.profile.legal_name == "Globex Ltd"
    assert not hasattr(supplier, "profile") or supplier.profile is None
