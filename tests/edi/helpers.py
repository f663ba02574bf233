"""Our own partner files for the EDI tests: envelopes around 855/856/846/810 bodies, as a
supplier's translator would send them (ISA ACMEEDI → DISTRIB, GS ACMEGS → DISTGS)."""

from __future__ import annotations

import datetime


def isa(*, sender: str = "ACMEEDI", receiver: str = "DISTRIB", control: str = "000000101") -> str:
    fields = [
        "00", " " * 10, "00", " " * 10,
        "ZZ", sender.ljust(15), "ZZ", receiver.ljust(15),
        "240305", "1402", "U", "00401", control, "0", "P", ">",
    ]  # fmt: skip
    return "ISA*" + "*".join(fields) + "~"


def partner_file(
    sets: list[list[str]],
    *,
    control: str = "000000101",
    gs06: str = "501",
    sender: str = "ACMEEDI",
    gs_sender: str = "ACMEGS",
    functional_id: str = "PR",
    version: str = "004010",
    iea: str | None = None,
    ge01: str | None = None,
) -> str:
    """An interchange of one group holding `sets` (bodies without ST/SE, which are added
    with correct counts and control numbers 0001, 0002 …)."""
    lines = [
        isa(sender=sender, control=control),
        f"GS*{functional_id}*{gs_sender}*DISTGS*20240305*1402*{gs06}*X*{version}~",
    ]
    for n, body in enumerate(sets, start=1):
        st02 = f"{int(gs06) * 100 + n:04d}"
        lines.append(f"ST*{body[0]}*{st02}~")
        lines.extend(f"{segment}~" for segment in body[1:])
        lines.append(f"SE*{len(body) + 1}*{st02}~")
    lines.append(f"GE*{ge01 or len(sets)}*{gs06}~")
    lines.append(iea or f"IEA*1*{control}~")
    return "\n".join(lines) + "\n"


def day(offset: int) -> str:
    return (datetime.date.today() + datetime.timedelta(days=offset)).strftime("%Y%m%d")


def ack_855(
    po_number: str, lines: list[tuple[int, str, str]], *, kind: str = "AC", revision: int = 1
) -> list[str]:
    """855 body: `lines` are (line no, ACK01 status, extra ACK elements after ACK01)."""
    body = ["855", f"BAK*00*{kind}*{po_number}*20240305*{revision}"]
    for line_no, status, rest in lines:
        body.append(f"PO1*{line_no}*100*EA*2.5*PE*BP*SKU-{po_number}-{line_no}")
        body.append(f"ACK*{status}{rest}")
    body.append(f"CTT*{len(lines)}")
    return body


def numbered_file(
    sets: list[list[str]],
    *,
    control: str,
    st02s: list[str],
    gs06: str = "501",
    functional_id: str = "PR",
) -> str:
    """One interchange of one group whose sets carry the given ST02s (partners that
    restart at 0001 in every interchange)."""
    lines = [
        isa(control=control),
        f"GS*{functional_id}*ACMEGS*DISTGS*20240305*1402*{gs06}*X*004010~",
    ]
    for st02, body in zip(st02s, sets, strict=True):
        lines.append(f"ST*{body[0]}*{st02}~")
        lines.extend(f"{segment}~" for segment in body[1:])
        lines.append(f"SE*{len(body) + 1}*{st02}~")
    lines.append(f"GE*{len(sets)}*{gs06}~")
    lines.append(f"IEA*1*{control}~")
    return "\n".join(lines) + "\n"


def inventory_846(items: list[tuple[str, str]], *, as_of: str = "", unit: str = "EA") -> list[str]:
    """846 body: `items` are (supplier SKU, quantity available); `as_of` YYYYMMDD*HHMM."""
    body = ["846", f"BIA*00*MM*INV*{as_of or datetime.date.today().strftime('%Y%m%d') + '*0001'}"]
    for sku, qty in items:
        body += [f"LIN**VP*{sku}", f"QTY*33*{qty}*{unit}"]
    return body
