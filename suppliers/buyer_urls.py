"""The distributor's buyer pages across all suppliers."""

from django.urls import path

from suppliers import views

app_name = "buyer"

urlpatterns = [
    path("orders/", views.buyer_po_list, name="po_list"),
    path("orders/<str:number>/", views.buyer_po_detail, name="po_detail"),
]
