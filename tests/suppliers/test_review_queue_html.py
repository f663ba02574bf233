"""The review queue's content made in Python (suppliers/views/review_queue_html.py) is the
HTML the template made: compared with the template's own text, rendered by Django, for
every pager position, filter, rules or none, both languages and plural forms."""

import pytest
from django.core.paginator import Paginator
from django.template import engines
from django.utils import translation
from django.utils.safestring import mark_safe

from suppliers.views.review_cards import RuleRow, RuleSupplier
from suppliers.views.review_queue_html import QueuePage, content_html, decided_html

# The content block of templates/suppliers/acknowledgments/review_queue.html before issue
# 24's fifth pass (the `waiting` partial inlined): what the Python must print byte for byte.
TEMPLATE = """{% load i18n %}
<h1>{% translate "Change proposals to review" %}</h1>
<form class="filters" method="get">
  <label>{% translate "Supplier" %}
    <select name="supplier" data-autosubmit>
      <option value="">{% translate "All suppliers" %}</option>
      {{ supplier_options }}
    </select>
  </label>
  <noscript><button type="submit">{% translate "Filter" %}</button></noscript>
</form>
<p class="muted" id="review-waiting"{% if oob %} hx-swap-oob="true"{% endif %}>{% blocktranslate count counter=waiting %}<span class="count" data-counter="waiting">{{ counter }}</span> proposal waiting, oldest first.{% plural %}<span class="count" data-counter="waiting">{{ counter }}</span> proposals waiting, oldest first.{% endblocktranslate %}</p>
{% if page.object_list %}{{ cards_html }}{% else %}
<p class="empty">{% translate "No change proposals are waiting for review." %}</p>
{% endif %}
{% if page.paginator.num_pages > 1 %}
<nav class="pager" aria-label="{% translate "Pages" %}">
  {% if page.has_previous %}<a href="?{% if supplier_code %}supplier={{ supplier_code|urlencode }}&amp;{% endif %}page={{ page.previous_page_number }}">← {% translate "Previous" %}</a>{% endif %}
  <span>{% blocktranslate with number=page.number num_pages=page.paginator.num_pages %}Page {{ number }} of {{ num_pages }}{% endblocktranslate %}</span>
  {% if page.has_next %}<a href="?{% if supplier_code %}supplier={{ supplier_code|urlencode }}&amp;{% endif %}page={{ page.next_page_number }}">{% translate "Next" %} →</a>{% endif %}
</nav>
{% endif %}
<h2>{% translate "Auto-accept rules" %}</h2>
<p class="muted">{% translate "Proposals inside a supplier's rule are accepted without review and shown as auto-accepted. Configure them in the admin (Suppliers › Auto-accept rules)." %}</p>
{% if rules %}
<table class="table" id="auto-accept-rules">
  <thead><tr><th>{% translate "Supplier" %}</th><th>{% translate "Rule" %}</th></tr></thead>
  <tbody>{% for rule in rules %}<tr><td>{{ rule.supplier.code }} {{ rule.supplier.name }}</td><td>{{ rule.describe }}</td></tr>{% endfor %}</tbody>
</table>
{% else %}
<p class="empty">{% translate "No supplier has an auto-accept rule: every proposal comes here." %}</p>
{% endif %}
"""  # noqa: E501 (the template's own lines)

CARDS = mark_safe('\n<article class="review-card" id="proposal-7">…</article>\n')
OPTIONS = mark_safe('<option value="A&amp;B">A&amp;B Acme &amp; Brass</option>')
RULES = [
    RuleRow(RuleSupplier("A&B", 'Acme <"Brass">'), "date shift ≤ 3 day(s), price unchanged"),
    RuleRow(RuleSupplier("ZED", "Zed"), "off"),
]


def _queue(count: int, number: str, supplier_code: str, rules: list[RuleRow]) -> QueuePage:
    page = Paginator(list(range(count)), 5).get_page(number)
    return QueuePage(
        page=page,
        cards_html=CARDS,
        waiting=count,
        supplier_code=supplier_code,
        supplier_options=OPTIONS,
        rules=rules,
    )


def _template_html(queue: QueuePage, *, oob: bool = False) -> str:
    context = {
        "page": queue.page,
        "cards_html": queue.cards_html,
        "waiting": queue.waiting,
        "supplier_code": queue.supplier_code,
        "supplier_options": queue.supplier_options,
        "rules": queue.rules,
        "oob": oob,
    }
    return engines["django"].from_string(TEMPLATE).render(context)


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize(
    ("count", "number"),
    [(0, "1"), (1, "1"), (5, "1"), (6, "1"), (6, "2"), (17, "2"), (17, "4"), (17, "x"), (99, "9")],
)
@pytest.mark.parametrize("supplier_code", ["", "IBH", 'A&B<"é/x y'])
@pytest.mark.parametrize("with_rules", [True, False])
def test_the_queue_content_is_the_html_the_template_made(
    language, count, number, supplier_code, with_rules
):
    queue = _queue(count, number, supplier_code, RULES if with_rules else [])

    with translation.override(language):
        assert content_html(queue) == _template_html(queue)


def test_the_pager_sends_the_supplier_filter_quoted_and_escaped():
    queue = _queue(17, "2", 'A&B<"é/x y', [])

    html = content_html(queue)

    assert '<a href="?supplier=A%26B%3C%22%C3%A9/x%20y&amp;page=1">← Previous</a>' in html
    assert '<a href="?supplier=A%26B%3C%22%C3%A9/x%20y&amp;page=3">Next →</a>' in html


def test_a_german_buyer_reads_one_proposal_waiting_in_the_singular():
    with translation.override("de"):
        html = content_html(_queue(1, "1", "", []))

    assert (
        '<p class="muted" id="review-waiting"><span class="count" data-counter="waiting">1</span>'
        " Vorschlag wartet, der älteste zuerst.</p>"
    ) in html


@pytest.mark.parametrize("waiting", [0, 1, 12])
def test_the_decision_answer_is_the_card_and_the_waiting_count_out_of_band(waiting):
    queue = _queue(waiting, "1", "", [])
    waiting_line = _template_html(queue, oob=True).split("</form>\n", 1)[1].split("\n", 1)[0]

    assert decided_html("<article>card</article>", waiting) == "<article>card</article>" + (
        waiting_line
    )
    assert 'hx-swap-oob="true"' in waiting_line
