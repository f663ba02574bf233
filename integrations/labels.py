"""The words people read for the codes the portal stores: audit actions, field names,
statuses, channels and values. One place, so the audit trail, a timeline and a page say
the same thing, and no snake_case, model label or "None" reaches a screen.

Statuses come from the documents' own `TextChoices` (looked up through the app registry,
so this kernel module imports no app); everything else is a table here. A code missing
from a table still reads as words ("role_changed" → "role changed"), and
tests/portal/test_audit_sentences.py fails when a lifecycle action has no sentence.
"""

import datetime
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils import formats, timezone

EMPTY = "—"

# What the actor did, as the predicate of a sentence: "{actor} {predicate}". `{object}`
# is the document ("PO-100044", "ASN ASN-7", "contact Order desk"). A key may be
# "<app.model>:<action>" for a document whose action reads differently.
ACTION_SENTENCES: dict[str, str] = {
    # purchase orders
    "suppliers.purchaseorder:received": "issued {object}",
    "suppliers.purchaseorder:acknowledged": "accepted {object} as ordered",
    "suppliers.purchaseorder:rejected": "rejected {object}",
    "suppliers.purchaseorder:change_proposed": "accepted {object} with changes",
    "suppliers.purchaseorder:change_accepted": "accepted the proposed changes to {object}",
    "suppliers.purchaseorder:change_auto_accepted": (
        "accepted the proposed changes to {object} automatically"
    ),
    "suppliers.purchaseorder:change_rejected": "rejected the proposed changes to {object}",
    "suppliers.purchaseorder:revised": "revised {object}",
    "suppliers.purchaseorder:cancelled": "cancelled {object}",
    "suppliers.purchaseorder:closed": "closed {object}",
    "suppliers.purchaseorder:reminder_sent": "sent a reminder to acknowledge {object}",
    "suppliers.purchaseorder:asn_submitted": "shipped goods of {object}",
    "suppliers.purchaseorder:asn_updated": "changed an ASN of {object}",
    "suppliers.purchaseorder:asn_cancelled": "cancelled an ASN of {object}",
    "suppliers.purchaseorder:goods_received": "received all goods of {object}",
    "suppliers.purchaseorder:short_received": "received {object} short; the rest is open to ship",
    "suppliers.purchaseorderline:received": "issued {object}",
    "suppliers.purchaseorderline:goods_received": "received all goods of {object}",
    # shipping and receiving
    "suppliers.shipment:created": "created a draft of {object}",
    "suppliers.shipment:received": "received goods of {object}",
    "milestone picked_up": "reported {object} picked up",
    "milestone in_transit": "reported {object} in transit",
    "milestone out_for_delivery": "reported {object} out for delivery",
    "milestone delivered": "reported {object} delivered",
    "milestone delayed": "reported {object} delayed",
    # onboarding, people and documents
    "suppliers.supplier:created": "created supplier {object}",
    "suppliers.invitation:invited": "invited {email}",
    "suppliers.invitation:resent": "sent the invitation to {email} again",
    "suppliers.invitation:revoked": "revoked the invitation of {email}",
    "suppliers.profilechange:requested": "requested a change to the company profile",
    "suppliers.profilechange:approved": "approved a change to the company profile",
    "suppliers.profilechange:rejected": "turned down a change to the company profile",
    "onboarding_started": "started the onboarding of {object}",
    "onboarding_submitted": "submitted the onboarding of {object}",
    "onboarding_approved": "approved the onboarding of {object}",
    "onboarding_changes_requested": "asked for changes to the onboarding of {object}",
    "changes_requested": "asked for changes to {object}",
    "resubmitted": "resubmitted {object}",
    "suspended": "suspended {object}",
    "reinstated": "reinstated {object}",
    "invited": "invited {object}",
    "resent": "sent the invitation to {object} again",
    "accepted": "accepted {object}",
    "expires": "marked {object} as expired",
    "expired": "marked {object} as expired",
    "expiry_warned": "warned that {object} expires soon",
    "joined": "joined ({object})",
    "reactivated": "reactivated {object}",
    "deactivated": "deactivated {object}",
    "role_changed": "changed the role of {object}",
    "requested": "requested {object}",
    "uploaded": "uploaded {object}",
    # exceptions, stock and integrations
    "integrations.exceptioncase:acknowledged": "took on {object}",
    "opened": "opened {object}",
    "resolved": "resolved {object}",
    "auto_resolved": "closed {object}: the difference is gone",
    "assigned": "assigned {object}",
    "note_added": "added a note to {object}",
    "escalated": "escalated {object}",
    "ingested": "loaded {object}",
    "queued": "queued {object}",
    "started": "started {object}",
    "finished": "finished {object}",
    "reported": "reported availability of {object}",
    "adjusted": "adjusted {object}",
    "replayed": "replayed {object}",
    "skipped": "skipped {object}",
    "paused": "paused {object}",
    "resumed": "resumed {object}",
    "reprocessed": "reprocessed {object}",
    "inbound_rejected": "refused {object} from the ERP",
    # invoices
    "match_started": "started matching {object} against its PO and receipts",
    "matched": "matched {object} against its PO and receipts",
    "held": "put {object} on hold",
    "hold_released": "released the hold on {object}",
    "payment_scheduled": "scheduled the payment of {object}",
    "paid": "recorded {object} as paid",
    "credited": "credited {object} in full",
    # any document
    "failed": "recorded that {object} failed",
    "created": "created {object}",
    "updated": "updated {object}",
    "added": "added {object}",
    "removed": "removed {object}",
    "submitted": "submitted {object}",
    "approved": "approved {object}",
    "rejected": "rejected {object}",
    "cancelled": "cancelled {object}",
    "revoked": "revoked {object}",
    "received": "received {object}",
    "recorded": "recorded {object}",
    "acknowledged": "acknowledged {object}",
    "change_proposed": "proposed changes to {object}",
    "change_accepted": "accepted the proposed changes to {object}",
    "change_auto_accepted": "accepted the proposed changes to {object} automatically",
    "change_rejected": "rejected the proposed changes to {object}",
    "revised": "revised {object}",
}

