"""The supplier's onboarding pages (mounted at /onboarding/) and the invitation link."""

from django.urls import path

from suppliers.views import onboarding as views

app_name = "onboarding"

urlpatterns = [
    path("", views.checklist, name="checklist"),
    path("profile/", views.profile_save, name="profile_save"),
    path("contacts/", views.contact_add, name="contact_add"),
    path("contacts/<int:pk>/remove/", views.contact_remove, name="contact_remove"),
    path("locations/", views.location_add, name="location_add"),
    path("locations/<int:pk>/remove/", views.location_remove, name="location_remove"),
    path("documents/", views.document_upload, name="document_upload"),
    path("documents/<int:pk>/", views.document_download, name="document_download"),
    path("documents/<int:pk>/remove/", views.document_remove, name="document_remove"),
    path("submit/", views.submit, name="submit"),
    path("invitations/<str:code>/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
