"""Service level objectives per workflow, defined in code and measured from the tables.

A PO acknowledgment flow needs other objectives than a nightly sync, so each workflow has
its own: what counts as a good event, the target, the period, who owns it. From the
tables, in one query per SLO and window:

- **error budget**: the share of bad events the target allows (1 − target); the budget
  left is 1 − (bad / total) / (1 − target) over the SLO's period (28 days);
- **burn rate** over a window: (bad / total in the window) / (1 − target); 1 spends the
  budget exactly over the period, 14.4 spends 2 % of a 28-day budget in an hour.

A **fast burn** (both the long and the short burn window over FAST_BURN, the multi-window
rule of the Google SRE workbook) opens an exception case of class `slo_burn` for the SLO's
owner team, e-mails the team, and auto-resolves the case once the burn is over. The beat
task `portal.check_slos` runs `slo_check_burns()` every five minutes; the same objectives
are Prometheus recording and alert rules in deploy/prometheus/ for the operator's view.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.mail import send_mail
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop

from integrations.models import Delivery, ExceptionCase, ExceptionClass, OwnerTeam, TeamContact
from integrations.services.exceptions import (
    Subject,
    exception_auto_resolve,
    exception_open_or_update,
)
from inventory.models import ReconciliationRun, ReconciliationSchedule
from portal.access import Actor

FAST_BURN = 14.4


@dataclass(frozen=True)
class Counts:
    total: int
    bad: int

    @property
    def bad_ratio(self) -> float | None:
        return self.bad / self.total if self.total else None


@dataclass(frozen=True)
class Slo:
    key: str
    workflow: str
    objective: str
    target: float  # share of good events, e.g. 0.99
    owner_team: str
    counts: Callable[["Slo", datetime.datetime, datetime.datetime, datetime.datetime], Counts]
    period: datetime.timedelta = datetime.timedelta(days=28)
    # The multi-window fast-burn rule: both burn rates at or above FAST_BURN.
    fast_windows: tuple[datetime.timedelta, datetime.timedelta] = (
        datetime.timedelta(hours=1),
        datetime.timedelta(minutes=5),
    )
    threshold: datetime.timedelta = datetime.timedelta(minutes=5)
    event_types: tuple[str, ...] = field(default_factory=tuple)

    @property
    def budget(self) -> float:
        return 1 - self.target

    @property
    def owner_label(self) -> str:
        return str(OwnerTeam(self.owner_team).label)


def _delivery_counts(
    slo: Slo, since: datetime.datetime, until: datetime.datetime, now: datetime.datetime
) -> Counts:
    """Deliveries of the SLO's events whose deadline (occurred + threshold) fell in
    [since, until): good when delivered by the deadline, bad when delivered later or not
    at all (pending, retrying, dead). An event counts in the window its deadline falls in,
    so a window ending now holds only events that are decided. Skipped deliveries (an
    operator chose not to send) never count."""
    until = min(until, now)
    facts: QuerySet[Any] = Delivery.objects.filter(
        event__type__in=slo.event_types,
        event__occurred_at__gte=since - slo.threshold,
        event__occurred_at__lt=until - slo.threshold,
    ).exclude(status=Delivery.Status.SKIPPED)
    late = Q(delivered_at__isnull=True) | Q(
        delivered_at__gt=F("event__occurred_at") + slo.threshold
    )
    row = facts.aggregate(total=Count("id"), bad=Count("id", filter=late))
    return Counts(total=row["total"], bad=row["bad"])


def _nights_counts(
    slo: Slo, since: datetime.datetime, until: datetime.datetime, now: datetime.datetime
) -> Counts:
    """Nights whose deadline (06:00, the threshold after midnight, in the portal's time
    zone) fell in [since, until) and has passed: good when a nightly reconciliation run
    finished done between noon the day before and the deadline. Without an enabled
    schedule (the admin's ReconciliationSchedule) no night is expected."""
    if not ReconciliationSchedule.objects.filter(enabled=True).exists():
        return Counts(0, 0)
    tz = timezone.get_current_timezone()
    first = timezone.localtime(since, tz).date()
    last = timezone.localtime(min(until, now), tz).date()
    deadlines = []
    day = first
    while day <= last:
        deadline = datetime.datetime.combine(day, datetime.time(), tzinfo=tz) + slo.threshold
        if since <= deadline < until and deadline <= now:
            deadlines.append(deadline)
        day += datetime.timedelta(days=1)
    if not deadlines:
        return Counts(0, 0)
    finished = ReconciliationRun.objects.filter(
        status=ReconciliationRun.Status.DONE,
        trigger="nightly",
        finished_at__gte=deadlines[0] - datetime.timedelta(hours=18),
        finished_at__lt=deadlines[-1],
    ).values_list("finished_at", flat=True)
    done = [moment for moment in finished if moment is not None]
    met = sum(
        1
        for deadline in deadlines
        if any(deadline - datetime.timedelta(hours=18) <= at < deadline for at in done)
    )
    return Counts(total=len(deadlines), bad=len(deadlines) - met)


# Workflow names and objectives stay English here (metric labels, exception titles and
# e-mails to the owner team); gettext_noop puts them in the catalog for the SLO page,
# which translates them as it shows them.
SLOS: dict[str, Slo] = {
    slo.key: slo
    for slo in (
        Slo(
            key="po_acknowledgment",
            workflow=gettext_noop("PO acknowledgment"),
            objective=gettext_noop(
                "A PO acknowledgment reaches the ERP (and every subscribed system) "
                "within 5 minutes for 99 % of acknowledgments over 28 days."
            ),
            target=0.99,
            owner_team=OwnerTeam.PURCHASING,
            counts=_delivery_counts,
            threshold=datetime.timedelta(minutes=5),
            event_types=("purchase_order.acknowledged", "purchase_order.change_proposed"),
        ),
        Slo(
            key="asn_to_wms",
            workflow=gettext_noop("ASN to the WMS"),
            objective=gettext_noop(
                "An ASN reaches the WMS within 2 minutes for 99 % of ASNs over 28 days."
            ),
            target=0.99,
            owner_team=OwnerTeam.RECEIVING,
            counts=_delivery_counts,
            threshold=datetime.timedelta(minutes=2),
            event_types=("asn.submitted", "asn.updated", "asn.cancelled"),
        ),
        Slo(
            key="nightly_reconciliation",
            workflow=gettext_noop("Nightly reconciliation"),
            objective=gettext_noop(
                "The nightly reconciliation is done by 06:00 on 99 % of nights over 28 days."
            ),
            target=0.99,
            owner_team=OwnerTeam.INVENTORY_CONTROL,
            counts=_nights_counts,
            threshold=datetime.timedelta(hours=6),
            # A night is one event: the last night, and the last three.
            fast_windows=(datetime.timedelta(days=3), datetime.timedelta(days=1)),
        ),
    )
}


@dataclass(frozen=True)
class SloStatus:
    slo: Slo
    period: Counts
    budget_left: float | None  # 1 = untouched, 0 = spent, negative = overspent
    burn_long: float | None
    burn_short: float | None

    @property
    def fast_burn(self) -> bool:
        return (self.burn_long or 0) >= FAST_BURN and (self.burn_short or 0) >= FAST_BURN


def burn_rate(counts: Counts, slo: Slo) -> float | None:
    ratio = counts.bad_ratio
    return None if ratio is None else ratio / slo.budget


def slo_status(slo: Slo, *, now: datetime.datetime | None = None) -> SloStatus:
    """Budget left over the period and the two fast-burn rates: three queries."""
    now = now or timezone.now()
    period = slo.counts(slo, now - slo.period, now, now)
    long_window, short_window = slo.fast_windows
    long = slo.counts(slo, now - long_window, now, now)
    short = slo.counts(slo, now - short_window, now, now)
    spent = burn_rate(period, slo)
    return SloStatus(
        slo=slo,
        period=period,
        budget_left=None if spent is None else 1 - spent,
        burn_long=burn_rate(long, slo),
        burn_short=burn_rate(short, slo),
    )


def slo_statuses(*, now: datetime.datetime | None = None) -> list[SloStatus]:
    now = now or timezone.now()
    return [slo_status(slo, now=now) for slo in SLOS.values()]


def slo_check_burns(*, actor: Actor = None, now: datetime.datetime | None = None) -> list[str]:
    """Open (or keep open) an `slo_burn` case for every SLO burning fast, e-mail its owner
    team when the case opens, and auto-resolve the case of an SLO whose burn is over.
    Returns the keys of the SLOs burning fast."""
    now = now or timezone.now()
    burning = []
    contacts = dict(TeamContact.objects.values_list("team", "email"))
    for status in slo_statuses(now=now):
        slo = status.slo
        subject = Subject.document(document_type="slo", document_ref=slo.key)
        if not status.fast_burn:
            exception_auto_resolve(
                actor=actor,
                exception_class=ExceptionClass.SLO_BURN,
                subject_key=subject.subject_key,
                reason="The error budget is no longer burning fast.",
            )
            continue
        burning.append(slo.key)
        title = (
            f"{slo.workflow}: error budget burning {status.burn_long:.0f}× "
            f"(last {_span(slo.fast_windows[0])}) and {status.burn_short:.0f}× "
            f"(last {_span(slo.fast_windows[1])})"
        )
        case, opened = exception_open_or_update(
            actor=actor,
            exception_class=ExceptionClass.SLO_BURN,
            subject=subject,
            title=title,
            detail={
                "slo": slo.key,
                "objective": slo.objective,
                "burn_long": status.burn_long,
                "burn_short": status.burn_short,
                "budget_left": status.budget_left,
            },
            now=now,
            owner_team=slo.owner_team,
        )
        recipient = contacts.get(slo.owner_team)
        if opened and recipient:
            send_mail(
                subject=f"[Supplier Portal] Service level at risk: {slo.workflow}",
                message=f"{title}.\n\nObjective: {slo.objective}\n"
                f"Exception case #{case.pk} is open for {OwnerTeam(slo.owner_team).label}.",
                from_email=None,
                recipient_list=[recipient],
            )
    return burning


def _span(delta: datetime.timedelta) -> str:
    if delta >= datetime.timedelta(days=1):
        return f"{delta.days} d"
    if delta >= datetime.timedelta(hours=1):
        return f"{delta.seconds // 3600} h"
    return f"{delta.seconds // 60} min"


def open_slo_cases() -> QuerySet[ExceptionCase]:
    return ExceptionCase.objects.filter(
        exception_class=ExceptionClass.SLO_BURN, status__in=ExceptionCase.ACTIVE
    )
