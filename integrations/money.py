"""Money in a document's currency: exact decimals, never floats.

Every amount the portal shows, exports or sends is quantity × price rounded once, half up,
to the currency's minor unit (ISO 4217), so a line amount on the page, in the CSV and in the
API is the same figure. Totals add the rounded line amounts, as an invoice does.
"""

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 minor units that are not 2. Anything not listed has cents.
_MINOR_UNITS: dict[str, int] = {
    "BHD": 3,
    "BIF": 0,
    "CLP": 0,
    "DJF": 0,
    "GNF": 0,
    "IQD": 3,
    "ISK": 0,
    "JOD": 3,
    "JPY": 0,
    "KMF": 0,
    "KRW": 0,
    "KWD": 3,
    "LYD": 3,
    "OMR": 3,
    "PYG": 0,
    "RWF": 0,
    "TND": 3,
    "UGX": 0,
    "UYI": 0,
    "VND": 0,
    "VUV": 0,
    "XAF": 0,
    "XOF": 0,
    "XPF": 0,
}


def currency_decimals(currency: str) -> int:
    """How many decimals the currency's amounts carry (2 unless ISO 4217 says otherwise)."""
    return _MINOR_UNITS.get(currency.upper(), 2)


def minor_unit(currency: str) -> Decimal:
    """The currency's smallest amount (0.01 USD, 1 JPY, 0.001 KWD): what amounts round to.

    A reader of many lines in few currencies looks it up once per currency and passes it
    to `round_to_unit` / `line_amount_in`: per line it was a visible share of a page."""
    return Decimal(1).scaleb(-currency_decimals(currency))


def round_to_unit(amount: Decimal, unit: Decimal) -> Decimal:
    """`amount` rounded half up to `unit` (a currency's `minor_unit`)."""
    return amount.quantize(unit, ROUND_HALF_UP)  # positional: a keyword costs per call


def round_money(amount: Decimal, currency: str) -> Decimal:
    """`amount` rounded half up to the currency's minor unit."""
    return round_to_unit(amount, minor_unit(currency))


def line_amount_in(quantity: Decimal, unit_price: Decimal, unit: Decimal) -> Decimal:
    """`line_amount` with the currency's `minor_unit` already looked up."""
    # round_to_unit's rounding, not a call to it: this runs per line of a page.
    return (quantity * unit_price).quantize(unit, ROUND_HALF_UP)


def line_amount(quantity: Decimal, unit_price: Decimal, currency: str) -> Decimal:
    """quantity × price in the currency's decimals: the amount of one document line."""
    return line_amount_in(quantity, unit_price, minor_unit(currency))


def total_amount(amounts: Iterable[Decimal], currency: str) -> Decimal:
    """The sum of already rounded line amounts, in the currency's decimals."""
    return round_money(sum(amounts, Decimal(0)), currency)


def format_money(amount: Decimal | None, currency: str, *, with_code: bool = True) -> str:
    """`1,234.50 USD`: grouped thousands, the currency's decimals, the ISO code after.

    The code, not a symbol: the portal's users buy in several currencies that share "$".
    """
    if amount is None:
        return ""
    text = f"{round_money(amount, currency):,.{currency_decimals(currency)}f}"
    return f"{text} {currency.upper()}" if with_code else text


def format_unit_price(price: Decimal | None, currency: str) -> str:
    """A unit price: at least the currency's decimals, more only where the price has them
    (a price of 0.0125 USD per piece is real and must not show as 0.01)."""
    if price is None:
        return ""
    places = max(currency_decimals(currency), -min(price.normalize().as_tuple().exponent, 0))  # type: ignore[operator]
    return f"{price:,.{places}f} {currency.upper()}"
