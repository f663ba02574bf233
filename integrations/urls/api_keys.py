from django.urls import path

from integrations.views import api_keys as pages

app_name = "api_keys"

urlpatterns = [
    path("", pages.api_key_list, name="list"),
    path("<int:key_id>/revoke/", pages.api_key_revoke_view, name="revoke"),
]
