"""Anomaly rule: a case read by an organisation that did not take part in it at that time
(other than by break-the-glass, which has its own rule)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from audit.anomalies import Anomaly, anomaly
from audit.console import HouseScope
from audit.models import AccessEvent, ReviewItem
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


# --- what the privacy officer's console asks of the case room ------------------------------


def houses() -> list[tuple[int, str]]:
    from caseroom.models import House

    return list(House.objects.order_by("name").values_list("organisation_id", "name"))


def house_scope(organisation_id: int) -> HouseScope:
    """A house's cases and the persons that are or were in them."""
    from caseroom.models import CasePerson, House

    house = House.objects.get(organisation_id=organisation_id)
    links = CasePerson.objects.filter(case__house=house).values_list("case_id", "person_id")
    case_ids = {str(case_id) for case_id, _ in links}
    case_ids.update(str(pk) for pk in house.cases.values_list("pk", flat=True))
    return HouseScope(
        organisation_id=organisation_id,
        name=house.name,
        case_ids=frozenset(case_ids),
        person_ids=frozenset(str(person_id) for _, person_id in links),
    )


def break_glass_context(item: ReviewItem, user: Any) -> list[tuple[str, str]]:
    """The break-the-glass use behind a review item: case number, categories, the typed
    reason. The reason may speak of the case's persons: reading it is logged."""
    from django.utils.formats import date_format
    from django.utils.timezone import localtime
    from django.utils.translation import gettext as _

    from caseroom.models import BreakGlassAccess, CasePerson
    from caseroom.selectors import log_exposure

    access = (
        BreakGlassAccess.objects.filter(pk=item.source_id)
        .select_related("case")
        .prefetch_related("categories")
        .first()
    )
    if access is None:
        return []
    persons = set(CasePerson.objects.filter(case=access.case).values_list("person_id", flat=True))
    log_exposure(AccessEvent.Action.VIEW, "caseroom.breakglassaccess", access.pk, persons)
    return [
        (_("Casus"), access.case.number),
        (_("Categorieën"), ", ".join(str(c.label) for c in access.categories.all())),
        (_("Geldig tot"), date_format(localtime(access.expires_at), "j F Y H:i")),
        (_("Reden die de gebruiker opgaf"), access.reason),
    ]
