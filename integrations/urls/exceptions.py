"""The exceptions inbox, for internal users (included at /exceptions/)."""

from django.urls import path

from integrations.views import exceptions as views

app_name = "exceptions"

urlpatterns = [
    path("", views.exception_list, name="list"),
    path("dashboard/", views.exception_dashboard, name="dashboard"),
    path("<int:case_id>/", views.exception_detail, name="detail"),
    path("<int:case_id>/acknowledge/", views.exception_acknowledge_view, name="acknowledge"),
    path("<int:case_id>/assign/", views.exception_assign_view, name="assign"),
    path("<int:case_id>/notes/", views.exception_note_view, name="note"),
    path("<int:case_id>/resolve/", views.exception_resolve_view, name="resolve"),
]
