"""Supplier documents: upload with file type, size and expiry checks, removal, review of
documents an active supplier adds, and the daily expiry check (warn 30 days ahead, flag
expired documents to buyers).

A document's status moves only through SUPPLIER_DOCUMENT: pending review → approved or
rejected by an admin (one by one, or all at once when the onboarding is approved), and
approved or pending → expired by the daily check."""

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from integrations.errors import DomainError
from integrations.models import Channel
from integrations.services import audit_record
from integrations.services.lifecycle import CREATED, Lifecycle, Move
from portal.access import Actor, Role, actor_user
from suppliers.models import DocumentType, Supplier, SupplierDocument
from suppliers.services.onboarding import (
    lock_supplier,
    notify_after_commit,
    require_editable,
    supplier_admin_emails,
)

EXPIRY_WARNING_DAYS = 30

_Status = SupplierDocument.Status
# Documents stay inside the portal: buyers and suppliers hear of them by email.
_NO_EVENT = "no event: documents stay in the portal; the people concerned are emailed"

SUPPLIER_DOCUMENT = Lifecycle(
    document="supplier document",
    model=SupplierDocument,
    aggregate_type="supplier_document",
    moves=[
        Move(CREATED, _Status.PENDING_REVIEW, "uploaded", "supplier admin", note=_NO_EVENT),
        Move(
            _Status.PENDING_REVIEW,
            _Status.APPROVED,
            "approved",
            "portal admin (reviewing the document, or approving the onboarding)",
            note=_NO_EVENT,
        ),
        Move(_Status.PENDING_REVIEW, _Status.REJECTED, "rejected", "portal admin", note=_NO_EVENT),
        Move(
            _Status.PENDING_REVIEW,
            _Status.EXPIRED,
            "expired",
            "system (daily expiry check)",
            note=_NO_EVENT,
        ),
        Move(
            _Status.APPROVED,
            _Status.EXPIRED,
            "expired",
            "system (daily expiry check)",
            note=_NO_EVENT,
        ),
    ],
)

# Accepted formats, recognised by their first bytes: a renamed .exe is not a PDF.
_SIGNATURES = (
    (b"%PDF-", "application/pdf", (".pdf",)),
    (b"\x89PNG\r\n\x1a\n", "image/png", (".png",)),
    (b"\xff\xd8\xff", "image/jpeg", (".jpg", ".jpeg")),
)
ACCEPTED_EXTENSIONS = ", ".join(ext for _, _, exts in _SIGNATURES for ext in exts)


def _sniff(upload: UploadedFile) -> str:
    name = (upload.name or "").lower()
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for magic, content_type, extensions in _SIGNATURES:
        if head.startswith(magic) and name.endswith(extensions):
            return content_type
    raise DomainError(
        gettext(
            "%(name)s is not an accepted file: upload a PDF, PNG or JPEG (%(accepted_extensions)s)."
        )
        % {"name": upload.name, "accepted_extensions": ACCEPTED_EXTENSIONS},
        field="file",
    )


def _doc_snapshot(document: SupplierDocument) -> dict[str, Any]:
    return {
        "type": document.document_type.code,
        "file": document.original_name,
        "size": document.size,
        "expires_on": document.expires_on,
        "status": document.status,
    }


@transaction.atomic
def supplier_document_upload(
    *,
    actor: Actor,
    supplier: Supplier,
    document_type: DocumentType,
    upload: UploadedFile,
    expires_on: datetime.date | None,
    today: datetime.date | None = None,
    channel: str = Channel.PORTAL,
) -> SupplierDocument:
    """Store one document. Pending review until an admin approves it (with the onboarding,
    or on its own once the supplier is active)."""
    supplier = lock_supplier(supplier)
    require_editable(supplier)
    today = today or timezone.localdate()
    if not document_type.is_active:
        raise DomainError(
            gettext("%(name)s is no longer requested.") % {"name": document_type.name},
            field="document_type",
        )
    max_bytes = settings.PORTAL_DOCUMENT_MAX_MB * 1024 * 1024
    name, size = upload.name or "", upload.size or 0
    if size > max_bytes:
        raise DomainError(
            gettext("%(name)s is %(size)s MB; the limit is %(settings)s MB.")
            % {
                "name": name,
                "size": format(size / 1048576, ".1f"),
                "settings": settings.PORTAL_DOCUMENT_MAX_MB,
            },
            field="file",
        )
    if size == 0:
        raise DomainError(gettext("%(name)s is empty.") % {"name": name}, field="file")
    content_type = _sniff(upload)
    if document_type.expires and expires_on is None:
        raise DomainError(
            gettext("Enter the date the %(name)s expires.") % {"name": document_type.name},
            field="expires_on",
        )
    if expires_on is not None and expires_on < today:
        raise DomainError(
            gettext("The expiry date %(expires_on)s is in the past: upload the current document.")
            % {"expires_on": format(expires_on, "%Y-%m-%d")},
            field="expires_on",
        )
    SUPPLIER_DOCUMENT.check_created(_Status.PENDING_REVIEW)
    document = SupplierDocument(
        supplier=supplier,
        status=_Status.PENDING_REVIEW,
        document_type=document_type,
        original_name=name[:200],
        content_type=content_type,
        size=size,
        expires_on=expires_on if document_type.expires else None,
        uploaded_by=actor_user(actor),
    )
    document.file.save(f"{supplier.code}-{document_type.code}-{upload.name}", upload, save=False)
    document.save()
    audit_record(
        actor=actor, channel=channel, obj=document, action="uploaded", after=_doc_snapshot(document)
    )
    return document


