"""Against a real trytond: an approved invoice becomes a draft supplier invoice linked to
the purchase lines, once; a credit note becomes negative lines; what Tryton posts and pays
comes back as the portal invoice scheduled and paid, once (issue 19, item 5)."""

import datetime
from decimal import Decimal

import pytest

from integrations.connectors import connector_for
from integrations.models import AuditEntry, Delivery, Event
from integrations.services import dispatch
from suppliers import services
from suppliers.erp import tryton as erp_tryton
from suppliers.erp import tryton_invoices
from suppliers.models import Invoice, PurchaseOrder
from tests.erp import helpers
from tests.suppliers.invoicing_helpers import received_line, submit

pytestmark = [pytest.mark.erp, pytest.mark.django_db]

TODAY = datetime.date.today()
# 5 × 0.125 = 0.625: the portal rounds half up (0.63), Tryton half to even (0.62).
LINES = [("TRY-BOLT-M8", "100", "0.12"), ("TRY-NUT-M8", "5", "0.125")]


def _deliver(connector) -> dispatch.BatchReport:
    connector.refresh_from_db()
    return dispatch.dispatch_batch(connector)


def _received_po(tryton, connector, supplier_user, *, invoice_method=None):
    """A Tryton purchase pulled into the portal, shipped by the supplier, received in
    Tryton and pulled back: ready to invoice."""
    data = helpers.portal_master_data()
    supplier_user.supplier_membership.supplier = data["fasteners"]
    supplier_user.supplier_membership.save()
    purchase = helpers.create_purchase(
        tryton, supplier="V-TRY01", warehouse="DAL1", lines=LINES, invoice_method=invoice_method
    )
    erp_tryton.purchases_pull(connector=connector)
    po = PurchaseOrder.objects.get(number=purchase["number"])
    services.purchase_order_accept(actor=supplier_user, purchase_order=po, revision=po.revision)
    po = PurchaseOrder.objects.get(pk=po.pk)
    asn_number = f"ASN-{purchase['number']}"
    shipment = services.asn_create(
        actor=supplier_user,
        supplier=po.supplier,
        header=services.AsnHeader(
            asn_number=asn_number,
            ship_date=TODAY,
            expected_delivery=TODAY + datetime.timedelta(days=3),
            carrier="UPS",
            tracking_number="1Z999AA10123456784",
        ),
        lines=[
            services.AsnLineInput(po_line=line, quantity=line.ordered_qty)
            for line in po.lines.order_by("line_no")
        ],
    )
    services.asn_submit(actor=supplier_user, shipment=shipment)
    assert _deliver(connector).failed == 0
    (tryton_shipment,) = helpers.shipments_of(tryton, asn_number)
    helpers.receive(tryton, tryton_shipment["id"])
    erp_tryton.receipts_pull(connector=connector)
    return purchase, PurchaseOrder.objects.get(pk=po.pk)


def _invoice(po, supplier_user) -> Invoice:
    """The supplier invoices what was received at the PO price (numbered after the PO:
    Tryton keeps its invoices from one test to the next)."""
    return services.invoice_submit(
        actor=supplier_user,
        supplier=po.supplier,
        purchase_order=po,
        header=services.InvoiceHeader(number=f"INV-{po.number}", invoice_date=TODAY),
        lines=[
            services.InvoiceLineInput(
                line_no=line.line_no,
                quantity=line.ordered_qty,
                uom_code=line.uom.code,
                unit_price=line.unit_price,
                po_line=line,
            )
            for line in po.lines.select_related("uom").order_by("line_no")
        ],
    )


def _tryton_lines(tryton, invoice: dict) -> list[tuple]:
    return sorted(
        (
            line["origin"] or "",
            (line.get("product.") or {}).get("code"),
            line["quantity"],
            line["unit_price"],
            line["amount"],
        )
        for line in helpers.invoice_lines(tryton, invoice["lines"])
    )


