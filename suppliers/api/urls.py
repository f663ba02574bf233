"""/api/v1/ endpoints of the suppliers app. Transitions are POST sub-resources."""

from django.urls import path

from inventory.api import allocations as inventory_allocations
from inventory.api import atp as inventory_atp
from inventory.api import movements as inventory_movements
from suppliers.api import availability, events, internal, invoices, purchase_orders, shipments

urlpatterns = [
    path("purchase-orders", purchase_orders.PurchaseOrderList.as_view(), name="api_po_list"),
    path(
        "purchase-orders/<str:number>",
        purchase_orders.PurchaseOrderDetail.as_view(),
        name="api_po_detail",
    ),
    path(
        "purchase-orders/<str:number>/acknowledgments",
        purchase_orders.PurchaseOrderAcknowledge.as_view(),
        name="api_po_acknowledge",
    ),
    path("asns", shipments.AsnCollection.as_view(), name="api_asn_collection"),
    path("asns/<str:asn_number>", shipments.AsnItem.as_view(), name="api_asn_item"),
    path("asns/<str:asn_number>/submission", shipments.AsnSubmit.as_view(), name="api_asn_submit"),
    path(
        "asns/<str:asn_number>/cancellation", shipments.AsnCancel.as_view(), name="api_asn_cancel"
    ),
    path(
        "asns/<str:asn_number>/milestones",
        shipments.AsnMilestones.as_view(),
        name="api_asn_milestones",
    ),
    path("invoices", invoices.InvoiceCollection.as_view(), name="api_invoice_collection"),
    path("invoices/<str:invoice_number>", invoices.InvoiceItem.as_view(), name="api_invoice_item"),
    path(
        "invoices/<str:invoice_number>/credit-notes",
        invoices.InvoiceCreditNotes.as_view(),
        name="api_invoice_credit_notes",
    ),
    path("availability", availability.AvailabilityUpsert.as_view(), name="api_availability"),
    path("events", events.EventFeed.as_view(), name="api_events"),
    path("receipts", internal.ReceiptCreate.as_view(), name="api_receipts"),
    path("stock-snapshots", internal.SnapshotUpload.as_view(), name="api_stock_snapshots"),
    path(
        "inventory/movements",
        inventory_movements.MovementBatch.as_view(),
        name="api_inventory_movements",
    ),
    path(
        "inventory/allocations",
        inventory_allocations.AllocationBatch.as_view(),
        name="api_inventory_allocations",
    ),
    path(
        "inventory/positions",
        inventory_movements.PositionList.as_view(),
        name="api_inventory_positions",
    ),
    path("inventory/atp", inventory_atp.AvailableToPromise.as_view(), name="api_inventory_atp"),
]