@transaction.atomic
def supplier_document_remove(
    *, actor: Actor, document: SupplierDocument, channel: str = Channel.PORTAL
) -> None:
    """Remove a document not yet approved; approved ones stay as the record of what was
    on file (upload a newer one instead)."""
    require_editable(lock_supplier(document.supplier))
    if document.status == _Status.APPROVED:
        raise DomainError(
            gettext("An approved document stays on file; upload a newer one instead.")
        )
    audit_record(
        actor=actor, channel=channel, obj=document, action="removed", before=_doc_snapshot(document)
    )
    document.file.delete(save=False)
    document.delete()


@transaction.atomic
def supplier_document_review(
    *,
    actor: Actor,
    document: SupplierDocument,
    approve: bool,
    comment: str = "",
    channel: str = Channel.PORTAL,
) -> SupplierDocument:
    """Approve or reject a document an active supplier uploaded."""
    document = (
        SupplierDocument.objects.select_for_update()
        .select_related("supplier", "document_type")
        .get(pk=document.pk)
    )
    if document.status != _Status.PENDING_REVIEW:
        raise DomainError(
            gettext("This document is already %(status)s.")
            % {"status": document.get_status_display().lower()}
        )
    if not approve and not comment.strip():
        raise DomainError(gettext("Say why the document is rejected."), field="comment")
    SUPPLIER_DOCUMENT.move(
        document,
        to=_Status.APPROVED if approve else _Status.REJECTED,
        actor=actor,
        channel=channel,
        after={"comment": comment.strip()},
    )
    notify_after_commit(
        supplier_admin_emails(document.supplier),
        f"{document.document_type.name} {document.get_status_display().lower()}",
        comment.strip() or f"{document.original_name} is approved.",
    )
    return document


def _buyer_emails() -> list[str]:
    return list(
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[Role.BUYER, Role.PORTAL_ADMIN])
        .values_list("email", flat=True)
        .distinct()
        .order_by("email")
    )


@transaction.atomic
def supplier_documents_expiry_check(*, today: datetime.date) -> dict[str, int]:
    """The daily check: warn the supplier once about each document expiring within 30
    days; mark expired documents and tell buyers. Safe to run twice a day."""
    now = timezone.now()
    counts = {"warned": 0, "expired": 0}
    live = sorted(SUPPLIER_DOCUMENT.sources(_Status.EXPIRED, "expired"))
    expiring = (
        SupplierDocument.objects.select_for_update(of=("self",))
        .filter(
            status__in=live,
            expiry_warned_at__isnull=True,
            expires_on__gte=today,
            expires_on__lte=today + datetime.timedelta(days=EXPIRY_WARNING_DAYS),
        )
        .select_related("supplier", "document_type")
        .order_by("pk")
    )
    for document in expiring:
        document.expiry_warned_at = now
        document.save(update_fields=["expiry_warned_at"])
        audit_record(
            actor=None,
            channel=Channel.SYSTEM,
            obj=document,
            action="expiry_warned",
            after={"expires_on": document.expires_on},
        )
        notify_after_commit(
            supplier_admin_emails(document.supplier),
            f"{document.document_type.name} expires on {document.expires_on:%Y-%m-%d}",
            f"Upload a renewed {document.document_type.name} in the Supplier Portal before "
            f"{document.expires_on:%Y-%m-%d}.",
        )
        counts["warned"] += 1
    expired = (
        SupplierDocument.objects.select_for_update(of=("self",))
        .filter(status__in=live, expires_on__lt=today)
        .select_related("supplier", "document_type")
        .order_by("pk")
    )
    flagged: list[str] = []
    for document in expired:
        document.expired_flagged_at = now
        SUPPLIER_DOCUMENT.move(
            document,
            to=_Status.EXPIRED,
            actor=None,
            channel=Channel.SYSTEM,
            after={"expires_on": document.expires_on},
            update_fields=["expired_flagged_at"],
        )
        notify_after_commit(
            supplier_admin_emails(document.supplier),
            f"{document.document_type.name} has expired",
            f"Your {document.document_type.name} expired on {document.expires_on:%Y-%m-%d}. "
            "Upload a current one in the Supplier Portal.",
        )
        flagged.append(
            f"{document.supplier.code} {document.supplier.name}: {document.document_type.name} "
            f"expired {document.expires_on:%Y-%m-%d}"
        )
        counts["expired"] += 1
    if flagged:
        notify_after_commit(
            _buyer_emails(),
            f"{len(flagged)} supplier document(s) expired",
            "\n".join(flagged),
        )
    return counts
