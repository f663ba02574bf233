"""Nothing is lost on unreadable input: whatever a file holds (random bytes, NUL bytes,
nothing, half an interchange), its bytes are stored with their size and SHA-256, the EDI
viewer shows it as unreadable or rejected with the reason, and `edi_import` exits 1."""

import hashlib
import random
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from integrations.models import EdiInterchange
from integrations.services.edi_files import StoredFileSource
from integrations.services.edi_intake import edi_file_import
from tests.edi.helpers import ack_855, partner_file
from tests.suppliers.factories import purchase_order_awaiting_acknowledgment

pytestmark = pytest.mark.django_db

VALID = partner_file([ack_855("PO-U", [(1, "IA", "")])]).encode()
CASES = {
    "random bytes": (
        bytes(random.Random(17).getrandbits(8) for _ in range(5000)),
        "unreadable",
        "No ISA segment found: this is not an X12 interchange.",
    ),
    "NUL bytes": (b"\x00" * 3000, "unreadable", "No ISA segment found"),
    "0-byte file": (b"", "unreadable", "The file is empty."),
    "file cut inside the ISA": (VALID[:60], "unreadable", "fewer than 16 elements"),
    "file cut inside a set": (
        VALID[: VALID.index(b"ACK*")],
        "rejected",
        "ISA 000000101 has no IEA: the file ends or the next ISA starts first.",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_an_unreadable_file_is_stored_shown_with_its_reason_and_exits_non_zero(
    case, supplier, edi_partner, operator, client, tmp_path
):
    data, status, reason = CASES[case]
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-U", lines=1)
    path = tmp_path / "partner.x12"
    path.write_bytes(data)
    out = StringIO()

    with pytest.raises(SystemExit) as exit_info:
        call_command("edi_import", str(path), stdout=out, stderr=StringIO())

    assert exit_info.value.code == 1
    record = EdiInterchange.objects.get(direction="inbound")
    stored = record.file
    assert (record.status, stored.size, stored.sha256) == (
        status,
        len(data),
        hashlib.sha256(data).hexdigest(),
    )
    assert StoredFileSource(stored).read_at(0, len(data)) == data
    assert reason in " ".join(e.get("message", e.get("text", "")) for e in record.errors)
    client.force_login(operator)
    page = client.get(reverse("integrations:edi_detail", args=[record.pk])).content.decode()
    listing = client.get(reverse("integrations:edi_list")).content.decode()
    assert reason.replace("'", "&#x27;") in page
    assert f'edi-{status}">' in listing


def test_nul_bytes_inside_an_interchange_are_stored_and_shown_never_written_as_text(
    supplier, edi_partner, operator, client
):
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-N", lines=1)
    data = VALID.replace(b"*PO-U*", b"*PO-U\x00*")

    report = edi_file_import(data=data, file_name="nul.x12")

    [record] = report.interchanges
    assert record.status == "rejected"
    assert StoredFileSource(record.file).read_at(0, len(data)) == data
    [row] = record.transaction_sets.all()
    assert row.rejection == "PO PO-U\u2400 is not one of ACME's purchase orders."
    assert "AK5*R*5~" in record.acknowledgment.raw
    client.force_login(operator)
    page = client.get(reverse("integrations:edi_detail", args=[record.pk])).content.decode()
    assert "BAK*00*AC*PO-U\u2400*" in page


def test_a_file_of_random_bytes_is_previewed_byte_by_byte(edi_partner, operator, client):
    report = edi_file_import(data=b"\x00\x01hello\xff\n", file_name="junk.bin")
    client.force_login(operator)

    page = client.get(
        reverse("integrations:edi_detail", args=[report.interchanges[0].pk])
    ).content.decode()

    assert "\\x00\\x01hello\\xff\n" in page
    assert "9 bytes" in page
