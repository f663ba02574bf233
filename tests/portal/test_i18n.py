"""Languages and time zones (issue 21, item 4): a German user reads German pages and
e-mails with times in their own zone, typed German dates are accepted, the signed-in
request costs no extra query for it, every de catalog is complete and compiled, and no
template shows text that is not marked for translation."""

import ast
import datetime
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template.base import Lexer, TokenType
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext as _

from inventory.models import InventorySnapshot
from portal import notification_mail, notifications
from portal.models import Notification, User
from tests.inventory.snapshots import csv_bytes, ingest, items, warehouse
from tests.portal.factories import UserFactory

ROOT = Path(settings.BASE_DIR)
CATALOGS = [ROOT / "locale", ROOT / "suppliers" / "locale"]
Kind = Notification.Kind


def german(user: User, time_zone: str = "Europe/Berlin") -> User:
    user.language, user.time_zone = "de", time_zone
    user.save(update_fields=["language", "time_zone"])
    return user


def page(client, name: str, *args, **headers) -> str:
    response = client.get(reverse(name, args=args), **headers)
    assert response.status_code == 200
    return response.content.decode()


# --- pages and e-mails in the user's language and time zone -------------------------


@pytest.mark.django_db
def test_the_home_page_of_a_german_supplier_user_is_in_german(client, supplier_user):
    client.force_login(german(supplier_user))

    html = page(client, "home")

    assert '<html lang="de">' in html
    assert "<h1>Willkommen, " in html
    assert ">Zum Hauptinhalt springen</a>" in html
    assert ">Abmelden</button>" in html
    assert ">Sendungen</a>" in html  # the navigation
    assert "Welcome" not in html


@pytest.mark.django_db
def test_an_english_user_and_a_browser_without_a_language_still_get_english(client, buyer):
    client.force_login(buyer)

    html = page(client, "home")

    assert '<html lang="en">' in html
    assert "Purchase orders across suppliers" in html
    assert ">Log out</button>" in html


@pytest.mark.django_db
def test_without_a_choice_the_browsers_accept_language_decides(client, buyer):
    assert ">Anmelden</button>" in page(client, "account_login", HTTP_ACCEPT_LANGUAGE="de-DE,de")
    assert ">Sign in</button>" in page(client, "account_login", HTTP_ACCEPT_LANGUAGE="fr")

    client.force_login(buyer)  # no language chosen: the browser's
    assert "Bestellungen aller Lieferanten" in page(client, "home", HTTP_ACCEPT_LANGUAGE="de")

    buyer.language = "en"  # chosen: the browser's is ignored
    buyer.save(update_fields=["language"])
    assert "Purchase orders across suppliers" in page(client, "home", HTTP_ACCEPT_LANGUAGE="de")


@pytest.mark.django_db
def test_a_list_page_shows_german_words_and_times_in_the_users_zone_to_the_minute(
    client, supplier_user, outsider
):
    [notification] = notifications.notify(
        [german(supplier_user, "America/New_York")],
        kind=Kind.PO_NEW,
        title="PO-7",
        url="/orders/PO-7/",
    )
    Notification.objects.filter(pk=notification.pk).update(
        created_at=datetime.datetime(2026, 3, 2, 22, 5, 30, tzinfo=datetime.UTC)
    )
    notifications.notify([outsider], kind=Kind.PO_NEW, title="GX-1", url="/orders/GX-1/")
    client.force_login(supplier_user)

    html = page(client, "notifications")

    assert "<h1>Benachrichtigungen</h1>" in html
    assert ">1 ungelesen</p>" in html
    # 22:05 UTC is 17:05 in New York (EST), the date in the German short format.
    assert "Neue Bestellung · 02.03.2026 17:05 · ungelesen" in html
    assert "GX-1" not in html


