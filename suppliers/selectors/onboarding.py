"""Reads for onboarding: the checklist and its progress, the review queue, supplier users,
document compliance, the onboarding cycle-time KPI and per-supplier audit history.

Supplier-facing reads take the supplier they are scoped to; `get_<obj>_for_supplier`
returns 404 for another supplier's object (DESIGN §1.6)."""

import datetime
import statistics
from dataclasses import dataclass, field

from django.db import models
from django.db.models import CharField, Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Cast
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext

from integrations.models import AuditEntry
from suppliers.models import (
    AcknowledgmentLine,
    DocumentType,
    Invitation,
    OnboardingComment,
    OnboardingSectionReview,
    ProfileChange,
    PurchaseOrder,
    ShipFromLocation,
    Supplier,
    SupplierContact,
    SupplierDocument,
    SupplierMembership,
    SupplierProfile,
)
from suppliers.models.onboarding import PROFILE_REQUIRED_FIELDS, Section

# Documents that still count: neither rejected nor expired.
VALID_DOCUMENT_STATUSES = (
    SupplierDocument.Status.PENDING_REVIEW,
    SupplierDocument.Status.APPROVED,
)


@dataclass
class SectionState:
    section: str
    label: str
    complete: bool
    problems: list[str]
    review: OnboardingSectionReview | None = None
    comments: list[OnboardingComment] = field(default_factory=list)

    @property
    def review_status(self) -> str:
        return self.review.status if self.review else OnboardingSectionReview.Status.NOT_REVIEWED


@dataclass
class Checklist:
    supplier: Supplier
    profile: SupplierProfile | None
    contacts: list[SupplierContact]
    locations: list[ShipFromLocation]
    documents: list[SupplierDocument]
    document_types: list[DocumentType]
    sections: list[SectionState]

    @property
    def done(self) -> int:
        return sum(1 for s in self.sections if s.complete)

    @property
    def percent(self) -> int:
        return round(100 * self.done / len(self.sections))

    @property
    def complete(self) -> bool:
        return all(s.complete for s in self.sections)

    @property
    def problems(self) -> list[str]:
        return [problem for s in self.sections for problem in s.problems]

    def section(self, name: str) -> SectionState:
        return next(s for s in self.sections if s.section == name)


def _profile_field_label(name: str) -> str:
    field = SupplierProfile._meta.get_field(name)
    return str(field.verbose_name) if isinstance(field, models.Field) else name


def _profile_problems(profile: SupplierProfile | None) -> list[str]:
    if profile is None:
        return [gettext("Fill in the company profile.")]
    missing = [
        _profile_field_label(name)
        for name in PROFILE_REQUIRED_FIELDS
        if not str(getattr(profile, name)).strip()
    ]
    if not missing:
        return []
    return [gettext("Company profile: fill in %(fields)s.") % {"fields": ", ".join(missing)}]


def _contact_problems(contacts: list[SupplierContact]) -> list[str]:
    roles = {c.role for c in contacts}
    missing = [str(label) for value, label in SupplierContact.Role.choices if value not in roles]
    if not missing:
        return []
    return [gettext("Contacts: add a contact for %(roles)s.") % {"roles": ", ".join(missing)}]


def _document_problems(
    documents: list[SupplierDocument], types: list[DocumentType], today: datetime.date
) -> list[str]:
    valid_types = {
        d.document_type_id
        for d in documents
        if d.status in VALID_DOCUMENT_STATUSES and (d.expires_on is None or d.expires_on >= today)
    }
    missing = [t.name for t in types if t.required and t.pk not in valid_types]
    if not missing:
        return []
    return [gettext("Documents: upload %(documents)s.") % {"documents": ", ".join(missing)}]


