"""The portal admins' side of onboarding: create and invite suppliers, resend or revoke
invitations, the review queue, per-section review, profile changes and documents of
active suppliers. Buyers see suppliers flagged for expired documents."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from integrations.errors import DomainError
from portal.access import admin_required, buyer_required
from suppliers import selectors, services
from suppliers.forms.onboarding import (
    DecisionForm,
    ReviewForm,
    SupplierInviteForm,
    add_domain_error,
)
from suppliers.models import Invitation, OnboardingSectionReview, Supplier
from suppliers.views.onboarding import document_file_response


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


@require_GET
@admin_required
def supplier_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in Supplier.Status.values:
        status = ""
    paginator = Paginator(selectors.suppliers_for_admin(status=status or None), 50)
    return render(
        request,
        "suppliers/onboarding/admin_supplier_list.html",
        {
            "page": paginator.get_page(request.GET.get("page")),
            "status": status,
            "statuses": Supplier.Status.choices,
            "cycle_time": selectors.onboarding_cycle_time(),
        },
    )


@admin_required
def supplier_invite(request: HttpRequest) -> HttpResponse:
    form = SupplierInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.supplier_invite(
                actor=request.user, base_url=_base_url(request), **form.cleaned_data
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            invitation = issued.invitation
            messages.success(
                request,
                gettext("%(code)s created; invitation sent to %(email)s.")
                % {"code": invitation.supplier.code, "email": invitation.email},
            )
            return redirect("supplier_admin:supplier_detail", code=invitation.supplier.code)
    return render(
        request,
        "suppliers/onboarding/admin_supplier_invite.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@require_GET
@admin_required
def supplier_detail(request: HttpRequest, code: str) -> HttpResponse:
    supplier = selectors.get_supplier_by_code(code=code)
    return render(
        request,
        "suppliers/onboarding/admin_supplier_detail.html",
        {
            "supplier": supplier,
            "checklist": selectors.onboarding_checklist(
                supplier=supplier, today=timezone.localdate()
            ),
            "invitations": selectors.supplier_invitations(supplier=supplier),
            "members": selectors.supplier_users(supplier=supplier),
            "pending_change": selectors.pending_profile_change(supplier=supplier),
        },
    )


@require_POST
@admin_required
def invitation_resend(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation.objects.select_related("supplier"), pk=pk)
    try:
        services.invitation_resend(
            actor=request.user, invitation=invitation, base_url=_base_url(request)
        )
        messages.success(
            request, gettext("A new link was sent to %(email)s.") % {"email": invitation.email}
        )
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("supplier_admin:supplier_detail", code=invitation.supplier.code)


@require_POST
@admin_required
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation.objects.select_related("supplier"), pk=pk)
    try:
        services.invitation_revoke(actor=request.user, invitation=invitation)
        messages.success(
            request,
            gettext("The invitation of %(email)s was revoked.") % {"email": invitation.email},
        )
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("supplier_admin:supplier_detail", code=invitation.supplier.code)


@require_GET
@admin_required
def review_queue(request: HttpRequest) -> HttpResponse:
    return render(request, "suppliers/onboarding/admin_review_queue.html", selectors.review_queue())


def _review_initial(checklist) -> dict:
    initial = {}
    for state in checklist.sections:
        if state.review_status == OnboardingSectionReview.Status.APPROVED:
            initial[f"{state.section}_decision"] = "approve"
    return initial


@admin_required
def onboarding_review(request: HttpRequest, code: str) -> HttpResponse:
    supplier = selectors.get_supplier_by_code(code=code)
    checklist = selectors.onboarding_checklist(supplier=supplier, today=timezone.localdate())
    form = ReviewForm(request.POST or None, initial=_review_initial(checklist))
    if request.method == "POST" and form.is_valid():
        try:
            supplier = services.onboarding_review(
                actor=request.user, supplier=supplier, decisions=form.decisions()
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            if supplier.status == Supplier.Status.ACTIVE:
                messages.success(
                    request, gettext("%(code)s is approved and active.") % {"code": supplier.code}
                )
            else:
                messages.success(
                    request, gettext("Changes requested from %(code)s.") % {"code": supplier.code}
                )
            return redirect("supplier_admin:review_queue")
    return render(
        request,
        "suppliers/onboarding/admin_review.html",
        {"supplier": supplier, "checklist": checklist, "form": form},
        status=400 if form.errors else 200,
    )


@require_POST
@admin_required
def profile_change_decide(request: HttpRequest, pk: int) -> HttpResponse:
    change = selectors.get_profile_change(pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Choose approve or reject."))
        return redirect("supplier_admin:review_queue")
    try:
        services.profile_change_decide(
            actor=request.user,
            change=change,
            approve=form.cleaned_data["decision"] == "approve",
            comment=form.cleaned_data["comment"],
        )
        messages.success(
            request, gettext("Profile change of %(code)s decided.") % {"code": change.supplier.code}
        )
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("supplier_admin:review_queue")


@require_POST
@admin_required
def document_review(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.get_document(pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Choose approve or reject."))
        return redirect("supplier_admin:review_queue")
    try:
        services.supplier_document_review(
            actor=request.user,
            document=document,
            approve=form.cleaned_data["decision"] == "approve",
            comment=form.cleaned_data["comment"],
        )
        messages.success(request, gettext("%(document)s reviewed.") % {"document": document})
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("supplier_admin:review_queue")


@require_GET
@admin_required
def document_download(request: HttpRequest, pk: int) -> FileResponse:
    return document_file_response(selectors.get_document(pk=pk))


@require_GET
@buyer_required
def compliance(request: HttpRequest) -> HttpResponse:
    """Suppliers flagged to buyers: an expired document and no valid replacement."""
    return render(
        request,
        "suppliers/onboarding/compliance.html",
        {"suppliers": list(selectors.suppliers_with_expired_documents())},
    )
