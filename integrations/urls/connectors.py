"""Operator screens of the integration layer, mounted under /integrations/."""

from django.urls import path

from integrations.views import connectors as views
from integrations.views import edi as views_edi
from integrations.views import retention as views_retention

app_name = "integrations"

urlpatterns = [
    path("", views.connector_list, name="connector_list"),
    path("connectors/<int:pk>/pause", views.connector_pause, name="connector_pause"),
    path("connectors/<int:pk>/resume", views.connector_resume, name="connector_resume"),
    path("deliveries/", views.delivery_list, name="delivery_list"),
    path("deliveries/<int:pk>/", views.delivery_detail, name="delivery_detail"),
    path("deliveries/<int:pk>/replay", views.delivery_replay, name="delivery_replay"),
    path("deliveries/<int:pk>/skip", views.delivery_skip, name="delivery_skip"),
    path("dead-letters/", views.dead_letters, name="dead_letters"),
    path("dead-letters/replay", views.dead_letters_replay, name="dead_letters_replay"),
    path("catalog/", views.catalog, name="catalog"),
    path("edi/", views_edi.edi_interchange_list, name="edi_list"),
    path("edi/<int:pk>/", views_edi.edi_interchange_detail, name="edi_detail"),
    path("edi/<int:pk>/reprocess", views_edi.edi_interchange_reprocess_view, name="edi_reprocess"),
    path("retention/", views_retention.retention, name="retention"),
    path("schemas/<str:event_type>.v<int:version>.json", views.event_schema, name="event_schema"),
]
