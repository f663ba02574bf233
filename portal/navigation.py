"""Role-aware navigation: each role sees only the pages it may use, grouped by task.

The distributor's pages are grouped into a few menus (orders, shipping, stock, suppliers,
integrations) so that a buyer's eleven pages fit in one line on a desktop and in one
short list on a phone; a supplier's five pages are links of their own, with a menu for
the company's administration. A group with a single page for the user is shown as that
page's link, not as a menu of one.
"""

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypedDict

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse

from portal.access import Role, active_membership, user_roles


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: tuple[Role, ...]
    group: str = ""  # "" is a top-level link (Home, or a page added without a group)


class NavEntry(TypedDict):
    """One link of the navigation as the template shows it."""

    label: str
    url: str
    active: bool
    group: str


class NavGroup(TypedDict):
    """A menu of the navigation (or, with one entry, a plain link)."""

    label: str
    entries: list[NavEntry]
    active: bool


INTERNAL_NAV = (Role.BUYER, Role.INTEGRATION_OPERATOR, Role.PORTAL_ADMIN)
BUYERS = (Role.BUYER, Role.PORTAL_ADMIN)
SUPPLIERS = (Role.SUPPLIER_STAFF,)
OPERATORS = (Role.INTEGRATION_OPERATOR, Role.PORTAL_ADMIN)

ORDERS = "Orders"
SHIPPING = "Shipping"
STOCK = "Stock"
INVOICES = "Invoices"
SUPPLIER_ADMIN = "Suppliers"
COMPANY = "Your company"
INTEGRATIONS = "Integrations"
MEASURES = "Measures"

# In menu order; the groups appear in the order of their first item.
NAV_ITEMS = (
    NavItem("Home", "home", ()),
    # A supplier has few pages: each is a link of its own.
    NavItem("Purchase orders", "suppliers:po_list", SUPPLIERS),
    NavItem("Shipments", "suppliers:asn_list", SUPPLIERS),
    NavItem("Receiving variances", "suppliers:receiving_variances", SUPPLIERS),
    NavItem("Availability", "suppliers:availability", SUPPLIERS),
    NavItem("Invoices", "suppliers:invoice_list", SUPPLIERS),
    NavItem("All purchase orders", "buyer:po_list", BUYERS, ORDERS),
    NavItem("Change reviews", "buyer:review_queue", BUYERS, ORDERS),
    NavItem("Overdue acknowledgments", "buyer:overdue_acknowledgments", BUYERS, ORDERS),
    NavItem("Inbound", "buyer:inbound_schedule", BUYERS, SHIPPING),
    NavItem("Inbound risk", "buyer:inbound_risk", BUYERS, SHIPPING),
    NavItem("Receiving", "buyer:receiving", BUYERS, SHIPPING),
    NavItem("Inventory", "inventory:dashboard", INTERNAL_NAV, STOCK),
    NavItem("Exceptions", "exceptions:list", INTERNAL_NAV, STOCK),
    NavItem("Invoices", "buyer:invoice_list", BUYERS, INVOICES),
    NavItem("Invoice holds", "buyer:ap_queue", BUYERS, INVOICES),
    NavItem("Disputes", "buyer:dispute_list", BUYERS, INVOICES),
    NavItem("All suppliers", "supplier_admin:supplier_list", (Role.PORTAL_ADMIN,), SUPPLIER_ADMIN),
    NavItem(
        "Onboarding reviews", "supplier_admin:review_queue", (Role.PORTAL_ADMIN,), SUPPLIER_ADMIN
    ),
    NavItem("Compliance", "supplier_admin:compliance", BUYERS, SUPPLIER_ADMIN),
    NavItem("Onboarding", "onboarding:checklist", (Role.SUPPLIER_ADMIN,), COMPANY),
    NavItem("Team", "team:user_list", (Role.SUPPLIER_ADMIN,), COMPANY),
    NavItem("API keys", "suppliers:api_keys", (Role.SUPPLIER_ADMIN,), COMPANY),
    NavItem("Connectors", "integrations:connector_list", OPERATORS, INTEGRATIONS),
    NavItem("Internal API keys", "api_keys:list", OPERATORS, INTEGRATIONS),
    NavItem("Admin", "admin:index", OPERATORS, INTEGRATIONS),
    NavItem("KPIs", "kpis", INTERNAL_NAV, MEASURES),
    NavItem("Supplier scorecards", "scorecards", INTERNAL_NAV, MEASURES),
    NavItem("Service levels", "slos", INTERNAL_NAV, MEASURES),
)


@lru_cache(maxsize=128)
def _url(url_name: str, urlconf: str, script_prefix: str) -> str:
    # A named route without arguments has one URL per URLconf and script prefix (both in
    # the key, as reverse() depends on them): computed once, not on every page.
    return reverse(url_name, urlconf=urlconf)


def nav_url(url_name: str) -> str:
    """reverse(url_name) for an argument-free route, computed once per process."""
    return _url(url_name, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())


def _groups(entries: list[NavEntry]) -> list[NavGroup]:
    groups: dict[str, NavGroup] = {}
    for entry in entries:
        # An ungrouped entry is a group of its own, keyed by its URL.
        key = entry["group"] or f"link:{entry['url']}"
        group = groups.setdefault(key, {"label": entry["group"], "entries": [], "active": False})
        group["entries"].append(entry)
        group["active"] = group["active"] or entry["active"]
    return list(groups.values())


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {
            "nav_items": [],
            "nav_groups": [],
            "user_roles": frozenset(),
            "home_url": nav_url("home"),
        }
    roles = user_roles(user)
    items: list[NavEntry] = []
    for item in NAV_ITEMS:
        if item.roles and not roles & set(item.roles):
            continue
        if item.url_name == "admin:index" and not user.is_staff:
            continue
        items.append(
            {
                "label": item.label,
                "url": nav_url(item.url_name),
                "active": False,
                "group": item.group,
            }
        )
    # The current page belongs to the item with the longest URL prefix of its path, so
    # /orders/shipments/ marks "Shipments", not also "Purchase orders" (/orders/).
    matches = [
        entry
        for entry in items
        if request.path == entry["url"]
        or (entry["url"] != "/" and request.path.startswith(entry["url"]))
    ]
    if matches:
        max(matches, key=lambda entry: len(entry["url"]))["active"] = True
    return {
        "nav_items": items,
        "nav_groups": _groups(items),
        "user_roles": roles,
        "membership": active_membership(user),
        "home_url": nav_url("home"),
        "logout_url": nav_url("account_logout"),
    }
