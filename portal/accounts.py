"""allauth's account adapter: sign-up is closed except through a valid supplier invitation,
which fixes the email address and gives the new account its supplier seat."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import SignupForm
from allauth.core import context
from allauth.core.exceptions import ImmediateHttpResponse
from django import forms
from django.db import transaction
from django.urls import reverse

from suppliers import services
from suppliers.models import Invitation
from suppliers.views.onboarding import INVITATION_SESSION_KEY, invitation_refused


def invitation_from_session(request) -> Invitation | None:
    """The invitation this browser opened, while it is still usable; else None."""
    held = request.session.get(INVITATION_SESSION_KEY) if request is not None else None
    if not held:
        return None
    try:
        return services.invitation_check(supplier_code=held["supplier"], token=held["token"])
    except services.InvitationError:
        return None


class InvitationSignupForm(SignupForm):
    """allauth's sign-up form with the invited address filled in and fixed."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        invitation = invitation_from_session(context.request)
        if invitation is not None and "email" in self.fields:
            self.fields["email"].initial = invitation.email
            self.fields["email"].widget.attrs["readonly"] = True
            self.invitation = invitation


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # Accounts come from invitations (supplier onboarding) or admins, never self sign-up.
        return invitation_from_session(request) is not None

    def clean_email(self, email: str) -> str:
        email = super().clean_email(email)
        invitation = invitation_from_session(context.request)
        if invitation is not None and email.lower() != invitation.email:
            raise forms.ValidationError(
                f"This invitation is for {invitation.email}; sign up with that address."
            )
        return email

    def save_user(self, request, user, form, commit=True):
        held = request.session.get(INVITATION_SESSION_KEY) or {}
        # The account and its supplier seat are created together or not at all.
        with transaction.atomic():
            user = super().save_user(request, user, form, commit=True)
            try:
                services.invitation_accept(
                    actor=user, supplier_code=held.get("supplier", ""), token=held.get("token", "")
                )
            except services.InvitationError as error:
                # Leaving the atomic block with the exception rolls the new user back.
                raise ImmediateHttpResponse(invitation_refused(request, error)) from error
        request.session.pop(INVITATION_SESSION_KEY, None)
        return user

    def get_signup_redirect_url(self, request) -> str:
        return reverse("onboarding:checklist")
