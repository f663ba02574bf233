"""Role-aware navigation: each role sees only the pages it may use."""

from dataclasses import dataclass

from django.urls import reverse

from portal.access import Role, active_membership, user_roles


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: tuple[Role, ...]


NAV_ITEMS = (
    NavItem("Home", "home", ()),
    NavItem("Purchase orders", "suppliers:po_list", (Role.SUPPLIER_STAFF,)),
    NavItem("Shipments", "suppliers:asn_list", (Role.SUPPLIER_STAFF,)),
    NavItem("Availability", "suppliers:availability", (Role.SUPPLIER_STAFF,)),
    NavItem("All purchase orders", "buyer:po_list", (Role.BUYER, Role.PORTAL_ADMIN)),
    NavItem("Inbound", "buyer:inbound_schedule", (Role.BUYER, Role.PORTAL_ADMIN)),
    NavItem("Inbound risk", "buyer:inbound_risk", (Role.BUYER, Role.PORTAL_ADMIN)),
    NavItem("Reviews", "buyer:review_queue", (Role.BUYER, Role.PORTAL_ADMIN)),
    NavItem("Overdue acks", "buyer:overdue_acknowledgments", (Role.BUYER, Role.PORTAL_ADMIN)),
    NavItem("Onboarding", "onboarding:checklist", (Role.SUPPLIER_ADMIN,)),
    NavItem("Team", "team:user_list", (Role.SUPPLIER_ADMIN,)),
    NavItem("API keys", "suppliers:api_keys", (Role.SUPPLIER_ADMIN,)),
    NavItem("Suppliers", "supplier_admin:supplier_list", (Role.PORTAL_ADMIN,)),
    NavItem("Reviews", "supplier_admin:review_queue", (Role.PORTAL_ADMIN,)),
    NavItem("Compliance", "supplier_admin:compliance", (Role.BUYER, Role.PORTAL_ADMIN)),
    NavItem(
        "Integrations",
        "integrations:connector_list",
        (Role.INTEGRATION_OPERATOR, Role.PORTAL_ADMIN),
    ),
    NavItem("Admin", "admin:index", (Role.INTEGRATION_OPERATOR, Role.PORTAL_ADMIN)),
)


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_roles": frozenset()}
    roles = user_roles(user)
    items = []
    for item in NAV_ITEMS:
        if item.roles and not roles & set(item.roles):
            continue
        if item.url_name == "admin:index" and not user.is_staff:
            continue
        url = reverse(item.url_name)
        active = request.path == url if item.url_name == "home" else request.path.startswith(url)
        items.append({"label": item.label, "url": url, "active": active})
    return {
        "nav_items": items,
        "user_roles": roles,
        "membership": active_membership(user),
    }
