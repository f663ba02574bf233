"""Every message our Python code translates is one `makemessages` can find: xgettext
cannot read a call inside an f-string, so such a message silently leaves the catalog and
the page shows English to a German reader (the layout's "Menu" and "Log out" did)."""

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
APPS = ("portal", "suppliers", "inventory", "integrations")
TRANSLATING = {"gettext", "pgettext", "ngettext", "npgettext", "gettext_lazy", "_"}


def translation_calls_in_f_strings(source: str) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.JoinedStr):
            continue
        for inner in ast.walk(node):
            if (
                isinstance(inner, ast.Call)
                and isinstance(inner.func, ast.Name)
                and inner.func.id in TRANSLATING
            ):
                lines.append(inner.lineno)
    return lines


def test_no_message_is_translated_inside_an_f_string():
    found = {
        str(path.relative_to(ROOT)): lines
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts
        and (lines := translation_calls_in_f_strings(path.read_text(encoding="utf-8")))
    }

    assert found == {}, "translate into a variable first, then put it in the f-string"


def test_the_check_finds_a_message_translated_inside_an_f_string():
    assert translation_calls_in_f_strings("x = f\"<b>{gettext('Menu')}</b>\"\n") == [1]
    assert translation_calls_in_f_strings('menu = gettext("Menu")\nx = f"<b>{menu}</b>"\n') == []
