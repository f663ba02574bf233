"""A supplier admin manages their own people: invite, deactivate, reactivate, change
role, resend or revoke invitations. Another supplier's user or invitation is a 404."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from integrations.errors import DomainError
from portal.access import Role, role_required
from suppliers import selectors, services
from suppliers.forms.onboarding import InvitationForm, RoleForm, add_domain_error
from suppliers.models import SupplierMembership

supplier_admin_required = role_required(Role.SUPPLIER_ADMIN)


def _render(request: HttpRequest, supplier, form: InvitationForm, status: int = 200):
    return render(
        request,
        "suppliers/users/user_list.html",
        {
            "supplier": supplier,
            "members": selectors.supplier_users(supplier=supplier),
            "invitations": selectors.supplier_invitations(supplier=supplier),
            "form": form,
            "roles": SupplierMembership.Role.choices,
        },
        status=status,
    )


@supplier_admin_required
def user_list(request: HttpRequest) -> HttpResponse:
    supplier = selectors.get_supplier_for_user(request.user)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_create(
                actor=request.user,
                supplier=supplier,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                base_url=request.build_absolute_uri("/"),
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                gettext("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]},
            )
            return redirect("team:user_list")
    return _render(request, supplier, form, status=400 if form.errors else 200)


def _membership(request: HttpRequest, pk: int):
    return selectors.get_membership_for_supplier(
        supplier=selectors.get_supplier_for_user(request.user), pk=pk
    )


def _run(request: HttpRequest, action, success: str) -> HttpResponse:
    try:
        action()
        messages.success(request, success)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("team:user_list")


@require_POST
@supplier_admin_required
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _membership(request, pk)
    return _run(
        request,
        lambda: services.supplier_user_deactivate(actor=request.user, membership=membership),
        gettext("%(email)s can no longer sign in.") % {"email": membership.user.email},
    )


@require_POST
@supplier_admin_required
def user_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _membership(request, pk)
    return _run(
        request,
        lambda: services.supplier_user_reactivate(actor=request.user, membership=membership),
        gettext("%(email)s can sign in again.") % {"email": membership.user.email},
    )


@require_POST
@supplier_admin_required
def user_set_role(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _membership(request, pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Choose the role Staff or Admin."))
        return redirect("team:user_list")
    return _run(
        request,
        lambda: services.supplier_user_set_role(
            actor=request.user, membership=membership, role=form.cleaned_data["role"]
        ),
        gettext("%(email)s's role was updated.") % {"email": membership.user.email},
    )


def _invitation(request: HttpRequest, pk: int):
    return selectors.get_invitation_for_supplier(
        supplier=selectors.get_supplier_for_user(request.user), pk=pk
    )


@require_POST
@supplier_admin_required
def invitation_resend(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = _invitation(request, pk)
    return _run(
        request,
        lambda: services.invitation_resend(
            actor=request.user, invitation=invitation, base_url=request.build_absolute_uri("/")
        ),
        f"A new link was sent to {invitation.email}.",
    )


@require_POST
@supplier_admin_required
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = _invitation(request, pk)
    return _run(
        request,
        lambda: services.invitation_revoke(actor=request.user, invitation=invitation),
        f"The invitation of {invitation.email} was revoked.",
    )
