"""Role-aware navigation: each role sees only the pages it may use."""

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


class NavEntry(TypedDict):
    """One link of the navigation as the template shows it."""

    label: str
    url: str
    active: bool


INTERNAL_NAV = (Role.BUYER, Role.INTEGRATION_OPERATOR, Role.PORTAL_ADMIN)

NAV_ITEMS = (
    NavItem("Home", "home", ()),
    NavItem("Purchase orders", "suppliers:po_list", (Role.SUPPLIER_STAFF,)),
    NavItem("Shipments", "suppliers:asn_list", (Role.SUPPLIER_STAFF,)),
    NavItem("Availability", "suppliers:availability", (Role.SUPPLIER_STAFF,)),
    NavItem("Invoices", "suppliers:invoice_list", (Role.SUPPLIER_STAFF,)),
    NavItem("All purchase orders", "buyer:po_list", (Role.BUYER, Role.PORTAL_ADMIN)),
    NavItem("Inbound", "buyer:inbound_schedule", (Role.BUYER, Role.PORTAL_ADMIN)),
    NavItem("Inbound risk", "buyer:inbound_risk", (Role.BUYER, Role.PORTAL_ADMIN)),
    NavItem("Change reviews", "buyer:review_queue", (Role.BUYER, Role.PORTAL_ADMIN)),
    NavItem("Invoices", "buyer:invoice_list", (Role.BUYER, Role.PORTAL_ADMIN)),
    NavItem("Overdue acks", "buyer:overdue_acknowledgments", (Role.BUYER, Role.PORTAL_ADMIN)),
    NavItem("Onboarding", "onboarding:checklist", (Role.SUPPLIER_ADMIN,)),
    NavItem("Team", "team:user_list", (Role.SUPPLIER_ADMIN,)),
    NavItem("API keys", "suppliers:api_keys", (Role.SUPPLIER_ADMIN,)),
    NavItem("Suppliers", "supplier_admin:supplier_list", (Role.PORTAL_ADMIN,)),
    NavItem("Onboarding reviews", "supplier_admin:review_queue", (Role.PORTAL_ADMIN,)),
    NavItem("Compliance", "supplier_admin:compliance", (Role.BUYER, Role.PORTAL_ADMIN)),
    NavItem(
        "Integrations",
        "integrations:connector_list",
        (Role.INTEGRATION_OPERATOR, Role.PORTAL_ADMIN),
    ),
    NavItem("Receiving", "buyer:receiving", (Role.BUYER, Role.PORTAL_ADMIN)),
    NavItem("Receiving variances", "suppliers:receiving_variances", (Role.SUPPLIER_STAFF,)),
    NavItem("Exceptions", "exceptions:list", INTERNAL_NAV),
    NavItem("Inventory", "inventory:dashboard", INTERNAL_NAV),
    NavItem("Internal API keys", "api_keys:list", (Role.INTEGRATION_OPERATOR, Role.PORTAL_ADMIN)),
    NavItem("Admin", "admin:index", (Role.INTEGRATION_OPERATOR, Role.PORTAL_ADMIN)),
)


@lru_cache(maxsize=128)
def _url(url_name: str, urlconf: str, script_prefix: str) -> str:
    # A named route without arguments has one URL per URLconf and script prefix (both in
    # the key, as reverse() depends on them): computed once, not on every page.
    return reverse(url_name, urlconf=urlconf)


def nav_url(url_name: str) -> str:
    """reverse(url_name) for an argument-free route, computed once per process."""
    return _url(url_name, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_roles": frozenset(), "home_url": nav_url("home")}
    roles = user_roles(user)
    items: list[NavEntry] = []
    for item in NAV_ITEMS:
        if item.roles and not roles & set(item.roles):
            continue
        if item.url_name == "admin:index" and not user.is_staff:
            continue
        items.append({"label": item.label, "url": nav_url(item.url_name), "active": False})
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
        "user_roles": roles,
        "membership": active_membership(user),
        "home_url": nav_url("home"),
        "logout_url": nav_url("account_logout"),
    }