def test_an_approved_invoice_becomes_a_draft_tryton_supplier_invoice_on_the_purchase_lines(
    tryton, tryton_connector, supplier_user
):
    purchase, po = _received_po(tryton, tryton_connector, supplier_user)
    invoice = _invoice(po, supplier_user)
    assert invoice.status == Invoice.Status.APPROVED

    report = _deliver(tryton_connector)

    assert report.failed == 0
    (tryton_invoice,) = helpers.supplier_invoices(tryton, invoice.number)
    bolt, nut = (line["id"] for line in helpers.purchase_lines(tryton, purchase["id"]))
    assert tryton_invoice["state"] == "draft"
    assert tryton_invoice["party."]["code"] == "V-TRY01"
    assert tryton_invoice["invoice_date"] == TODAY
    assert invoice.total_amount == Decimal("12.63")
    assert tryton_invoice["total_amount"] == Decimal("12.63")
    assert _tryton_lines(tryton, tryton_invoice) == [
        ("", None, 1.0, Decimal("0.01"), Decimal("0.01")),
        (f"purchase.line,{bolt}", "TRY-BOLT-M8", 100.0, Decimal("0.12"), Decimal("12.00")),
        (f"purchase.line,{nut}", "TRY-NUT-M8", 5.0, Decimal("0.125"), Decimal("0.62")),
    ]
    (tryton_purchase,) = tryton.read("purchase.purchase", [purchase["id"]], ["invoices"])
    assert tryton_purchase["invoices"] == [tryton_invoice["id"]]


def test_an_invoice_event_replayed_leaves_one_draft_in_tryton(
    tryton, tryton_connector, supplier_user
):
    _, po = _received_po(tryton, tryton_connector, supplier_user)
    invoice = _invoice(po, supplier_user)
    _deliver(tryton_connector)
    envelope = Event.objects.get(
        type="invoice.approved", aggregate_id=f"{invoice.supplier.code}:{invoice.number}"
    ).envelope()

    again = connector_for(tryton_connector).send(envelope, dispatch.envelope_body(envelope))
    envelope["id"] = "another-event-of-the-same-invoice"
    other = connector_for(tryton_connector).send(envelope, dispatch.envelope_body(envelope))

    (tryton_invoice,) = helpers.supplier_invoices(tryton, invoice.number)
    assert again.response == (
        f"invoice {invoice.number}: already in Tryton (invoice id {tryton_invoice['id']}, draft)"
    )
    assert other.response == again.response


def test_an_invoice_paid_in_tryton_is_scheduled_then_paid_once_in_the_portal(
    tryton, tryton_connector, supplier_user
):
    _, po = _received_po(tryton, tryton_connector, supplier_user)
    invoice = _invoice(po, supplier_user)
    _deliver(tryton_connector)
    (tryton_invoice,) = helpers.supplier_invoices(tryton, invoice.number)

    helpers.post_invoice(tryton, tryton_invoice["id"])
    posted = tryton_invoices.invoices_pull(connector=tryton_connector)
    invoice.refresh_from_db()
    scheduled = (invoice.status, invoice.scheduled_for)
    helpers.pay_invoice(tryton, tryton_invoice["id"], description="REMIT-778", on=TODAY)
    paid = tryton_invoices.invoices_pull(connector=tryton_connector)
    again = tryton_invoices.invoices_pull(connector=tryton_connector, full=True)

    invoice.refresh_from_db()
    # Tryton keeps other tests' invoices: those are failures (unknown to this portal).
    assert (posted["scheduled"], posted["paid"]) == ([invoice.number], [])
    # The payment term of the spec's supplier: all due on the invoice date.
    assert scheduled == (Invoice.Status.SCHEDULED, TODAY)
    assert (paid["scheduled"], paid["paid"]) == ([], [invoice.number])
    assert (again["scheduled"], again["paid"], again["unchanged"]) == ([], [], 1)
    assert (invoice.status, invoice.paid_on, invoice.remittance_reference) == (
        Invoice.Status.PAID,
        TODAY,
        "REMIT-778",
    )
    (event,) = Event.objects.filter(type="invoice.paid")
    assert event.data["remittance_reference"] == "REMIT-778"


