"""SLOs per workflow: good and bad events at their threshold, error budget and burn rate
from the tables, and a fast burn opening (then resolving) an exception for the owner team."""

import datetime

import pytest
from django.urls import reverse

from integrations.models import Delivery, Event, ExceptionCase, TeamContact
from inventory.models import ReconciliationRun, ReconciliationSchedule
from portal.slos import SLOS, Counts, burn_rate, slo_check_burns, slo_status
from tests.integrations.factories import ConnectorFactory
from tests.integrations.helpers import publish_po_event

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 20, 12, 0, tzinfo=datetime.UTC)
ACK = SLOS["po_acknowledgment"]


def acknowledgment(number: str, *, occurred: datetime.datetime, latency: float | None) -> None:
    """One acknowledgment event delivered `latency` seconds after it occurred (None: not
    delivered yet)."""
    event = publish_po_event(number)
    Event.objects.filter(pk=event.pk).update(occurred_at=occurred)
    if latency is not None:
        Delivery.objects.filter(event=event).update(
            status=Delivery.Status.DELIVERED,
            delivered_at=occurred + datetime.timedelta(seconds=latency),
        )


@pytest.fixture
def erp(db):
    return ConnectorFactory(name="erp", event_types=["purchase_order.*"])


def counts(slo, since, until=NOW) -> Counts:
    return slo.counts(slo, since, until, NOW)


def test_an_acknowledgment_delivered_at_exactly_five_minutes_is_good_one_second_later_bad(erp):
    day = NOW - datetime.timedelta(days=1)
    acknowledgment("PO-1", occurred=day, latency=300)
    acknowledgment("PO-2", occurred=day, latency=301)

    assert counts(ACK, NOW - datetime.timedelta(days=2)) == Counts(total=2, bad=1)


def test_an_undelivered_acknowledgment_counts_only_once_its_five_minutes_have_passed(erp):
    # Each event counts in the window its deadline (occurred + 5 min) falls in.
    acknowledgment("PO-1", occurred=NOW - datetime.timedelta(seconds=299), latency=None)
    acknowledgment("PO-2", occurred=NOW - datetime.timedelta(seconds=301), latency=None)

    assert counts(ACK, NOW - datetime.timedelta(hours=1)) == Counts(total=1, bad=1)


def test_one_miss_in_a_hundred_spends_the_whole_budget_of_a_99_percent_target(erp):
    for n in range(100):
        acknowledgment(
            f"PO-{n}",
            occurred=NOW - datetime.timedelta(days=2, minutes=n),
            latency=400 if n == 0 else 10,
        )

    status = slo_status(ACK, now=NOW)

    assert status.period == Counts(total=100, bad=1)
    assert status.budget_left == pytest.approx(0.0)
    assert (status.burn_long, status.burn_short) == (None, None)  # nothing in the last hour
    assert status.fast_burn is False


def test_burn_rate_is_the_bad_share_over_the_budget():
    assert burn_rate(Counts(total=1000, bad=10), ACK) == pytest.approx(1.0)
    assert burn_rate(Counts(total=1000, bad=144), ACK) == pytest.approx(14.4)
    assert burn_rate(Counts(total=0, bad=0), ACK) is None


def test_a_fast_burn_opens_one_case_for_the_owner_team_and_mails_it_once(erp, mailoutbox):
    TeamContact.objects.create(team="purchasing", email="purchasing@distributor.example")
    # Deadlines in the last hour: 2 of 10 missed (burn 20); in the last 5 minutes: 2 of 2.
    for n in range(10):
        acknowledgment(
            f"PO-{n}",
            occurred=NOW - datetime.timedelta(minutes=5, seconds=30 if n < 2 else 1500),
            latency=None if n < 2 else 5,
        )

    status = slo_status(ACK, now=NOW)
    first = slo_check_burns(now=NOW)
    again = slo_check_burns(now=NOW)

    assert status.fast_burn is True
    assert (status.burn_long, status.burn_short) == (pytest.approx(20.0), pytest.approx(100.0))
    assert first == again == ["po_acknowledgment"]
    [case] = ExceptionCase.objects.filter(exception_class="slo_burn")
    assert (case.status, case.owner_team, case.subject_key) == (
        "open",
        "purchasing",
        "slo:po_acknowledgment",
    )
    assert [mail.to for mail in mailoutbox] == [["purchasing@distributor.example"]]
    assert mailoutbox[0].subject == "[Supplier Portal] Service level at risk: PO acknowledgment"


