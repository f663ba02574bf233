"""Bank account numbers are encrypted at rest (Fernet, PORTAL_FIELD_ENCRYPTION_KEYS), shown
masked on every page, and never kept in clear in pending changes or the audit trail."""

import io
import json
import os

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from integrations.models import AuditEntry
from portal.settings.base import field_encryption_key_from_secret
from suppliers import services
from suppliers.models import ProfileChange, SupplierProfile
from suppliers.models.fields import FieldDecryptionError, decrypt_text, encrypt_text
from tests.suppliers.onboarding_support import PROFILE

NUMBER = PROFILE["bank_account_number"]
NEW_NUMBER = "999988887777"


def _raw(model, field: str, pk: int) -> str:
    """The column as stored, read past the ORM (which would decrypt it)."""
    table, column = model._meta.db_table, model._meta.get_field(field).column
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


@pytest.fixture
def active_profile(supplier):
    return SupplierProfile.objects.create(supplier=supplier, **{**PROFILE, "country": "US"})


@pytest.mark.django_db
def test_the_account_number_column_holds_a_token_that_decrypts_to_it(active_profile):
    raw = _raw(SupplierProfile, "bank_account_number", active_profile.pk)

    assert NUMBER not in raw
    assert raw.startswith("gAAAAA")
    assert decrypt_text(raw) == NUMBER
    assert SupplierProfile.objects.get().bank_account_number == NUMBER


@pytest.mark.django_db
def test_an_empty_account_number_stays_empty(supplier):
    profile = SupplierProfile.objects.create(supplier=supplier)

    assert _raw(SupplierProfile, "bank_account_number", profile.pk) == ""
    assert SupplierProfile.objects.get().bank_account_number == ""


@pytest.mark.django_db
def test_a_pending_change_holds_the_new_number_masked_and_encrypted_only(
    supplier, supplier_user, active_profile
):
    change = services.supplier_profile_save(
        actor=supplier_user, supplier=supplier, data={"bank_account_number": NEW_NUMBER}
    )

    raw_changes = _raw(ProfileChange, "changes", change.pk)
    raw_sealed = _raw(ProfileChange, "sealed_changes", change.pk)
    assert NEW_NUMBER not in raw_changes + raw_sealed
    assert json.loads(raw_changes) == {"bank_account_number": "•••• 7777"}
    assert json.loads(decrypt_text(raw_sealed)) == {"bank_account_number": NEW_NUMBER}


@pytest.mark.django_db
def test_the_audit_trail_never_holds_an_account_number_in_clear(
    supplier, supplier_user, portal_admin, active_profile
):
    change = services.supplier_profile_save(
        actor=supplier_user, supplier=supplier, data={"bank_account_number": NEW_NUMBER}
    )
    services.profile_change_decide(actor=portal_admin, change=change, approve=True)

    entries = list(AuditEntry.objects.order_by("id").values_list("action", "before", "after"))
    assert entries == [
        ("requested", {}, {"bank_account_number": "•••• 7777"}),
        ("approved", {"status": "pending"}, {"status": "approved", "comment": ""}),
        ("updated", {"bank_account_number": "•••• 6789"}, {"bank_account_number": "•••• 7777"}),
    ]
    assert SupplierProfile.objects.get().bank_account_number == NEW_NUMBER


@pytest.mark.django_db
def test_the_supplier_admin_sees_only_the_mask(client, supplier, supplier_user, active_profile):
    services.supplier_profile_save(
        actor=supplier_user, supplier=supplier, data={"bank_account_number": NEW_NUMBER}
    )
    client.force_login(supplier_user)

    page = client.get(reverse("onboarding:checklist")).content.decode()

    assert "On file: •••• 6789" in page
    assert "bank_account_number → •••• 7777" in page
    assert NUMBER not in page
    assert NEW_NUMBER not in page


@pytest.mark.django_db
def test_the_admin_review_pages_show_only_the_mask(
    client, supplier, supplier_user, portal_admin, active_profile
):
    services.supplier_profile_save(
        actor=supplier_user, supplier=supplier, data={"bank_account_number": NEW_NUMBER}
    )
    client.force_login(portal_admin)

    queue = client.get(reverse("supplier_admin:review_queue")).content.decode()
    review = client.get(reverse("supplier_admin:onboarding_review", args=["ACME"])).content.decode()

    assert "bank_account_number → •••• 7777" in queue
    assert "•••• 6789" in review
    for page in (queue, review):
        assert NUMBER not in page
        assert NEW_NUMBER not in page


@pytest.mark.django_db
def test_an_old_key_listed_second_still_decrypts_and_new_saves_use_the_first(settings, supplier):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.PORTAL_FIELD_ENCRYPTION_KEYS = [old_key]
    profile = SupplierProfile.objects.create(supplier=supplier, bank_account_number=NUMBER)
    written_with_old = _raw(SupplierProfile, "bank_account_number", profile.pk)

    settings.PORTAL_FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    profile = SupplierProfile.objects.get()
    assert profile.bank_account_number == NUMBER
    profile.save()
    rewritten = _raw(SupplierProfile, "bank_account_number", profile.pk)

    assert Fernet(new_key).decrypt(rewritten.encode()).decode() == NUMBER
    with pytest.raises(InvalidToken):
        Fernet(old_key).decrypt(rewritten.encode())
    settings.PORTAL_FIELD_ENCRYPTION_KEYS = [new_key]
    assert SupplierProfile.objects.get().bank_account_number == NUMBER
    with pytest.raises(FieldDecryptionError):
        decrypt_text(written_with_old)


