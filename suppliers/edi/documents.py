"""Links from an EDI set to the documents it made (the operator's message viewer)."""

from django.urls import reverse

from suppliers.models import PurchaseOrder, Shipment


def po_document(purchase_order: PurchaseOrder) -> dict:
    return {
        "type": "purchase_order",
        "id": purchase_order.number,
        "label": f"PO {purchase_order.number}",
        "url": reverse("buyer:po_detail", args=[purchase_order.number]),
    }


def asn_document(shipment: Shipment) -> dict:
    return {
        "type": "asn",
        "id": shipment.aggregate_id,
        "label": f"ASN {shipment.asn_number}",
        "url": reverse("buyer:asn_detail", args=[shipment.supplier.code, shipment.asn_number]),
    }
