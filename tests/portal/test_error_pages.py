"""Friendly error pages: 404, 403 and 500 say what happened and where to go, in the demo
(DEBUG on) as in production."""

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

from tests.suppliers.factories import PurchaseOrderFactory

pytestmark = pytest.mark.django_db

TECHNICAL = (b"Raised by:", b"Django tried these URL patterns", b"DEBUG = True")


def _is_technical(content: bytes) -> bool:
    return any(marker in content for marker in TECHNICAL)


def test_an_unknown_po_in_the_demo_shows_the_friendly_not_found_page(
    client, settings, supplier_user
):
    settings.DEBUG = True
    client.force_login(supplier_user)

    response = client.get(reverse("suppliers:po_detail", args=["PO-NOPE"]))

    assert response.status_code == 404
    assert response.templates[0].name == "404.html"
    assert b"<h1>Page not found</h1>" in response.content
    assert b'<a class="button" href="/">Go to your home page</a>' in response.content
    assert not _is_technical(response.content)


def test_another_suppliers_po_is_not_found_for_an_outsider_with_or_without_debug(
    client, settings, supplier, outsider
):
    PurchaseOrderFactory(supplier=supplier, number="PO-ACME-1")
    client.force_login(outsider)
    url = reverse("suppliers:po_detail", args=["PO-ACME-1"])

    settings.DEBUG = True
    in_demo = client.get(url)
    settings.DEBUG = False
    in_production = client.get(url)

    assert (in_demo.status_code, in_production.status_code) == (404, 404)
    for response in (in_demo, in_production):
        assert b"<h1>Page not found</h1>" in response.content
        assert b"PO-ACME-1" not in response.content


def test_the_not_found_page_keeps_the_navigation_of_the_signed_in_user(client, buyer):
    client.force_login(buyer)

    response = client.get(reverse("buyer:po_detail", args=["PO-NOPE"]))

    assert response.status_code == 404
    assert b'aria-label="Main"' in response.content
    assert b"Log out" in response.content


def test_the_forbidden_page_says_why_and_who_can_help(client, supplier_user):
    client.force_login(supplier_user)

    response = client.get(reverse("buyer:po_list"))

    page = response.content.decode()
    assert response.status_code == 403
    assert "<h1>Not allowed</h1>" in page
    assert "ask your company's portal administrator" in page
    assert '<a class="button" href="/">Go to your home page</a>' in page


def test_the_server_error_page_renders_without_a_user_or_the_database(
    django_assert_num_queries,
):
    request = RequestFactory().get("/orders/")

    with django_assert_num_queries(0):
        response = server_error(request)

    page = response.content.decode()
    assert response.status_code == 500
    assert "<h1>Something went wrong on our side</h1>" in page
    assert "Your last action may not have been saved." in page
    assert "Log out" not in page
