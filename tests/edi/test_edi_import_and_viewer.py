"""`edi_import` exit codes and summary; the operator-only message viewer with constant
query counts and reprocessing after a partner mapping was fixed."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from integrations.models import EdiInterchange
from integrations.services.edi_intake import edi_file_import
from tests.edi.conftest import confirmed_po
from tests.edi.helpers import ack_855, day, partner_file
from tests.suppliers.factories import purchase_order_awaiting_acknowledgment

pytestmark = pytest.mark.django_db


def test_edi_import_exits_zero_and_prints_a_line_per_set_when_all_is_accepted(
    supplier, edi_partner, tmp_path, capsys
):
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-CMD", lines=1)
    path = tmp_path / "ok.x12"
    path.write_text(partner_file([ack_855("PO-CMD", [(1, "IA", "")])]))

    call_command("edi_import", str(path), "--partner", "acme-edi")

    out = capsys.readouterr().out.splitlines()
    assert out[1] == "  855 50101: accepted — PO PO-CMD accepted as ordered"


def test_edi_import_exits_non_zero_when_a_set_was_rejected(supplier, edi_partner, tmp_path, capsys):
    path = tmp_path / "bad.x12"
    path.write_text(partner_file([ack_855("PO-NONE", [(1, "IA", "")])]))

    with pytest.raises(SystemExit) as exit_info:
        call_command("edi_import", str(path))

    assert exit_info.value.code == 1
    assert capsys.readouterr().out.splitlines()[1] == (
        "  855 50101: rejected — PO PO-NONE is not one of ACME's purchase orders."
    )


@pytest.mark.parametrize("user_fixture", ["supplier_user", "outsider", "buyer"])
def test_the_edi_viewer_is_for_operators_only(client, request, user_fixture, edi_partner):
    client.force_login(request.getfixturevalue(user_fixture))

    assert client.get(reverse("integrations:edi_list")).status_code == 403


def test_the_edi_list_runs_a_constant_number_of_queries(client, operator, supplier, edi_partner):
    client.force_login(operator)
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-Q1", lines=1)
    edi_file_import(data=partner_file([ack_855("PO-Q1", [(1, "IA", "")])], control="000000401"))
    client.get(reverse("integrations:edi_list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("integrations:edi_list"))
    for n in range(2, 6):
        edi_file_import(
            data=partner_file(
                [ack_855("PO-NONE", [(1, "IA", "")])], control=f"00000040{n}", gs06=f"60{n}"
            )
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("integrations:edi_list"))

    assert response.status_code == 200
    assert EdiInterchange.objects.count() == 10
    assert len(many) == len(few)


def test_the_detail_shows_numbered_segments_results_and_reprocesses_after_a_mapping_fix(
    client, operator, supplier, edi_partner
):
    confirmed_po(supplier, "PO-FIX", qty="12")
    edi_partner.uom_map = {}  # the partner's "CA" is not mapped yet
    edi_partner.save()
    body = [
        "856", f"BSN*00*ASN-FIX*{day(0)}*1200", "HL*1**S", f"DTM*017*{day(2)}",
        "HL*2*1*O", "PRF*PO-FIX", "HL*3*2*I", "LIN*1*VP*AC-PO-FIX", "SN1*1*1*CA",
    ]  # fmt: skip
    [record] = edi_file_import(data=partner_file([body], functional_id="SH")).interchanges
    client.force_login(operator)

    page = client.get(reverse("integrations:edi_detail", args=[record.pk])).content.decode()

    assert record.status == "rejected"
    assert '<tr class="flagged"><td class="num">11</td><td><code>SN1*1*1*CA</code></td>' in page
    assert (
        "Unit &#x27;CA&#x27; is unknown; add it to trading partner acme-edi&#x27;s unit map."
        in page
    )
    edi_partner.uom_map = {"CA": "CS"}
    edi_partner.save()

    response = client.post(reverse("integrations:edi_reprocess", args=[record.pk]))

    record.refresh_from_db()
    assert response.status_code == 302
    assert (record.status, record.reprocess_count) == ("accepted", 1)
    assert supplier.shipments.get().asn_number == "ASN-FIX"
    assert "AK9*A*1*1*1~" in record.acknowledgment.raw
    page = client.get(reverse("integrations:edi_detail", args=[record.pk])).content.decode()
    assert 'href="/buyer/shipments/ACME/ASN-FIX/">ASN ASN-FIX</a>' in page
