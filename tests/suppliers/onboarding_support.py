"""Shared steps of the onboarding tests: files of each kind and a completed checklist."""

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from suppliers import services
from suppliers.models import DocumentType, SupplierContact

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
BASE_URL = "http://testserver/"

PROFILE = {
    "legal_name": "Acme Fasteners LLC",
    "tax_id": "12-3456789",
    "address_line1": "1 Bolt Way",
    "address_line2": "",
    "city": "Springfield",
    "region": "IL",
    "postal_code": "62701",
    "country": "us",
    "remit_to": "PO Box 1, Springfield IL 62701",
    "bank_account_name": "Acme Fasteners LLC",
    "bank_account_number": "000123456789",
    "bank_routing": "021000021",
}


def pdf(name: str = "w9.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def complete_checklist(*, actor, supplier) -> None:
    """Fill every section of `supplier`'s checklist through the services."""
    services.document_types_ensure_defaults()
    services.supplier_profile_save(actor=actor, supplier=supplier, data=PROFILE)
    for role, _ in SupplierContact.Role.choices:
        services.supplier_contact_add(
            actor=actor,
            supplier=supplier,
            role=role,
            name=f"{role} person",
            email=f"{role}@acme.example",
        )
    services.ship_from_location_add(
        actor=actor,
        supplier=supplier,
        data={
            "name": "Main plant",
            "address_line1": "1 Bolt Way",
            "city": "Springfield",
            "postal_code": "62701",
            "country": "US",
        },
    )
    for doc_type in DocumentType.objects.filter(required=True):
        services.supplier_document_upload(
            actor=actor,
            supplier=supplier,
            document_type=doc_type,
            upload=pdf(f"{doc_type.code}.pdf"),
            expires_on=in_days(365) if doc_type.expires else None,
        )


def big_file(size: int) -> SimpleUploadedFile:
    data = io.BytesIO(PDF_BYTES + b"0" * (size - len(PDF_BYTES)))
    return SimpleUploadedFile("big.pdf", data.getvalue(), content_type="application/pdf")
