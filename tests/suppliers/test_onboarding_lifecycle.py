"""One life per onboarding document: the onboarding case (`Supplier.status`), invitations,
supplier documents, section reviews, profile changes and invoices each move only by their
table. A move the table does not hold is refused and saves nothing; moves that used to be
one bulk `update()` now leave an audit entry per row."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from integrations.errors import DomainError
from integrations.models import AuditEntry, Channel, Event
from integrations.services.lifecycle import CREATED, TransitionNotAllowed
from suppliers import services
from suppliers.models import (
    DocumentType,
    Invitation,
    Invoice,
    OnboardingSectionReview,
    ProfileChange,
    Supplier,
    SupplierDocument,
    SupplierMembership,
)
from suppliers.services.invoices import INVOICE
from suppliers.services.onboarding_cases import SECTION_REVIEW, SUPPLIER_CASE
from suppliers.services.profile_changes import PROFILE_CHANGE
from suppliers.services.supplier_documents import SUPPLIER_DOCUMENT
from suppliers.services.supplier_users import INVITATION
from tests.suppliers.factories import (
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    SupplierFactory,
    SupplierMembershipFactory,
)
from tests.suppliers.onboarding_support import complete_checklist

pytestmark = pytest.mark.django_db

ALL_APPROVED = {s: (True, "") for s in ("profile", "contacts", "locations", "documents")}
TABLES = [SUPPLIER_CASE, INVITATION, SUPPLIER_DOCUMENT, SECTION_REVIEW, PROFILE_CHANGE, INVOICE]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _document(supplier: Supplier, status: str) -> SupplierDocument:
    services.document_types_ensure_defaults()
    return SupplierDocument.objects.create(
        supplier=supplier,
        document_type=DocumentType.objects.get(code="w9"),
        file=ContentFile(b"%PDF-1.4", name="w9.pdf"),
        original_name="w9.pdf",
        content_type="application/pdf",
        size=8,
        status=status,
    )


def _invitation(supplier: Supplier, status: str) -> Invitation:
    now = timezone.now()
    return Invitation.objects.create(
        supplier=supplier,
        email="new@acme.example",
        token_hash=f"hash-{status}",
        expires_at=now + datetime.timedelta(days=-1 if status == "expired" else 7),
        accepted_at=now if status == "accepted" else None,
        revoked_at=now if status == "revoked" else None,
    )


def _invoice(supplier: Supplier, status: str) -> Invoice:
    return Invoice.objects.create(
        supplier=supplier,
        purchase_order=PurchaseOrderFactory(supplier=supplier),
        number="INV-1",
        invoice_date=datetime.date(2024, 3, 10),
        total_amount=Decimal("25.00"),
        received_at=timezone.now(),
        status=status,
    )


# Test data only: a document of each kind in a given status, as a table walk needs it.
MAKERS = {
    "onboarding case": lambda supplier, status: SupplierFactory(code="CASE", status=status),
    "invitation": _invitation,
    "supplier document": _document,
    "onboarding section review": lambda supplier, status: OnboardingSectionReview.objects.create(
        supplier=supplier, section="profile", status=status
    ),
    "profile change": lambda supplier, status: ProfileChange.objects.create(
        supplier=supplier, changes={"city": "Chicago"}, status=status
    ),
    "invoice": _invoice,
}


def _refused_moves() -> list:
    return [
        pytest.param(table, source, target, id=f"{table.document}:{source}->{target}")
        for table in TABLES
        for source in table.states
        for target in table.states
        if table.find(source, target) is None
    ]


def _silent_moves() -> list:
    """The allowed moves between two stored statuses that publish no event."""
    return [
        pytest.param(table, move, id=f"{table.document}:{move.source}->{move.target}")
        for table in TABLES
        if table is not INVITATION
        for move in table.moves
        if move.source != CREATED and not move.event
    ]


@pytest.mark.parametrize(("table", "source", "target"), _refused_moves())
def test_a_move_the_table_does_not_hold_is_refused_and_saves_nothing(
    supplier, portal_admin, table, source, target
):
    document = MAKERS[table.document](supplier, source)

    with pytest.raises(TransitionNotAllowed) as refused:
        table.move(document, to=target, actor=portal_admin, channel=Channel.PORTAL, data={})

    assert refused.value.code == "transition_not_allowed"
    assert refused.value.field == "status"
    document.refresh_from_db()
    assert document.status == source
    assert AuditEntry.objects.count() == 0
    assert Event.objects.count() == 0


@pytest.mark.parametrize(("table", "move"), _silent_moves())
def test_every_move_the_table_holds_saves_the_status_with_its_audit_entry(
    supplier, portal_admin, table, move
):
    document = MAKERS[table.document](supplier, move.source)

    table.move(
        document, to=move.target, actor=portal_admin, channel=Channel.PORTAL, action=move.action
    )

    document.refresh_from_db()
    assert document.status == move.target
    entry = AuditEntry.objects.get()
    assert (entry.object_id, entry.action, entry.before, entry.after) == (
        str(document.pk),
        move.action,
        {"status": move.source},
        {"status": move.target},
    )


def test_every_onboarding_table_names_who_may_move_and_why_there_is_no_event():
    for table in TABLES:
        for move in table.moves:
            assert move.who, (table.document, move)
            assert move.event or move.note, (table.document, move)
    assert [m.event for m in SUPPLIER_CASE.moves if m.event] == ["supplier.onboarded"]
    assert [(m.source, m.target, m.event) for m in INVOICE.moves if m.source == CREATED] == [
        (CREATED, "submitted", "invoice.submitted")
    ]


def test_a_table_refuses_to_create_a_document_in_a_status_it_does_not_start_in():
    with pytest.raises(TransitionNotAllowed, match="cannot become active"):
        SUPPLIER_CASE.check_created(Supplier.Status.ACTIVE)
    with pytest.raises(TransitionNotAllowed, match="cannot become approved"):
        SUPPLIER_DOCUMENT.check_created(SupplierDocument.Status.APPROVED)
    with pytest.raises(TransitionNotAllowed, match="cannot become accepted"):
        INVITATION.check_created(Invitation.Status.ACCEPTED)


def test_an_invitation_move_must_write_the_dates_of_its_new_status(supplier, portal_admin):
    invitation = _invitation(supplier, "pending")

    with pytest.raises(ValueError, match="make it pending, not revoked"):
        INVITATION.move(
            invitation,
            to=Invitation.Status.REVOKED,
            actor=portal_admin,
            channel=Channel.PORTAL,
            values={"send_count": 2},
        )


def test_revoking_an_invitation_records_the_move_from_pending(supplier, portal_admin):
    issued = services.invitation_create(
        actor=portal_admin, supplier=supplier, email="new@acme.example", base_url="http://t/"
    )

    services.invitation_revoke(actor=portal_admin, invitation=issued.invitation)

    entry = AuditEntry.objects.get(action="revoked")
    assert (entry.before, entry.after["status"], entry.after["email"]) == (
        {"status": "pending"},
        "revoked",
        "new@acme.example",
    )
    assert Invitation.objects.get().status == Invitation.Status.REVOKED


def test_an_expired_invitation_resent_is_pending_again(supplier, portal_admin):
    invitation = _invitation(supplier, "expired")

    services.invitation_resend(actor=portal_admin, invitation=invitation, base_url="http://t/")

    invitation.refresh_from_db()
    assert (invitation.status, invitation.send_count) == (Invitation.Status.PENDING, 2)
    entry = AuditEntry.objects.get(action="resent")
    assert (entry.before, entry.after["status"]) == ({"status": "expired"}, "pending")


@pytest.fixture
def newco_admin(db):
    return SupplierMembershipFactory(
        supplier=SupplierFactory(
            code="NEWCO",
            status=Supplier.Status.ONBOARDING,
            invited_at=timezone.now() - datetime.timedelta(days=3),
        ),
        user__email="nina@newco.example",
        role=SupplierMembership.Role.ADMIN,
    ).user


@pytest.fixture
def submitted(newco_admin):
    supplier = Supplier.objects.get(code="NEWCO")
    complete_checklist(actor=newco_admin, supplier=supplier)
    return services.onboarding_submit(actor=newco_admin, supplier=supplier)


def test_each_section_verdict_leaves_its_own_audit_entry(portal_admin, submitted):
    services.onboarding_review(
        actor=portal_admin,
        supplier=submitted,
        decisions={**ALL_APPROVED, "locations": (False, "Add the Dallas warehouse.")},
    )

    entries = AuditEntry.objects.filter(object_type="suppliers.onboardingsectionreview")
    assert sorted((e.action, e.before["status"], e.after["status"]) for e in entries) == [
        ("approved", "not_reviewed", "approved"),
        ("approved", "not_reviewed", "approved"),
        ("approved", "not_reviewed", "approved"),
        ("changes_requested", "not_reviewed", "changes_requested"),
    ]
    case = AuditEntry.objects.get(action="onboarding_changes_requested")
    assert (case.object_type, case.before, case.after) == (
        "suppliers.supplier",
        {"status": "pending_approval"},
        {"status": "onboarding", "changes_requested": {"locations": "Add the Dallas warehouse."}},
    )


def test_resubmitting_moves_each_section_sent_back_with_an_audit_entry_per_row(
    portal_admin, newco_admin, submitted
):
    services.onboarding_review(
        actor=portal_admin,
        supplier=submitted,
        decisions={
            **ALL_APPROVED,
            "locations": (False, "Add the Dallas warehouse."),
            "contacts": (False, "Add a shipping contact."),
        },
    )

    services.onboarding_submit(actor=newco_admin, supplier=submitted)

    entries = AuditEntry.objects.filter(action="resubmitted").order_by("object_id")
    reviews = OnboardingSectionReview.objects.filter(section__in=["contacts", "locations"])
    assert [(e.object_id, e.before, e.after) for e in entries] == [
        (str(r.pk), {"status": "changes_requested"}, {"status": "not_reviewed"})
        for r in reviews.order_by("pk")
    ]
    assert entries[0].actor == newco_admin
    assert set(OnboardingSectionReview.objects.values_list("status", flat=True)) == {
        "approved",
        "not_reviewed",
    }


def test_approving_the_onboarding_approves_each_document_with_an_audit_entry(
    portal_admin, submitted
):
    documents = list(SupplierDocument.objects.order_by("pk"))

    services.onboarding_review(actor=portal_admin, supplier=submitted, decisions=ALL_APPROVED)

    entries = AuditEntry.objects.filter(
        object_type="suppliers.supplierdocument", action="approved"
    ).order_by("object_id")
    assert [(e.object_id, e.before, e.after, e.actor) for e in entries] == [
        (str(d.pk), {"status": "pending_review"}, {"status": "approved"}, portal_admin)
        for d in documents
    ]
    assert Event.objects.get().type == "supplier.onboarded"


def test_an_admin_suspends_and_reinstates_an_active_supplier(supplier, supplier_user, portal_admin):
    with pytest.raises(DomainError, match="Say why the supplier is suspended"):
        services.supplier_suspend(actor=portal_admin, supplier=supplier, reason=" ")

    services.supplier_suspend(actor=portal_admin, supplier=supplier, reason="Insurance lapsed.")
    supplier.refresh_from_db()
    assert (supplier.status, supplier.can_log_in) == (Supplier.Status.SUSPENDED, False)

    services.supplier_reinstate(actor=portal_admin, supplier=supplier)
    supplier.refresh_from_db()
    assert supplier.status == Supplier.Status.ACTIVE
    assert list(
        AuditEntry.objects.filter(object_type="suppliers.supplier")
        .order_by("id")
        .values_list("action", "before", "after")
    ) == [
        ("suspended", {"status": "active"}, {"status": "suspended", "reason": "Insurance lapsed."}),
        ("reinstated", {"status": "suspended"}, {"status": "active"}),
    ]


def test_a_supplier_still_onboarding_cannot_be_suspended(portal_admin):
    onboarding = SupplierFactory(code="NEWCO", status=Supplier.Status.ONBOARDING)

    with pytest.raises(TransitionNotAllowed, match="is onboarding and cannot become suspended"):
        services.supplier_suspend(actor=portal_admin, supplier=onboarding, reason="Fraud.")

    onboarding.refresh_from_db()
    assert onboarding.status == Supplier.Status.ONBOARDING
    assert AuditEntry.objects.count() == 0


def test_a_received_invoice_is_created_by_its_table_with_its_event(supplier):
    line = PurchaseOrderLineFactory(purchase_order=PurchaseOrderFactory(supplier=supplier))

    invoice = services.invoice_record(
        actor="test",
        supplier=supplier,
        purchase_order=line.purchase_order,
        number="INV-9",
        invoice_date=datetime.date(2024, 3, 10),
        currency="USD",
        total_amount=Decimal("25.00"),
        lines=[
            services.InvoiceLineInput(
                line_no=1,
                quantity=Decimal("10"),
                uom_code="EA",
                unit_price=Decimal("2.5"),
                po_line=line,
            )
        ],
    )

    # Created submitted by its table, then matched at once (nothing received: on hold).
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.ON_HOLD
    entries = AuditEntry.objects.filter(object_type="suppliers.invoice").order_by("id")
    assert list(entries.values_list("action", flat=True)) == ["submitted", "match_started", "held"]
    event = Event.objects.get(type="invoice.submitted")
    assert (event.type, event.aggregate_type, event.aggregate_id) == (
        "invoice.submitted",
        "invoice",
        "ACME:INV-9",
    )
