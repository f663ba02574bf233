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
    path("onboarding/", include("suppliers.onboarding_urls")),
    path("team/", include("suppliers.supplier_users_urls")),
    path("manage/", include("suppliers.onboarding_admin_urls")),
    path("integrations/api-keys/", include("integrations.api.page_urls")),
    path("integrations/", include("integrations.urls")),
    path("exceptions/", include("integrations.exception_urls")),
    path("inventory/", include("inventory.urls")),
    path("api/v1/", include("suppliers.api.urls")),
    path("api/v1/", include("integrations.api.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "portal.views.permission_denied"
handler404 = "portal.views.page_not_found"
