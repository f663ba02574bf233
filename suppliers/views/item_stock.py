"""A supplier's page of one of its items: what it is to deliver and what was returned to
it (issue 22). Another supplier's item is a 404."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from portal.access import supplier_required
from suppliers import selectors
from suppliers.selectors.item_stock import supplier_item_stock

PAGE_SIZE = 50


@supplier_required
def item_stock(request: HttpRequest, supplier_item_id: int) -> HttpResponse:
    supplier = selectors.get_supplier_for_user(request.user)
    supplier_item = selectors.get_supplier_item_for_supplier(
        supplier=supplier, supplier_item_id=supplier_item_id
    )
    stock = supplier_item_stock(supplier=supplier, supplier_item=supplier_item)
    returns = Paginator(stock.returns, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "suppliers/availability/item_stock.html",
        {"supplier_item": supplier_item, "inbound": stock.inbound, "returns": returns},
    )
