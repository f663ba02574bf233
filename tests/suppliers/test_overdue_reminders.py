"""Chasing overdue acknowledgments: the buyer's list and reminder action, the daily task,
and at most one reminder per PO per day whoever sends it."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from integrations.errors import DomainError
from integrations.models import AuditEntry
from suppliers import services
from suppliers.models import PurchaseOrder
from suppliers.tasks.acknowledgments import send_acknowledgment_reminders
from tests.suppliers.factories import (
    SupplierMembershipFactory,
    purchase_order_awaiting_acknowledgment,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
OVERDUE = reverse("buyer:overdue_acknowledgments")


def _ago(hours: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(hours=hours)


def _overdue_po(supplier, number: str, due_hours_ago: float, **fields) -> PurchaseOrder:
    po = purchase_order_awaiting_acknowledgment(supplier=supplier, number=number, lines=1, **fields)
    PurchaseOrder.objects.filter(pk=po.pk).update(ack_due_at=_ago(due_hours_ago))
    po.refresh_from_db()
    return po


def test_a_reminder_emails_the_suppliers_active_users(
    supplier, supplier_user, teammate, outsider, buyer, django_capture_on_commit_callbacks
):
    SupplierMembershipFactory(supplier=supplier, user__email="gone@acme.example", is_active=False)
    po = _overdue_po(supplier, "PO-600", due_hours_ago=30)

    with django_capture_on_commit_callbacks(execute=True):
        services.purchase_order_send_reminder(actor=buyer, purchase_order=po)

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["sam@acme.example", "tia@acme.example"]
    assert mail.outbox[0].subject == "Reminder: please acknowledge PO PO-600"
    assert "/orders/PO-600/" in mail.outbox[0].body
    po.refresh_from_db()
    assert po.last_reminder_at is not None
    entry = AuditEntry.objects.get(object_id=str(po.pk), action="reminder_sent")
    assert (entry.actor, entry.after["recipients"]) == (buyer, 2)


def test_at_most_one_reminder_per_po_per_day(supplier, supplier_user, buyer):
    po = _overdue_po(supplier, "PO-601", due_hours_ago=30)
    services.purchase_order_send_reminder(actor=buyer, purchase_order=po)

    with pytest.raises(DomainError, match="already sent today") as error:
        services.purchase_order_send_reminder(actor=buyer, purchase_order=po)

    assert error.value.code == "already_reminded"
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    services.purchase_order_send_reminder(actor=buyer, purchase_order=po, now=tomorrow)
    assert AuditEntry.objects.filter(object_id=str(po.pk), action="reminder_sent").count() == 2


def test_an_acknowledged_po_is_not_chased(supplier, supplier_user, buyer):
    po = _overdue_po(supplier, "PO-602", due_hours_ago=30)
    services.purchase_order_accept(actor=supplier_user, purchase_order=po, revision=1)

    with pytest.raises(DomainError, match="not awaiting acknowledgment"):
        services.purchase_order_send_reminder(actor=buyer, purchase_order=po)


def test_the_daily_task_reminds_pos_overdue_by_the_configured_interval_once(
    settings, supplier, other_supplier, supplier_user, outsider, django_capture_on_commit_callbacks
):
    settings.PORTAL_ACK_REMINDER_AFTER_HOURS = 24
    _overdue_po(supplier, "PO-LONG", due_hours_ago=30)
    _overdue_po(other_supplier, "PO-THEIRS", due_hours_ago=48)
    _overdue_po(supplier, "PO-RECENT", due_hours_ago=2)
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-NOT-DUE", lines=1)

    with django_capture_on_commit_callbacks(execute=True):
        first = send_acknowledgment_reminders()
    with django_capture_on_commit_callbacks(execute=True):
        second = send_acknowledgment_reminders()

    assert (first, second) == (2, 0)
    assert sorted(m.subject for m in mail.outbox) == [
        "Reminder: please acknowledge PO PO-LONG",
        "Reminder: please acknowledge PO PO-THEIRS",
    ]
    assert [m.to for m in mail.outbox if "PO-THEIRS" in m.subject] == [["olga@globex.example"]]
    entry = AuditEntry.objects.get(action="reminder_sent", object_repr="PO-LONG")
    assert (entry.actor, entry.actor_label, entry.channel) == (None, "system", "system")


def test_the_daily_task_is_on_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["suppliers-acknowledgment-reminders"]

    assert entry == {
        "task": "suppliers.send_acknowledgment_reminders",
        "schedule": 86400.0,
    }


def test_the_overdue_list_shows_overdue_pos_across_suppliers_most_overdue_first(
    client, supplier, other_supplier, buyer
):
    _overdue_po(supplier, "PO-A", due_hours_ago=5)
    _overdue_po(other_supplier, "PO-B", due_hours_ago=50)
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-C", lines=1)
    client.force_login(buyer)

    response = client.get(OVERDUE)

    assert [po.number for po in response.context["page"].object_list] == ["PO-B", "PO-A"]


def test_the_buyer_sends_a_reminder_from_the_list_and_a_second_one_is_refused(
    client, supplier, supplier_user, buyer
):
    po = _overdue_po(supplier, "PO-603", due_hours_ago=30)
    client.force_login(buyer)
    url = reverse("buyer:po_remind", args=[po.number])

    first = client.post(url, **HTMX)
    second = client.post(url, **HTMX)

    assert "Reminded today" in first.content.decode()
    assert "already sent today" in second.content.decode()
    assert AuditEntry.objects.filter(object_id=str(po.pk), action="reminder_sent").count() == 1


def test_supplier_users_cannot_send_reminders(client, supplier, supplier_user, outsider):
    po = _overdue_po(supplier, "PO-604", due_hours_ago=30)
    for user in (supplier_user, outsider):
        client.force_login(user)
        assert client.post(reverse("buyer:po_remind", args=[po.number])).status_code == 403
    po.refresh_from_db()
    assert po.last_reminder_at is None


def test_the_overdue_list_query_count_does_not_grow_with_pos(
    client, supplier, other_supplier, buyer
):
    client.force_login(buyer)
    _overdue_po(supplier, "PO-Q0", due_hours_ago=3)
    with CaptureQueriesContext(connection) as few:
        client.get(OVERDUE)
    for n in range(1, 7):
        _overdue_po(supplier if n % 2 else other_supplier, f"PO-Q{n}", due_hours_ago=3 + n)

    with CaptureQueriesContext(connection) as many:
        response = client.get(OVERDUE)

    assert len(response.context["page"].object_list) == 7
    assert len(many) == len(few)
