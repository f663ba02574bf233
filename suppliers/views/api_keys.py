"""A supplier admin's API keys (mounted at /orders/api-keys/): create (the key is shown
once, on the response page, never stored in plain text), list, revoke. Another
supplier's key is a 404 whatever the visitor's role."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from integrations import selectors as key_selectors
from integrations.models.api import SUPPLIER_SCOPES
from integrations.services import api_key_revoke
from integrations.views.api_keys import api_key_page
from portal.access import Role, has_role, role_required, supplier_required
from suppliers import selectors

supplier_admin_required = role_required(Role.SUPPLIER_ADMIN)


@supplier_admin_required
def api_key_list(request: HttpRequest) -> HttpResponse:
    supplier = selectors.get_supplier_for_user(request.user)
    return api_key_page(
        request,
        scopes=SUPPLIER_SCOPES,
        supplier_id=supplier.pk,
        keys=key_selectors.api_keys_for_supplier(supplier_id=supplier.pk),
        template="suppliers/api_keys/api_key_list.html",
        context={"supplier": supplier},
    )


@supplier_required
@require_POST
def api_key_revoke_view(request: HttpRequest, key_id: int) -> HttpResponse:
    supplier = selectors.get_supplier_for_user(request.user)
    api_key = key_selectors.get_api_key_for_supplier(supplier_id=supplier.pk, pk=key_id)
    if not has_role(request.user, Role.SUPPLIER_ADMIN):
        raise PermissionDenied("Only a supplier admin can revoke API keys.")
    api_key_revoke(actor=request.user, api_key=api_key)
    messages.success(
        request, gettext("%(key)s is revoked; requests with it now get 401.") % {"key": api_key}
    )
    return redirect("suppliers:api_keys")
