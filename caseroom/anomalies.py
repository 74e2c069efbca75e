"""Anomaly rule: a case read by an organisation that did not take part in it at that time
(other than by break-the-glass, which has its own rule)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from audit.anomalies import Anomaly, anomaly
from audit.models import AccessEvent
from caseroom.models import Participation


def outside_participation(events: list[AccessEvent]) -> list[Anomaly]:
    reads = [
        e
        for e in events
        if e.object_type == "caseroom.case"
        and e.object_id.isdigit()
        and e.action != AccessEvent.Action.BREAK_GLASS
        and e.organisation_id is not None
    ]
    if not reads:
        return []
    spans: dict[tuple[int, int | None], list[tuple[Any, Any]]] = defaultdict(list)
    for case_id, organisation_id, began, withdrawn in Participation.objects.filter(
        case_id__in={int(e.object_id) for e in reads},
        organisation_id__in={e.organisation_id for e in reads},
    ).values_list("case_id", "organisation_id", "created_at", "withdrawn_at"):
        spans[(case_id, organisation_id)].append((began, withdrawn))
    found = []
    for event in reads:
        periods = spans.get((int(event.object_id), event.organisation_id), [])
        covered = any(
            began <= event.occurred_at and (withdrawn is None or event.occurred_at < withdrawn)
            for began, withdrawn in periods
        )
        broke_glass = any(
            e.action == AccessEvent.Action.BREAK_GLASS
            and e.actor_id == event.actor_id
            and e.object_id == event.object_id
            for e in events
        )
        if not covered and not broke_glass:
            found.append(anomaly("outside_participation", event, "casus buiten deelname ingezien"))
    return found
