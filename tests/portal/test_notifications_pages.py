"""The notification list, its unread badge in the header, opening and "mark all read",
and the e-mail preferences page; each user sees only their own notifications."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal import notifications
from portal.models import Notification, NotificationPreference

pytestmark = pytest.mark.django_db

Kind = Notification.Kind
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def inbox(supplier_user, outsider):
    """Three for Sam (one already read), two for the outsider."""
    for number in ("PO-1", "PO-2", "PO-3"):
        notifications.notify(
            [supplier_user],
            kind=Kind.PO_NEW,
            title=f"New purchase order {number}",
            url=f"/orders/{number}/#ack-panel",
        )
    notifications.mark_read(supplier_user, Notification.objects.get(title__endswith="PO-1").pk)
    notifications.notify(
        [outsider], kind=Kind.PO_NEW, title="New purchase order GX-1", url="/orders/GX-1/"
    )
    notifications.notify(
        [outsider], kind=Kind.INVOICE_HOLD, title="Invoice GX-9 is on hold", url="/x/"
    )


def unread_rows(page: str) -> int:
    return len(re.findall(r'class="notification unread"', page))


def badge(page: str) -> str:
    match = re.search(r'<a class="notifications-link"[^>]*>(.*?)</a>', page)
    assert match is not None
    return match.group(1)


def test_the_list_shows_only_the_users_own_notifications(client, supplier_user, inbox):
    client.force_login(supplier_user)

    page = client.get(reverse("notifications")).content.decode()

    assert "New purchase order PO-3" in page
    assert "New purchase order PO-1" in page
    assert "GX-" not in page


def test_the_unread_badge_equals_the_unread_rows_of_the_list(client, supplier_user, inbox):
    client.force_login(supplier_user)

    page = client.get(reverse("notifications")).content.decode()

    assert unread_rows(page) == 2
    assert badge(page) == 'Notifications <span class="badge">2</span>'
    assert '<p id="notification-unread">2 unread</p>' in page


def test_the_badge_costs_one_query_on_any_page(client, supplier_user, inbox):
    client.force_login(supplier_user)
    client.get(reverse("suppliers:po_list"))

    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("suppliers:po_list")).content.decode()

    assert badge(page) == 'Notifications <span class="badge">2</span>'
    reads = [q["sql"] for q in queries.captured_queries if '"portal_notification"' in q["sql"]]
    assert len(reads) == 1


def test_opening_a_notification_marks_it_read_and_goes_to_the_document(
    client, supplier_user, inbox
):
    client.force_login(supplier_user)
    notification = Notification.objects.get(title="New purchase order PO-3")

    response = client.get(reverse("notification_open", args=[notification.pk]))

    assert response.status_code == 302
    assert response["Location"] == "/orders/PO-3/#ack-panel"
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert notifications.unread_count(supplier_user) == 1


def test_an_outsider_cannot_open_or_read_another_users_notification(client, outsider, inbox):
    client.force_login(outsider)
    sams = Notification.objects.get(title="New purchase order PO-3")

    response = client.get(reverse("notification_open", args=[sams.pk]))

    assert response.status_code == 404
    sams.refresh_from_db()
    assert sams.read_at is None


def test_mark_all_read_by_htmx_empties_the_badge_and_leaves_others_unread(
    client, supplier_user, outsider, inbox
):
    client.force_login(supplier_user)

    response = client.post(reverse("notifications_read_all"), **HTMX)

    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<section id="notification-list"')
    assert 'hx-swap-oob="true">Notifications</a>' in page
    assert unread_rows(page) == 0
    assert notifications.unread_count(supplier_user) == 0
    assert notifications.unread_count(outsider) == 2


def test_the_pages_need_a_signed_in_user(client):
    for name in ("notifications", "notification_preferences"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_a_supplier_user_chooses_the_digest_for_new_pos(client, supplier_user, outsider):
    client.force_login(supplier_user)

    page = client.get(reverse("notification_preferences")).content.decode()
    assert '<input type="radio" name="po_new" value="immediate" checked>' in page
    assert "<legend>Invoice on hold</legend>" in page

    response = client.post(
        reverse("notification_preferences"), {"po_new": "digest", "invoice_hold": "immediate"}
    )

    assert '<input type="radio" name="po_new" value="digest" checked>' in (
        response.content.decode()
    )
    assert notifications.preferences(supplier_user)[Kind.PO_NEW] == "digest"
    assert notifications.preferences(outsider)[Kind.PO_NEW] == "immediate"
    assert NotificationPreference.objects.filter(user=outsider).count() == 0


def test_a_buyer_sees_only_the_dispute_reply_preference(client, buyer):
    client.force_login(buyer)

    page = client.get(reverse("notification_preferences")).content.decode()

    assert re.findall(r"<legend>(.*?)</legend>", page) == ["Dispute reply"]
