"""Supplier-facing pages. Every pattern here is probed by the tenancy test with a user of
another supplier, who must get a 404."""

from django.urls import path

from suppliers.views import purchase_orders as po_views

app_name = "suppliers"

urlpatterns = [
    path("", po_views.supplier_po_list, name="po_list"),
    path("<str:number>/", po_views.supplier_po_detail, name="po_detail"),
]