@pytest.mark.django_db
def test_an_integrations_page_is_in_german(client, operator):
    client.force_login(german(operator))

    html = page(client, "integrations:connector_list")

    assert "<h1>Konnektoren</h1>" in html
    assert ">Unzustellbare Nachrichten</a>" in html
    assert 'aria-label="Integrationen"' in html


@pytest.mark.django_db
def test_an_inventory_page_is_in_german_with_warehouse_times_in_the_warehouse_zone(
    client, buyer, supplier_user
):
    dc1 = warehouse("DC1")
    dc1.time_zone = "America/Chicago"
    dc1.save(update_fields=["time_zone"])
    items("A")
    ingest("erp", dc1, [("A", 5)])  # taken 2026-03-02 22:00 UTC
    client.force_login(german(buyer, "Europe/Berlin"))

    html = page(client, "inventory:positions")

    assert "<h1>Bestandspositionen</h1>" in html
    assert "<th>Beschreibung</th>" in html
    # The warehouse's time (16:00 in Chicago), not the user's (23:00 in Berlin).
    assert "ERP mit Stand 02.03.2026 16:00 CST · WMS mit Stand — (kein Abzug)" in html
    client.force_login(supplier_user)
    assert client.get(reverse("inventory:positions")).status_code == 403


@pytest.mark.django_db
def test_a_german_date_and_time_typed_on_the_upload_form_is_read_in_the_users_zone(client, buyer):
    items("A")
    warehouse("DC1")
    client.force_login(german(buyer, "Europe/Berlin"))

    response = client.post(
        reverse("inventory:snapshot_upload"),
        {
            "source": "wms",
            "warehouse": "DC1",
            "taken_at": "24.12.2026 18:30",
            "file": SimpleUploadedFile("stock.csv", csv_bytes([("A", "EA", 5)])),
        },
    )

    assert response.status_code == 302
    assert InventorySnapshot.objects.get().taken_at == datetime.datetime(
        2026, 12, 24, 17, 30, tzinfo=datetime.UTC
    )


@pytest.mark.django_db
def test_the_upload_form_gives_its_date_input_an_iso_value_in_german_too(client, buyer):
    client.force_login(german(buyer))

    response = client.get(reverse("inventory:snapshot_upload"), {"taken_at": "2026-12-24T18:30"})

    assert response.status_code == 200
    # <input type="datetime-local"> needs ISO 8601 whatever the page's language.
    field = response.context["form"]["taken_at"]
    assert field.field.widget.format_value(datetime.datetime(2026, 12, 24, 18, 30)) == (
        "2026-12-24T18:30"
    )


@pytest.mark.django_db
def test_each_recipient_reads_a_notification_and_its_email_in_their_own_language(
    supplier_user, teammate
):
    german(supplier_user)

    created = notifications.notify(
        [supplier_user, teammate],
        kind=Kind.PO_NEW,
        title=lambda: _("New purchase order %(number)s") % {"number": "PO-9"},
        url="/orders/PO-9/",
    )
    notification_mail.send_immediate()

    assert sorted((n.user.email, n.title) for n in created) == [
        ("sam@acme.example", "Neue Bestellung PO-9"),
        ("tia@acme.example", "New purchase order PO-9"),
    ]
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert by_recipient["sam@acme.example"].subject == "Neue Bestellung PO-9"
    assert "Öffnen: http://" in by_recipient["sam@acme.example"].body
    assert "Open it: http://" in by_recipient["tia@acme.example"].body


@pytest.mark.django_db
def test_the_preferences_page_saves_language_and_time_zone_and_refuses_unknown_ones(
    client, supplier_user
):
    client.force_login(supplier_user)
    url = reverse("preferences")

    refused = client.post(url, {"language": "xx", "time_zone": "Mars/Olympus"})
    saved = client.post(url, {"language": "de", "time_zone": "Asia/Tokyo"}, follow=True)

    assert refused.status_code == 200
    assert set(refused.context["form"].errors) == {"language", "time_zone"}
    supplier_user.refresh_from_db()
    assert (supplier_user.language, supplier_user.time_zone) == ("de", "Asia/Tokyo")
    assert "Ihre Sprache und Zeitzone sind gespeichert." in saved.content.decode()
    assert "<h1>Sprache und Zeitzone</h1>" in saved.content.decode()


