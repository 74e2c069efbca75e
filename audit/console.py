"""What the privacy officer's console needs beyond the events: figures for its charts and
reports, and hooks by which domain apps lend their knowledge without audit importing them
(DESIGN.md §5): finding a person by BSN, the houses and what belongs to each, and the
context of a review item (a break-the-glass reason)."""

from __future__ import annotations

import datetime
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from audit.models import AccessEvent, ReviewItem

# --- hooks registered by domain apps -----------------------------------------------------

# A text the privacy officer typed (a BSN, say) -> ids of the persons it names.
PersonResolver = Callable[[str], list[str]]
PERSON_RESOLVERS: list[PersonResolver] = []


@dataclass(frozen=True)
class HouseScope:
    """What belongs to one house: its organisation, its cases and the persons in them."""

    organisation_id: int
    name: str
    case_ids: frozenset[str] = frozenset()
    person_ids: frozenset[str] = frozenset()

    def covers(self, event: AccessEvent) -> bool:
        if event.organisation_id == self.organisation_id:
            return True
        if event.object_type == "caseroom.case" and event.object_id in self.case_ids:
            return True
        return bool(self.person_ids.intersection(event.person_ids))


HOUSES: dict[str, Callable[..., Any]] = {}

# source_type -> (item, user) -> [(label, value)]; the provider logs what it shows.
ReviewContext = Callable[[ReviewItem, Any], list[tuple[str, str]]]
REVIEW_CONTEXT: dict[str, ReviewContext] = {}


def register_person_resolver(resolver: PersonResolver) -> None:
    if resolver not in PERSON_RESOLVERS:
        PERSON_RESOLVERS.append(resolver)


def register_houses(
    *, houses: Callable[[], list[tuple[int, str]]], scope: Callable[[int], HouseScope]
) -> None:
    """``houses`` lists (organisation id, name) of the houses; ``scope`` gives one's scope."""
    HOUSES["list"], HOUSES["scope"] = houses, scope


def register_review_context(source_type: str, provider: ReviewContext) -> None:
    REVIEW_CONTEXT[source_type] = provider


def resolve_person(text: str) -> list[str]:
    """Person ids for what the privacy officer typed: a person id as is, else what the
    resolvers find (a BSN through its blind index). What was typed is never returned
    otherwise, so a BSN cannot end up in the log."""
    text = text.strip()
    try:
        return [str(uuid.UUID(text))]
    except ValueError:
        pass
    found: list[str] = []
    for resolver in PERSON_RESOLVERS:
        found.extend(resolver(text))
    return found


def houses() -> list[tuple[int, str]]:
    return HOUSES["list"]() if "list" in HOUSES else []


def house_scope(organisation_id: int) -> HouseScope | None:
    if "scope" not in HOUSES or organisation_id not in dict(houses()):
        return None
    scope: HouseScope = HOUSES["scope"](organisation_id)
    return scope


def review_context(item: ReviewItem, user: Any) -> list[tuple[str, str]]:
    provider = REVIEW_CONTEXT.get(item.source_type)
    return provider(item, user) if provider else []


# --- figures -----------------------------------------------------------------------------


def day_bounds(
    first: datetime.date, last: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    """From the start of ``first`` to the end of ``last``, in local time."""
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
    end = timezone.make_aware(
        datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min)
    )
    return start, end


@dataclass
class Series:
    label: str
    values: list[int]

    @property
    def total(self) -> int:
        return sum(self.values)


@dataclass
class Chart:
    """Bars over a row of periods, one series per organisation or rule."""

    periods: list[datetime.date]
    series: list[Series] = field(default_factory=list)

    @property
    def peak(self) -> int:
        return max((v for s in self.series for v in s.values), default=0)

    @property
    def totals(self) -> list[int]:
        return [sum(s.values[n] for s in self.series) for n in range(len(self.periods))]

    @property
    def stacked_peak(self) -> int:
        return max(self.totals, default=0)


