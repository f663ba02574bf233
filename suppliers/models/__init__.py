"""Models of the suppliers app, one module per concept; import them from here."""

from suppliers.models.acknowledgments import (
    Acknowledgment,
    AcknowledgmentLine,
    AutoAcceptRule,
    ReasonCode,
    ScheduleLine,
)
from suppliers.models.availability import SupplierAvailability
from suppliers.models.edi import Invoice, InvoiceLine, TradingPartner
from suppliers.models.inbound_rows import InboundRow
from suppliers.models.invoices import Dispute, DisputeMessage, InvoiceTolerance, InvoicingTerms
from suppliers.models.onboarding import (
    DocumentType,
    Invitation,
    OnboardingComment,
    OnboardingSectionReview,
    ProfileChange,
    ShipFromLocation,
    SupplierContact,
    SupplierDocument,
    SupplierProfile,
)
from suppliers.models.purchase_orders import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderScheduleLine,
)
from suppliers.models.receipts import Receipt, ReceiptLine
from suppliers.models.shipments import AsnLine, Shipment, ShipmentMilestone, ShipmentPackage
from suppliers.models.suppliers import Supplier, SupplierItem, SupplierMembership

__all__ = [
    "Acknowledgment",
    "AcknowledgmentLine",
    "AsnLine",
    "AutoAcceptRule",
    "Dispute",
    "DisputeMessage",
    "DocumentType",
    "InboundRow",
    "Invitation",
    "Invoice",
    "InvoiceLine",
    "InvoiceTolerance",
    "InvoicingTerms",
    "OnboardingComment",
    "OnboardingSectionReview",
    "ProfileChange",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "PurchaseOrderScheduleLine",
    "ReasonCode",
    "Receipt",
    "ReceiptLine",
    "ScheduleLine",
    "ShipFromLocation",
    "Shipment",
    "ShipmentMilestone",
    "ShipmentPackage",
    "Supplier",
    "SupplierAvailability",
    "SupplierContact",
    "SupplierDocument",
    "SupplierItem",
    "SupplierMembership",
    "SupplierProfile",
    "TradingPartner",
]
