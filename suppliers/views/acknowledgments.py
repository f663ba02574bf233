"""HTMX pages for acknowledgments: the supplier answers a PO on its detail page; the buyer
reviews change proposals and chases overdue acknowledgments.

Writes are POST-only and call the services; a DomainError is shown next to the field or
line it names. HTMX requests get the updated fragment (or a client redirect on success);
plain form posts get a redirect with a message, so the pages work without JavaScript.
"""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from integrations.errors import DomainError
from integrations.models import Channel
from portal.access import HtmxHttpRequest, buyer_required, supplier_required
from suppliers import selectors, services
from suppliers.forms.acknowledgments import (
    AcceptForm,
    ChangeProposalForm,
    DecisionForm,
    RejectForm,
    ScheduleRowForm,
)
from suppliers.models import Acknowledgment, PurchaseOrder, ReasonCode
from suppliers.views.filter_options import supplier_options
from suppliers.views.purchase_order_detail import acknowledgment_context, render_supplier_detail
from suppliers.views.review_cards import auto_accept_rules, review_cards_html
from suppliers.views.review_queue_html import QueuePage, content_html, decided_html


def _panel_response(request: HttpRequest, purchase_order: PurchaseOrder, **forms) -> HttpResponse:
    """The supplier's acknowledgment panel again, with the forms' errors."""
    context = acknowledgment_context(purchase_order, supplier_side=True, timeline=[])
    context.update(forms)
    context["po"] = purchase_order
    return render(request, "suppliers/acknowledgments/_panel.html", context)


def _supplier_po(request: HttpRequest, number: str) -> PurchaseOrder:
    return selectors.get_purchase_order_for_supplier(
        supplier=selectors.get_supplier_for_user(request.user), number=number
    )