# Short names of the actions, for timelines and lists: "Accepted as ordered".
ACTION_LABELS: dict[str, str] = {
    "received": "Received",
    "acknowledged": "Accepted as ordered",
    "rejected": "Rejected by the supplier",
    "change_proposed": "Changes proposed",
    "change_accepted": "Changes accepted by the buyer",
    "change_auto_accepted": "Changes auto-accepted",
    "change_rejected": "Proposal rejected by the buyer",
    "reminder_sent": "Acknowledgment reminder sent",
    "asn_submitted": "Shipped on an ASN",
    "asn_updated": "ASN changed",
    "asn_cancelled": "ASN cancelled",
    "goods_received": "All goods received",
    "short_received": "Received short: the rest is open to ship again",
}

# The noun before a document's own name, when its name does not already say what it is.
OBJECT_NOUNS: dict[str, str] = {
    "suppliers.purchaseorder": "PO",
    "suppliers.purchaseorderline": "PO line",
    "suppliers.shipment": "ASN",
    "suppliers.suppliercontact": "contact",
    "suppliers.shipfromlocation": "ship-from location",
    "suppliers.supplierdocument": "document",
    "suppliers.suppliermembership": "user",
    "suppliers.invitation": "invitation for",
    "suppliers.profilechange": "profile change",
    "suppliers.supplieritem": "supplier item",
    "suppliers.supplierprofile": "",
    "suppliers.invoice": "invoice",
    "suppliers.receipt": "receipt",
    "integrations.exceptioncase": "exception",
    "integrations.connector": "connector",
    "integrations.delivery": "delivery",
    "integrations.apikey": "API key",
    "inventory.item": "item",
    "inventory.inventorysnapshot": "stock snapshot",
    "inventory.reconciliationrun": "",
    "inventory.stockmovement": "stock movement",
}

FIELD_LABELS: dict[str, str] = {
    "ack_due_at": "Acknowledgment due",
    "asn": "ASN",
    "address_line1": "Address line 1",
    "address_line2": "Address line 2",
    "asn_number": "ASN number",
    "bank_account_number": "Bank account number",
    "bank_routing": "Bank routing number",
    "confirmed_date": "Confirmed date",
    "confirmed_price": "Confirmed price",
    "confirmed_qty": "Confirmed quantity",
    "erp_vendor_id": "ERP vendor number",
    "expected_delivery": "Expected delivery",
    "gross_weight_kg": "Gross weight (kg)",
    "ordered_qty": "Ordered quantity",
    "po_number": "PO",
    "reason_code": "Reason",
    "requested_date": "Requested date",
    "ship_to": "Ship to",
    "sku": "SKU",
    "status": "Status",
    "tax_id": "Tax ID",
    "unit_price": "Unit price",
    "uom": "Unit",
}

CHANNEL_PHRASES: dict[str, str] = {
    "portal": "in the portal",
    "api": "through the API",
    "edi": "by EDI",
    "csv": "by file import",
    "connector": "from the ERP or WMS",
    "system": "automatically",
}

SYSTEM_ACTORS = {"", "system"}
_SNAKE = re.compile(r"[a-z]+(?:_[a-z]+)+")


def words(code: str) -> str:
    """A code as words: "role_changed" → "role changed"."""
    return code.replace("_", " ").replace(".", " ").strip()


def action_label(action: str) -> str:
    """The short name of an action ("asn_submitted" → "Shipped on an ASN")."""
    return ACTION_LABELS.get(action) or words(action).capitalize()


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name) or words(name).capitalize()


def channel_phrase(channel: str) -> str:
    return CHANNEL_PHRASES.get(channel, f"by {words(channel)}")