@pytest.mark.django_db
def test_a_value_no_key_opens_fails_naming_the_setting(settings, supplier):
    settings.PORTAL_FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    SupplierProfile.objects.create(supplier=supplier, bank_account_number=NUMBER)
    settings.PORTAL_FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(FieldDecryptionError) as error:
        SupplierProfile.objects.get()

    assert str(error.value) == (
        "Cannot decrypt suppliers.SupplierProfile.bank_account_number: no key in "
        "PORTAL_FIELD_ENCRYPTION_KEYS opens it. The key it was encrypted with is missing; "
        "when rotating keys, keep the old key after the new one."
    )


def test_each_encryption_makes_a_different_token():
    assert encrypt_text(NUMBER) != encrypt_text(NUMBER)


@pytest.mark.django_db
def test_a_query_on_the_encrypted_column_is_refused_rather_than_matching_nothing():
    with pytest.raises(FieldError, match="Unsupported lookup 'exact'"):
        list(SupplierProfile.objects.filter(bank_account_number=NUMBER))


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_existing_numbers_and_its_reverse_decrypts_them():
    before, after = (
        ("suppliers", "0007_purchase_order_list_indexes"),
        (
            "suppliers",
            "0008_encrypt_bank_account_numbers",
        ),
    )
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    try:
        apps = executor.loader.project_state([before]).apps
        supplier = apps.get_model("suppliers", "Supplier").objects.create(code="OLD", name="Old")
        profile = apps.get_model("suppliers", "SupplierProfile").objects.create(
            supplier=supplier, bank_account_number=NUMBER
        )
        ProfileChangeBefore = apps.get_model("suppliers", "ProfileChange")
        pending = ProfileChangeBefore.objects.create(
            supplier=supplier, changes={"bank_account_number": NEW_NUMBER, "city": "Chicago"}
        )
        decided = ProfileChangeBefore.objects.create(
            supplier=supplier, changes={"bank_account_number": "111122223333"}, status="rejected"
        )

        executor = MigrationExecutor(connection)
        executor.migrate([after])

        raw = _raw(SupplierProfile, "bank_account_number", profile.pk)
        assert NUMBER not in raw
        assert decrypt_text(raw) == NUMBER
        assert SupplierProfile.objects.get(pk=profile.pk).bank_account_number == NUMBER
        pending_now = ProfileChange.objects.get(pk=pending.pk)
        assert pending_now.changes == {"bank_account_number": "•••• 7777", "city": "Chicago"}
        assert pending_now.proposed_values() == {
            "bank_account_number": NEW_NUMBER,
            "city": "Chicago",
        }
        decided_now = ProfileChange.objects.get(pk=decided.pk)
        assert (decided_now.changes, decided_now.sealed_changes) == (
            {"bank_account_number": "•••• 3333"},
            "",
        )

        executor = MigrationExecutor(connection)
        executor.migrate([before])

        assert _raw(SupplierProfile, "bank_account_number", profile.pk) == NUMBER
        assert json.loads(_raw(ProfileChange, "changes", pending.pk)) == {
            "bank_account_number": NEW_NUMBER,
            "city": "Chicago",
        }
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_test_settings_derive_the_key_from_the_secret_key_when_none_is_set(settings):
    if os.environ.get("PORTAL_FIELD_ENCRYPTION_KEYS"):
        pytest.skip("keys are set in the environment for this run")
    keys = settings.PORTAL_FIELD_ENCRYPTION_KEYS
    derived = field_encryption_key_from_secret(settings.SECRET_KEY)

    assert keys == [derived]
    assert derived == field_encryption_key_from_secret(settings.SECRET_KEY)
    assert Fernet(derived).decrypt(Fernet(derived).encrypt(b"1")) == b"1"


@pytest.mark.django_db
def test_reencrypt_fields_moves_every_value_to_the_new_key_so_the_old_one_can_go(
    active_profile, settings
):
    old_key = settings.PORTAL_FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.PORTAL_FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    out = io.StringIO()

    call_command("reencrypt_fields", stdout=out)

    assert out.getvalue().splitlines() == [
        "suppliers.SupplierProfile.bank_account_number: 1 value(s) re-encrypted with the "
        "first key.",
        "suppliers.ProfileChange.sealed_changes: 0 value(s) re-encrypted with the first key.",
    ]
    raw = _raw(SupplierProfile, "bank_account_number", active_profile.pk)
    assert Fernet(new_key.encode()).decrypt(raw.encode()).decode() == NUMBER
    with pytest.raises(InvalidToken):
        Fernet(old_key.encode()).decrypt(raw.encode())
    settings.PORTAL_FIELD_ENCRYPTION_KEYS = [new_key]
    assert SupplierProfile.objects.get().bank_account_number == NUMBER
