"""Integration operators' pages for internal systems' API keys (mounted at
/integrations/api-keys/)."""

from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from integrations import selectors
from integrations.errors import DomainError
from integrations.forms.api_keys import ApiKeyForm, add_domain_error
from integrations.models import ApiKey, ApiScope, Channel
from integrations.models.api import INTERNAL_SCOPES
from integrations.services import api_key_create, api_key_revoke
from portal.access import operator_required


def api_key_page(
    request: HttpRequest,
    *,
    scopes: tuple[ApiScope, ...],
    supplier_id: int | None,
    keys: QuerySet[ApiKey],
    template: str,
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """The API-key page shared by operators (internal keys) and supplier admins (their
    supplier's keys): the list, and on POST a new key shown once on the response."""
    form = ApiKeyForm(request.POST or None, scopes=scopes)
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            issued = api_key_create(
                actor=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                supplier_id=supplier_id,
                expires_at=form.expires_at(),
                channel=Channel.PORTAL,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            form = ApiKeyForm(scopes=scopes)
    response = render(
        request,
        template,
        {**(context or {}), "keys": keys, "form": form, "issued": issued, "now": timezone.now()},
        status=400 if form.errors else 200,
    )
    # The page holding a new key must not sit in any cache.
    response["Cache-Control"] = "no-store"
    return response


@operator_required
def api_key_list(request: HttpRequest) -> HttpResponse:
    return api_key_page(
        request,
        scopes=INTERNAL_SCOPES,
        supplier_id=None,
        keys=selectors.internal_api_keys(),
        template="integrations/api_keys/api_key_list.html",
    )


@operator_required
@require_POST
def api_key_revoke_view(request: HttpRequest, key_id: int) -> HttpResponse:
    api_key = selectors.get_internal_api_key(pk=key_id)
    api_key_revoke(actor=request.user, api_key=api_key)
    messages.success(request, gettext("%(key)s is revoked.") % {"key": api_key})
    return redirect("api_keys:list")
