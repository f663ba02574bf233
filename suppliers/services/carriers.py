"""The carriers an ASN offers, and where a tracking number is followed.

A code-level table, not a model: the list changes with a release, and a supplier may
still type any other carrier ("Other": free text, no tracking link). A carrier is
recognised by its name or a common alias (EDI files name UPS "UPSN"), in any case, so
"ups" and "UPSN" both get UPS's tracking link.
"""

from dataclasses import dataclass
from urllib.parse import quote

__all__ = ["CARRIERS", "OTHER", "Carrier", "carrier_for", "carrier_name", "tracking_url"]


@dataclass(frozen=True)
class Carrier:
    name: str
    # "{tracking}" is replaced by the URL-quoted tracking number.
    tracking_url_template: str
    aliases: tuple[str, ...] = ()

    def tracking_url(self, tracking_number: str) -> str:
        return self.tracking_url_template.format(tracking=quote(tracking_number.strip(), safe=""))


CARRIERS: tuple[Carrier, ...] = (
    Carrier(
        "UPS", "https://www.ups.com/track?tracknum={tracking}", ("UPSN", "United Parcel Service")
    ),
    Carrier(
        "FedEx",
        "https://www.fedex.com/fedextrack/?trknbr={tracking}",
        ("FDEN", "FDEG", "Federal Express"),
    ),
    Carrier(
        "DHL",
        "https://www.dhl.com/global-en/home/tracking/tracking-express.html"
        "?submit=1&tracking-id={tracking}",
        ("DHL Express",),
    ),
    Carrier(
        "USPS",
        "https://tools.usps.com/go/TrackConfirmAction?tLabels={tracking}",
        ("US Postal Service",),
    ),
    Carrier(
        "DB Schenker",
        "https://www.dbschenker.com/app/tracking-public/?refNumber={tracking}",
        ("Schenker", "DBSchenker"),
    ),
)
# What the form offers for a carrier not in the list: the supplier types its name.
OTHER = "Other"


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


_BY_KEY = {_key(text): carrier for carrier in CARRIERS for text in (carrier.name, *carrier.aliases)}


def carrier_for(text: str) -> Carrier | None:
    """The listed carrier named (or aliased) `text`, or None for any other carrier."""
    return _BY_KEY.get(_key(text or ""))


def carrier_name(text: str) -> str:
    """How an ASN stores a carrier: a listed carrier under its own name ("ups" → "UPS"),
    any other as typed (trimmed)."""
    carrier = carrier_for(text)
    return carrier.name if carrier is not None else " ".join((text or "").split())


def tracking_url(carrier: str, tracking_number: str) -> str | None:
    """The carrier's tracking page for this number, or None (no number, other carrier)."""
    listed = carrier_for(carrier)
    if listed is None or not (tracking_number or "").strip():
        return None
    return listed.tracking_url(tracking_number)
