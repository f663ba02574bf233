import re
from collections import Counter

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _active(response) -> list[str]:
    return [item["label"] for item in response.context["nav_items"] if item["active"]]


def _menus(response) -> list[tuple[str, list[str]]]:
    """The top level of the navigation: (menu label, its links), or ("", [link])."""
    return [
        (
            group["label"] if len(group["entries"]) > 1 else "",
            [e["label"] for e in group["entries"]],
        )
        for group in response.context["nav_groups"]
    ]


def test_only_the_most_specific_navigation_item_is_marked_current(client, supplier_user):
    client.force_login(supplier_user)

    assert _active(client.get(reverse("suppliers:po_list"))) == ["Purchase orders"]
    assert _active(client.get(reverse("suppliers:asn_list"))) == ["Shipments"]
    assert _active(client.get(reverse("home"))) == ["Home"]


def test_the_buyers_pages_are_grouped_into_a_few_menus_by_task(client, buyer):
    client.force_login(buyer)

    response = client.get(reverse("home"))

    assert _menus(response) == [
        ("", ["Home"]),
        ("Orders", ["All purchase orders", "Change reviews", "Overdue acknowledgments"]),
        ("Shipping", ["Inbound", "Inbound risk", "Receiving"]),
        ("Stock", ["Inventory", "Exceptions"]),
        ("Invoices", ["Invoices", "Invoice holds", "Disputes"]),
        ("", ["Compliance"]),
        ("Measures", ["KPIs", "Supplier scorecards", "Service levels"]),
    ]


def test_a_supplier_sees_its_pages_as_links_and_its_admin_a_company_menu(
    client, supplier_user, outsider
):
    client.force_login(supplier_user)
    admin_menus = _menus(client.get(reverse("home")))
    client.force_login(outsider)
    staff_menus = _menus(client.get(reverse("home")))

    assert admin_menus == [
        ("", ["Home"]),
        ("", ["Purchase orders"]),
        ("", ["Shipments"]),
        ("", ["Receiving variances"]),
        ("", ["Availability"]),
        ("", ["Invoices"]),
        ("Your company", ["Onboarding", "Team", "API keys"]),
    ]
    assert staff_menus == admin_menus[:-1]


def test_the_menu_holding_the_current_page_is_marked_current(client, buyer):
    client.force_login(buyer)

    page = client.get(reverse("buyer:review_queue")).content.decode()

    assert re.search(
        r'<details class="nav-group current" name="nav-group">\s*<summary>Orders<', page
    )
    assert page.count('class="nav-group current"') == 1
    assert (
        f'<a href="{reverse("buyer:review_queue")}" aria-current="page">Change reviews</a>' in page
    )


def test_every_page_has_a_skip_link_to_the_main_content_and_unique_ids(client, portal_admin):
    client.force_login(portal_admin)

    page = client.get(reverse("home")).content.decode()

    assert '<a class="skip-link" href="#main">Skip to main content</a>' in page
    assert '<main class="content" id="main" tabindex="-1">' in page
    assert (
        '<button type="button" class="nav-toggle" aria-expanded="false" '
        'aria-controls="main-nav" hidden>Menu</button>' in page
    )
    ids = Counter(re.findall(r'\sid="([^"]+)"', page))
    assert [name for name, count in ids.items() if count > 1] == []
