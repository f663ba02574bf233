"""A PO as a printable page: header, lines with amounts and confirmed deliveries, the
total. Its own page (no navigation) with print styles, so the browser's Print gives a
clean sheet; another supplier's PO is a 404."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from integrations.money import total_amount
from portal.access import supplier_required
from suppliers import selectors


@supplier_required
def supplier_po_print(request: HttpRequest, number: str) -> HttpResponse:
    purchase_order = selectors.get_purchase_order_for_supplier(
        supplier=selectors.get_supplier_for_user(request.user), number=number
    )
    lines = selectors.purchase_order_lines(purchase_order=purchase_order)
    context = {
        "po": purchase_order,
        "lines": lines,
        "total_amount": total_amount((line.amount for line in lines), purchase_order.currency),
    }
    return render(request, "suppliers/po_print.html", context)
