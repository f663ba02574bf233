"""One-click shipping and the ASN's papers: "Ship this PO" (PO page), "Ship these POs"
(PO list), the packing slip and the SSCC labels as PDF. Another supplier's PO or ASN is
a 404, as on every supplier page."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from integrations.errors import DomainError
from integrations.models import Channel
from portal.access import supplier_required
from suppliers import selectors
from suppliers.models import PurchaseOrder, Shipment, Supplier
from suppliers.services.ship_purchase_orders import purchase_orders_ship
from suppliers.services.shipping_documents import packing_slip_pdf, sscc_labels_pdf

# More POs than fit one truck's paperwork are a mistake, not a shipment.
MAX_PURCHASE_ORDERS = 50


def _supplier(request: HttpRequest) -> Supplier:
    return selectors.get_supplier_for_user(request.user)


def _ship(
    request: HttpRequest, supplier: Supplier, purchase_orders: list[PurchaseOrder], back: str
) -> HttpResponse:
    try:
        result = purchase_orders_ship(
            actor=request.user,
            supplier=supplier,
            purchase_orders=purchase_orders,
            channel=Channel.PORTAL,
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(back)
    shipment = result.shipment
    if result.created:
        messages.success(
            request,
            gettext(
                "Draft ASN %(asn)s created with what is due first; check the lines, the "
                "carrier and the packages, then submit."
            )
            % {"asn": shipment},
        )
    else:
        messages.info(
            request,
            gettext("Draft ASN %(asn)s already ships these deliveries; continue it.")
            % {"asn": shipment},
        )
    return redirect(reverse("suppliers:asn_edit", kwargs={"asn_number": shipment.asn_number}))


@require_POST
@supplier_required
def ship_purchase_order(request: HttpRequest, number: str) -> HttpResponse:
    """ "Ship this PO": a draft ASN of the PO's next open deliveries."""
    supplier = _supplier(request)
    purchase_order = selectors.get_purchase_order_for_supplier(supplier=supplier, number=number)
    back = reverse("suppliers:po_detail", kwargs={"number": purchase_order.number})
    return _ship(request, supplier, [purchase_order], back)


@require_POST
@supplier_required
def ship_purchase_orders(request: HttpRequest) -> HttpResponse:
    """ "Ship these POs" from the list: the ticked POs on one draft ASN. A number that is
    not one of the supplier's POs is a 404, like its page."""
    supplier = _supplier(request)
    numbers = list(dict.fromkeys(n.strip() for n in request.POST.getlist("po") if n.strip()))
    back = reverse("suppliers:po_list")
    if not numbers:
        messages.error(request, gettext("Tick the purchase orders to ship first."))
        return redirect(back)
    if len(numbers) > MAX_PURCHASE_ORDERS:
        messages.error(
            request,
            gettext("Ship at most %(count)s purchase orders at once.")
            % {"count": MAX_PURCHASE_ORDERS},
        )
        return redirect(back)
    found = {
        po.number: po
        for po in selectors.purchase_orders_for_supplier(supplier=supplier).filter(
            number__in=numbers
        )
    }
    if len(found) != len(numbers):
        raise Http404("No such purchase order.")
    return _ship(request, supplier, [found[n] for n in numbers], back)


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    # Inline: a phone opens it in its viewer, from where it prints or shares it.
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _shipment(request: HttpRequest, asn_number: str) -> Shipment:
    return selectors.get_shipment_for_supplier(supplier=_supplier(request), asn_number=asn_number)


@supplier_required
def asn_packing_slip(request: HttpRequest, asn_number: str) -> HttpResponse:
    shipment = _shipment(request, asn_number)
    return _pdf(packing_slip_pdf(shipment), f"packing-slip-{shipment.asn_number}.pdf")


@supplier_required
def asn_sscc_labels(request: HttpRequest, asn_number: str) -> HttpResponse:
    shipment = _shipment(request, asn_number)
    return _pdf(sscc_labels_pdf(shipment), f"sscc-labels-{shipment.asn_number}.pdf")
