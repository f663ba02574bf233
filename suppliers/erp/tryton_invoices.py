"""Payment status from Tryton back to the portal's invoices (issue 19, item 5).

The approved invoice went to Tryton as a draft supplier invoice (the connector's
`invoice.approved` effect, reference = the supplier's invoice number). Accounts payable
post it and pay it in Tryton; the pull brings that back through the invoice's own
transitions:

- posted in Tryton → *scheduled for payment* on the due date of its payable lines;
- paid in Tryton → *paid* on the reconciliation date, with the payment's description
  (else Tryton's move number) as the remittance reference; `invoice.paid` is published.

Each Tryton invoice state is applied once (inbound dedupe on invoice id + state, and the
transition table refuses a second move). A Tryton invoice the portal cannot place (no
such supplier invoice, or one the portal credited meanwhile) is a failure row for the
operator, not a crash.
"""

import datetime
from typing import TypedDict

from integrations.connectors.tryton import cursors
from integrations.models import Channel, Connector
from integrations.services import inbound_message
from suppliers.erp.tryton import InboundRejected, _record_failure, _source, _tryton
from suppliers.models import Invoice
from suppliers.services.invoices import INVOICE, invoice_mark_paid, invoice_schedule_payment

Status = Invoice.Status


class InvoicesPullReport(TypedDict):
    scheduled: list[str]  # portal invoice numbers
    paid: list[str]
    unchanged: int
    failed: dict[str, list[str]]  # Tryton invoice number → why


def _apply(invoice: Invoice, row: dict) -> str:
    """Move the portal invoice to what Tryton says; returns "scheduled", "paid" or
    "unchanged". Raises InboundRejected when the portal cannot follow."""
    if row["state"] == "posted":
        if invoice.status != Status.APPROVED:
            return "unchanged"  # already scheduled or paid (a late read of "posted")
        invoice_schedule_payment(
            actor=None,
            invoice=invoice,
            pay_on=row["due_on"] or datetime.date.today(),
            channel=Channel.CONNECTOR,
        )
        return "scheduled"
    if invoice.status == Status.PAID:
        return "unchanged"
    if not INVOICE.can(invoice, Status.PAID):
        raise InboundRejected(
            [
                f"Tryton paid invoice {row['reference']} but the portal has it "
                f"{invoice.get_status_display().lower()}: settle it with the supplier "
                "(a refund or a credit note in Tryton)."
            ]
        )
    if row["paid_on"] is None:
        raise InboundRejected([f"Tryton invoice {row['number']} is paid without a payment date."])
    invoice_mark_paid(
        actor=None,
        invoice=invoice,
        paid_on=row["paid_on"],
        remittance_reference=row["remittance_reference"] or f"Tryton invoice {row['number']}",
        channel=Channel.CONNECTOR,
    )
    return "paid"


def invoices_pull(
    *, connector: Connector, since: datetime.datetime | None = None, full: bool = False
) -> InvoicesPullReport:
    """Pull the supplier invoices Tryton posted or paid since the connector's cursor
    (all of them with `full` or on the first pull) and move the portal's invoices."""
    report: InvoicesPullReport = {"scheduled": [], "paid": [], "unchanged": 0, "failed": {}}
    impl = _tryton(connector)
    cursor = cursors.cursor_for(connector, "invoices")
    explicit = since is not None
    if not explicit and not full:
        since = cursors.since_for(cursor)
    rows = impl.fetch_supplier_invoices(
        since=since, also_ids=[int(i) for i in cursor.retry_ids if str(i).isdigit()]
    )
    refused = []
    for row in rows:
        subject = f"supplier invoice {row['reference']} (Tryton {row['number']})"
        invoice = (
            Invoice.objects.filter(supplier__erp_vendor_id=row["supplier"], number=row["reference"])
            .select_related("supplier", "purchase_order", "credited_invoice")
            .first()
        )
        try:
            if invoice is None:
                raise InboundRejected(
                    [f"no portal invoice {row['reference']} for ERP vendor {row['supplier']}"]
                )
            with inbound_message(
                source=_source(connector), external_id=f"invoice:{row['erp_id']}:{row['state']}"
            ) as first_time:
                outcome = _apply(invoice, row) if first_time else "unchanged"
        except InboundRejected as rejected:
            _record_failure(
                connector=connector, subject=subject, version=row["state"], reasons=rejected.reasons
            )
            report["failed"][row["number"]] = rejected.reasons
            refused.append(row["erp_id"])
            continue
        if outcome == "scheduled":
            report["scheduled"].append(invoice.number)
        elif outcome == "paid":
            report["paid"].append(invoice.number)
        else:
            report["unchanged"] += 1
    if not explicit:
        cursors.cursor_advance(cursor, stamp=impl.last_stamp, read=len(rows), retry_ids=refused)
    return report
