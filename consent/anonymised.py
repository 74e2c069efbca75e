"""An anonymised export of a house's cases for learning sessions and the council.

No direct identifiers: no names, BSNs, addresses, dates of birth, case numbers or free text
(free text cannot be anonymised reliably, so none is exported). Quasi-identifiers are
coarsened (quarter of opening, age bands of ten years, duration in months) and every figure
or record that rests on fewer than ``EXPORT_MIN_GROUP`` cases is suppressed.
"""

from __future__ import annotations

import datetime
import secrets
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from caseroom.models import Action, AgendaItem, Case, CasePerson, Contribution, House, Participation

SUPPRESSED = "<{k}"


def _quarter(moment: datetime.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local.year}-K{(local.month - 1) // 3 + 1}"


def _age_band(birth: datetime.date | None, at: datetime.datetime) -> str:
    if birth is None:
        return "onbekend"
    day = timezone.localtime(at).date()
    age = day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
    low = max(0, age // 10 * 10)
    return f"{low}-{low + 9}"


@dataclass
class Export:
    house: str
    min_group: int
    cases: list[dict[str, Any]] = field(default_factory=list)
    statistics: dict[str, dict[str, Any]] = field(default_factory=dict)


def anonymised_export(*, house: House, start: datetime.date, end: datetime.date) -> Export:
    k = settings.EXPORT_MIN_GROUP
    first = timezone.make_aware(datetime.datetime.combine(start, datetime.time.min))
    last = timezone.make_aware(datetime.datetime.combine(end, datetime.time.max))
    cases = list(
        Case.objects.filter(house=house, opened_at__range=(first, last))
        .select_related("target_group")
        .order_by("?")  # the order must not follow the case numbers
    )
    ids = [c.pk for c in cases]
    persons = CasePerson.objects.filter(case_id__in=ids).select_related("person")
    roles: dict[int, Counter[str]] = {}
    ages: dict[int, Counter[str]] = {}
    opened = {c.pk: c.opened_at for c in cases}
    for link in persons:
        roles.setdefault(link.case_id, Counter())[link.role] += 1
        band = _age_band(link.person.birth_date, opened[link.case_id])
        ages.setdefault(link.case_id, Counter())[band] += 1
    kinds: dict[int, set[str]] = {}
    for case_id, kind in Participation.objects.filter(case_id__in=ids).values_list(
        "case_id", "organisation__kind__code"
    ):
        kinds.setdefault(case_id, set()).add(kind)
    per_category: dict[int, Counter[str]] = {}
    for case_id, code, n in (
        Contribution.objects.filter(case_id__in=ids)
        .values_list("case_id", "category__code")
        .annotate(n=Count("id"))
    ):
        per_category.setdefault(case_id, Counter())[code] = n
    meetings = Counter(
        dict(
            AgendaItem.objects.filter(case_id__in=ids)
            .values_list("case_id")
            .annotate(n=Count("id"))
            .values_list("case_id", "n")
        )
    )
    actions = Counter(
        dict(
            Action.objects.filter(case_id__in=ids)
            .values_list("case_id")
            .annotate(n=Count("id"))
            .values_list("case_id", "n")
        )
    )
    # Records whose coarse description (target group, quarter) is shared by fewer than k
    # cases lose those fields.
    groups = Counter(
        (c.target_group.code if c.target_group else "", _quarter(c.opened_at)) for c in cases
    )
    export = Export(house=house.name, min_group=k)
    for case in cases:
        target = case.target_group.code if case.target_group else ""
        quarter = _quarter(case.opened_at)
        small = groups[(target, quarter)] < k
        end_moment = case.closed_at or timezone.now()
        export.cases.append(
            {
                "key": secrets.token_hex(6),  # new every export: not linkable across exports
                "target_group": None if small else target,
                "opened_quarter": None if small else quarter,
                "status": case.status,
                "closure_reason": case.closure_reason or None,
                "duration_months": max(0, (end_moment - case.opened_at).days // 30),
                "persons_by_role": dict(roles.get(case.pk, {})),
                "age_bands": dict(ages.get(case.pk, {})),
                "organisation_kinds": sorted(kinds.get(case.pk, set())),
                "contributions_by_category": dict(per_category.get(case.pk, {})),
                "agenda_items": meetings[case.pk],
                "actions": actions[case.pk],
            }
        )
    export.statistics = {
        "cases_by_target_group": _suppress(
            Counter(c.target_group.code if c.target_group else "—" for c in cases), k
        ),
        "cases_by_status": _suppress(Counter(c.status for c in cases), k),
        "cases_by_closure_reason": _suppress(
            Counter(c.closure_reason for c in cases if c.closure_reason), k
        ),
        "cases_by_organisation_kind": _suppress(
            Counter(kind for case_kinds in kinds.values() for kind in case_kinds), k
        ),
    }
    return export


def _suppress(counts: Counter[str], k: int) -> dict[str, int | str]:
    """Counts below k are shown as "<k", never as the number."""
    return {key: (n if n >= k else SUPPRESSED.format(k=k)) for key, n in sorted(counts.items())}