def _post_to_own_po(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Like @require_POST, but only after the tenancy check: another supplier's user gets
    a 404 on every route and method, never a 405 that would confirm the PO exists."""

    @wraps(view)
    def wrapped(request: HttpRequest, number: str) -> HttpResponse:
        purchase_order = _supplier_po(request, number)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        return view(request, purchase_order)

    return wrapped


def _done(request: HtmxHttpRequest, url: str, message: str) -> HttpResponse:
    messages.success(request, message)
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _error_page(request: HtmxHttpRequest, purchase_order: PurchaseOrder, **forms) -> HttpResponse:
    if request.htmx:
        return _panel_response(request, purchase_order, **forms)
    # Without JavaScript the whole detail page comes back with the errors in place.
    return render_supplier_detail(request, purchase_order, extra=forms)


# --- supplier: accept, reject, propose -------------------------------------------------


@supplier_required
@_post_to_own_po
def supplier_po_accept(request: HtmxHttpRequest, purchase_order: PurchaseOrder) -> HttpResponse:
    number = purchase_order.number
    form = AcceptForm(request.POST)
    if form.is_valid():
        try:
            services.purchase_order_accept(
                actor=request.user,
                purchase_order=purchase_order,
                revision=form.cleaned_data["revision"],
                comment=form.cleaned_data["comment"],
                channel=Channel.PORTAL,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            url = reverse("suppliers:po_detail", kwargs={"number": number})
            return _done(
                request, url, gettext("PO %(number)s accepted as ordered.") % {"number": number}
            )
    return _error_page(request, purchase_order, accept_form=form)


@supplier_required
@_post_to_own_po
def supplier_po_reject(request: HtmxHttpRequest, purchase_order: PurchaseOrder) -> HttpResponse:
    number = purchase_order.number
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            services.purchase_order_reject(
                actor=request.user,
                purchase_order=purchase_order,
                revision=form.cleaned_data["revision"],
                reason_code=form.cleaned_data["reason_code"],
                comment=form.cleaned_data["comment"],
                channel=Channel.PORTAL,
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            url = reverse("suppliers:po_detail", kwargs={"number": number})
            return _done(request, url, gettext("PO %(number)s rejected.") % {"number": number})
    return _error_page(request, purchase_order, reject_form=form)


def _render_proposal(
    request: HtmxHttpRequest, purchase_order: PurchaseOrder, form: ChangeProposalForm
) -> HttpResponse:
    template = "suppliers/acknowledgments/propose.html"
    if request.htmx:
        template += "#proposal-form"
    context = {
        "po": purchase_order,
        "form": form,
        "reasons": ReasonCode.choices,
        "last_rejected": next(
            (
                ack
                for ack in selectors.acknowledgments_for_purchase_order(
                    purchase_order=purchase_order
                )
                if ack.status == Acknowledgment.Status.REJECTED
            ),
            None,
        ),
    }
    return render(request, template, context)


@supplier_required
def supplier_po_propose(request: HtmxHttpRequest, number: str) -> HttpResponse:
    """The per-line change form (GET), and its submission (POST)."""
    purchase_order = _supplier_po(request, number)
    lines = selectors.purchase_order_lines(purchase_order=purchase_order)
    if request.method != "POST":
        if not purchase_order.can_acknowledge:
            messages.info(
                request,
                gettext("PO %(number)s is not awaiting acknowledgment.") % {"number": number},
            )
            return redirect("suppliers:po_detail", number=number)
        form = ChangeProposalForm(lines, revision=purchase_order.revision)
        return _render_proposal(request, purchase_order, form)
    form = ChangeProposalForm(lines, data=request.POST)
    if form.is_valid():
        try:
            acknowledgment = services.purchase_order_propose_changes(
                actor=request.user,
                purchase_order=purchase_order,
                revision=form.revision,
                lines=form.line_inputs(),
                comment=form.comment,
                channel=Channel.PORTAL,
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            url = reverse("suppliers:po_detail", kwargs={"number": number})
            if acknowledgment.status == Acknowledgment.Status.AUTO_ACCEPTED:
                message = gettext(
                    "Your changes to PO %(number)s were auto-accepted: it is now revision "
                    "%(revision)s."
                ) % {"number": number, "revision": acknowledgment.resulting_revision}
            else:
                message = gettext(
                    "Your changes to PO %(number)s were sent to the buyer for review."
                ) % {"number": number}
            return _done(request, url, message)
    return _render_proposal(request, purchase_order, form)


@supplier_required
def supplier_schedule_row(request: HttpRequest, number: str) -> HttpResponse:
    """One more empty schedule line for a PO line (htmx), with the next "add" button."""
    purchase_order = _supplier_po(request, number)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    lines = {
        line.line_no: line for line in selectors.purchase_order_lines(purchase_order=purchase_order)
    }
    try:
        po_line = lines[int(request.GET.get("line", ""))]
        index = max(0, min(int(request.GET.get("index", "0")), 99))
    except (KeyError, ValueError):
        return HttpResponse("Unknown line.", status=400)
    row = ScheduleRowForm(po_line=po_line, index=index, initial={"uom": po_line.uom.code})
    context = {"po": purchase_order, "row": row, "line": po_line, "next_index": index + 1}
    return render(request, "suppliers/acknowledgments/propose.html#schedule-row-added", context)


# --- buyer: review queue ----------------------------------------------------------------


def _page(request: HttpRequest, queryset):
    return Paginator(queryset, settings.PORTAL_PAGE_SIZE).get_page(request.GET.get("page"))


@buyer_required
@require_GET
def buyer_review_queue(request: HttpRequest) -> HttpResponse:
    supplier_code = request.GET.get("supplier", "").strip()[:20]
    # Plain rows (selectors.proposal_queue) and the cards made once per page in Python
    # (review_cards.py): model instances and a template partial per card were most of the
    # page's CPU (issue 24).
    page = _page(request, selectors.pending_proposal_rows(supplier_code=supplier_code))
    page.object_list = list(page.object_list)
    # The content around the cards is made in Python too (review_queue_html.py): the
    # template is the layout only.
    queue = QueuePage(
        page=page,
        cards_html=review_cards_html(request, page.object_list, supplier_code=supplier_code),
        waiting=page.paginator.count,
        supplier_code=supplier_code,
        supplier_options=supplier_options(supplier_code),
        rules=auto_accept_rules(),
    )
    # The page and the rules: not printed by the template, there for whoever reads the
    # response's context (tests).
    context = {"content_html": content_html(queue), "page": page, "rules": queue.rules}
    return render(request, "suppliers/acknowledgments/review_queue.html", context)


def _decide(request: HtmxHttpRequest, pk: int, *, accept: bool) -> HttpResponse:
    acknowledgment = selectors.get_change_proposal_for_buyer(pk=pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        service = services.change_proposal_accept if accept else services.change_proposal_reject
        try:
            service(
                actor=request.user,
                acknowledgment=acknowledgment,
                comment=form.cleaned_data["comment"],
                channel=Channel.PORTAL,
            )
        except DomainError as error:
            form.add_error("comment" if error.field == "comment" else None, error.message)
        else:
            number = acknowledgment.purchase_order.number
            if accept:
                done = gettext("Proposal for PO %(number)s accepted.") % {"number": number}
            else:
                done = gettext("Proposal for PO %(number)s rejected.") % {"number": number}
            if not request.htmx:
                messages.success(request, done)
                return redirect("buyer:review_queue")
    if request.htmx:
        # The card comes back decided (or with the form's errors), made by the queue's own
        # card builder, and, out of band, the queue's "N waiting" counted by the selector
        # the queue lists with, so the count never goes stale after a decision.
        supplier_code = request.POST.get("supplier", "").strip()[:20]
        card = selectors.change_proposal_row_for_buyer(pk=pk)
        return HttpResponse(
            decided_html(
                review_cards_html(request, [card], supplier_code=supplier_code, form=form),
                selectors.pending_proposal_rows(supplier_code=supplier_code).count(),
            )
        )
    for errors in form.errors.values():
        for message in errors:
            messages.error(request, str(message))
    return redirect("buyer:review_queue")


@buyer_required
@require_POST
def buyer_proposal_accept(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, accept=True)


@buyer_required
@require_POST
def buyer_proposal_reject(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, accept=False)


# --- buyer: overdue acknowledgments ------------------------------------------------------


@buyer_required
@require_GET
def buyer_overdue_acknowledgments(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    supplier_code = request.GET.get("supplier", "").strip()[:20]
    context = {
        "page": _page(
            request, selectors.overdue_acknowledgments(now=now, supplier_code=supplier_code)
        ),
        "supplier_code": supplier_code,
        "suppliers": selectors.suppliers_for_filter(),
        "now": now,
    }
    return render(request, "suppliers/acknowledgments/overdue.html", context)


@buyer_required
@require_POST
def buyer_po_remind(request: HtmxHttpRequest, number: str) -> HttpResponse:
    purchase_order = selectors.get_purchase_order_for_buyer(number=number)
    error = None
    try:
        purchase_order = services.purchase_order_send_reminder(
            actor=request.user, purchase_order=purchase_order, channel=Channel.PORTAL
        )
    except DomainError as exc:
        error = exc.message
    if request.htmx:
        context = {"po": purchase_order, "error": error, "now": timezone.now()}
        return render(request, "suppliers/acknowledgments/overdue.html#row", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, gettext("Reminder sent for PO %(number)s.") % {"number": number})
    if request.POST.get("back") == "detail":
        return redirect("buyer:po_detail", number=number)
    return redirect("buyer:overdue_acknowledgments")
