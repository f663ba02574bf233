"""The supplier's pages and e-mails in German: a supplier user whose profile says German
reads the PO list, the PO detail, the ASN form and an invoice in German, gets German
messages and errors from the views and services, and the new-PO e-mail in German, while a
teammate without a language keeps English (the default). The words come from the
suppliers app's catalog (suppliers/locale/de) and the portal's (locale/de)."""

import pytest
from django.core import mail
from django.urls import reverse
from import_export.formats import base_formats

from suppliers import services
from suppliers.models import PurchaseOrder
from suppliers.resources.purchase_orders import PurchaseOrderResource
from tests.inventory.factories import ItemFactory, UnitOfMeasureFactory, WarehouseFactory
from tests.suppliers.factories import purchase_order_awaiting_acknowledgment
from tests.suppliers.invoicing_helpers import received_line, submit
from tests.suppliers.shipping_helpers import confirmed_po

pytestmark = pytest.mark.django_db


@pytest.fixture
def german_user(supplier_user):
    supplier_user.language = "de"
    supplier_user.save(update_fields=["language"])
    return supplier_user


def page(client, user, url: str) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_german_supplier_user_reads_the_purchase_order_list_in_german(
    client, supplier, german_user
):
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-DE1")

    html = page(client, german_user, reverse("suppliers:po_list"))

    assert "<title>Bestellungen · " in html
    assert '<span class="label">Zu bestätigen</span>' in html
    assert '<span class="label">Offen zum Versand</span>' in html
    assert '<span class="badge status-issued">Wartet auf Bestätigung</span>' in html
    assert "1 Bestellung · " in html
    assert ">Positionen exportieren (CSV)</a>" in html
    assert '<button type="submit">Diese Bestellungen versenden</button>' in html
    assert 'placeholder="Bestellnummer oder Artikelnummer"' in html
    assert "Awaiting acknowledgment" not in html


def test_a_german_supplier_user_reads_the_purchase_order_detail_in_german(
    client, supplier, german_user
):
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-DE2")

    html = page(client, german_user, reverse("suppliers:po_detail", args=["PO-DE2"]))

    assert "<h1>Bestellung PO-DE2 " in html
    assert "<dt>Lieferadresse</dt>" in html
    assert "<h2>Revision 1 bestätigen</h2>" in html
    assert '<button type="submit">Wie bestellt annehmen</button>' in html
    assert ">Mit Änderungen annehmen…</a>" in html
    assert '<button type="submit" class="danger">Bestellung ablehnen</button>' in html
    assert '<th class="num">Offen zum Versand</th>' in html
    assert '<p class="muted">Noch keine Sendungen.</p>' in html
    # The form's own choices (a model's TextChoices) are German too.
    assert ">Kapazitätsengpass</option>" in html


def test_a_teammate_without_a_language_keeps_the_english_pages(
    client, supplier, german_user, teammate
):
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-EN1")

    html = page(client, teammate, reverse("suppliers:po_detail", args=["PO-EN1"]))

    assert "<h1>PO PO-EN1 " in html
    assert '<button type="submit">Accept as ordered</button>' in html
    assert ">Capacity constraint</option>" in html


def test_a_german_supplier_user_gets_the_views_message_and_the_services_errors_in_german(
    client, supplier, german_user
):
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-DE3")
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-DE4")
    client.force_login(german_user)

    stale = client.post(reverse("suppliers:po_accept", args=["PO-DE3"]), {"revision": "2"})
    accepted = client.post(
        reverse("suppliers:po_accept", args=["PO-DE4"]), {"revision": "1"}, follow=True
    )

    assert (
        "Sie haben auf Revision 2 geantwortet, Bestellung PO-DE3 ist aber jetzt bei Revision 1."
        " Laden Sie die Bestellung neu und bestätigen Sie die aktuelle Revision."
    ) in stale.content.decode()
    assert PurchaseOrder.objects.get(number="PO-DE3").status == PurchaseOrder.Status.ISSUED
    assert [str(m) for m in accepted.context["messages"]] == [
        "Bestellung PO-DE4 wie bestellt angenommen."
    ]


