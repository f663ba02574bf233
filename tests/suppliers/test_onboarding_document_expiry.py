"""The daily document check: a warning 30 days before expiry (once), and an expired
document flagged to buyers until a current one replaces it."""

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from suppliers import selectors, services
from suppliers.models import DocumentType, SupplierDocument
from suppliers.tasks.onboarding import check_document_expiry
from tests.suppliers.onboarding_support import in_days, pdf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def insurance(supplier, supplier_user):
    services.document_types_ensure_defaults()

    def upload(expires_in_days: int) -> SupplierDocument:
        return services.supplier_document_upload(
            actor=supplier_user,
            supplier=supplier,
            document_type=DocumentType.objects.get(code="insurance"),
            upload=pdf("insurance.pdf"),
            expires_on=in_days(expires_in_days),
        )

    return upload


def test_the_check_is_scheduled_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["suppliers-document-expiry"]

    assert entry == {
        "task": "suppliers.check_document_expiry",
        "schedule": 86400.0,
    }


def test_a_document_expiring_within_30_days_is_warned_about_once(
    insurance, django_capture_on_commit_callbacks
):
    document = insurance(30)
    insurance(31)

    with django_capture_on_commit_callbacks(execute=True):
        first = services.supplier_documents_expiry_check(today=in_days(0))
        second = services.supplier_documents_expiry_check(today=in_days(0))

    assert (first, second) == ({"warned": 1, "expired": 0}, {"warned": 0, "expired": 0})
    document.refresh_from_db()
    assert document.expiry_warned_at is not None
    assert [m.to for m in mail.outbox] == [["sam@acme.example"]]
    assert mail.outbox[0].subject == f"Insurance certificate expires on {in_days(30):%Y-%m-%d}"


def test_an_expired_document_is_flagged_to_buyers(
    client, insurance, buyer, django_capture_on_commit_callbacks
):
    document = insurance(5)

    with django_capture_on_commit_callbacks(execute=True):
        result = services.supplier_documents_expiry_check(today=in_days(6))

    assert result["expired"] == 1
    document.refresh_from_db()
    assert document.status == SupplierDocument.Status.EXPIRED
    assert ["bea@distributor.example"] in [m.to for m in mail.outbox]
    assert [s.code for s in selectors.suppliers_with_expired_documents()] == ["ACME"]
    client.force_login(buyer)
    page = client.get(reverse("supplier_admin:compliance")).content.decode()
    assert "ACME Acme Fasteners" in page
    assert "Insurance certificate (expired" in page


def test_a_current_replacement_clears_the_flag(insurance):
    insurance(5)
    services.supplier_documents_expiry_check(today=in_days(6))

    insurance(365)

    assert list(selectors.suppliers_with_expired_documents()) == []


def test_the_task_runs_the_check(insurance):
    document = insurance(10)

    assert check_document_expiry.apply().get() == {"warned": 1, "expired": 0}
    document.refresh_from_db()
    assert document.expiry_warned_at is not None


def test_suppliers_cannot_see_the_compliance_page(client, supplier_user):
    client.force_login(supplier_user)

    assert client.get(reverse("supplier_admin:compliance")).status_code == 403


def test_the_compliance_page_runs_a_constant_number_of_queries(
    client, buyer, insurance, django_assert_max_num_queries
):
    from tests.suppliers.factories import SupplierFactory

    insurance(1)
    services.supplier_documents_expiry_check(today=in_days(2))
    client.force_login(buyer)
    client.get(reverse("supplier_admin:compliance"))
    with django_assert_max_num_queries(30) as captured:
        client.get(reverse("supplier_admin:compliance"))
    doc_type = DocumentType.objects.get(code="insurance")
    for n in range(5):
        SupplierDocument.objects.create(
            supplier=SupplierFactory(),
            document_type=doc_type,
            file="x.pdf",
            original_name="x.pdf",
            content_type="application/pdf",
            size=1,
            status=SupplierDocument.Status.EXPIRED,
            expires_on=in_days(-n - 1),
        )

    with django_assert_max_num_queries(len(captured.captured_queries)):
        client.get(reverse("supplier_admin:compliance"))
