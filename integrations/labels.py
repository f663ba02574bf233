"""The words people read for the codes the portal stores: audit actions, field names,
statuses, channels and values. One place, so the audit trail, a timeline and a page say
the same thing, and no snake_case, model label or "None" reaches a screen.

Statuses come from the documents' own `TextChoices` (looked up through the app registry,
so this kernel module imports no app); everything else is a table here. A code missing
from a table still reads as words ("role_changed" → "role changed"), and
tests/portal/test_audit_sentences.py fails when a lifecycle action has no sentence.

Every phrase is marked for translation (`gettext_lazy`, so each is read in the language of
the request that shows it); the functions return plain strings in the active language. The
`{object}` slot stays in the translations: the word order is the translator's.
"""

import datetime
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

EMPTY = "—"

# What the actor did, as the predicate of a sentence: "{actor} {predicate}". `{object}`
# is the document ("PO-100044", "ASN ASN-7", "contact Order desk"). A key may be
# "<app.model>:<action>" for a document whose action reads differently.
ACTION_SENTENCES: dict[str, str | Promise] = {
    # purchase orders
    "suppliers.purchaseorder:received": _("issued {object}"),
    "suppliers.purchaseorder:acknowledged": _("accepted {object} as ordered"),
    "suppliers.purchaseorder:rejected": _("rejected {object}"),
    "suppliers.purchaseorder:change_proposed": _("accepted {object} with changes"),
    "suppliers.purchaseorder:change_accepted": _("accepted the proposed changes to {object}"),
    "suppliers.purchaseorder:change_auto_accepted": (
        _("accepted the proposed changes to {object} automatically")
    ),
    "suppliers.purchaseorder:change_rejected": _("rejected the proposed changes to {object}"),
    "suppliers.purchaseorder:revised": _("revised {object}"),
    "suppliers.purchaseorder:cancelled": _("cancelled {object}"),
    "suppliers.purchaseorder:closed": _("closed {object}"),
    "suppliers.purchaseorder:reminder_sent": _("sent a reminder to acknowledge {object}"),
    "suppliers.purchaseorder:asn_submitted": _("shipped goods of {object}"),
    "suppliers.purchaseorder:asn_updated": _("changed an ASN of {object}"),
    "suppliers.purchaseorder:asn_cancelled": _("cancelled an ASN of {object}"),
    "suppliers.purchaseorder:goods_received": _("received all goods of {object}"),
    "suppliers.purchaseorder:short_received": _(
        "received {object} short; the rest is open to ship"
    ),
    "suppliers.purchaseorderline:received": _("issued {object}"),
    "suppliers.purchaseorderline:goods_received": _("received all goods of {object}"),
    # shipping and receiving
    "suppliers.shipment:created": _("created a draft of {object}"),
    "suppliers.shipment:received": _("received goods of {object}"),
    "milestone picked_up": _("reported {object} picked up"),
    "milestone in_transit": _("reported {object} in transit"),
    "milestone out_for_delivery": _("reported {object} out for delivery"),
    "milestone delivered": _("reported {object} delivered"),
    "milestone delayed": _("reported {object} delayed"),
    # onboarding, people and documents
    "suppliers.supplier:created": _("created supplier {object}"),
    "suppliers.invitation:invited": _("invited {email}"),
    "suppliers.invitation:resent": _("sent the invitation to {email} again"),
    "suppliers.invitation:revoked": _("revoked the invitation of {email}"),
    "suppliers.profilechange:requested": _("requested a change to the company profile"),
    "suppliers.profilechange:approved": _("approved a change to the company profile"),
    "suppliers.profilechange:rejected": _("turned down a change to the company profile"),
    "onboarding_started": _("started the onboarding of {object}"),
    "onboarding_submitted": _("submitted the onboarding of {object}"),
    "onboarding_approved": _("approved the onboarding of {object}"),
    "onboarding_changes_requested": _("asked for changes to the onboarding of {object}"),
    "changes_requested": _("asked for changes to {object}"),
    "resubmitted": _("resubmitted {object}"),
    "suspended": _("suspended {object}"),
    "reinstated": _("reinstated {object}"),
    "invited": _("invited {object}"),
    "resent": _("sent the invitation to {object} again"),
    "accepted": _("accepted {object}"),
    "expires": _("marked {object} as expired"),
    "expired": _("marked {object} as expired"),
    "expiry_warned": _("warned that {object} expires soon"),
    "joined": _("joined ({object})"),
    "reactivated": _("reactivated {object}"),
    "deactivated": _("deactivated {object}"),
    "role_changed": _("changed the role of {object}"),
    "requested": _("requested {object}"),
    "uploaded": _("uploaded {object}"),
    # exceptions, stock and integrations
    "integrations.exceptioncase:acknowledged": _("took on {object}"),
    "opened": _("opened {object}"),
    "resolved": _("resolved {object}"),
    "auto_resolved": _("closed {object}: the difference is gone"),
    "assigned": _("assigned {object}"),
    "note_added": _("added a note to {object}"),
    "escalated": _("escalated {object}"),
    "ingested": _("loaded {object}"),
    "queued": _("queued {object}"),
    "started": _("started {object}"),
    "finished": _("finished {object}"),
    "reported": _("reported availability of {object}"),
    "adjusted": _("adjusted {object}"),
    "replayed": _("replayed {object}"),
    "skipped": _("skipped {object}"),
    "paused": _("paused {object}"),
    "resumed": _("resumed {object}"),
    "reprocessed": _("reprocessed {object}"),
    "inbound_rejected": _("refused {object} from the ERP"),
    # invoices
    "match_started": _("started matching {object} against its PO and receipts"),
    "matched": _("matched {object} against its PO and receipts"),
    "held": _("put {object} on hold"),
    "hold_released": _("released the hold on {object}"),
    "payment_scheduled": _("scheduled the payment of {object}"),
    "paid": _("recorded {object} as paid"),
    "credited": _("credited {object} in full"),
    # any document
    "failed": _("recorded that {object} failed"),
    "created": _("created {object}"),
    "updated": _("updated {object}"),
    "added": _("added {object}"),
    "removed": _("removed {object}"),
    "submitted": _("submitted {object}"),
    "approved": _("approved {object}"),
    "rejected": _("rejected {object}"),
    "cancelled": _("cancelled {object}"),
    "revoked": _("revoked {object}"),
    "received": _("received {object}"),
    "recorded": _("recorded {object}"),
    "acknowledged": _("acknowledged {object}"),
    "change_proposed": _("proposed changes to {object}"),
    "change_accepted": _("accepted the proposed changes to {object}"),
    "change_auto_accepted": _("accepted the proposed changes to {object} automatically"),
    "change_rejected": _("rejected the proposed changes to {object}"),
    "revised": _("revised {object}"),
}