def test_a_german_supplier_user_fills_the_asn_form_in_german(client, supplier, german_user):
    confirmed_po(supplier, "PO-DE5")

    html = page(client, german_user, reverse("suppliers:asn_new"))

    assert "<h1>Neues Lieferavis</h1>" in html
    assert '<label for="id_asn_number">Lieferavisnummer:</label>' in html
    assert '<label for="id_ship_date">Versanddatum:</label>' in html
    assert "<legend>Zu versendende Bestellungen</legend>" in html
    assert "Wählen Sie aus der Liste oder geben Sie einen anderen Spediteur ein." in html
    assert '<button type="submit">Lieferavis-Entwurf anlegen</button>' in html


def test_a_german_supplier_user_reads_an_invoice_in_german(client, supplier, german_user):
    submit(supplier, received_line(supplier), number="INV-DE1")

    html = page(client, german_user, reverse("suppliers:invoice_detail", args=["INV-DE1"]))

    assert "<h1>Rechnung INV-DE1 " in html
    assert '<span class="badge status-approved" id="invoice-status">Freigegeben</span>' in html
    assert "<dt>Rechnungsdatum</dt>" in html
    assert "<dt>Bestellung</dt>" in html
    assert '<td class="match-matched">Abgeglichen</td>' in html
    assert "<h2>Ganze Rechnung gutschreiben</h2>" in html
    assert '<label for="id_number">Gutschriftsnummer:</label>' in html


@pytest.fixture
def catalogue(supplier):
    WarehouseFactory(code="DC1", name="Main DC")
    UnitOfMeasureFactory(code="EA")
    for sku in ("BOLT-10", "NUT-10"):
        ItemFactory(sku=sku)


def test_the_new_po_email_reaches_each_user_in_their_own_language(
    catalogue,
    german_user,
    teammate,
    portal_admin,
    eager_tasks,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.PORTAL_SITE_URL = "https://portal.example"
    dataset = base_formats.CSV().create_dataset(
        "po_number,supplier,ship_to,line_no,sku,ordered_qty,uom,unit_price,requested_date\n"
        "PO-9,ACME,DC1,1,BOLT-10,24,EA,12.50,2030-05-01\n"
        "PO-9,ACME,DC1,2,NUT-10,100,EA,0.05,2030-05-02\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = PurchaseOrderResource().import_data(dataset, dry_run=False, user=portal_admin)
    assert not result.has_errors() and not result.invalid_rows

    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert sorted(by_recipient) == ["sam@acme.example", "tia@acme.example"]
    german, english = by_recipient["sam@acme.example"], by_recipient["tia@acme.example"]
    assert german.subject == "Neue Bestellung PO-9"
    assert "2 Positionen zu bestätigen." in german.body
    assert english.subject == "New purchase order PO-9"
    assert "2 lines to acknowledge." in english.body


def test_a_reminder_goes_out_once_per_language_each_in_its_recipients_words(
    supplier, german_user, teammate, buyer, django_capture_on_commit_callbacks
):
    purchase_order = purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-DE6")

    with django_capture_on_commit_callbacks(execute=True):
        services.purchase_order_send_reminder(actor=buyer, purchase_order=purchase_order)

    by_recipients = {tuple(m.to): m for m in mail.outbox}
    assert sorted(by_recipients) == [("sam@acme.example",), ("tia@acme.example",)]
    german, english = by_recipients[("sam@acme.example",)], by_recipients[("tia@acme.example",)]
    assert german.subject == "Erinnerung: Bitte bestätigen Sie Bestellung PO-DE6"
    assert german.body.startswith(
        "Unsere Bestellung PO-DE6 (Revision 1) wartet auf Ihre Bestätigung"
    )
    assert "Bitte nehmen Sie sie an, lehnen Sie sie ab oder schlagen Sie Änderungen vor:" in (
        german.body
    )
    assert english.subject == "Reminder: please acknowledge PO PO-DE6"
    assert english.body.startswith(
        "Purchase order PO-DE6 (revision 1) from us is waiting for your acknowledgment"
    )
