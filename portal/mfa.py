"""MFA enforcement: a signed-in user whose role requires MFA (supplier admins, buyers,
integration operators, portal admins) and who has no authenticator app yet is sent to
allauth's TOTP setup page before anything else. Setting `PORTAL_MFA_REQUIRED`.

Signing in itself is allauth's: once a TOTP authenticator exists, allauth asks for a code
(or a recovery code) at every login.
"""

from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from portal.access import Role, has_role

MFA_ROLES = (Role.SUPPLIER_ADMIN, Role.BUYER, Role.INTEGRATION_OPERATOR, Role.PORTAL_ADMIN)

# What a user must still reach before MFA is set up: the setup itself, re-authentication
# it may ask for, signing out, and the endpoints that are not pages.
_ALWAYS_ALLOWED_URL_NAMES = (
    "mfa_activate_totp",
    "mfa_index",
    "mfa_view_recovery_codes",
    "mfa_download_recovery_codes",
    "account_logout",
    "account_reauthenticate",
    "mfa_reauthenticate",
    "healthz",
    "readyz",
)


def mfa_required_for(user) -> bool:
    return bool(settings.PORTAL_MFA_REQUIRED) and has_role(user, *MFA_ROLES)


def has_totp(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


# Session key: the pk of the user already seen with a TOTP authenticator in this session,
# so the authenticator table is read once per session, not on every request. Its user
# cannot switch a required authenticator off (MfaAdapter); one removed another way (Django
# admin) is enforced again from the next login. The pk, not a flag: a session that changes
# hands (login as someone else) is checked again.
MFA_SEEN_SESSION_KEY = "portal_mfa_totp_user"


def has_totp_in_session(request: HttpRequest, user) -> bool:
    """`has_totp`, asked of the database once per session instead of on every request."""
    if request.session.get(MFA_SEEN_SESSION_KEY) == user.pk:
        return True
    if not has_totp(user):
        return False
    request.session[MFA_SEEN_SESSION_KEY] = user.pk
    return True


class MfaRequiredMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self._allowed_paths: frozenset[str] | None = None

    def _allowed(self) -> frozenset[str]:
        if self._allowed_paths is None:
            self._allowed_paths = frozenset(reverse(name) for name in _ALWAYS_ALLOWED_URL_NAMES)
        return self._allowed_paths

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and request.path not in self._allowed()
            and not request.path.startswith(settings.STATIC_URL)
            and mfa_required_for(user)
            and not has_totp_in_session(request, user)
        ):
            return redirect("mfa_activate_totp")
        return self.get_response(request)


class MfaAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        # Whoever must use MFA cannot switch their authenticator app off (they can still
        # regenerate recovery codes); others may.
        if authenticator.type == Authenticator.Type.TOTP and mfa_required_for(authenticator.user):
            return False
        return super().can_delete_authenticator(authenticator)
