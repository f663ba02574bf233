from django.contrib import admin
from django.urls import include, path

from portal import kpi_views, notification_views, preference_views, slo_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics_view, name="metrics"),
    path("kpis/", kpi_views.kpis, name="kpis"),
    path("kpis/<slug:key>/", kpi_views.kpi_detail, name="kpi_detail"),
    path("scorecards/", kpi_views.scorecards, name="scorecards"),
    path("scorecards.csv", kpi_views.scorecards_csv, name="scorecards_csv"),
    path("slos/", slo_views.slos, name="slos"),
    path("preferences/", preference_views.preferences, name="preferences"),
    path("notifications/", notification_views.notification_list, name="notifications"),
    path(
        "notifications/preferences/",
        notification_views.notification_preferences,
        name="notification_preferences",
    ),
    path(
        "notifications/read-all/",
        notification_views.notification_mark_all_read,
        name="notifications_read_all",
    ),
    path(
        "notifications/<int:pk>/",
        notification_views.notification_open,
        name="notification_open",
    ),
    path("accounts/", include("allauth.urls")),
    path("orders/", include("suppliers.urls.supplier")),
    path("buyer/", include("suppliers.urls.buyer")),
    path("onboarding/", include("suppliers.urls.onboarding")),
    path("team/", include("suppliers.urls.supplier_users")),
    path("manage/", include("suppliers.urls.onboarding_admin")),
    path("integrations/api-keys/", include("integrations.urls.api_keys")),
    path("integrations/", include("integrations.urls.connectors")),
    path("exceptions/", include("integrations.urls.exceptions")),
    path("inventory/", include("inventory.urls.stock")),
    path("api/v1/", include("suppliers.api.urls")),
    path("api/v1/", include("integrations.api.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "portal.views.permission_denied"
handler404 = "portal.views.page_not_found"
