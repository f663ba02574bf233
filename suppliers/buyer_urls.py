"""The distributor's buyer pages across all suppliers."""

from django.urls import path

from suppliers.views import purchase_orders as po_views

app_name = "buyer"

urlpatterns = [
    path("orders/", po_views.buyer_po_list, name="po_list"),
    path("orders/<str:number>/", po_views.buyer_po_detail, name="po_detail"),
]
