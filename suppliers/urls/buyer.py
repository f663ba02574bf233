"""The distributor's buyer pages across all suppliers."""

from django.urls import path

from suppliers.views import acknowledgments as ack_views
from suppliers.views import disputes as dispute_views
from suppliers.views import inbound as inbound_views
from suppliers.views import inbound_risk as risk_views
from suppliers.views import invoice_payables as payables_views
from suppliers.views import invoices as invoice_views
from suppliers.views import purchase_orders as po_views
from suppliers.views import receipts as receipt_views

app_name = "buyer"

urlpatterns = [
    path("orders/", po_views.buyer_po_list, name="po_list"),
    path("orders/export.csv", po_views.buyer_po_csv, name="po_csv"),
    path("orders/<str:number>/", po_views.buyer_po_detail, name="po_detail"),
    path("inbound/", inbound_views.inbound_schedule, name="inbound_schedule"),
    path("inbound/export.csv", inbound_views.inbound_schedule_csv, name="inbound_csv"),
    path("inbound-risk/", risk_views.inbound_risk, name="inbound_risk"),
    path("inbound-risk/lines/", risk_views.inbound_risk_lines, name="inbound_risk_lines"),
    path("receiving/", receipt_views.receiving_dashboard, name="receiving"),
    path("receiving/upload/", receipt_views.receipt_upload, name="receipt_upload"),
    path("availability/", inbound_views.buyer_availability, name="availability"),
    path(
        "shipments/<str:supplier_code>/<str:asn_number>/",
        inbound_views.buyer_asn_detail,
        name="asn_detail",
    ),
    path("orders/<str:number>/remind/", ack_views.buyer_po_remind, name="po_remind"),
    path("invoices/", invoice_views.buyer_invoice_list, name="invoice_list"),
    path("invoices/holds/", payables_views.ap_queue, name="ap_queue"),
    path("invoices/disputes/", dispute_views.buyer_dispute_list, name="dispute_list"),
    path(
        "invoices/disputes/receipts/<int:receipt_id>/new/",
        dispute_views.buyer_receipt_dispute,
        name="receipt_dispute",
    ),
    path(
        "invoices/disputes/<int:dispute_id>/",
        dispute_views.buyer_dispute_detail,
        name="dispute_detail",
    ),
    path(
        "invoices/disputes/<int:dispute_id>/messages/",
        dispute_views.buyer_dispute_message,
        name="dispute_message",
    ),
    path(
        "invoices/disputes/<int:dispute_id>/resolve/",
        dispute_views.buyer_dispute_resolve,
        name="dispute_resolve",
    ),
    path(
        "invoices/disputes/attachments/<int:message_id>/",
        dispute_views.buyer_dispute_attachment,
        name="dispute_attachment",
    ),
    path(
        "invoices/<str:supplier_code>/<str:number>/pdf/",
        invoice_views.buyer_invoice_pdf,
        name="invoice_pdf",
    ),
    path(
        "invoices/<str:supplier_code>/<str:number>/dispute/",
        dispute_views.buyer_dispute_open,
        name="invoice_dispute",
    ),
    path(
        "invoices/<str:supplier_code>/<str:number>/release/",
        payables_views.invoice_release,
        name="invoice_release",
    ),
    path(
        "invoices/<str:supplier_code>/<str:number>/schedule/",
        payables_views.invoice_schedule,
        name="invoice_schedule",
    ),
    path(
        "invoices/<str:supplier_code>/<str:number>/paid/",
        payables_views.invoice_paid,
        name="invoice_paid",
    ),
    path(
        "invoices/<str:supplier_code>/<str:number>/",
        invoice_views.buyer_invoice_detail,
        name="invoice_detail",
    ),
    path("reviews/", ack_views.buyer_review_queue, name="review_queue"),
    path("reviews/<int:pk>/accept/", ack_views.buyer_proposal_accept, name="proposal_accept"),
    path("reviews/<int:pk>/reject/", ack_views.buyer_proposal_reject, name="proposal_reject"),
    path(
        "acknowledgments/overdue/",
        ack_views.buyer_overdue_acknowledgments,
        name="overdue_acknowledgments",
    ),
]
