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
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from portal.access import Role, active_membership, user_roles


@dataclass(frozen=True)
class NavItem:
    label: str | Promise  # gettext_lazy: written in the language of each request
    url_name: str
    roles: tuple[Role, ...]
    group: str | Promise = ""  # "" is a top-level link (Home, or a page added without a group)


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

ORDERS = _("Orders")
SHIPPING = _("Shipping")
STOCK = _("Stock")
INVOICES = _("Invoices")
SUPPLIER_ADMIN = _("Suppliers")
COMPANY = _("Your company")
INTEGRATIONS = _("Integrations")
MEASURES = _("Measures")

# In menu order; the groups appear in the order of their first item.
NAV_ITEMS = (
    NavItem(_("Home"), "home", ()),
    # A supplier has few pages: each is a link of its own.
    NavItem(_("Purchase orders"), "suppliers:po_list", SUPPLIERS),
    NavItem(_("Shipments"), "suppliers:asn_list", SUPPLIERS),
    NavItem(_("Receiving variances"), "suppliers:receiving_variances", SUPPLIERS),
    NavItem(_("Availability"), "suppliers:availability", SUPPLIERS),
    NavItem(_("Invoices"), "suppliers:invoice_list", SUPPLIERS),
    NavItem(_("All purchase orders"), "buyer:po_list", BUYERS, ORDERS),
    NavItem(_("Change reviews"), "buyer:review_queue", BUYERS, ORDERS),
    NavItem(_("Overdue acknowledgments"), "buyer:overdue_acknowledgments", BUYERS, ORDERS),
    NavItem(_("Inbound"), "buyer:inbound_schedule", BUYERS, SHIPPING),
    NavItem(_("Inbound risk"), "buyer:inbound_risk", BUYERS, SHIPPING),
    NavItem(_("Receiving"), "buyer:receiving", BUYERS, SHIPPING),
    NavItem(_("Inventory"), "inventory:dashboard", INTERNAL_NAV, STOCK),
    NavItem(_("Exceptions"), "exceptions:list", INTERNAL_NAV, STOCK),
    NavItem(_("Invoices"), "buyer:invoice_list", BUYERS, INVOICES),
    NavItem(_("Invoice holds"), "buyer:ap_queue", BUYERS, INVOICES),
    NavItem(_("Disputes"), "buyer:dispute_list", BUYERS, INVOICES),
    NavItem(
        _("All suppliers"), "supplier_admin:supplier_list", (Role.PORTAL_ADMIN,), SUPPLIER_ADMIN
    ),
    NavItem(
        _("Onboarding reviews"), "supplier_admin:review_queue", (Role.PORTAL_ADMIN,), SUPPLIER_ADMIN
    ),
    NavItem(_("Compliance"), "supplier_admin:compliance", BUYERS, SUPPLIER_ADMIN),
    NavItem(_("Onboarding"), "onboarding:checklist", (Role.SUPPLIER_ADMIN,), COMPANY),
    NavItem(_("Team"), "team:user_list", (Role.SUPPLIER_ADMIN,), COMPANY),
    NavItem(_("API keys"), "suppliers:api_keys", (Role.SUPPLIER_ADMIN,), COMPANY),
    NavItem(_("Connectors"), "integrations:connector_list", OPERATORS, INTEGRATIONS),
    NavItem(_("Internal API keys"), "api_keys:list", OPERATORS, INTEGRATIONS),
    NavItem(_("Admin"), "admin:index", OPERATORS, INTEGRATIONS),
    NavItem(_("KPIs"), "kpis", INTERNAL_NAV, MEASURES),
    NavItem(_("Supplier scorecards"), "scorecards", INTERNAL_NAV, MEASURES),
    NavItem(_("Service levels"), "slos", INTERNAL_NAV, MEASURES),
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


@lru_cache(maxsize=1024)
def _menu(
    roles: frozenset[Role],
    is_staff: bool,
    language: str | None,
    urlconf: str,
    script_prefix: str,
    path: str,
) -> tuple[list[NavEntry], list[NavGroup], str]:
    """The entries, groups and rendered HTML of the navigation for one combination of
    what it depends on. `path` is the current page's nav URL ("" for none), not the
    request path, so the combinations are bounded: a few role sets × languages × ~30
    links. Built once per process per combination (issue 24: it was built and rendered on
    every page). Shared between requests: read-only."""
    items: list[NavEntry] = []
    for item in NAV_ITEMS:
        if item.roles and not roles & set(item.roles):
            continue
        if item.url_name == "admin:index" and not is_staff:
            continue
        url = _url(item.url_name, urlconf, script_prefix)
        items.append(
            {
                # Strings now, in the request's language: the groups are keyed by them.
                "label": str(item.label),
                "url": url,
                "active": url == path,
                "group": str(item.group),
            }
        )
    groups = _groups(items)
    return items, groups, render_to_string("portal/_nav.html", {"nav_groups": groups})


def _active_url(urls: list[str], path: str) -> str:
    # The current page belongs to the item with the longest URL prefix of its path, so
    # /orders/shipments/ marks "Shipments", not also "Purchase orders" (/orders/).
    matches = [url for url in urls if path == url or (url != "/" and path.startswith(url))]
    return max(matches, key=len) if matches else ""


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
    key = (
        roles,
        bool(user.is_staff),
        get_language(),
        get_urlconf() or settings.ROOT_URLCONF,
        get_script_prefix(),
    )
    items, _, _ = _menu(*key, "")
    items, groups, html = _menu(*key, _active_url([entry["url"] for entry in items], request.path))
    return {
        "nav_items": items,
        "nav_groups": groups,
        "nav_html": html,
        "user_roles": roles,
        "membership": active_membership(user),
        "home_url": nav_url("home"),
        "logout_url": nav_url("account_logout"),
    }
