import pytest
from django.urls import reverse

from tests.portal.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next=/"


def test_login_page_asks_for_email_and_password(client):
    response = client.get(reverse("account_login"))

    assert response.status_code == 200
    assert b'name="login"' in response.content
    assert b'type="email"' in response.content
    assert b'name="password"' in response.content


@pytest.mark.parametrize(
    "actor, sees, does_not_see",
    [
        ("supplier_user", "Purchase orders", "All purchase orders"),
        ("buyer", "All purchase orders", ">Purchase orders<"),
        ("operator", "Admin", "All purchase orders"),
        ("portal_admin", "All purchase orders", ">Purchase orders<"),
    ],
)
def test_each_role_logs_in_with_email_and_sees_its_home(client, request, actor, sees, does_not_see):
    user = request.getfixturevalue(actor)
    if actor == "operator":
        user.is_staff = True
        user.save()

    response = client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD}, follow=True
    )

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("home")
    body = response.content.decode()
    assert user.email in body
    assert sees in body
    assert does_not_see not in body


def test_supplier_home_counts_only_its_own_purchase_orders(client, supplier_user, outsider):
    from tests.suppliers.factories import PurchaseOrderFactory

    PurchaseOrderFactory.create_batch(3, supplier=supplier_user.supplier_membership.supplier)
    PurchaseOrderFactory.create_batch(5, supplier=outsider.supplier_membership.supplier)
    client.force_login(supplier_user)

    response = client.get(reverse("home"))

    cards = {label: count for label, count, _status in response.context["supplier_cards"]}
    assert cards["To acknowledge"] == 3


def test_wrong_password_is_refused_with_a_clear_message(client, supplier_user):
    response = client.post(
        reverse("account_login"), {"login": supplier_user.email, "password": "nope"}
    )

    assert response.status_code == 200
    assert "The email address and/or password you specified are not correct." in (
        response.content.decode()
    )


def test_a_deactivated_supplier_user_cannot_log_in(client, supplier_user):
    supplier_user.is_active = False
    supplier_user.save()

    response = client.post(
        reverse("account_login"), {"login": supplier_user.email, "password": PASSWORD}, follow=True
    )

    assert response.wsgi_request.user.is_authenticated is False


def test_a_supplier_user_cannot_reach_the_buyer_purchase_order_list(client, supplier_user):
    client.force_login(supplier_user)

    response = client.get(reverse("buyer:po_list"))

    assert response.status_code == 403
    assert b"Not allowed" in response.content


def test_a_buyer_cannot_reach_the_supplier_purchase_order_list(client, buyer):
    client.force_login(buyer)

    response = client.get(reverse("suppliers:po_list"))

    assert response.status_code == 403


def test_logout_ends_the_session(client, buyer):
    client.force_login(buyer)

    client.post(reverse("account_logout"))

    assert client.get(reverse("home")).status_code == 302


def test_open_sign_up_is_closed(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.com",
            "password1": "x-Long-pass-123",
            "password2": "x-Long-pass-123",
        },
    )

    from portal.models import User

    assert User.objects.filter(email="new@example.com").exists() is False
    assert response.status_code == 200
    assert "account/signup_closed.html" in [t.name for t in response.templates]


def test_password_reset_sends_an_email(client, supplier_user, mailoutbox):
    response = client.post(reverse("account_reset_password"), {"email": supplier_user.email})

    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [supplier_user.email]


def test_health_endpoints_answer(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["database"] == "ok"
