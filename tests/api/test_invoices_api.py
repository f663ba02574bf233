"""POST /api/v1/invoices: the same submission and match as the invoice page, with the
Idempotency-Key machinery; list, retrieve and credit notes; another supplier's is a 404."""

import pytest

from suppliers.models import Invoice
from tests.api.conftest import client_for, issue_key
from tests.suppliers.invoicing_helpers import received_line

pytestmark = pytest.mark.django_db
SCOPES = ("read", "invoice")


@pytest.fixture
def invoicing_api(supplier):
    return client_for(issue_key(supplier=supplier, scopes=SCOPES, name="ap").plaintext)


@pytest.fixture
def outsider_invoicing_api(other_supplier):
    return client_for(issue_key(supplier=other_supplier, scopes=SCOPES, name="x").plaintext)


def body(**overrides):
    return {
        "invoice_number": "INV-API-1",
        "invoice_date": "2026-03-20",
        "po_number": "PO-I1",
        "total_amount": "270.63",
        "lines": [
            {"po_line_no": 1, "quantity": "100", "unit_price": "2.5"},
            {"kind": "tax", "description": "Sales tax", "quantity": "1", "unit_price": "20.63"},
        ],
        **overrides,
    }


def test_a_supplier_submits_an_invoice_and_reads_its_match(invoicing_api, supplier):
    received_line(supplier)

    response = invoicing_api.post("/api/v1/invoices", body(), format="json")

    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["status"], data["total_amount"], data["channel"]) == (
        "approved",
        "270.6300",
        "api",
    )
    assert [(line["kind"], line["result"]) for line in data["lines"]] == [
        ("goods", "matched"),
        ("tax", "matched"),
    ]
    again = invoicing_api.get("/api/v1/invoices/INV-API-1")
    assert again.status_code == 200
    assert again.json() == data


def test_a_price_variance_comes_back_on_hold_with_the_reason(invoicing_api, supplier):
    received_line(supplier)
    lines = [{"po_line_no": 1, "quantity": "100", "unit_price": "2.6"}]

    response = invoicing_api.post(
        "/api/v1/invoices", body(lines=lines, total_amount="260.00"), format="json"
    )

    data = response.json()
    assert data["status"] == "on_hold"
    assert data["lines"][0]["result"] == "price_variance"
    assert data["lines"][0]["hold_reason"].startswith("Price 2.6 per EA is above the PO's 2.5")


def test_the_same_idempotency_key_replays_and_creates_one_invoice(invoicing_api, supplier):
    received_line(supplier)

    first = invoicing_api.post("/api/v1/invoices", body(), format="json", HTTP_IDEMPOTENCY_KEY="i")
    second = invoicing_api.post("/api/v1/invoices", body(), format="json", HTTP_IDEMPOTENCY_KEY="i")

    assert first.status_code == second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert Invoice.objects.count() == 1


def test_the_same_number_without_a_key_is_a_conflict_pointing_at_the_first(invoicing_api, supplier):
    received_line(supplier)
    invoicing_api.post("/api/v1/invoices", body(), format="json")

    response = invoicing_api.post("/api/v1/invoices", body(), format="json")

    assert response.status_code == 409
    assert response.json()["existing"] == "/api/v1/invoices/INV-API-1"


def test_a_total_that_differs_from_the_lines_is_a_422(invoicing_api, supplier):
    received_line(supplier)

    response = invoicing_api.post("/api/v1/invoices", body(total_amount="270.64"), format="json")

    assert response.status_code == 422
    assert not Invoice.objects.exists()


def test_a_key_without_the_invoice_scope_cannot_submit(supplier):
    received_line(supplier)
    reader = client_for(issue_key(supplier=supplier, scopes=["read"], name="r").plaintext)

    response = reader.post("/api/v1/invoices", body(), format="json")

    assert response.status_code == 403


def test_another_suppliers_po_and_invoice_are_not_found(
    invoicing_api, outsider_invoicing_api, supplier
):
    received_line(supplier)
    invoicing_api.post("/api/v1/invoices", body(), format="json")

    submitted = outsider_invoicing_api.post("/api/v1/invoices", body(), format="json")
    read = outsider_invoicing_api.get("/api/v1/invoices/INV-API-1")
    credit = outsider_invoicing_api.post(
        "/api/v1/invoices/INV-API-1/credit-notes",
        {"credit_note_number": "CN-X", "invoice_date": "2026-03-21"},
        format="json",
    )
    listed = outsider_invoicing_api.get("/api/v1/invoices")

    assert submitted.status_code == 422
    assert (read.status_code, credit.status_code) == (404, 404)
    assert listed.json()["results"] == []


def test_a_credit_note_by_api_reverses_the_invoice(invoicing_api, supplier):
    received_line(supplier)
    invoicing_api.post("/api/v1/invoices", body(), format="json")

    response = invoicing_api.post(
        "/api/v1/invoices/INV-API-1/credit-notes",
        {"credit_note_number": "CN-1", "invoice_date": "2026-03-21"},
        format="json",
    )

    assert response.status_code == 201
    assert (response.json()["kind"], response.json()["total_amount"]) == (
        "credit_note",
        "-270.6300",
    )
    assert Invoice.objects.get(number="INV-API-1").status == Invoice.Status.CREDITED
