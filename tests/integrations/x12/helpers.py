"""Small builders for X12 test text: a valid ISA for any delimiters, and an 850 body."""

from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"


def isa(
    *,
    element: str = "*",
    component: str = ">",
    terminator: str = "~",
    isa11: str = "U",
    version: str = "00401",
    control: str = "000000001",
    sender: str = "ACME",
) -> str:
    fields = [
        "00",
        " " * 10,
        "00",
        " " * 10,
        "ZZ",
        sender.ljust(15),
        "ZZ",
        "DISTRIBUTOR".ljust(15),
        "240305",
        "1402",
        isa11,
        version,
        control,
        "0",
        "T",
        component,
    ]
    return "ISA" + "".join(element + f for f in fields) + terminator


def interchange(body: list[str], *, control: str = "000000001", **isa_kwargs: str) -> str:
    """ISA + the given segments (without terminators) joined by '~' and newlines."""
    head = isa(control=control, **isa_kwargs)
    return head + "\n" + "".join(f"{segment}~\n" for segment in body)


def po_set(control: str = "0001", *, se01: str = "5", se02: str | None = None) -> list[str]:
    return [
        f"ST*850*{control}",
        "BEG*00*SA*4500012345**20240305",
        "PO1*1*120*EA*9.25*PE*BP*SKU-1001",
        "CTT*1",
        f"SE*{se01}*{se02 or control}",
    ]


def group(
    sets: list[list[str]], *, gs06: str = "7", ge01: str | None = None, ge02: str | None = None
) -> list[str]:
    body = [f"GS*PO*ACME*DISTRIBUTOR*20240305*1402*{gs06}*X*004010"]
    for s in sets:
        body.extend(s)
    body.append(f"GE*{ge01 if ge01 is not None else len(sets)}*{ge02 or gs06}")
    return body
