"""Portal admins' supplier onboarding and audit pages (mounted at /manage/), and the
buyers' compliance flags."""

from django.urls import path

from suppliers.views import audit
from suppliers.views import onboarding_admin as views

app_name = "supplier_admin"

urlpatterns = [
    path("suppliers/", views.supplier_list, name="supplier_list"),
    path("suppliers/new/", views.supplier_invite, name="supplier_invite"),
    path("suppliers/<str:code>/", views.supplier_detail, name="supplier_detail"),
    path("suppliers/<str:code>/review/", views.onboarding_review, name="onboarding_review"),
    path("suppliers/<str:code>/audit/", audit.supplier_audit, name="supplier_audit"),
    path("invitations/<int:pk>/resend/", views.invitation_resend, name="invitation_resend"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("reviews/", views.review_queue, name="review_queue"),
    path("profile-changes/<int:pk>/", views.profile_change_decide, name="profile_change_decide"),
    path("documents/<int:pk>/", views.document_download, name="document_download"),
    path("documents/<int:pk>/review/", views.document_review, name="document_review"),
    path("compliance/", views.compliance, name="compliance"),
    path("audit/<str:object_type>/<str:object_id>/", audit.object_audit, name="object_audit"),
]
