"""The exceptions inbox's rows and filter lists, made in Python (integrations/views/
exceptions.py): what a row says of a case with a quantity difference, in English and
German; the filter lists keep the choice; a filter leaves another supplier's case out."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import formats, timezone, translation

from integrations.models import ExceptionCase
from integrations.services import Subject, exception_open_or_update

pytestmark = pytest.mark.django_db

INBOX = reverse("exceptions:list")


def _case(sku: str, supplier_code: str = "") -> ExceptionCase:
    case = exception_open_or_update(
        actor=None,
        exception_class="quantity_mismatch",
        subject=Subject.position(sku=sku, warehouse_code="DC1"),
        title=f"{sku} at DC1",
        expected=Decimal("10"),
        actual=Decimal("9.5"),
        delta=Decimal("-0.5"),
    )[0]
    if supplier_code:
        ExceptionCase.objects.filter(pk=case.pk).update(supplier_code=supplier_code)
        case.refresh_from_db()
    return case


def _row(html: str, case: ExceptionCase) -> str:
    found = re.search(rf'<tr><td><a href="/exceptions/{case.pk}/">.*?</tr>', html, re.S)
    assert found, f"no row for case {case.pk}"
    return found.group(0)


def _dates(case: ExceptionCase, language: str) -> tuple[str, str]:
    with translation.override(language):
        return (
            formats.date_format(timezone.localtime(case.first_seen_at), "SHORT_DATE_FORMAT"),
            formats.date_format(timezone.localtime(case.sla_due_at), "SHORT_DATETIME_FORMAT"),
        )


def test_a_row_shows_the_case_figures_team_and_sla_and_a_filter_leaves_other_suppliers_out(
    client, buyer
):
    ours = _case("SKU-<1>", supplier_code="ACME")
    theirs = _case("SKU-2", supplier_code="GLOBEX")
    client.force_login(buyer)

    html = client.get(INBOX, {"supplier": "ACME"}).content.decode()

    first_seen, sla_due = _dates(ours, "en")
    assert _row(html, ours) == (
        f'<tr><td><a href="/exceptions/{ours.pk}/">{ours.pk}</a></td>'
        "<td>Quantity mismatch</td><td>SKU-&lt;1&gt;@DC1</td>"
        '<td class="num">10</td><td class="num">9.500000</td><td class="num">-0.500000</td>'
        f"<td>Inventory control</td><td>—</td><td>{first_seen}</td><td>{sla_due}</td>"
        '<td><span class="badge">Open</span></td></tr>'
    )
    assert f'href="/exceptions/{theirs.pk}/"' not in html
    assert "SKU-2@DC1" not in html


def test_a_german_user_reads_the_rows_and_filter_lists_in_german(client, buyer):
    case = _case("SKU-1")
    buyer.language = "de"
    buyer.save(update_fields=["language"])
    client.force_login(buyer)

    html = client.get(INBOX, {"status": "open", "class": "quantity_mismatch"}).content.decode()

    first_seen, sla_due = _dates(case, "de")
    row = _row(html, case)
    assert '<td class="num">9,500000</td><td class="num">-0,500000</td>' in row
    assert f"<td>{first_seen}</td><td>{sla_due}</td>" in row
    with translation.override("de"):
        open_label = str(ExceptionCase.Status.OPEN.label)
    assert f'<option value="open" selected>{open_label}</option>' in html
    assert '<option value="quantity_mismatch" selected>' in html
    assert '<option value="closed">' in html


def test_the_filter_lists_keep_each_choice(client, buyer):
    client.force_login(buyer)

    html = client.get(
        INBOX, {"status": "all", "team": "purchasing", "age": "gt7d"}
    ).content.decode()

    assert '<option value="all" selected>All</option>' in html
    assert '<option value="active">Open or acknowledged</option>' in html
    assert '<option value="purchasing" selected>' in html
    assert '<option value="gt7d" selected>&gt; 7 days</option>' in html
    assert '<option value="lt1d">&lt; 1 day</option>' in html
