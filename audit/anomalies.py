"""Rules that flag unusual access for the privacy officer's review. Thresholds come from
settings (AUDIT_BULK_PERSONS_PER_HOUR, AUDIT_NIGHT_START, AUDIT_NIGHT_END)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.models import AccessEvent

# Every rule by its code, with the label the console shows. AUDIT_ANOMALY_RULES (settings)
# names the rules that are on; the others are neither run nor shown as findings.
RULES = {
    "break_glass": _("Doorbraak (break-the-glass)"),
    "off_hours": _("Toegang 's nachts of in het weekend"),
    "bulk": _("Veel personen binnen een uur"),
    "outside_participation": _("Casus ingezien buiten deelname"),
    "protected_person": _("Toegang tot beschermde persoon"),
}


def rule_label(code: str) -> str:
    return str(RULES.get(code, code))


def enabled(code: str) -> bool:
    return code in settings.AUDIT_ANOMALY_RULES


@dataclass(frozen=True)
class Anomaly:
    rule: str
    actor_id: int | None
    actor_username: str
    occurred_at: datetime.datetime
    seq: int | None
    detail: str
    organisation_id: int | None = None
    organisation_name: str = ""
    object_type: str = ""
    object_id: str = ""

    @property
    def label(self) -> str:
        return rule_label(self.rule)


# Rules that need domain knowledge live in their app and register here (audit imports no
# domain app): each gets the period's events and returns its anomalies.
ExtraRule = Callable[[list[AccessEvent]], list["Anomaly"]]
EXTRA_RULES: list[ExtraRule] = []


def register_rule(rule: ExtraRule) -> ExtraRule:
    if rule not in EXTRA_RULES:
        EXTRA_RULES.append(rule)
    return rule


def _events(start: datetime.datetime, end: datetime.datetime) -> Iterator[AccessEvent]:
    return (
        AccessEvent.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
        .exclude(object_type__startswith="audit.")  # the console's own use
        .order_by("seq")
        .iterator(chunk_size=2000)
    )


def _off_hours(moment: datetime.datetime) -> bool:
    local = timezone.localtime(moment)
    start, end = settings.AUDIT_NIGHT_START, settings.AUDIT_NIGHT_END
    return local.weekday() >= 5 or local.hour >= start or local.hour < end


def find_anomalies(*, start: datetime.datetime, end: datetime.datetime) -> list[Anomaly]:
    """Break-the-glass uses; reads at night or in the weekend; more than N distinct persons
    read by one user within one clock hour. One pass over the period's events."""
    found: list[Anomaly] = []
    per_hour: dict[tuple[int | None, datetime.datetime], set[str]] = defaultdict(set)
    first: dict[tuple[int | None, datetime.datetime], AccessEvent] = {}
    events: list[AccessEvent] = []
    for event in _events(start, end):
        events.append(event)
        if event.action == AccessEvent.Action.BREAK_GLASS:
            found.append(_anomaly("break_glass", event, "doorbraak (break-the-glass)"))
        if event.actor_id is not None and _off_hours(event.occurred_at):
            found.append(_anomaly("off_hours", event, "toegang buiten kantoortijd"))
        if event.person_ids:
            hour = timezone.localtime(event.occurred_at).replace(minute=0, second=0, microsecond=0)
            key = (event.actor_id, hour)
            per_hour[key].update(event.person_ids)
            first.setdefault(key, event)
    for rule in EXTRA_RULES:
        found.extend(rule(events))
    limit = settings.AUDIT_BULK_PERSONS_PER_HOUR
    for key, persons in per_hour.items():
        if len(persons) > limit:
            found.append(
                _anomaly(
                    "bulk", first[key], f"{len(persons)} personen binnen een uur (grens {limit})"
                )
            )
    found = [a for a in found if enabled(a.rule)]
    return sorted(found, key=lambda a: (a.occurred_at, a.rule))


def anomaly(rule: str, event: AccessEvent, detail: str) -> Anomaly:
    """An anomaly found in one event (for rules registered by other apps)."""
    return _anomaly(rule, event, detail)


def _anomaly(rule: str, event: AccessEvent, detail: str) -> Anomaly:
    return Anomaly(
        rule=rule,
        actor_id=event.actor_id,
        actor_username=event.actor_username,
        occurred_at=event.occurred_at,
        seq=event.seq,
        detail=detail,
        organisation_id=event.organisation_id,
        organisation_name=event.organisation_name,
        object_type=event.object_type,
        object_id=event.object_id,
    )