def actor_name(actor_label: str) -> str:
    """Who did it: a person's or partner's name, or "The portal" for the system itself.
    A connector named in lower case ("erp", "wms") is an abbreviation: "ERP"."""
    label = actor_label.strip()
    if label.lower() in SYSTEM_ACTORS:
        return "The portal"
    if label.isalpha() and label.islower() and len(label) <= 4:
        return label.upper()
    return label


def object_phrase(object_type: str, object_repr: str, object_id: str = "") -> str:
    """The document as a sentence names it: "PO-100044", "ASN ASN-7", "contact Order desk"."""
    name = _readable(object_type, object_repr) or f"#{object_id}"
    noun = OBJECT_NOUNS.get(object_type)
    if noun is None:
        noun = _verbose_name(object_type)
    if not noun or name.lower().startswith((f"{noun.lower()}-", f"{noun.lower()} ")):
        return name
    return f"{noun} {name}"


def action_predicate(object_type: str, action: str) -> str:
    """The sentence's predicate with an `{object}` slot, for this kind of document."""
    if f"{object_type}:{action}" in ACTION_SENTENCES:
        return ACTION_SENTENCES[f"{object_type}:{action}"]
    if action in ACTION_SENTENCES:
        return ACTION_SENTENCES[action]
    head, _, rest = action.partition(":")  # "adjusted: count" keeps its reason after it
    if rest and head in ACTION_SENTENCES:
        return f"{ACTION_SENTENCES[head]} ({rest.strip()})"
    return f"{words(action)}: {{object}}"


def status_label(object_type: str, value: Any, field: str = "status") -> str:
    """A stored choice as its label ("issued" → "Awaiting acknowledgment"), from the
    document's own field choices."""
    if value in (None, ""):
        return EMPTY
    return choice_label(object_type, field, value) or words(str(value)).capitalize()


def choice_label(object_type: str, field: str, value: Any) -> str | None:
    """The label of a value of a field with choices on the document's model, or None
    when the field has no choices (or the document has no such field)."""
    choices = _choices(object_type, field)
    if not choices or not isinstance(value, str | int):
        return None
    label = choices.get(value)
    return None if label is None else str(label)


def format_value(value: Any) -> str:
    """A stored value as a person reads it: decimals without trailing zeros, dates and
    times in the current time zone to the minute, yes/no, and a dash for nothing."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime.datetime):
        return _datetime_text(value)
    if isinstance(value, datetime.date):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        return _number_text(Decimal(str(value)))
    if isinstance(value, list):
        return ", ".join(format_value(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{field_label(k)} {format_value(v)}" for k, v in value.items())
    text = str(value)
    return _parsed_text(text) or text


def _parsed_text(text: str) -> str:
    """JSON keeps dates and decimals as text: "2026-12-07", "87.000000"."""
    if len(text) == 10 and text[4:5] == "-" and text[7:8] == "-":
        try:
            return formats.date_format(datetime.date.fromisoformat(text), "DATE_FORMAT")
        except ValueError:
            return ""
    if len(text) > 10 and text[4:5] == "-" and text[10:11] == "T":
        try:
            return _datetime_text(datetime.datetime.fromisoformat(text))
        except ValueError:
            return ""
    # Only a decimal point makes text a number: postal codes and routing numbers with
    # leading zeros are names, not amounts.
    if "." in text and (text[:1].isdigit() or text[:1] == "-"):
        try:
            return _number_text(Decimal(text))
        except InvalidOperation:
            return ""
    return ""


def _number_text(number: Decimal) -> str:
    if number == number.to_integral_value():
        return str(number.quantize(Decimal(1)))
    return f"{number.normalize():f}"


def _datetime_text(value: datetime.datetime) -> str:
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{formats.date_format(value, 'DATE_FORMAT')}, {formats.time_format(value, 'H:i')}"


def _readable(object_type: str, name: str) -> str:
    """A document's name with any stored code in it ("#1 negative_stock BOLT@DAL1") read
    as the label of that code on the document's model ("#1 Negative stock BOLT@DAL1")."""
    if "_" not in name:
        return name
    try:
        fields = apps.get_model(object_type)._meta.get_fields()
    except (LookupError, ValueError):
        fields = []
    codes: dict[str, str] = {}
    for model_field in fields:
        for value, label in getattr(model_field, "flatchoices", None) or ():
            codes[str(value)] = str(label)
    return " ".join(
        codes.get(token, words(token).capitalize()) if _SNAKE.fullmatch(token) else token
        for token in name.split(" ")
    )


def _verbose_name(object_type: str) -> str:
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return ""


def _choices(object_type: str, field: str) -> Mapping[Any, Any]:
    try:
        model_field = apps.get_model(object_type)._meta.get_field(field)
    except (LookupError, ValueError, FieldDoesNotExist):
        return {}
    return dict(getattr(model_field, "flatchoices", None) or ())
