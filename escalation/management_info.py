"""Management information for a house and a period, anonymised: counts only, and every
count below ``EXPORT_MIN_GROUP`` shown as "<k". Lead times are medians in days, given only
for groups of at least k cases."""

from __future__ import annotations

import datetime
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone

from caseroom.models import Action, Case, CaseEvent, House
from escalation.models import Directive, Escalation

PHASES = [Case.Status.REGISTERED, Case.Status.IN_PROGRESS, Case.Status.MONITORING]


def suppress(n: int, k: int) -> int | str:
    return n if n >= k else f"<{k}"


@dataclass
class Report:
    house: str
    start: datetime.date
    end: datetime.date
    min_group: int
    by_target_and_phase: dict[str, dict[str, int | str]] = field(default_factory=dict)
    lead_time_days: dict[str, float | str] = field(default_factory=dict)
    per_partner: dict[str, dict[str, int | str]] = field(default_factory=dict)
    escalations_by_level: dict[str, int | str] = field(default_factory=dict)
    directives: int | str = 0

    def rows(self) -> list[list[Any]]:
        """The report as rows for CSV."""
        out: list[list[Any]] = [["onderdeel", "groep", "waarde"]]
        for target, phases in self.by_target_and_phase.items():
            for phase, n in phases.items():
                out.append(["casussen per doelgroep en fase", f"{target} / {phase}", n])
        for phase, days in self.lead_time_days.items():
            out.append(["doorlooptijd (mediaan, dagen)", phase, days])
        for partner, counts in self.per_partner.items():
            for what, n in counts.items():
                out.append([what, partner, n])
        for level, n in self.escalations_by_level.items():
            out.append(["escalaties per niveau", level, n])
        out.append(["besluiten doorzettingsmacht", "", self.directives])
        return out


def management_report(*, house: House, start: datetime.date, end: datetime.date) -> Report:
    k = settings.EXPORT_MIN_GROUP
    first = timezone.make_aware(datetime.datetime.combine(start, datetime.time.min))
    last = timezone.make_aware(datetime.datetime.combine(end, datetime.time.max))
    # Cases active at some time in the period.
    cases = list(
        Case.objects.filter(house=house, opened_at__lte=last)
        .exclude(closed_at__lt=first)
        .select_related("target_group")
        .only("pk", "status", "opened_at", "closed_at", "target_group__label")
    )
    report = Report(house=house.name, start=start, end=end, min_group=k)
    grid: dict[str, Counter[str]] = defaultdict(Counter)
    for case in cases:
        target = str(case.target_group.label) if case.target_group else "—"
        grid[target][str(case.get_status_display())] += 1
    report.by_target_and_phase = {
        target: {phase: suppress(n, k) for phase, n in sorted(counts.items())}
        for target, counts in sorted(grid.items())
    }
    # Lead time per phase: from entering a phase to leaving it (status events, or opening).
    durations: dict[str, list[float]] = defaultdict(list)
    changes: dict[int, list[tuple[datetime.datetime, str, str]]] = defaultdict(list)
    for case_id, moment, data in CaseEvent.objects.filter(
        case_id__in=[c.pk for c in cases], kind=CaseEvent.Kind.STATUS_CHANGED
    ).values_list("case_id", "occurred_at", "data"):
        changes[case_id].append((moment, data.get("old", ""), data.get("new", "")))
    for case in cases:
        entered = case.opened_at
        for moment, old, _new in sorted(changes.get(case.pk, [])):
            if old in PHASES:
                durations[old].append((moment - entered).total_seconds() / 86400)
            entered = moment
    labels = dict(Case.Status.choices)
    report.lead_time_days = {
        str(labels[phase]): (
            round(statistics.median(durations[phase]), 1)
            if len(durations[phase]) >= k
            else f"<{k} casussen"
        )
        for phase in PHASES
    }
    # Per partner: overdue actions, and escalations in which the partner was concerned.
    today = timezone.localdate()
    overdue = Counter(
        Action.objects.filter(case__in=cases, due_date__lt=today)
        .exclude(status__in=Action.CLOSED)
        .values_list("owner_organisation__name", flat=True)
    )
    escalations = Escalation.objects.filter(case__in=cases, created_at__range=(first, last))
    concerned = Counter(escalations.values_list("organisations__name", flat=True))
    partners = sorted(set(overdue) | {p for p in concerned if p})
    report.per_partner = {
        partner: {
            "afspraken over de termijn": suppress(overdue[partner], k),
            "betrokken bij escalaties": suppress(concerned[partner], k),
        }
        for partner in partners
    }
    report.escalations_by_level = {
        level: suppress(n, k)
        for level, n in sorted(Counter(escalations.values_list("level__label", flat=True)).items())
    }
    report.directives = suppress(
        Directive.objects.filter(case__in=cases, created_at__range=(first, last)).count(), k
    )
    return report
