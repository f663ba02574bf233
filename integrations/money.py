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


def round_money(amount: Decimal, currency: str) -> Decimal:
    """`amount` rounded half up to the currency's minor unit."""
    exponent = Decimal(1).scaleb(-currency_decimals(currency))
    return amount.quantize(exponent, rounding=ROUND_HALF_UP)


def line_amount(quantity: Decimal, unit_price: Decimal, currency: str) -> Decimal:
    """quantity × price in the currency's decimals: the amount of one document line."""
    return round_money(quantity * unit_price, currency)


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
