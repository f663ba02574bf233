"""The OpenAPI document: valid, every operation documented with an example, unchanged
from the committed one (a breaking change must be a deliberate diff), and docs pages that
load no asset from another host."""

import re
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

COMMITTED = Path(__file__).resolve().parents[2] / "suppliers" / "api" / "openapi-v1.yaml"


def generated() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema: dict):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_the_schema_validates_against_openapi_3():
    validate_schema(generated())


def test_the_schema_generates_without_warnings():
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_every_operation_has_an_example_and_problem_responses():
    missing = []
    for path, method, operation in operations(generated()):
        contents = [
            content
            for response in operation["responses"].values()
            for content in response.get("content", {}).values()
        ]
        if not any("examples" in c or "example" in c for c in contents):
            missing.append(f"{method.upper()} {path}")
        assert "401" in operation["responses"], f"{method} {path}"
    assert missing == []


def test_the_schema_covers_the_v1_operations():
    ops = {(path, method) for path, method, _ in operations(generated())}

    assert ops == {
        ("/api/v1/purchase-orders", "get"),
        ("/api/v1/purchase-orders/{number}", "get"),
        ("/api/v1/purchase-orders/{number}/acknowledgments", "post"),
        ("/api/v1/asns", "get"),
        ("/api/v1/asns", "post"),
        ("/api/v1/asns/{asn_number}", "get"),
        ("/api/v1/asns/{asn_number}", "put"),
        ("/api/v1/asns/{asn_number}/submission", "post"),
        ("/api/v1/asns/{asn_number}/cancellation", "post"),
        ("/api/v1/asns/{asn_number}/milestones", "post"),
        ("/api/v1/availability", "put"),
        ("/api/v1/events", "get"),
        ("/api/v1/invoices", "get"),
        ("/api/v1/invoices", "post"),
        ("/api/v1/invoices/{invoice_number}", "get"),
        ("/api/v1/invoices/{invoice_number}/credit-notes", "post"),
    } | {
        op
        for op in ops
        if op[0].startswith(("/api/v1/receipts", "/api/v1/stock-snapshots", "/api/v1/inventory"))
    }


def test_the_schema_matches_the_committed_one():
    """After a deliberate, compatible change: `manage.py spectacular --file
    suppliers/api/openapi-v1.yaml` and commit the diff. The info text (docs, event schema
    links) may change freely; paths and components are the contract."""
    committed = yaml.safe_load(COMMITTED.read_text())
    schema = generated()

    assert schema["paths"] == committed["paths"]
    assert schema["components"] == committed["components"]


def test_the_schema_endpoint_serves_it(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Supplier Portal API"


def test_the_docs_page_loads_assets_from_this_host_only(client):
    response = client.get("/api/v1/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui-bundle.js" in html
    external = re.findall(r"""(?:src|href)=["'](https?:)?//""", html)
    assert external == []
    assert "cdn" not in html.lower()


def test_the_docs_link_every_event_schema(client):
    schema = generated()
    index = client.get("/api/v1/event-schemas/").json()

    for entry in index["schemas"]:
        assert entry["url"] in schema["info"]["description"]
        assert client.get(entry["url"]).json()["$schema"].startswith("https://json-schema.org/")


def test_an_unknown_event_schema_is_a_404(client):
    assert client.get("/api/v1/event-schemas/nope.v1.json").status_code == 404


pytestmark = pytest.mark.django_db
