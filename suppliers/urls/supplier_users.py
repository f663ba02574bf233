"""A supplier admin's user management (mounted at /team/)."""

from django.urls import path

from suppliers.views import supplier_users as views

app_name = "team"

urlpatterns = [
    path("", views.user_list, name="user_list"),
    path("<int:pk>/deactivate/", views.user_deactivate, name="user_deactivate"),
    path("<int:pk>/reactivate/", views.user_reactivate, name="user_reactivate"),
    path("<int:pk>/role/", views.user_set_role, name="user_set_role"),
    path("invitations/<int:pk>/resend/", views.invitation_resend, name="invitation_resend"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
]
