"""The supplier's side of onboarding: the invitation link, the checklist (profile,
contacts, ship-from locations, documents) and submitting it for review.

Everyone at the supplier sees the checklist and its progress; only supplier admins edit.
Objects are looked up within the user's supplier: another supplier's is a 404."""

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from integrations.errors import DomainError
from portal.access import Role, has_role, role_required, supplier_required
from suppliers import selectors, services
from suppliers.forms.onboarding import (
    ContactForm,
    DocumentForm,
    LocationForm,
    ProfileForm,
    add_domain_error,
)
from suppliers.models import Supplier

supplier_admin_required = role_required(Role.SUPPLIER_ADMIN)

# The opened invitation link (supplier code, token) waits in the session until sign-up,
# where portal.accounts (allauth's adapter) reads it.
INVITATION_SESSION_KEY = "portal_invitation"


def invitation_refused(request: HttpRequest, error: services.InvitationError) -> HttpResponse:
    return render(
        request, "suppliers/onboarding/invitation_invalid.html", {"error": error}, status=410
    )


@require_GET
def invitation_accept(request: HttpRequest, code: str, token: str) -> HttpResponse:
    """Check the link, keep it in the session and show who is being invited; the sign-up
    page then creates the account with the invited address."""
    try:
        invitation = services.invitation_check(supplier_code=code, token=token)
    except services.InvitationError as error:
        return invitation_refused(request, error)
    if request.user.is_authenticated:
        return render(
            request,
            "suppliers/onboarding/invitation_signed_in.html",
            {"invitation": invitation},
            status=409,
        )
    request.session[INVITATION_SESSION_KEY] = {"supplier": code, "token": token}
    # The link arrived at this address, which proves it: allauth then records the email
    # as verified (MFA setup requires a verified address).
    request.session["account_verified_email"] = invitation.email
    return render(
        request, "suppliers/onboarding/invitation_accept.html", {"invitation": invitation}
    )


def _checklist_context(request: HttpRequest, supplier: Supplier, **forms) -> dict:
    checklist = selectors.onboarding_checklist(supplier=supplier, today=timezone.localdate())
    can_edit = has_role(request.user, Role.SUPPLIER_ADMIN)
    editable = can_edit and supplier.status != Supplier.Status.PENDING_APPROVAL
    return {
        "supplier": supplier,
        "checklist": checklist,
        "can_edit": editable,
        "is_admin": can_edit,
        "pending_change": selectors.pending_profile_change(supplier=supplier),
        "profile_form": forms.get("profile_form") or ProfileForm(instance=checklist.profile),
        "contact_form": forms.get("contact_form") or ContactForm(),
        "location_form": forms.get("location_form") or LocationForm(),
        "document_form": forms.get("document_form") or DocumentForm(),
        "submit_error": forms.get("submit_error"),
    }


def _render_checklist(request: HttpRequest, supplier: Supplier, status: int = 200, **forms):
    return render(
        request,
        "suppliers/onboarding/checklist.html",
        _checklist_context(request, supplier, **forms),
        status=status,
    )


@supplier_required
def checklist(request: HttpRequest) -> HttpResponse:
    return _render_checklist(request, selectors.get_supplier_for_user(request.user))


@require_POST
@supplier_admin_required
def profile_save(request: HttpRequest) -> HttpResponse:
    supplier = selectors.get_supplier_for_user(request.user)
    form = ProfileForm(request.POST)
    if form.is_valid():
        try:
            change = services.supplier_profile_save(
                actor=request.user, supplier=supplier, data=form.cleaned_data
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            if change is None:
                messages.success(request, gettext("Company profile saved."))
            else:
                messages.success(
                    request,
                    gettext(
                        "Your profile change is waiting for approval; the current details stay "
                        "in effect until then."
                    ),
                )
            return redirect("onboarding:checklist")
    return _render_checklist(request, supplier, status=400, profile_form=form)


@require_POST
@supplier_admin_required
def contact_add(request: HttpRequest) -> HttpResponse:
    supplier = selectors.get_supplier_for_user(request.user)
    form = ContactForm(request.POST)
    if form.is_valid():
        try:
            services.supplier_contact_add(
                actor=request.user, supplier=supplier, **form.cleaned_data
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, gettext("Contact added."))
            return redirect("onboarding:checklist")
    return _render_checklist(request, supplier, status=400, contact_form=form)


@require_POST
@supplier_admin_required
def contact_remove(request: HttpRequest, pk: int) -> HttpResponse:
    supplier = selectors.get_supplier_for_user(request.user)
    contact = selectors.get_contact_for_supplier(supplier=supplier, pk=pk)
    try:
        services.supplier_contact_remove(actor=request.user, contact=contact)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("onboarding:checklist")


@require_POST
@supplier_admin_required
def location_add(request: HttpRequest) -> HttpResponse:
    supplier = selectors.get_supplier_for_user(request.user)
    form = LocationForm(request.POST)
    if form.is_valid():
        try:
            services.ship_from_location_add(
                actor=request.user, supplier=supplier, data=form.cleaned_data
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, gettext("Ship-from location added."))
            return redirect("onboarding:checklist")
    return _render_checklist(request, supplier, status=400, location_form=form)


@require_POST
@supplier_admin_required
def location_remove(request: HttpRequest, pk: int) -> HttpResponse:
    supplier = selectors.get_supplier_for_user(request.user)
    location = selectors.get_location_for_supplier(supplier=supplier, pk=pk)
    try:
        services.ship_from_location_remove(actor=request.user, location=location)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("onboarding:checklist")


@require_POST
@supplier_admin_required
def document_upload(request: HttpRequest) -> HttpResponse:
    supplier = selectors.get_supplier_for_user(request.user)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.supplier_document_upload(
                actor=request.user,
                supplier=supplier,
                document_type=form.cleaned_data["document_type"],
                upload=form.cleaned_data["file"],
                expires_on=form.cleaned_data["expires_on"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, gettext("Document uploaded."))
            return redirect("onboarding:checklist")
    return _render_checklist(request, supplier, status=400, document_form=form)


@require_POST
@supplier_admin_required
def document_remove(request: HttpRequest, pk: int) -> HttpResponse:
    supplier = selectors.get_supplier_for_user(request.user)
    document = selectors.get_document_for_supplier(supplier=supplier, pk=pk)
    try:
        services.supplier_document_remove(actor=request.user, document=document)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("onboarding:checklist")


@require_GET
@supplier_required
def document_download(request: HttpRequest, pk: int) -> FileResponse:
    supplier = selectors.get_supplier_for_user(request.user)
    document = selectors.get_document_for_supplier(supplier=supplier, pk=pk)
    return document_file_response(document)


def document_file_response(document) -> FileResponse:
    # Served through a permission-checked view, never from a public media URL.
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )


@require_POST
@supplier_admin_required
def submit(request: HttpRequest) -> HttpResponse:
    supplier = selectors.get_supplier_for_user(request.user)
    try:
        services.onboarding_submit(actor=request.user, supplier=supplier)
    except DomainError as error:
        return _render_checklist(request, supplier, status=400, submit_error=error.message)
    messages.success(
        request, gettext("Submitted for review. We will email you when it is reviewed.")
    )
    return redirect("onboarding:checklist")
