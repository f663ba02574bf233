"""The audit trail reads as sentences: who did what to which document, in the reader's
time zone to the minute, values formatted, and no codes, model labels, ids, hashes or
"None" on the screen."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from integrations import labels
from integrations.models import AuditEntry
from integrations.services.lifecycle import LIFECYCLES
from suppliers import services
from suppliers.services import LineProposalInput
from suppliers.views.audit import audit_row
from tests.suppliers.factories import purchase_order_awaiting_acknowledgment

pytestmark = pytest.mark.django_db


def _visible_text(html: str) -> str:
    main = html[html.index("<main") :]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


@pytest.fixture
def anna(supplier_user):
    supplier_user.full_name = "Anna Lindqvist"
    supplier_user.save(update_fields=["full_name"])
    return supplier_user


@pytest.fixture
def proposed(supplier, anna):
    purchase_order = purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-100044")
    services.purchase_order_propose_changes(
        actor=anna,
        purchase_order=purchase_order,
        revision=purchase_order.revision,
        lines=[
            LineProposalInput(
                line_no=1, action="change", quantity=Decimal("80"), reason_code="capacity"
            ),
            LineProposalInput(line_no=2, action="reject", reason_code="discontinued"),
        ],
        comment="Line 2 is discontinued.",
    )
    return purchase_order


def test_accepting_with_changes_reads_as_one_sentence_with_the_number_of_changes(
    client, portal_admin, proposed
):
    client.force_login(portal_admin)

    response = client.get(
        reverse("supplier_admin:object_audit", args=["suppliers.purchaseorder", proposed.pk])
    )

    text = _visible_text(response.content.decode())
    assert "Audit trail of PO-100044" in text
    assert "Anna Lindqvist accepted PO-100044 with 2 changes." in text
    assert "Status: Awaiting acknowledgment → Change proposed" in text
    assert "Line 2 is discontinued." in text


def test_the_trail_shows_no_codes_model_labels_ids_hashes_or_none(
    client, portal_admin, proposed, outsider
):
    client.force_login(portal_admin)

    response = client.get(reverse("supplier_admin:supplier_audit", args=["ACME"]))

    text = _visible_text(response.content.decode())
    assert re.findall(r"\b[a-z]+_[a-z_]+\b", text) == []  # snake_case
    assert re.findall(r"\b[0-9a-f]{32}\b", text) == []  # correlation ids
    assert "suppliers." not in text and "None" not in text
    assert re.findall(r"\d\d:\d\d:\d\d", text) == []  # seconds, let alone microseconds


def test_times_are_local_to_the_minute(client, settings, portal_admin, proposed):
    settings.TIME_ZONE = "Europe/Berlin"
    AuditEntry.objects.filter(object_id=str(proposed.pk)).update(
        occurred_at=datetime.datetime(2026, 3, 2, 14, 5, 33, 123456, tzinfo=datetime.UTC)
    )
    client.force_login(portal_admin)

    response = client.get(
        reverse("supplier_admin:object_audit", args=["suppliers.purchaseorder", proposed.pk])
    )

    text = _visible_text(response.content.decode())
    assert "March 2, 2026, 15:05" in text
    assert "Times in Europe/Berlin." in text


def test_a_delay_reads_with_its_new_date_and_the_values_formatted():
    entry = AuditEntry(
        actor_label="Anna Lindqvist",
        channel="portal",
        object_type="suppliers.shipment",
        object_id="7",
        object_repr="ASN-7",
        action="milestone delayed",
        before={"status": "in_transit", "expected_delivery": "2026-12-07", "at_risk": False},
        after={
            "status": "delayed",
            "expected_delivery": "2026-12-12",
            "at_risk": True,
            "reason": "Carrier missed the linehaul.",
            "location": "",
            "gross_weight_kg": "42.500",
        },
    )

    row = audit_row(entry)

    assert row.sentence == "Anna Lindqvist reported ASN-7 delayed, now expected Dec. 12, 2026."
    assert row.channel == "in the portal"
    assert row.details == [
        "Status: In transit → Delayed",
        "Expected delivery: Dec. 7, 2026 → Dec. 12, 2026",
        "At risk: no → yes",
        "Reason: Carrier missed the linehaul.",
        "Gross weight (kg): 42.5",
    ]


def test_the_erp_and_the_portal_itself_are_named_as_people_read_them():
    received = AuditEntry(
        actor_label="erp",
        channel="connector",
        object_type="suppliers.purchaseorder",
        object_id="1",
        object_repr="PO-1",
        action="received",
        after={"number": "PO-1", "ship_to": "DAL1", "lines": [{"line_no": 1}, {"line_no": 2}]},
    )
    escalated = AuditEntry(
        actor_label="system",
        channel="system",
        object_type="integrations.exceptioncase",
        object_id="3",
        object_repr="Stock differs: BOLT-M8 at DAL1",
        action="escalated",
    )

    assert audit_row(received).sentence == "ERP issued PO-1 with 2 lines."
    assert audit_row(received).details == ["Ship to: DAL1"]
    assert audit_row(escalated).sentence == (
        "The portal escalated exception Stock differs: BOLT-M8 at DAL1."
    )
    assert audit_row(escalated).channel == "automatically"


def test_every_lifecycle_action_has_a_sentence_of_its_own():
    missing = sorted(
        f"{lifecycle.model._meta.label_lower}:{move.action}"
        for lifecycle in LIFECYCLES.values()
        for move in lifecycle.moves
        if labels.action_predicate(lifecycle.model._meta.label_lower, move.action).endswith(
            ": {object}"
        )
    )

    assert missing == []


def test_timelines_name_actions_with_the_same_short_labels():
    assert [labels.action_label(a) for a in ("asn_submitted", "acknowledged", "role_changed")] == [
        "Shipped on an ASN",
        "Accepted as ordered",
        "Role changed",
    ]