def onboarding_checklist(*, supplier: Supplier, today: datetime.date) -> Checklist:
    """The supplier's checklist with each section's completeness, latest review and
    comments, in a constant number of queries."""
    profile = SupplierProfile.objects.filter(supplier=supplier).first()
    contacts = list(SupplierContact.objects.filter(supplier=supplier))
    locations = list(ShipFromLocation.objects.filter(supplier=supplier))
    documents = list(
        SupplierDocument.objects.filter(supplier=supplier).select_related("document_type")
    )
    types = list(DocumentType.objects.filter(is_active=True))
    reviews = {r.section: r for r in OnboardingSectionReview.objects.filter(supplier=supplier)}
    comments: dict[str, list[OnboardingComment]] = {}
    for comment in OnboardingComment.objects.filter(supplier=supplier).select_related("author"):
        comments.setdefault(comment.section, []).append(comment)
    problems: dict[str, list[str]] = {
        Section.PROFILE: _profile_problems(profile),
        Section.CONTACTS: _contact_problems(contacts),
        Section.LOCATIONS: [] if locations else ["Ship-from locations: add at least one."],
        Section.DOCUMENTS: _document_problems(documents, types, today),
    }
    sections = [
        SectionState(
            section=value,
            label=str(label),
            complete=not problems[value],
            problems=problems[value],
            review=reviews.get(value),
            comments=comments.get(value, []),
        )
        for value, label in Section.choices
    ]
    return Checklist(
        supplier=supplier,
        profile=profile,
        contacts=contacts,
        locations=locations,
        documents=documents,
        document_types=types,
        sections=sections,
    )


def get_supplier_by_code(*, code: str) -> Supplier:
    return get_object_or_404(Supplier, code=code)


def suppliers_for_admin(*, status: str | None = None) -> QuerySet[Supplier]:
    """All suppliers with what an admin triages by: pending invitations and changes."""
    queryset = Supplier.objects.order_by("code").annotate(
        has_pending_change=Exists(
            ProfileChange.objects.filter(
                supplier=OuterRef("pk"), status=ProfileChange.Status.PENDING
            )
        )
    )
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def review_queue() -> dict[str, list]:
    """What waits for an admin: submitted onboardings, profile changes of active
    suppliers, and documents active suppliers uploaded since their approval."""
    return {
        "onboardings": list(
            Supplier.objects.filter(status=Supplier.Status.PENDING_APPROVAL).order_by(
                "onboarding_submitted_at", "code"
            )
        ),
        "profile_changes": list(
            ProfileChange.objects.filter(status=ProfileChange.Status.PENDING)
            .select_related("supplier", "requested_by")
            .order_by("requested_at")
        ),
        "documents": list(
            SupplierDocument.objects.filter(
                status=SupplierDocument.Status.PENDING_REVIEW,
                supplier__status__in=(Supplier.Status.ACTIVE, Supplier.Status.SUSPENDED),
            )
            .select_related("supplier", "document_type", "uploaded_by")
            .order_by("uploaded_at")
        ),
    }


def pending_profile_change(*, supplier: Supplier) -> ProfileChange | None:
    return ProfileChange.objects.filter(
        supplier=supplier, status=ProfileChange.Status.PENDING
    ).first()


def get_profile_change(*, pk: int) -> ProfileChange:
    return get_object_or_404(ProfileChange.objects.select_related("supplier"), pk=pk)


def get_document_for_supplier(*, supplier: Supplier, pk: int) -> SupplierDocument:
    return get_object_or_404(
        SupplierDocument.objects.select_related("document_type", "supplier"),
        pk=pk,
        supplier=supplier,
    )


def get_document(*, pk: int) -> SupplierDocument:
    return get_object_or_404(
        SupplierDocument.objects.select_related("document_type", "supplier"), pk=pk
    )


def get_contact_for_supplier(*, supplier: Supplier, pk: int) -> SupplierContact:
    return get_object_or_404(SupplierContact, pk=pk, supplier=supplier)


def get_location_for_supplier(*, supplier: Supplier, pk: int) -> ShipFromLocation:
    return get_object_or_404(ShipFromLocation, pk=pk, supplier=supplier)


def supplier_users(*, supplier: Supplier) -> list[SupplierMembership]:
    return list(
        SupplierMembership.objects.filter(supplier=supplier)
        .select_related("user")
        .order_by("-is_active", "user__email")
    )


def supplier_invitations(*, supplier: Supplier) -> list[Invitation]:
    """Invitations not yet accepted, newest first (accepted ones are memberships now)."""
    return list(
        Invitation.objects.filter(supplier=supplier, accepted_at__isnull=True)
        .select_related("supplier", "invited_by")
        .order_by("-created_at")
    )


