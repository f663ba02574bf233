"""Supplier-facing pages. Every pattern here is probed by the tenancy test with a user of
another supplier, who must get a 404."""

from django.urls import path

from suppliers.views import acknowledgments as ack_views
from suppliers.views import api_keys as api_key_views
from suppliers.views import availability as availability_views
from suppliers.views import disputes as dispute_views
from suppliers.views import invoice_create as invoice_create_views
from suppliers.views import invoice_upload as invoice_upload_views
from suppliers.views import invoices as invoice_views
from suppliers.views import item_stock as item_stock_views
from suppliers.views import purchase_order_print as po_print_views
from suppliers.views import purchase_orders as po_views
from suppliers.views import receipts as receipt_views
from suppliers.views import shipments as asn_views
from suppliers.views import shipping_documents as ship_views

app_name = "suppliers"

urlpatterns = [
    path("", po_views.supplier_po_list, name="po_list"),
    path("export.csv", po_views.supplier_po_csv, name="po_csv"),
    # Before "<str:number>/" so that "receiving" is not read as a PO number.
    path("receiving/", receipt_views.supplier_receiving_variances, name="receiving_variances"),
    # Shipping pages come before "<str:number>/" so that "shipments" is not read as a PO.
    path("shipments/", asn_views.asn_list, name="asn_list"),
    path("shipments/new/", asn_views.asn_new, name="asn_new"),
    path("shipments/upload/", asn_views.asn_upload, name="asn_upload"),
    # "Ship these POs" from the PO list ("new" is never read as an ASN number).
    path("shipments/new/from-orders/", ship_views.ship_purchase_orders, name="po_ship_many"),
    path("shipments/<str:asn_number>/", asn_views.asn_detail, name="asn_detail"),
    path("shipments/<str:asn_number>/edit/", asn_views.asn_edit, name="asn_edit"),
    path("shipments/<str:asn_number>/submit/", asn_views.asn_submit, name="asn_submit"),
    path("shipments/<str:asn_number>/cancel/", asn_views.asn_cancel, name="asn_cancel"),
    path("shipments/<str:asn_number>/milestones/", asn_views.asn_milestone, name="asn_milestone"),
    path(
        "shipments/<str:asn_number>/packing-slip.pdf",
        ship_views.asn_packing_slip,
        name="asn_packing_slip",
    ),
    path("shipments/<str:asn_number>/labels.pdf", ship_views.asn_sscc_labels, name="asn_labels"),
    path("api-keys/", api_key_views.api_key_list, name="api_keys"),
    path(
        "api-keys/<int:key_id>/revoke/",
        api_key_views.api_key_revoke_view,
        name="api_key_revoke",
    ),
    path("availability/", availability_views.availability_list, name="availability"),
    path(
        "availability/upload/", availability_views.availability_upload, name="availability_upload"
    ),
    path(
        "availability/<int:supplier_item_id>/",
        availability_views.availability_row,
        name="availability_row",
    ),
    path(
        "availability/<int:supplier_item_id>/stock/",
        item_stock_views.item_stock,
        name="item_stock",
    ),
    path("invoices/", invoice_views.supplier_invoice_list, name="invoice_list"),
    # "Create invoice" and disputes come before "invoices/<str:invoice_number>/".
    path("invoices/upload/", invoice_upload_views.invoice_upload, name="invoice_upload"),
    path(
        "invoices/upload/template.csv",
        invoice_upload_views.invoice_upload_template,
        name="invoice_upload_template",
    ),
    path(
        "invoices/new/po/<str:number>/",
        invoice_create_views.invoice_new_from_po,
        name="invoice_new_po",
    ),
    path(
        "invoices/new/asn/<str:asn_number>/",
        invoice_create_views.invoice_new_from_asn,
        name="invoice_new_asn",
    ),
    path(
        "invoices/new/receipt/<int:receipt_id>/",
        invoice_create_views.invoice_new_from_receipt,
        name="invoice_new_receipt",
    ),
    path("invoices/disputes/", dispute_views.supplier_dispute_list, name="dispute_list"),
    path(
        "invoices/disputes/receipts/<int:receipt_id>/new/",
        dispute_views.supplier_receipt_dispute,
        name="receipt_dispute",
    ),
    path(
        "invoices/disputes/<int:dispute_id>/",
        dispute_views.supplier_dispute_detail,
        name="dispute_detail",
    ),
    path(
        "invoices/disputes/<int:dispute_id>/messages/",
        dispute_views.supplier_dispute_message,
        name="dispute_message",
    ),
    path(
        "invoices/disputes/attachments/<int:message_id>/",
        dispute_views.supplier_dispute_attachment,
        name="dispute_attachment",
    ),
    path(
        "invoices/<str:invoice_number>/pdf/",
        invoice_views.supplier_invoice_pdf,
        name="invoice_pdf",
    ),
    path(
        "invoices/<str:invoice_number>/credit-note/",
        invoice_views.supplier_credit_note,
        name="invoice_credit_note",
    ),
    path(
        "invoices/<str:invoice_number>/dispute/",
        dispute_views.supplier_dispute_open,
        name="invoice_dispute",
    ),
    path(
        "invoices/<str:invoice_number>/",
        invoice_views.supplier_invoice_detail,
        name="invoice_detail",
    ),
    path("<str:number>/", po_views.supplier_po_detail, name="po_detail"),
    path("<str:number>/accept/", ack_views.supplier_po_accept, name="po_accept"),
    path("<str:number>/reject/", ack_views.supplier_po_reject, name="po_reject"),
    path("<str:number>/ship/", ship_views.ship_purchase_order, name="po_ship"),
    path("<str:number>/print/", po_print_views.supplier_po_print, name="po_print"),
    path("<str:number>/propose/", ack_views.supplier_po_propose, name="po_propose"),
    path(
        "<str:number>/propose/schedule-line/",
        ack_views.supplier_schedule_row,
        name="po_schedule_row",
    ),
]