def accesses_per_day(first: datetime.date, last: datetime.date) -> Chart:
    """Access events per day per organisation (one grouped query; console use left out)."""
    start, end = day_bounds(first, last)
    days = [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]
    rows = (
        AccessEvent.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
        .exclude(object_type__startswith="audit.")
        .annotate(day=TruncDate("occurred_at", tzinfo=timezone.get_current_timezone()))
        .values_list("day", "organisation_name")
        .annotate(n=Count("id"))
    )
    counts: dict[str, Counter[datetime.date]] = defaultdict(Counter)
    for day, organisation, n in rows:
        counts[organisation or "—"][day] += n
    series = [
        Series(label, [counts[label][d] for d in days])
        for label in sorted(counts, key=lambda k: (-sum(counts[k].values()), k))
    ]
    return Chart(days, series)


def monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def anomalies_per_week(last: datetime.date, weeks: int = 12) -> Chart:
    """Review items per ISO week per rule, for the ``weeks`` weeks up to ``last``."""
    from audit.anomalies import RULES, rule_label

    end_week = monday(last)
    mondays = [end_week - datetime.timedelta(weeks=n) for n in reversed(range(weeks))]
    start, end = day_bounds(mondays[0], end_week + datetime.timedelta(days=6))
    counts: dict[str, Counter[datetime.date]] = defaultdict(Counter)
    rows = ReviewItem.objects.filter(occurred_at__gte=start, occurred_at__lt=end).values_list(
        "rule", "occurred_at"
    )
    for rule, moment in rows:
        counts[rule][monday(timezone.localtime(moment).date())] += 1
    order = [code for code in RULES if code in counts] + sorted(set(counts) - set(RULES))
    return Chart(mondays, [Series(rule_label(c), [counts[c][m] for m in mondays]) for c in order])


@dataclass
class MonthFigures:
    house: HouseScope
    first: datetime.date
    last: datetime.date
    events: int = 0
    users: int = 0
    persons: int = 0
    per_action: Counter[str] = field(default_factory=Counter)
    per_organisation: dict[str, tuple[int, int]] = field(default_factory=dict)
    denied: int = 0
    exports: int = 0
    console: int = 0
    items_per_rule: Counter[str] = field(default_factory=Counter)
    items_per_status: Counter[str] = field(default_factory=Counter)


def month_figures(scope: HouseScope, year: int, month: int) -> MonthFigures:
    """One house's month: counted in one pass over the month's events (bounded memory:
    counters and id sets, never the events)."""
    first = datetime.date(year, month, 1)
    last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    start, end = day_bounds(first, last)
    figures = MonthFigures(scope, first, last)
    users: set[int] = set()
    persons: set[str] = set()
    org_events: Counter[str] = Counter()
    org_persons: dict[str, set[str]] = defaultdict(set)
    events = AccessEvent.objects.filter(occurred_at__gte=start, occurred_at__lt=end).order_by("seq")
    for event in events.iterator(chunk_size=5000):
        if event.object_type.startswith("audit."):
            if event.organisation_id == scope.organisation_id:
                figures.console += 1
            continue
        if not scope.covers(event):
            continue
        figures.events += 1
        figures.per_action[event.action] += 1
        if event.actor_id is not None:
            users.add(event.actor_id)
        persons.update(event.person_ids)
        organisation = event.organisation_name or "—"
        org_events[organisation] += 1
        org_persons[organisation].update(event.person_ids)
        if event.result != AccessEvent.Result.SUCCESS:
            figures.denied += 1
        if event.action in (AccessEvent.Action.EXPORT, AccessEvent.Action.PRINT):
            figures.exports += 1
    figures.users, figures.persons = len(users), len(persons)
    figures.per_organisation = {
        org: (n, len(org_persons[org])) for org, n in org_events.most_common()
    }
    items = list(
        ReviewItem.objects.filter(occurred_at__gte=start, occurred_at__lt=end).only(
            "rule", "status", "event_seq", "organisation_id", "object_type", "object_id"
        )
    )
    # An item belongs to the house as its event does; one query for the events' persons.
    persons_of = dict(
        AccessEvent.objects.filter(seq__in=[i.event_seq for i in items if i.event_seq]).values_list(
            "seq", "person_ids"
        )
    )
    for item in items:
        probe = AccessEvent(
            organisation_id=item.organisation_id,
            object_type=item.object_type,
            object_id=item.object_id,
            person_ids=persons_of.get(item.event_seq, []),
        )
        if scope.covers(probe):
            figures.items_per_rule[item.rule] += 1
            figures.items_per_status[item.status] += 1
    return figures
