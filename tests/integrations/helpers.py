"""Small shared helpers for the integration tests (not fixtures: plain functions)."""

from integrations.services import publish


def publish_po_event(number: str, event_type: str = "purchase_order.acknowledged", **data):
    if event_type == "purchase_order.received":
        data = {"number": number, "supplier": "ACME", "lines": [{"line_no": 1}], **data}
    else:
        data = {"number": number, **data}
    return publish(
        event_type=event_type,
        aggregate_type="purchase_order",
        aggregate_id=number,
        data=data,
        actor=None,
        channel="system",
    )
