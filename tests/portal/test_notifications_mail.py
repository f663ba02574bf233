"""Notification e-mails: one per PO when two POs are imported, HTML and text with the
link to the PO's accept button, the daily digest grouped per user and kind, and each
user's preference respected."""

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from import_export.formats import base_formats

from portal import notification_mail, notifications
from portal.celery import app
from portal.models import Notification
from suppliers import services
from suppliers.models import PurchaseOrder
from suppliers.resources.purchase_orders import PurchaseOrderResource
from tests.inventory.factories import ItemFactory, UnitOfMeasureFactory, WarehouseFactory
from tests.suppliers.factories import purchase_order_awaiting_acknowledgment

pytestmark = pytest.mark.django_db

Kind = Notification.Kind
HEADER = "po_number,supplier,ship_to,line_no,sku,ordered_qty,uom,unit_price,requested_date"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.PORTAL_SITE_URL = "https://portal.example"


@pytest.fixture
def catalogue(supplier, other_supplier):
    WarehouseFactory(code="DC1", name="Main DC")
    UnitOfMeasureFactory(code="EA")
    for sku in ("BOLT-10", "NUT-10"):
        ItemFactory(sku=sku)


def import_two_pos(admin, django_capture_on_commit_callbacks) -> None:
    dataset = base_formats.CSV().create_dataset(
        f"{HEADER}\n"
        "PO-1,ACME,DC1,1,BOLT-10,24,EA,12.50,2030-05-01\n"
        "PO-1,ACME,DC1,2,NUT-10,100,EA,0.05,2030-05-02\n"
        "PO-2,ACME,DC1,1,NUT-10,50,EA,0.05,2030-06-15\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = PurchaseOrderResource().import_data(dataset, dry_run=False, user=admin)
    assert not result.has_errors() and not result.invalid_rows


def html_of(message) -> str:
    [(content, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return content


def test_importing_two_pos_sends_the_supplier_one_email_per_po(
    catalogue,
    supplier_user,
    outsider,
    portal_admin,
    eager_tasks,
    django_capture_on_commit_callbacks,
):
    import_two_pos(portal_admin, django_capture_on_commit_callbacks)

    assert sorted((m.to, m.subject) for m in mail.outbox) == [
        (["sam@acme.example"], "New purchase order PO-1"),
        (["sam@acme.example"], "New purchase order PO-2"),
    ]
    message = next(m for m in mail.outbox if m.subject.endswith("PO-1"))
    assert "2 lines to acknowledge." in message.body
    assert "Open it: https://portal.example/orders/PO-1/#ack-panel" in message.body
    assert 'href="https://portal.example/orders/PO-1/#ack-panel"' in html_of(message)
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 0


def test_the_new_po_emails_link_leads_to_accept_in_one_more_tap(
    catalogue, supplier_user, portal_admin, client, eager_tasks, django_capture_on_commit_callbacks
):
    import_two_pos(portal_admin, django_capture_on_commit_callbacks)
    client.force_login(supplier_user)

    page = client.get("/orders/PO-1/").content.decode()
    assert '<section id="ack-panel"' in page
    assert "Accept as ordered</button>" in page

    client.post(reverse("suppliers:po_accept", args=["PO-1"]), {"revision": "1"})
    assert PurchaseOrder.objects.get(number="PO-1").status == PurchaseOrder.Status.CONFIRMED


def test_a_user_who_chose_the_digest_gets_no_email_now_and_one_digest_later(
    catalogue,
    supplier_user,
    teammate,
    portal_admin,
    eager_tasks,
    django_capture_on_commit_callbacks,
):
    notifications.set_preferences(teammate, {Kind.PO_NEW: Notification.Delivery.DIGEST})

    import_two_pos(portal_admin, django_capture_on_commit_callbacks)

    assert sorted(m.to[0] for m in mail.outbox) == ["sam@acme.example", "sam@acme.example"]
    mail.outbox.clear()

    assert notification_mail.send_digests() == 1

    [digest] = mail.outbox
    assert digest.to == ["tia@acme.example"]
    assert digest.subject == "Your daily portal digest: 2 notifications"
    assert "New purchase order\n- New purchase order PO-1" in digest.body
    assert "https://portal.example/orders/PO-2/#ack-panel" in digest.body
    assert '<a href="https://portal.example/orders/PO-1/#ack-panel">' in html_of(digest)
    assert notification_mail.send_digests() == 0


def test_the_digest_groups_each_users_notifications_by_kind(supplier, supplier_user, teammate):
    for kind in (Kind.PO_NEW, Kind.PO_CANCELLED):
        notifications.set_preferences(supplier_user, {kind: Notification.Delivery.DIGEST})
    notifications.set_preferences(teammate, {Kind.PO_CANCELLED: Notification.Delivery.DIGEST})
    for number in ("PO-G1", "PO-G2"):
        po = purchase_order_awaiting_acknowledgment(supplier=supplier, number=number)
        notifications.notify(
            [supplier_user], kind=Kind.PO_NEW, title=f"New purchase order {number}", url="/x/"
        )
        services.purchase_order_cancel(actor=None, purchase_order=po, reason="Not needed.")

    assert notification_mail.send_digests() == 2

    by_user = {m.to[0]: m for m in mail.outbox}
    assert sorted(by_user) == ["sam@acme.example", "tia@acme.example"]
    sam = by_user["sam@acme.example"].body
    assert sam.index("Purchase order cancelled\n") < sam.index("- Purchase order PO-G1 was")
    assert sam.index("New purchase order\n") < sam.index("- New purchase order PO-G1")
    assert sam.count("\n- ") == 4
    assert by_user["tia@acme.example"].body.count("\n- ") == 2
    assert by_user["tia@acme.example"].subject == "Your daily portal digest: 2 notifications"


def test_kinds_the_services_already_email_are_listed_but_not_emailed_twice(
    supplier, supplier_user, buyer, eager_tasks, django_capture_on_commit_callbacks
):
    po = purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-M1")

    with django_capture_on_commit_callbacks(execute=True):
        services.purchase_order_send_reminder(actor=buyer, purchase_order=po)

    assert [m.subject for m in mail.outbox] == ["Reminder: please acknowledge PO PO-M1"]
    assert Notification.objects.get().kind == Kind.ACK_REMINDER


def test_a_reminder_reaches_a_digest_reader_in_the_digest_not_in_an_email_now(
    supplier,
    supplier_user,
    teammate,
    outsider,
    buyer,
    eager_tasks,
    django_capture_on_commit_callbacks,
):
    notifications.set_preferences(teammate, {Kind.ACK_REMINDER: Notification.Delivery.DIGEST})
    po = purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-M2")

    with django_capture_on_commit_callbacks(execute=True):
        services.purchase_order_send_reminder(actor=buyer, purchase_order=po)

    [now] = mail.outbox
    assert (now.to, now.subject) == (["sam@acme.example"], "Reminder: please acknowledge PO PO-M2")
    mail.outbox.clear()
    assert notification_mail.send_digests() == 1
    [digest] = mail.outbox
    assert digest.to == ["tia@acme.example"]
    assert "PO-M2" in digest.body
    assert not Notification.objects.filter(user=outsider).exists()


def test_when_every_user_reads_reminders_in_the_digest_the_reminder_is_still_recorded(
    supplier, supplier_user, buyer, eager_tasks, django_capture_on_commit_callbacks
):
    notifications.set_preferences(supplier_user, {Kind.ACK_REMINDER: Notification.Delivery.DIGEST})
    po = purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-M3")

    with django_capture_on_commit_callbacks(execute=True):
        services.purchase_order_send_reminder(actor=buyer, purchase_order=po)

    assert mail.outbox == []
    po.refresh_from_db()
    assert po.last_reminder_at is not None
    assert Notification.objects.get(user=supplier_user).emailed_at is None


def test_the_sender_sends_each_notification_once(supplier_user):
    notifications.notify([supplier_user], kind=Kind.PO_NEW, title="New purchase order P", url="/")

    assert notification_mail.send_immediate() == 1
    assert notification_mail.send_immediate() == 0
    assert len(mail.outbox) == 1


@pytest.fixture
def broker_down():
    """A broker nobody listens on, and tasks not run in-process."""
    previous = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url, app.conf.task_always_eager = "redis://127.0.0.1:1/0", False
    yield
    app.conf.broker_url, app.conf.task_always_eager = previous


def test_a_broker_outage_leaves_the_email_to_the_five_minute_run(
    supplier_user, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(
            [supplier_user], kind=Kind.PO_NEW, title="New purchase order P", url="/"
        )

    assert mail.outbox == []
    assert settings.CELERY_BEAT_SCHEDULE["portal-send-notifications"] == {
        "task": "portal.send_notifications",
        "schedule": 300.0,
    }
    assert notification_mail.send_immediate() == 1
