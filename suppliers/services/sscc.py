"""SSCC-18 (Serial Shipping Container Code) labels: 18 digits, the last a GS1 mod-10
check digit over the first 17 (weights 3 and 1 alternating from the left)."""

SSCC_LENGTH = 18


def sscc_check_digit(first_17: str) -> int:
    """The GS1 check digit of the first 17 digits of an SSCC."""
    if len(first_17) != SSCC_LENGTH - 1 or not first_17.isdigit():
        raise ValueError("An SSCC check digit is computed over exactly 17 digits.")
    total = sum(
        int(digit) * (3 if position % 2 == 0 else 1) for position, digit in enumerate(first_17)
    )
    return (10 - total % 10) % 10


def sscc_problem(value: str) -> str | None:
    """Why `value` is not a valid SSCC-18, or None when it is. A leading "00" application
    identifier (as scanned from a GS1-128 barcode) is accepted and must be stripped by
    the caller with `sscc_normalize`."""
    digits = sscc_normalize(value)
    if len(digits) != SSCC_LENGTH or not digits.isdigit():
        return f"'{value}' is not an SSCC: an SSCC has exactly 18 digits."
    expected = sscc_check_digit(digits[:17])
    if int(digits[17]) != expected:
        return f"SSCC {digits} has check digit {digits[17]}; it should be {expected}."
    return None


def sscc_normalize(value: str) -> str:
    """Digits only, without spaces and the "(00)" application identifier of a scan."""
    text = "".join(value.split())
    if text.startswith("(00)"):
        text = text[4:]
    elif len(text) == SSCC_LENGTH + 2 and text.startswith("00"):
        text = text[2:]
    return text


def sscc_compose(company_prefix: str, serial: int, *, extension: int = 0) -> str:
    """The SSCC-18 of one serial reference: extension digit, GS1 company prefix, serial
    reference (zero-padded to fill 17 digits) and check digit."""
    width = SSCC_LENGTH - 2 - len(company_prefix)
    if serial < 0 or serial >= 10**width:
        raise ValueError(f"Serial {serial} does not fit the {width} digits left by the prefix.")
    first_17 = f"{extension}{company_prefix}{serial:0{width}d}"
    return first_17 + str(sscc_check_digit(first_17))
