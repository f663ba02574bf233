"""Who may do what: role names and the small decorators views use to check them.

The one module of `portal` that the apps import (DESIGN §3); it imports no app. Internal
roles are Django groups; supplier roles live on the user's supplier membership, reached
through the `supplier_membership` relation so that this module needs no import of it.
"""

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Concatenate, ParamSpec, Protocol, TypeAlias, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.translation import gettext
from django_htmx.middleware import HtmxDetails

# Re-exported: `portal.access` is the one portal module the apps may import.
from portal.models import User as User


class HtmxHttpRequest(HttpRequest):
    """A request that went through django-htmx's middleware: views that read
    `request.htmx` take this type."""

    htmx: HtmxDetails


class NamedActor(Protocol):
    """An actor that is not a portal user (an API key, an anonymous visitor): services audit
    it by its `str()` and link no user to it, since it is not authenticated as one."""

    @property
    def is_authenticated(self) -> bool: ...


# Who did something, as services receive it: a signed-in user (audited and linked), another
# actor or a label such as an EDI partner's name (audited by name), or None (the system).
Actor: TypeAlias = User | NamedActor | str | None


def actor_user(actor: Actor) -> User | None:
    """The portal user behind `actor`, to link as `created_by` and the like; None for API
    keys, labels and the system."""
    return actor if isinstance(actor, User) and actor.is_authenticated else None


class Role(StrEnum):
    SUPPLIER_STAFF = "supplier_staff"
    SUPPLIER_ADMIN = "supplier_admin"
    BUYER = "buyer"
    INTEGRATION_OPERATOR = "integration_operator"
    PORTAL_ADMIN = "portal_admin"


INTERNAL_ROLES = (Role.BUYER, Role.INTEGRATION_OPERATOR, Role.PORTAL_ADMIN)
SUPPLIER_ROLES = (Role.SUPPLIER_STAFF, Role.SUPPLIER_ADMIN)

# Set by portal.auth_backends on the user it loads for a request when it already knows the
# user's group names (none: no group at all), which saves a query on every request.
GROUP_NAMES_ATTRIBUTE = "_portal_group_names"


def active_membership(user):
    """The user's active supplier membership, or None (cached on the user object)."""
    if not getattr(user, "is_authenticated", False):
        return None
    if not hasattr(user, "_portal_membership"):
        membership = getattr(user, "supplier_membership", None)
        if membership is not None and (
            not membership.is_active or not membership.supplier.can_log_in
        ):
            membership = None
        user._portal_membership = membership
    return user._portal_membership


def user_roles(user) -> frozenset[Role]:
    """Every role the user holds. A portal admin holds every internal role."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    if not hasattr(user, "_portal_roles"):
        roles: set[Role] = set()
        group_names = getattr(user, GROUP_NAMES_ATTRIBUTE, None)
        if group_names is None:
            group_names = set(user.groups.values_list("name", flat=True))
        roles.update(role for role in INTERNAL_ROLES if role.value in group_names)
        if user.is_superuser or Role.PORTAL_ADMIN in roles:
            roles.update(INTERNAL_ROLES)
        membership = active_membership(user)
        if membership is not None:
            roles.add(Role.SUPPLIER_STAFF)
            if membership.role == Role.SUPPLIER_ADMIN.value:
                roles.add(Role.SUPPLIER_ADMIN)
        user._portal_roles = frozenset(roles)
    return user._portal_roles


def has_role(user, *roles: Role) -> bool:
    return bool(user_roles(user) & set(roles))


_P = ParamSpec("_P")
_R = TypeVar("_R", bound=HttpRequest)
_View: TypeAlias = Callable[Concatenate[_R, _P], HttpResponseBase]


def role_required(*roles: Role) -> Callable[[_View[_R, _P]], _View[_R, _P]]:
    """Anonymous users go to login; signed-in users without one of `roles` get 403."""

    def decorator(view: _View[_R, _P]) -> _View[_R, _P]:
        @wraps(view)
        def wrapped(request: _R, *args: _P.args, **kwargs: _P.kwargs) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, *roles):
                raise PermissionDenied(gettext("Your role does not give access to this page."))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


supplier_required = role_required(*SUPPLIER_ROLES)
buyer_required = role_required(Role.BUYER, Role.PORTAL_ADMIN)
operator_required = role_required(Role.INTEGRATION_OPERATOR, Role.PORTAL_ADMIN)
admin_required = role_required(Role.PORTAL_ADMIN)