# Short names of the actions, for timelines and lists: "Accepted as ordered".
ACTION_LABELS: dict[str, str | Promise] = {
    "received": _("Received"),
    "acknowledged": _("Accepted as ordered"),
    "rejected": _("Rejected by the supplier"),
    "change_proposed": _("Changes proposed"),
    "change_accepted": _("Changes accepted by the buyer"),
    "change_auto_accepted": _("Changes auto-accepted"),
    "change_rejected": _("Proposal rejected by the buyer"),
    "reminder_sent": _("Acknowledgment reminder sent"),
    "asn_submitted": _("Shipped on an ASN"),
    "asn_updated": _("ASN changed"),
    "asn_cancelled": _("ASN cancelled"),
    "goods_received": _("All goods received"),
    "short_received": _("Received short: the rest is open to ship again"),
}

# The noun before a document's own name, when its name does not already say what it is.
OBJECT_NOUNS: dict[str, str | Promise] = {
    "suppliers.purchaseorder": _("PO"),
    "suppliers.purchaseorderline": _("PO line"),
    "suppliers.shipment": _("ASN"),
    "suppliers.suppliercontact": _("contact"),
    "suppliers.shipfromlocation": _("ship-from location"),
    "suppliers.supplierdocument": _("document"),
    "suppliers.suppliermembership": _("user"),
    "suppliers.invitation": _("invitation for"),
    "suppliers.profilechange": _("profile change"),
    "suppliers.supplieritem": _("supplier item"),
    "suppliers.supplierprofile": "",
    "suppliers.invoice": _("invoice"),
    "suppliers.receipt": _("receipt"),
    "integrations.exceptioncase": _("exception"),
    "integrations.connector": _("connector"),
    "integrations.delivery": _("delivery"),
    "integrations.apikey": _("API key"),
    "inventory.item": _("item"),
    "inventory.inventorysnapshot": _("stock snapshot"),
    "inventory.reconciliationrun": "",
    "inventory.stockmovement": _("stock movement"),
}

