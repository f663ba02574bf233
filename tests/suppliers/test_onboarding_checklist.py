"""The onboarding checklist: each section with bad inputs, the progress everyone sees,
and submitting only a complete checklist."""

import pytest
from django.urls import reverse

from integrations.errors import DomainError
from integrations.models import AuditEntry
from suppliers import selectors, services
from suppliers.models import DocumentType, Supplier, SupplierDocument, SupplierProfile
from tests.suppliers.onboarding_support import (
    PNG_BYTES,
    PROFILE,
    big_file,
    complete_checklist,
    in_days,
    pdf,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def onboarding(supplier):
    supplier.status = Supplier.Status.ONBOARDING
    supplier.save()
    services.document_types_ensure_defaults()
    return supplier


def _checklist(supplier):
    return selectors.onboarding_checklist(supplier=supplier, today=in_days(0))


def test_a_new_supplier_starts_at_zero_with_every_section_to_do(onboarding):
    checklist = _checklist(onboarding)

    assert (checklist.done, checklist.percent, checklist.complete) == (0, 0, False)
    assert checklist.problems == [
        "Fill in the company profile.",
        "Contacts: add a contact for Orders, Shipping, Accounts receivable.",
        "Ship-from locations: add at least one.",
        "Documents: upload W-9 tax form, Insurance certificate.",
    ]


def test_progress_counts_complete_sections(onboarding, supplier_user):
    services.supplier_profile_save(actor=supplier_user, supplier=onboarding, data=PROFILE)
    services.ship_from_location_add(
        actor=supplier_user,
        supplier=onboarding,
        data={
            "name": "Plant",
            "address_line1": "1 Way",
            "city": "X",
            "postal_code": "1",
            "country": "us",
        },
    )

    checklist = _checklist(onboarding)

    assert (checklist.done, checklist.percent) == (2, 50)


def test_a_profile_missing_required_fields_names_them(onboarding, supplier_user):
    services.supplier_profile_save(
        actor=supplier_user, supplier=onboarding, data={**PROFILE, "tax_id": "", "city": ""}
    )

    assert _checklist(onboarding).section("profile").problems == [
        "Company profile: fill in Tax id, city."
    ]


def test_a_bad_country_code_is_refused(onboarding, supplier_user):
    with pytest.raises(DomainError, match="two-letter ISO country code"):
        services.supplier_profile_save(
            actor=supplier_user, supplier=onboarding, data={**PROFILE, "country": "USA"}
        )


def test_the_bank_account_is_masked_on_the_page_and_in_the_audit(client, onboarding, supplier_user):
    services.supplier_profile_save(actor=supplier_user, supplier=onboarding, data=PROFILE)
    client.force_login(supplier_user)

    page = client.get(reverse("onboarding:checklist")).content.decode()

    assert "•••• 6789" in page
    assert "000123456789" not in page
    entry = AuditEntry.objects.get(object_type="suppliers.supplierprofile")
    assert entry.after["bank_account_number"] == "•••• 6789"
    assert "000123456789" not in str(entry.after)


def test_a_blank_account_number_keeps_the_one_on_file(onboarding, supplier_user):
    services.supplier_profile_save(actor=supplier_user, supplier=onboarding, data=PROFILE)

    services.supplier_profile_save(
        actor=supplier_user,
        supplier=onboarding,
        data={**PROFILE, "bank_account_number": "", "city": "Chicago"},
    )

    profile = SupplierProfile.objects.get()
    assert (profile.bank_account_number, profile.city) == ("000123456789", "Chicago")


def test_a_contact_without_a_role_is_refused(onboarding, supplier_user):
    with pytest.raises(DomainError, match="Choose the contact's role"):
        services.supplier_contact_add(
            actor=supplier_user, supplier=onboarding, role="boss", name="A", email="a@x.example"
        )


def test_a_location_without_a_postal_code_is_refused(onboarding, supplier_user):
    with pytest.raises(DomainError, match="Enter the location's postal code"):
        services.ship_from_location_add(
            actor=supplier_user,
            supplier=onboarding,
            data={"name": "P", "address_line1": "1 Way", "city": "X", "country": "US"},
        )


def _upload(supplier, actor, **overrides):
    kwargs = {
        "actor": actor,
        "supplier": supplier,
        "document_type": DocumentType.objects.get(code="insurance"),
        "upload": pdf("insurance.pdf"),
        "expires_on": in_days(200),
    }
    kwargs.update(overrides)
    return services.supplier_document_upload(**kwargs)


def test_a_document_of_the_wrong_file_type_is_refused(onboarding, supplier_user):
    exe = pdf("insurance.exe", b"MZ\x90\x00 not a pdf")

    with pytest.raises(DomainError, match=r"insurance\.exe is not an accepted file"):
        _upload(onboarding, supplier_user, upload=exe)


def test_a_file_named_pdf_that_is_not_a_pdf_is_refused(onboarding, supplier_user):
    with pytest.raises(DomainError, match="is not an accepted file"):
        _upload(onboarding, supplier_user, upload=pdf("fake.pdf", b"<html>hello</html>"))


def test_a_png_is_accepted(onboarding, supplier_user):
    document = _upload(onboarding, supplier_user, upload=pdf("scan.png", PNG_BYTES))

    assert (document.content_type, document.status) == (
        "image/png",
        SupplierDocument.Status.PENDING_REVIEW,
    )


def test_a_document_too_large_is_refused(settings, onboarding, supplier_user):
    settings.PORTAL_DOCUMENT_MAX_MB = 1

    with pytest.raises(DomainError, match=r"big.pdf is 1.0 MB; the limit is 1 MB"):
        _upload(onboarding, supplier_user, upload=big_file(1024 * 1024 + 1))


def test_a_document_expiring_in_the_past_is_refused(onboarding, supplier_user):
    with pytest.raises(DomainError, match="is in the past: upload the current document"):
        _upload(onboarding, supplier_user, expires_on=in_days(-1))


def test_a_document_type_that_expires_needs_an_expiry_date(onboarding, supplier_user):
    with pytest.raises(DomainError, match="Enter the date the Insurance certificate expires"):
        _upload(onboarding, supplier_user, expires_on=None)


def test_the_upload_page_shows_the_error_next_to_the_file(client, onboarding, supplier_user):
    client.force_login(supplier_user)

    response = client.post(
        reverse("onboarding:document_upload"),
        {
            "document_type": DocumentType.objects.get(code="insurance").pk,
            "file": pdf("virus.exe", b"MZ"),
            "expires_on": in_days(30).isoformat(),
        },
    )

    assert response.status_code == 400
    assert "virus.exe is not an accepted file" in response.content.decode()
    assert SupplierDocument.objects.count() == 0


def test_submitting_an_incomplete_checklist_names_what_is_missing(onboarding, supplier_user):
    with pytest.raises(DomainError, match="Ship-from locations: add at least one"):
        services.onboarding_submit(actor=supplier_user, supplier=onboarding)

    onboarding.refresh_from_db()
    assert onboarding.status == Supplier.Status.ONBOARDING


def test_the_submit_page_shows_what_is_missing(client, onboarding, supplier_user):
    client.force_login(supplier_user)

    response = client.post(reverse("onboarding:submit"))

    assert response.status_code == 400
    assert "Complete the checklist first." in response.content.decode()


def test_a_complete_checklist_is_submitted_and_locked(onboarding, supplier_user):
    complete_checklist(actor=supplier_user, supplier=onboarding)

    services.onboarding_submit(actor=supplier_user, supplier=onboarding)

    onboarding.refresh_from_db()
    assert onboarding.status == Supplier.Status.PENDING_APPROVAL
    assert onboarding.onboarding_submitted_at is not None
    with pytest.raises(DomainError, match="Your onboarding is being reviewed"):
        services.supplier_contact_add(
            actor=supplier_user,
            supplier=onboarding,
            role="orders",
            name="Late",
            email="late@acme.example",
        )


def test_the_whole_checklist_through_the_pages(client, onboarding, supplier_user):
    client.force_login(supplier_user)
    assert client.post(reverse("onboarding:profile_save"), PROFILE).status_code == 302
    for role in ("orders", "shipping", "accounts_receivable"):
        response = client.post(
            reverse("onboarding:contact_add"),
            {"role": role, "name": f"{role} lead", "email": f"{role}@acme.example"},
        )
        assert response.status_code == 302
    response = client.post(
        reverse("onboarding:location_add"),
        {
            "name": "Plant",
            "address_line1": "1 Way",
            "city": "X",
            "postal_code": "1",
            "country": "US",
        },
    )
    assert response.status_code == 302
    for code, expires in (("w9", ""), ("insurance", in_days(90).isoformat())):
        response = client.post(
            reverse("onboarding:document_upload"),
            {
                "document_type": DocumentType.objects.get(code=code).pk,
                "file": pdf(f"{code}.pdf"),
                "expires_on": expires,
            },
        )
        assert response.status_code == 302

    page = client.get(reverse("onboarding:checklist")).content.decode()
    assert "4 of 4" in page
    assert client.post(reverse("onboarding:submit")).status_code == 302
    onboarding.refresh_from_db()
    assert onboarding.status == Supplier.Status.PENDING_APPROVAL


def test_staff_see_progress_but_cannot_edit(client, onboarding, teammate):
    client.force_login(teammate)

    page = client.get(reverse("onboarding:checklist"))
    post = client.post(reverse("onboarding:profile_save"), PROFILE)

    assert page.status_code == 200
    assert "0 of 4" in page.content.decode()
    assert "Save profile" not in page.content.decode()
    assert post.status_code == 403


def test_the_checklist_page_runs_a_constant_number_of_queries(
    client, onboarding, supplier_user, django_assert_max_num_queries
):
    complete_checklist(actor=supplier_user, supplier=onboarding)
    client.force_login(supplier_user)
    client.get(reverse("onboarding:checklist"))  # warm the session

    with django_assert_max_num_queries(20) as captured:
        client.get(reverse("onboarding:checklist"))
    first = len(captured.captured_queries)
    for n in range(5):
        services.supplier_contact_add(
            actor=supplier_user,
            supplier=onboarding,
            role="orders",
            name=f"Extra {n}",
            email=f"extra{n}@acme.example",
        )
        _upload(onboarding, supplier_user, upload=pdf(f"more{n}.pdf"))
    with django_assert_max_num_queries(first):
        client.get(reverse("onboarding:checklist"))
