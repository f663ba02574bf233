"""/api/v1/ documentation: OpenAPI document, Swagger UI, event JSON Schemas. The
endpoints themselves are in the domain apps' api/urls.py."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from integrations.api import schema_views

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    # The split view serves its start-up script as a file: the CSP allows no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
    path("event-schemas/", schema_views.event_schema_index, name="api_event_schemas"),
    path(
        "event-schemas/<str:event_type>.v<int:version>.json",
        schema_views.event_schema,
        name="api_event_schema",
    ),
]
