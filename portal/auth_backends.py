"""The authentication backend: allauth's (email login), with a `get_user` that loads in one
query what a signed-in request needs before its view runs.

Every signed-in request rebuilds `request.user` from the session. With the stock backend
that was a query for the user, then one each for their groups, their supplier membership
and its supplier (roles, navigation, tenancy). Here the membership and supplier come
through `select_related`, and whether the user is in any group at all as an `EXISTS`
column: supplier users, the many, are in none, so `portal.access.user_roles` needs no
query for them; internal users' group names are read when first needed, as before.
"""

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef

from portal.access import GROUP_NAMES_ATTRIBUTE


class PortalAuthenticationBackend(AuthenticationBackend):
    """allauth's backend; `get_user` preloads supplier membership and supplier, and knows
    whether the user has any group."""

    def get_user(self, user_id):
        user_model = get_user_model()
        memberships = user_model.groups.through.objects.filter(user_id=OuterRef("pk"))
        try:
            user = (
                user_model._default_manager.select_related("supplier_membership__supplier")
                .annotate(portal_in_any_group=Exists(memberships))
                .get(pk=user_id)
            )
        except user_model.DoesNotExist:
            return None
        if not self.user_can_authenticate(user):
            return None
        if not user.portal_in_any_group:
            setattr(user, GROUP_NAMES_ATTRIBUTE, frozenset())
        return user
