"""The position page of one item (buyers and operators): its figures per warehouse with
their sources, ATP by date, supplier inbound, transfers in transit, and the movement
ledger between the last two snapshots of each source (issue 22). It says which source
the figures follow and marks the ledger rows of the other, recorded but not counted."""

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext

from inventory import selectors
from inventory.selectors.atp import FAMILY_LABELS, item_positions, ledger, ledger_windows
from portal.access import INTERNAL_ROLES, role_required

internal_required = role_required(*INTERNAL_ROLES)
LEDGER_PAGE_SIZE = 50


@internal_required
def position_detail(request: HttpRequest, sku: str) -> HttpResponse:
    item = selectors.item_by_sku(sku)
    if item is None:
        raise Http404("No item has this SKU.")
    warehouses = list(selectors.active_warehouses().order_by("code"))
    code = request.GET.get("warehouse", "").strip()[:20] or (
        warehouses[0].code if warehouses else ""
    )
    warehouse = next((w for w in warehouses if w.code == code), None)
    if warehouse is None:
        raise Http404("No active warehouse has this code.")
    (position,) = item_positions(item=item, warehouse_code=warehouse.code).warehouses
    windows = []
    for index, window in enumerate(ledger_windows(warehouse=warehouse)):
        name = f"page{index}"
        rows = ledger(item=item, warehouse=warehouse, window=window)
        page = Paginator(rows, LEDGER_PAGE_SIZE).get_page(request.GET.get(name))
        windows.append({"window": window, "page": page, "param": name})
    names = {"warehouse": warehouse.code, "family": FAMILY_LABELS[position.follows]}
    if warehouse.positions_source:
        follows = gettext(
            "The figures at %(warehouse)s follow the movements of its %(family)s (its "
            "source of record, set for the warehouse); the other source's are recorded, "
            "not counted."
        )
    else:
        follows = gettext(
            "The figures at %(warehouse)s follow the movements of its %(family)s (its "
            "source of record: the WMS when the warehouse has a WMS connector, else the "
            "ERP); the other source's are recorded, not counted."
        )
    return render(
        request,
        "inventory/position_detail.html",
        {
            "item": item,
            "follows_text": follows % names,
            # A row of the other source family: in the ledger for reconciliation only.
            "not_counted_text": gettext(
                "recorded, not counted: %(warehouse)s's positions follow its %(family)s"
            )
            % names,
            "warehouse": warehouse,
            "warehouses": warehouses,
            "position": position,
            "windows": windows,
            "figures": [
                (gettext("On hand"), position.on_hand),
                (gettext("Received, awaiting put-away"), position.received),
                (gettext("Quality hold"), position.quality_hold),
                (gettext("Available"), position.available),
                (gettext("Allocated"), position.allocated),
                (gettext("In transit from other warehouses"), position.in_transit),
                (gettext("Inbound from suppliers"), position.inbound),
            ],
        },
    )