@pytest.mark.django_db
def test_a_german_user_costs_the_same_queries_as_an_english_one(client, buyer):
    english = UserFactory(email="erin@distributor.example", roles=["buyer"])
    german(buyer)

    def cost(user: User) -> int:
        client.force_login(user)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("kpis")).status_code == 200
        return len(captured)

    assert cost(buyer) == cost(english)


# --- the catalogs ------------------------------------------------------------------


def parse_po(text: str) -> list[dict]:
    """A .po file's entries: msgctxt, msgid, msgid_plural, msgstr (by index), flags."""
    entries = []
    for block in re.split(r"\n\s*\n", text.strip()):
        entry: dict = {"ctx": None, "id": None, "plural": None, "strs": {}, "flags": set()}
        key: object = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                value = ast.literal_eval(line)
                if isinstance(key, int):
                    entry["strs"][key] += value
                else:
                    entry[key] += value
            else:
                match = re.match(
                    r"(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?) (\".*\")$", line
                )
                assert match, f"unreadable line: {line!r}"
                keyword, index, value = match.groups()
                value = ast.literal_eval(value)
                if keyword == "msgctxt":
                    key = "ctx"
                elif keyword == "msgid":
                    key = "id"
                elif keyword == "msgid_plural":
                    key = "plural"
                else:
                    key = int(index or 0)
                    entry["strs"][key] = ""
                if isinstance(key, int):
                    entry["strs"][key] = value
                else:
                    entry[key] = value
        entries.append(entry)
    return entries


def de_catalog(locale: Path) -> Path:
    path = locale / "de" / "LC_MESSAGES" / "django.po"
    assert path.exists(), f"{path.relative_to(ROOT)} is missing: run `make messages`."
    return path


