import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _active(response) -> list[str]:
    return [item["label"] for item in response.context["nav_items"] if item["active"]]


def test_only_the_most_specific_navigation_item_is_marked_current(client, supplier_user):
    client.force_login(supplier_user)

    assert _active(client.get(reverse("suppliers:po_list"))) == ["Purchase orders"]
    assert _active(client.get(reverse("suppliers:asn_list"))) == ["Shipments"]
    assert _active(client.get(reverse("home"))) == ["Home"]
