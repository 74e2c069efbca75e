"""Anomaly rule: access to protected persons (marked protected, or with a secret address)."""

from __future__ import annotations

import uuid

from django.db.models import Q

from audit.anomalies import Anomaly, anomaly
from audit.models import AccessEvent
from persons.models import Person


def protected_persons(events: list[AccessEvent]) -> list[Anomaly]:
    asked = {pid for event in events for pid in event.person_ids if _is_uuid(pid)}
    if not asked:
        return []
    protected = {
        str(pk)
        for pk in Person.objects.filter(
            Q(is_protected=True) | Q(addresses__is_secret=True), pk__in=asked
        ).values_list("pk", flat=True)
    }
    return [
        anomaly("protected_person", event, "toegang tot een bijzonder beschermde persoon")
        for event in events
        if event.actor_id is not None and protected.intersection(event.person_ids)
    ]


def _is_uuid(value: object) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def persons_by_bsn(text: str) -> list[str]:
    """For the privacy officer's console: the person a BSN names (through its blind index)."""
    from core.validators import normalise_bsn
    from persons.selectors import person_find_by_bsn

    digits = normalise_bsn(text) if text else ""
    if not (digits.isdigit() and len(digits) == 9):
        return []
    return [str(pk) for pk in person_find_by_bsn(bsn=digits).values_list("pk", flat=True)]