def test_a_credit_note_becomes_negative_lines_on_the_same_purchase_lines(
    tryton, tryton_connector, supplier_user
):
    purchase, po = _received_po(tryton, tryton_connector, supplier_user)
    invoice = _invoice(po, supplier_user)
    _deliver(tryton_connector)

    note = services.credit_note_create(
        actor=supplier_user, invoice=invoice, number=f"CN-{po.number}", invoice_date=TODAY
    )
    report = _deliver(tryton_connector)

    assert note.status == Invoice.Status.APPROVED
    assert report.failed == 0
    (tryton_note,) = helpers.supplier_invoices(tryton, note.number)
    bolt, nut = (line["id"] for line in helpers.purchase_lines(tryton, purchase["id"]))
    assert tryton_note["state"] == "draft"
    assert tryton_note["total_amount"] == Decimal("-12.63") == note.total_amount
    assert _tryton_lines(tryton, tryton_note) == [
        ("", None, 1.0, Decimal("-0.01"), Decimal("-0.01")),
        (f"purchase.line,{bolt}", "TRY-BOLT-M8", -100.0, Decimal("0.12"), Decimal("-12.00")),
        (f"purchase.line,{nut}", "TRY-NUT-M8", -5.0, Decimal("0.125"), Decimal("-0.62")),
    ]
    assert len(helpers.supplier_invoices(tryton, invoice.number)) == 1


def test_a_purchase_tryton_invoices_itself_is_a_dead_letter_that_says_what_to_change(
    tryton, tryton_connector, supplier_user
):
    purchase, po = _received_po(tryton, tryton_connector, supplier_user, invoice_method="order")
    invoice = _invoice(po, supplier_user)

    report = _deliver(tryton_connector)

    delivery = Delivery.objects.get(event__type="invoice.approved")
    assert report.failed == 1
    assert delivery.status == Delivery.Status.DEAD
    assert delivery.last_error.endswith(
        f"Tryton purchase {purchase['number']} is invoiced 'order': Tryton drafts its own "
        "supplier invoice for it. Set its Invoice Method to Manual (Purchase › Configuration "
        "for new purchases) so the portal's approved invoice is the only one."
    )
    assert helpers.supplier_invoices(tryton, invoice.number) == []


def test_a_tryton_invoice_the_portal_does_not_know_is_a_failure_not_a_payment(
    tryton, tryton_connector, supplier_user
):
    _, po = _received_po(tryton, tryton_connector, supplier_user)
    invoice = _invoice(po, supplier_user)
    _deliver(tryton_connector)
    (tryton_invoice,) = helpers.supplier_invoices(tryton, invoice.number)
    tryton.write("account.invoice", [tryton_invoice["id"]], {"reference": "INV-ELSEWHERE"})
    helpers.post_invoice(tryton, tryton_invoice["id"])

    report = tryton_invoices.invoices_pull(connector=tryton_connector)

    invoice.refresh_from_db()
    (posted,) = tryton.read("account.invoice", [tryton_invoice["id"]], ["number"])
    assert invoice.status == Invoice.Status.APPROVED
    assert report["failed"][posted["number"]] == [
        "no portal invoice INV-ELSEWHERE for ERP vendor V-TRY01"
    ]
    subject = f"supplier invoice INV-ELSEWHERE (Tryton {posted['number']})"
    assert (
        AuditEntry.objects.filter(action="inbound_rejected", after__document=subject).count() == 1
    )


def test_an_invoice_on_a_po_that_did_not_come_from_tryton_is_skipped_not_a_dead_letter(
    tryton, tryton_connector, supplier
):
    line = received_line(supplier, po="SEED-INV-1")
    invoice = submit(supplier, line, number="INV-SEED-1")

    report = _deliver(tryton_connector)

    delivery = Delivery.objects.get(connector=tryton_connector, event__type="invoice.approved")
    assert invoice.status == Invoice.Status.APPROVED
    assert report.failed == 0
    assert delivery.status == Delivery.Status.DELIVERED
    assert delivery.attempt_rows.last().response == (
        "skipped: PO SEED-INV-1 did not come from this ERP (no routing rule sends it)"
    )
    assert helpers.supplier_invoices(tryton, "INV-SEED-1") == []
