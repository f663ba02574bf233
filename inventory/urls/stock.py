"""Inventory pages for internal users (included at /inventory/)."""

from django.urls import path

from inventory.views import positions as position_views
from inventory.views import stock as views

app_name = "inventory"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("positions/", views.position_list, name="positions"),
    path("positions/<path:sku>/", position_views.position_detail, name="position_detail"),
    path("snapshots/", views.snapshot_list, name="snapshots"),
    path("snapshots/upload/", views.snapshot_upload, name="snapshot_upload"),
    path("snapshots/<int:snapshot_id>/", views.snapshot_detail, name="snapshot_detail"),
    path("reconciliation/", views.run_list, name="run_list"),
    path("reconciliation/start/", views.run_start, name="run_start"),
    path("reconciliation/<int:run_id>/", views.run_detail, name="run_detail"),
    path("reconciliation/<int:run_id>/progress/", views.run_progress, name="run_progress"),
]
