import pytest

pytestmark = pytest.mark.django_db


def test_a_nul_character_in_a_po_url_is_a_400_not_a_crash(client, supplier_user):
    client.force_login(supplier_user)

    response = client.get("/orders/PO%00X/")

    assert response.status_code == 400
    assert b"NUL character" in response.content


def test_a_nul_character_in_the_query_string_is_a_400(client, supplier_user):
    client.force_login(supplier_user)

    response = client.get("/orders/?q=%00")

    assert response.status_code == 400