FIELD_LABELS: dict[str, str | Promise] = {
    "ack_due_at": _("Acknowledgment due"),
    "asn": _("ASN"),
    "address_line1": _("Address line 1"),
    "address_line2": _("Address line 2"),
    "asn_number": _("ASN number"),
    "bank_account_number": _("Bank account number"),
    "bank_routing": _("Bank routing number"),
    "confirmed_date": _("Confirmed date"),
    "confirmed_price": _("Confirmed price"),
    "confirmed_qty": _("Confirmed quantity"),
    "erp_vendor_id": _("ERP vendor number"),
    "expected_delivery": _("Expected delivery"),
    "gross_weight_kg": _("Gross weight (kg)"),
    "ordered_qty": _("Ordered quantity"),
    "po_number": _("PO"),
    "reason_code": _("Reason"),
    "requested_date": _("Requested date"),
    "ship_to": _("Ship to"),
    "sku": _("SKU"),
    "status": _("Status"),
    "tax_id": _("Tax ID"),
    "unit_price": _("Unit price"),
    "uom": _("Unit"),
}

CHANNEL_PHRASES: dict[str, str | Promise] = {
    "portal": _("in the portal"),
    "api": _("through the API"),
    "edi": _("by EDI"),
    "csv": _("by file import"),
    "connector": _("from the ERP or WMS"),
    "system": _("automatically"),
}

SYSTEM_ACTORS = {"", "system"}
_SNAKE = re.compile(r"[a-z]+(?:_[a-z]+)+")


def words(code: str) -> str:
    """A code as words: "role_changed" → "role changed"."""
    return code.replace("_", " ").replace(".", " ").strip()


def action_label(action: str) -> str:
    """The short name of an action ("asn_submitted" → "Shipped on an ASN")."""
    label = ACTION_LABELS.get(action)
    return str(label) if label else words(action).capitalize()


def field_label(name: str) -> str:
    label = FIELD_LABELS.get(name)
    return str(label) if label else words(name).capitalize()


def channel_phrase(channel: str) -> str:
    phrase = CHANNEL_PHRASES.get(channel)
    if phrase is not None:
        return str(phrase)
    return gettext("by %(channel)s") % {"channel": words(channel)}


def actor_name(actor_label: str) -> str:
    """Who did it: a person's or partner's name, or "The portal" for the system itself.
    A connector named in lower case ("erp", "wms") is an abbreviation: "ERP"."""
    label = actor_label.strip()
    if label.lower() in SYSTEM_ACTORS:
        return gettext("The portal")
    if label.isalpha() and label.islower() and len(label) <= 4:
        return label.upper()
    return label


def object_phrase(object_type: str, object_repr: str, object_id: str = "") -> str:
    """The document as a sentence names it: "PO-100044", "ASN ASN-7", "contact Order desk"."""
    name = _readable(object_type, object_repr) or f"#{object_id}"
    known = OBJECT_NOUNS.get(object_type)
    noun = _verbose_name(object_type) if known is None else str(known)
    if not noun or name.lower().startswith((f"{noun.lower()}-", f"{noun.lower()} ")):
        return name
    return f"{noun} {name}"


def action_predicate(object_type: str, action: str) -> str:
    """The sentence's predicate with an `{object}` slot, for this kind of document."""
    if f"{object_type}:{action}" in ACTION_SENTENCES:
        return str(ACTION_SENTENCES[f"{object_type}:{action}"])
    if action in ACTION_SENTENCES:
        return str(ACTION_SENTENCES[action])
    head, _colon, rest = action.partition(":")  # "adjusted: count" keeps its reason after it
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
        return gettext("yes") if value else gettext("no")
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