def get_membership_for_supplier(*, supplier: Supplier, pk: int) -> SupplierMembership:
    return get_object_or_404(
        SupplierMembership.objects.select_related("user", "supplier"), pk=pk, supplier=supplier
    )


def get_invitation_for_supplier(*, supplier: Supplier, pk: int) -> Invitation:
    return get_object_or_404(
        Invitation.objects.select_related("supplier"), pk=pk, supplier=supplier
    )


def suppliers_with_expired_documents() -> QuerySet[Supplier]:
    """Suppliers holding an expired document with no valid replacement of the same type:
    buyers see them flagged."""
    replacement = SupplierDocument.objects.filter(
        supplier=OuterRef("supplier"),
        document_type=OuterRef("document_type"),
        status__in=VALID_DOCUMENT_STATUSES,
    )
    expired = SupplierDocument.objects.filter(status=SupplierDocument.Status.EXPIRED).exclude(
        Exists(replacement)
    )
    return (
        Supplier.objects.filter(pk__in=expired.values("supplier"))
        .prefetch_related(
            Prefetch(
                "documents",
                queryset=expired.select_related("document_type"),
                to_attr="expired_documents",
            )
        )
        .order_by("code")
    )


@dataclass(frozen=True)
class CycleTime:
    suppliers: int
    average_days: float | None
    median_days: float | None


def onboarding_cycle_time() -> CycleTime:
    """Invited → active, over every supplier that went through onboarding in the portal."""
    rows = Supplier.objects.filter(
        invited_at__isnull=False, activated_at__isnull=False
    ).values_list("invited_at", "activated_at")
    days = [
        (activated - invited).total_seconds() / 86400
        for invited, activated in rows
        if invited is not None and activated is not None  # the filter's, said to the types
    ]
    if not days:
        return CycleTime(suppliers=0, average_days=None, median_days=None)
    return CycleTime(
        suppliers=len(days),
        average_days=round(sum(days) / len(days), 2),
        median_days=round(statistics.median(days), 2),
    )


def _ids_of(queryset: QuerySet) -> QuerySet:
    # AuditEntry.object_id is text: compare against the primary keys cast to text, in SQL.
    return queryset.annotate(pk_text=Cast("pk", CharField())).values("pk_text")


def audit_entries_for_supplier(*, supplier: Supplier) -> QuerySet[AuditEntry]:
    """The audit history of a supplier and of every object that belongs to it, newest
    first, in one query whatever the number of objects."""
    owned = [
        (Supplier, Supplier.objects.filter(pk=supplier.pk)),
        (SupplierProfile, SupplierProfile.objects.filter(supplier=supplier)),
        (SupplierContact, SupplierContact.objects.filter(supplier=supplier)),
        (ShipFromLocation, ShipFromLocation.objects.filter(supplier=supplier)),
        (SupplierDocument, SupplierDocument.objects.filter(supplier=supplier)),
        (SupplierMembership, SupplierMembership.objects.filter(supplier=supplier)),
        (Invitation, Invitation.objects.filter(supplier=supplier)),
        (ProfileChange, ProfileChange.objects.filter(supplier=supplier)),
        (PurchaseOrder, PurchaseOrder.objects.filter(supplier=supplier)),
    ]
    condition = Q()
    for model, queryset in owned:
        condition |= Q(object_type=model._meta.label_lower, object_id__in=_ids_of(queryset))
    return AuditEntry.objects.filter(condition).select_related("actor")


def audit_entries_for_object(*, object_type: str, object_id: str) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(object_type=object_type, object_id=object_id).select_related(
        "actor"
    )


def audit_proposal_change_counts(*, acknowledgment_ids: list[int]) -> dict[int, int]:
    """How many lines each change proposal changes or rejects, for the audit trail's
    sentences ("accepted PO-100044 with 2 changes"): one query for a page of entries."""
    if not acknowledgment_ids:
        return {}
    rows = (
        AcknowledgmentLine.objects.filter(acknowledgment_id__in=acknowledgment_ids)
        .exclude(action=AcknowledgmentLine.Action.ACCEPT)
        .values("acknowledgment_id")
        .annotate(changes=Count("id"))
    )
    return {row["acknowledgment_id"]: row["changes"] for row in rows}
