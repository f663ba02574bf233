"""`Authorization: Bearer <key>` authentication and scope permissions.

The request's user is an `ApiActor`, not a Django user: services record it as the
actor's label ("API key 'erp-sync' (ab12…)") in audit entries and events, and leave
user foreign keys such as `submitted_by` empty.
"""

from typing import TYPE_CHECKING, Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from integrations.models import ApiKey
from integrations.services import api_key_for_token

if TYPE_CHECKING:
    # Only for annotations: DRF's views module imports the authentication and throttle
    # classes named in settings, i.e. this module.
    from rest_framework.views import APIView


class ApiActor:
    """The actor of an API request: the key, with just enough of the user interface for
    DRF and the services (`is_authenticated` is False so no user FK is set from it)."""

    is_authenticated = False
    is_active = True
    is_anonymous = False

    def __init__(self, api_key: ApiKey) -> None:
        self.api_key = api_key

    def __str__(self) -> str:
        return str(self.api_key)


class ApiKeyAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[ApiActor, ApiKey] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send exactly one key: 'Bearer <key>'.")
        try:
            token = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("The API key has invalid characters.") from None
        api_key = api_key_for_token(token)
        if api_key is None:
            raise exceptions.AuthenticationFailed("Unknown, revoked or expired API key.")
        return ApiActor(api_key), api_key

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


class HasApiKey(BasePermission):
    message = "This endpoint needs an API key: send 'Authorization: Bearer <key>'."

    def has_permission(self, request: Request, view: "APIView") -> bool:
        if not isinstance(request.auth, ApiKey):
            # NotAuthenticated (401) rather than 403 when no key was sent at all.
            raise exceptions.NotAuthenticated(self.message)
        return True


class ScopeDenied(exceptions.PermissionDenied):
    default_code = "scope_missing"


def scope_required(
    scope: str, *, supplier_key: bool = False, internal_key: bool = False
) -> type[BasePermission]:
    """A permission class: the key carries `scope` (and is a supplier's or an internal
    system's key, when the endpoint is for one kind only)."""

    class ScopeRequired(BasePermission):
        required_scope = scope

        def has_permission(self, request: Request, view: "APIView") -> bool:
            api_key = request.auth
            if not isinstance(api_key, ApiKey):
                raise exceptions.NotAuthenticated(HasApiKey.message)
            if supplier_key and api_key.is_internal:
                raise ScopeDenied("This endpoint is for supplier keys; this is an internal key.")
            if internal_key and not api_key.is_internal:
                raise ScopeDenied("This endpoint is for internal systems' keys.")
            if scope not in api_key.scopes:
                raise ScopeDenied(f"This API key lacks the '{scope}' scope.")
            return True

    ScopeRequired.__name__ = f"Scope_{scope}"
    return ScopeRequired


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI document describes ApiKeyAuthentication."""

    target_class = ApiKeyAuthentication
    name = "ApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "bearerFormat": "sp_<prefix>.<secret>"}