@pytest.mark.parametrize("locale", CATALOGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_msgid_of_the_german_catalogs_is_translated_and_not_fuzzy(locale):
    entries = parse_po(de_catalog(locale).read_text())[1:]  # the first is the header

    untranslated = [e["id"] for e in entries if not all(e["strs"].values()) or not e["strs"]]
    fuzzy = [e["id"] for e in entries if "fuzzy" in e["flags"]]

    assert entries, "the catalog is empty"
    assert untranslated == [], "translate these in the .po, then `make messages`"
    assert fuzzy == [], "check these translations and remove their fuzzy flag"


@pytest.mark.parametrize("locale", CATALOGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_compiled_mo_says_exactly_what_the_po_says(locale):
    po = de_catalog(locale)
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo.relative_to(ROOT)} is missing: run `make messages`."
    expected = {}
    for entry in parse_po(po.read_text())[1:]:
        if "fuzzy" in entry["flags"] or not all(entry["strs"].values()):
            continue  # msgfmt leaves these out; the test above fails on them
        msgid = entry["id"] if entry["ctx"] is None else f"{entry['ctx']}\x04{entry['id']}"
        if entry["plural"] is None:
            expected[msgid] = entry["strs"][0]
        else:
            for index, text in entry["strs"].items():
                expected[(msgid, index)] = text

    with mo.open("rb") as compiled:
        catalog = dict(gettext.GNUTranslations(compiled)._catalog)  # type: ignore[attr-defined]
    catalog.pop("", None)

    assert catalog == expected, "the .mo is stale: run `make messages` (compilemessages)"


# --- nothing unmarked in the templates ---------------------------------------------

MASK = "\x00"
SKIPPED_BLOCKS = {
    "comment": "endcomment",
    "blocktranslate": "endblocktranslate",
    "blocktrans": "endblocktrans",
    "verbatim": "endverbatim",
}
VISIBLE_ATTRIBUTES = re.compile(
    r"\b(placeholder|title|aria-label|alt)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')", re.IGNORECASE
)
WORD = re.compile(r"[^\W\d_][\w'’.-]*")
# Words that read the same in every language, so a template may write them as they are:
# the name of a hash algorithm, and the unit of measure "each" as the ERP codes it.
ALLOWED = frozenset({"SHA-256", "EA"})


def masked(source: str) -> str:
    """The template's text with every tag, variable and comment replaced by MASK, and the
    text of comment, blocktranslate and verbatim blocks dropped."""
    parts, closing = [], None
    for token in Lexer(source).tokenize():
        if closing:
            if token.token_type == TokenType.BLOCK and token.contents.split()[0] == closing:
                closing = None
            parts.append(MASK)
        elif token.token_type == TokenType.TEXT:
            parts.append(token.contents)
        else:
            if token.token_type == TokenType.BLOCK:
                closing = SKIPPED_BLOCKS.get(token.contents.split()[0])
            parts.append(MASK)
    return "".join(parts)


def visible_words(text: str) -> list[str]:
    text = re.sub(r"&#?\w+;", " ", text)
    return [word for word in WORD.findall(text) if word.strip(".-") not in ALLOWED]


def unmarked(source: str) -> list[str]:
    """Literal words a person would read: text between tags, and the placeholder, title,
    aria-label, alt and button value attributes. Machine text in <code>, <pre>, <script>
    and <style> is not for translating."""
    text = re.sub(r"<!--.*?-->", MASK, masked(source), flags=re.DOTALL)
    text = re.sub(
        r"<(script|style|code|pre)\b[^>]*>.*?</\1>", MASK, text, flags=re.DOTALL | re.IGNORECASE
    )
    found = []
    for tag in re.finditer(r"<[^>]*>", text):
        for match in VISIBLE_ATTRIBUTES.finditer(tag.group(0)):
            value = match.group(2) if match.group(2) is not None else match.group(3)
            if visible_words(value):
                found.append(f"{match.group(1)}={value!r}")
        # An <input> button shows its value; a <button>'s value is only sent, never shown.
        is_button = re.match(r"<input\b", tag.group(0), re.IGNORECASE) and re.search(
            r"type=[\"'](submit|button|reset)", tag.group(0), re.IGNORECASE
        )
        value = re.search(r"\bvalue\s*=\s*\"([^\"]*)\"", tag.group(0))
        if is_button and value and visible_words(value.group(1)):
            found.append(f"value={value.group(1)!r}")
    for chunk in re.split(r"<[^>]*>", text):
        for piece in chunk.split(MASK):
            if visible_words(piece):
                found.append(piece.strip())
    return found


TEMPLATES = sorted(
    path.relative_to(ROOT / "templates")
    for path in (ROOT / "templates").rglob("*")
    if path.is_file() and path.suffix in {".html", ".txt"}
)


@pytest.mark.parametrize("name", TEMPLATES, ids=str)
def test_no_template_shows_text_that_is_not_marked_for_translation(name):
    assert unmarked((ROOT / "templates" / name).read_text()) == []


def test_the_unmarked_text_check_finds_text_attributes_and_buttons_but_not_marked_ones():
    source = (
        '{% load i18n %}<h1>Orders</h1><p>{% translate "Fine" %} {{ count }}</p>'
        '<input placeholder="Search"><button value="go">{% translate "Go" %}</button>'
        '<input type="submit" value="Send">'
        "{% comment %}Why this is here{% endcomment %}{# a note #}<code>manage.py x</code>"
        "{% blocktranslate %}Page {{ n }}{% endblocktranslate %} 42 · 3 EA &nbsp; — "
        '<a title="{% translate "Home" %}">{{ x }}</a>'
    )

    assert unmarked(source) == ["placeholder='Search'", "value='Send'", "Orders"]
