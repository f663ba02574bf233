from django.contrib import admin
from django.urls import include, path

from portal import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("accounts/", include("allauth.urls")),
    path("orders/", include("suppliers.urls")),
    path("buyer/", include("suppliers.buyer_urls")),
    path("admin/", admin.site.urls),
]

handler403 = "portal.views.permission_denied"
handler404 = "portal.views.page_not_found"
