"""Content-Security-Policy and Permissions-Policy on every page (issue 18): scripts only
from our own static files, and no template carries an inline script or event handler
that such a policy would block."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def directives(header: str) -> dict[str, list[str]]:
    out = {}
    for part in header.split(";"):
        name, *sources = part.split()
        out[name] = sources
    return out


@pytest.fixture
def pages(client, supplier_user, buyer, portal_admin) -> list:
    """(client, url) for pages of each kind: anonymous, supplier, buyer, admin, API."""
    return [
        (client, reverse("account_login")),
        (client, "/healthz"),
        (client, "/api/v1/docs/"),
        (client, "/api/v1/schema/"),
        (client, "/no-such-page/"),
        ("supplier", reverse("home")),
        ("supplier", reverse("suppliers:po_list")),
        ("supplier", reverse("suppliers:asn_upload")),
        ("buyer", reverse("buyer:po_list")),
        ("admin", reverse("admin:index")),
    ]


def test_every_page_has_a_csp_without_inline_scripts_and_a_permissions_policy(
    client, supplier_user, buyer, portal_admin, pages
):
    users = {"supplier": supplier_user, "buyer": buyer, "admin": portal_admin}
    seen = []
    for who, url in pages:
        if isinstance(who, str):
            client.force_login(users[who])
        response = client.get(url)
        csp = directives(response["Content-Security-Policy"])
        seen.append((url, csp["script-src"], csp["object-src"], csp["frame-ancestors"]))
        assert response["Permissions-Policy"].startswith("accelerometer=(), camera=()")
        client.logout()

    assert seen == [(url, ["'self'"], ["'none'"], ["'none'"]) for _, url in pages]


def test_no_template_has_an_inline_script_or_event_handler():
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>")
    handler = re.compile(r"<[^>]+\s(on[a-z]+)\s*=", re.IGNORECASE)
    found = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        found += [(template.name, m.group(0)) for m in inline_script.finditer(text)]
        found += [(template.name, m.group(1)) for m in handler.finditer(text)]

    assert found == []


def test_the_api_docs_start_swagger_ui_from_a_script_file(client):
    page = client.get("/api/v1/docs/").content.decode()
    script = client.get("/api/v1/docs/?script=")

    assert "<script>" not in page
    assert '<script src="/api/v1/docs/?script="' in page
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_htmx_is_told_not_to_eval_nor_inject_styles(client):
    page = client.get(reverse("account_login")).content.decode()

    assert (
        '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false, '
        '"allowEval": false, "allowScriptTags": false}\'>'
    ) in page
    assert '<script src="/static/js/portal.js" defer></script>' in page
