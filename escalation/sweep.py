"""The stall sweep (beat): set-based and index-backed, safe to run twice or at the same
time. Each statement either inserts stalls that do not exist yet (a partial unique index
plus ON CONFLICT DO NOTHING), resolves stalls whose cause is gone, or claims reminders with
an UPDATE on rows still unclaimed — so two runs never do the same thing twice.

Order of follow-up per stall: the owner of the action is reminded first; after
``STALL_STEP_DAYS`` the procesregisseur; after another step the stall becomes a proposal to
escalate on the procesregisseur's overview.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from caseroom.models import Action, AgendaItem, Case, CaseEvent, Participation
from escalation.models import Stall

OPEN_ACTION = [Action.Status.OPEN, Action.Status.IN_PROGRESS]
STALLED_ACTION = [Action.Status.REFUSED, Action.Status.BLOCKED]
ACTIVE_CASE = [s.value for s in Case.ACTIVE]


@dataclass
class SweepResult:
    found: dict[str, int] = field(default_factory=dict)
    resolved: int = 0
    owner_reminders: list[int] = field(default_factory=list)  # stall ids
    regisseur_reminders: list[int] = field(default_factory=list)
    proposals: int = 0

    @property
    def new(self) -> int:
        return sum(self.found.values())


def _insert_action_stalls(
    kind: str, where: str, params: list[object], now: datetime.datetime
) -> int:
    stall, action = Stall._meta.db_table, Action._meta.db_table
    sql = (
        f"INSERT INTO {stall} (kind, case_id, action_id, found_at, created_at, updated_at) "  # noqa: S608
        f"SELECT %s, a.case_id, a.id, %s, %s, %s FROM {action} a WHERE {where} "
        "ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        args: list[Any] = [kind, now, now, now]
        cursor.execute(sql, args + params)
        return max(cursor.rowcount, 0)


def _insert_case_stalls(kind: str, case_ids: list[int], now: datetime.datetime) -> int:
    if not case_ids:
        return 0
    before = Stall.objects.filter(kind=kind, resolved_at__isnull=True).count()
    Stall.objects.bulk_create(
        [Stall(kind=kind, case_id=pk, found_at=now) for pk in case_ids], ignore_conflicts=True
    )
    return Stall.objects.filter(kind=kind, resolved_at__isnull=True).count() - before


def statements(today: datetime.date) -> list[tuple[str, str, list[Any]]]:
    """The action sweeps as (kind, WHERE, params): for EXPLAIN in the benchmark too."""
    grace = today - datetime.timedelta(days=settings.STALL_GRACE_DAYS)
    placeholders_open = ", ".join(["%s"] * len(OPEN_ACTION))
    placeholders_stalled = ", ".join(["%s"] * len(STALLED_ACTION))
    return [
        (
            Stall.Kind.OVERDUE,
            f"a.status IN ({placeholders_open}) AND a.due_date < %s",
            [*OPEN_ACTION, grace],
        ),
        (
            Stall.Kind.REFUSED,
            f"a.status IN ({placeholders_stalled})",
            [*STALLED_ACTION],
        ),
    ]


def cases_without_lead(now: datetime.datetime) -> list[int]:
    since = now - datetime.timedelta(days=settings.STALL_NO_LEAD_DAYS)
    return list(
        Case.objects.filter(
            status__in=ACTIVE_CASE, lead_organisation__isnull=True, opened_at__lt=since
        ).values_list("pk", flat=True)
    )


def cases_uncovered() -> list[int]:
    """Active cases where a withdrawn participant held a category (other than basis) that no
    active participant other than the house holds now."""
    held = Participation.categories.through
    covered = held.objects.filter(
        participation__case_id=OuterRef("participation__case_id"),
        participation__withdrawn_at__isnull=True,
        informationcategory_id=OuterRef("informationcategory_id"),
    ).exclude(
        participation__organisation_id=OuterRef("participation__case__house__organisation_id")
    )
    return list(
        held.objects.filter(
            participation__withdrawn_at__isnull=False,
            participation__case__status__in=ACTIVE_CASE,
        )
        .exclude(informationcategory__code="basis")
        .filter(~Exists(covered))
        .values_list("participation__case_id", flat=True)
        .distinct()
    )


def cases_without_progress(now: datetime.datetime) -> list[int]:
    since = now - datetime.timedelta(weeks=settings.STALL_NO_PROGRESS_WEEKS)
    recent_meeting = AgendaItem.objects.filter(
        case_id=OuterRef("pk"), meeting__starts_at__gte=since
    )
    recent_event = CaseEvent.objects.filter(case_id=OuterRef("pk"), occurred_at__gte=since)
    return list(
        Case.objects.filter(status__in=ACTIVE_CASE, opened_at__lt=since)
        .filter(~Exists(recent_meeting), ~Exists(recent_event))
        .values_list("pk", flat=True)
    )


def _resolve(now: datetime.datetime, today: datetime.date) -> int:
    grace = today - datetime.timedelta(days=settings.STALL_GRACE_DAYS)
    open_stalls = Stall.objects.filter(resolved_at__isnull=True)
    moved = open_stalls.filter(
        Q(kind=Stall.Kind.OVERDUE)
        & (~Q(action__status__in=OPEN_ACTION) | Q(action__due_date__gte=grace))
        | Q(kind=Stall.Kind.REFUSED) & ~Q(action__status__in=STALLED_ACTION)
        | ~Q(case__status__in=ACTIVE_CASE)
        | Q(kind=Stall.Kind.NO_LEAD, case__lead_organisation__isnull=False)
    )
    return moved.update(resolved_at=now, updated_at=now)


def _claim(field_name: str, condition: Q, now: datetime.datetime) -> list[int]:
    """Claim unclaimed stalls for one follow-up: lock the rows (skipping those another run
    holds), mark them, return their ids."""
    with transaction.atomic():
        candidates = Stall.objects.filter(
            condition, resolved_at__isnull=True, **{f"{field_name}__isnull": True}
        )
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("pk", flat=True)[:5000])
        if ids:
            Stall.objects.filter(pk__in=ids, **{f"{field_name}__isnull": True}).update(
                **{field_name: now}
            )
    return ids


def sweep(*, now: datetime.datetime | None = None) -> SweepResult:
    now = now or timezone.now()
    today = timezone.localdate(now)
    result = SweepResult()
    for kind, where, params in statements(today):
        result.found[kind] = _insert_action_stalls(kind, where, params, now)
    result.found[Stall.Kind.NO_LEAD] = _insert_case_stalls(
        Stall.Kind.NO_LEAD, cases_without_lead(now), now
    )
    result.found[Stall.Kind.UNCOVERED] = _insert_case_stalls(
        Stall.Kind.UNCOVERED, cases_uncovered(), now
    )
    result.found[Stall.Kind.NO_PROGRESS] = _insert_case_stalls(
        Stall.Kind.NO_PROGRESS, cases_without_progress(now), now
    )
    result.resolved = _resolve(now, today)
    step = now - datetime.timedelta(days=settings.STALL_STEP_DAYS)
    result.owner_reminders = _claim("owner_reminded_at", Q(action__isnull=False), now)
    result.regisseur_reminders = _claim(
        "regisseur_reminded_at",
        Q(action__isnull=True) | Q(owner_reminded_at__lt=step),
        now,
    )
    result.proposals = len(_claim("proposed_at", Q(regisseur_reminded_at__lt=step), now))
    return result