def test_the_case_resolves_itself_once_the_burn_is_over(erp):
    for n in range(2):
        acknowledgment(
            f"PO-{n}", occurred=NOW - datetime.timedelta(minutes=5, seconds=30), latency=None
        )
    slo_check_burns(now=NOW)

    later = NOW + datetime.timedelta(hours=2)
    slo_check_burns(now=later)

    [case] = ExceptionCase.objects.filter(exception_class="slo_burn")
    assert case.status == "auto_resolved"


def _nightly(finished: datetime.datetime) -> ReconciliationRun:
    return ReconciliationRun.objects.create(
        status=ReconciliationRun.Status.DONE, trigger="nightly", finished_at=finished
    )


def test_a_night_is_met_by_a_run_done_before_six_and_missed_by_one_done_at_six(settings):
    settings.TIME_ZONE = "UTC"
    ReconciliationSchedule.get()  # nightly runs are expected once scheduled
    nightly = SLOS["nightly_reconciliation"]
    _nightly(datetime.datetime(2026, 3, 18, 5, 59, 59, tzinfo=datetime.UTC))  # 18th: met
    _nightly(datetime.datetime(2026, 3, 19, 6, 0, tzinfo=datetime.UTC))  # 19th: missed
    # 20th: nothing ran, and 06:00 has passed at NOW (12:00): missed.

    since = datetime.datetime(2026, 3, 18, tzinfo=datetime.UTC)

    assert counts(nightly, since) == Counts(total=3, bad=2)


def test_without_a_schedule_no_night_is_expected():
    since = datetime.datetime(2026, 3, 18, tzinfo=datetime.UTC)

    assert counts(SLOS["nightly_reconciliation"], since) == Counts(total=0, bad=0)


def test_the_slo_page_shows_the_budget_left_per_workflow(client, buyer, erp):
    acknowledgment(
        "PO-1", occurred=datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1), latency=1
    )
    client.force_login(buyer)

    response = client.get(reverse("slos"))

    assert response.status_code == 200
    budgets = {row["status"].slo.key: row["budget_percent"] for row in response.context["rows"]}
    assert budgets["po_acknowledgment"] == 100.0
    assert budgets["asn_to_wms"] is None


def test_a_supplier_may_not_see_the_slo_page(client, outsider):
    client.force_login(outsider)

    assert client.get(reverse("slos")).status_code == 403


def test_metrics_expose_each_slos_target_budget_and_burn(client, erp):
    acknowledgment(
        "PO-1", occurred=datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1), latency=1
    )

    text = client.get("/metrics").content.decode()

    assert 'portal_slo_target{slo="po_acknowledgment"} 0.99' in text
    budget = (
        'portal_slo_error_budget_remaining{slo="po_acknowledgment",workflow="PO acknowledgment"}'
    )
    assert f"{budget} 1.0" in text
    assert 'portal_slo_error_budget_remaining{slo="asn_to_wms"' not in text  # no event yet


def test_the_slo_page_names_a_fast_burn_and_links_its_exception(client, operator, erp):
    now = datetime.datetime.now(datetime.UTC)
    for n in range(2):
        acknowledgment(
            f"PO-{n}", occurred=now - datetime.timedelta(minutes=5, seconds=30), latency=None
        )
    slo_check_burns()
    [case] = ExceptionCase.objects.filter(exception_class="slo_burn")
    client.force_login(operator)

    page = client.get(reverse("slos")).content.decode()

    assert "100.0 / 100.0 <strong>fast burn</strong>" in page
    assert reverse("exceptions:detail", args=[case.pk]) in page
    assert "— / —" in page  # the ASN workflow has no event yet
