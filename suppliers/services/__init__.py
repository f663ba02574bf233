"""Writes of the suppliers app, one module per concept, all re-exported here so callers
write `from suppliers import services` and `services.purchase_order_create(...)`."""

from suppliers.services.acknowledgment_proposals import (
    LineProposalInput,
    ScheduleLineInput,
    auto_accept_verdict,
    purchase_order_propose_changes,
)
from suppliers.services.acknowledgment_reviews import (
    change_proposal_accept,
    change_proposal_reject,
    purchase_order_send_reminder,
)
from suppliers.services.acknowledgments import (
    ACKNOWLEDGMENT_LIFECYCLE,
    purchase_order_accept,
    purchase_order_reject,
)
from suppliers.services.availability import AvailabilityInput, supplier_availability_post
from suppliers.services.disputes import (
    DISPUTE,
    dispute_add_message,
    dispute_mark_read,
    dispute_open,
    dispute_resolve,
)
from suppliers.services.invoice_matching import invoices_match, invoices_rematch_stale
from suppliers.services.invoice_submission import (
    credit_note_create,
    invoice_record,
    invoice_submit,
)
from suppliers.services.invoices import (
    INVOICE,
    InvoiceHeader,
    InvoiceLineInput,
    invoice_mark_paid,
    invoice_release_hold,
    invoice_schedule_payment,
)
from suppliers.services.onboarding import (
    document_types_ensure_defaults,
    ship_from_location_add,
    ship_from_location_remove,
    supplier_contact_add,
    supplier_contact_remove,
)
from suppliers.services.onboarding_cases import (
    onboarding_review,
    onboarding_start,
    onboarding_submit,
    supplier_reinstate,
    supplier_suspend,
)
from suppliers.services.profile_changes import profile_change_decide, supplier_profile_save
from suppliers.services.purchase_orders import (
    PURCHASE_ORDER_LIFECYCLE,
    PURCHASE_ORDER_LINE_LIFECYCLE,
    PurchaseOrderLineInput,
    purchase_order_cancel,
    purchase_order_create,
    purchase_order_revise,
)
from suppliers.services.receipts import RECEIPT_LIFECYCLE, ReceiptLineInput, receipt_record
from suppliers.services.shipment_milestones import shipment_milestone_report
from suppliers.services.shipments import (
    SHIPMENT_LIFECYCLE,
    AsnHeader,
    AsnLineInput,
    PackageInput,
    asn_cancel,
    asn_create,
    asn_create_from_purchase_orders,
    asn_submit,
    asn_update,
)
from suppliers.services.supplier_documents import (
    supplier_document_remove,
    supplier_document_review,
    supplier_document_upload,
    supplier_documents_expiry_check,
)
from suppliers.services.supplier_items import (
    supplier_item_create,
    supplier_item_update,
    supplier_item_upsert,
)
from suppliers.services.supplier_users import (
    InvitationError,
    IssuedInvitation,
    invitation_accept,
    invitation_check,
    invitation_create,
    invitation_resend,
    invitation_revoke,
    supplier_invite,
    supplier_user_deactivate,
    supplier_user_reactivate,
    supplier_user_set_role,
)

__all__ = [
    "ACKNOWLEDGMENT_LIFECYCLE",
    "DISPUTE",
    "INVOICE",
    "PURCHASE_ORDER_LIFECYCLE",
    "PURCHASE_ORDER_LINE_LIFECYCLE",
    "RECEIPT_LIFECYCLE",
    "SHIPMENT_LIFECYCLE",
    "AsnHeader",
    "AsnLineInput",
    "AvailabilityInput",
    "InvitationError",
    "InvoiceHeader",
    "InvoiceLineInput",
    "IssuedInvitation",
    "LineProposalInput",
    "PackageInput",
    "PurchaseOrderLineInput",
    "ReceiptLineInput",
    "ScheduleLineInput",
    "asn_cancel",
    "asn_create",
    "asn_create_from_purchase_orders",
    "asn_submit",
    "asn_update",
    "auto_accept_verdict",
    "change_proposal_accept",
    "change_proposal_reject",
    "credit_note_create",
    "dispute_add_message",
    "dispute_mark_read",
    "dispute_open",
    "dispute_resolve",
    "document_types_ensure_defaults",
    "invitation_accept",
    "invitation_check",
    "invitation_create",
    "invitation_resend",
    "invitation_revoke",
    "invoice_mark_paid",
    "invoice_record",
    "invoice_release_hold",
    "invoice_schedule_payment",
    "invoice_submit",
    "invoices_match",
    "invoices_rematch_stale",
    "onboarding_review",
    "onboarding_start",
    "onboarding_submit",
    "profile_change_decide",
    "purchase_order_accept",
    "purchase_order_cancel",
    "purchase_order_create",
    "purchase_order_propose_changes",
    "purchase_order_reject",
    "purchase_order_revise",
    "purchase_order_send_reminder",
    "receipt_record",
    "ship_from_location_add",
    "ship_from_location_remove",
    "shipment_milestone_report",
    "supplier_availability_post",
    "supplier_contact_add",
    "supplier_contact_remove",
    "supplier_document_remove",
    "supplier_document_review",
    "supplier_document_upload",
    "supplier_documents_expiry_check",
    "supplier_invite",
    "supplier_item_create",
    "supplier_item_update",
    "supplier_item_upsert",
    "supplier_profile_save",
    "supplier_reinstate",
    "supplier_suspend",
    "supplier_user_deactivate",
    "supplier_user_reactivate",
    "supplier_user_set_role",
]
