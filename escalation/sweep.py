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
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from caseroom.models import Action, AgendaItem, Case, InformationCategory, Participation
from escalation.models import Stall

OPEN_ACTION = [Action.Status.OPEN, Action.Status.IN_PROGRESS]
STALLED_ACTION = [Action.Status.REFUSED, Action.Status.BLOCKED]
ACTIVE_CASE = [s.value for s in Case.ACTIVE]
CLAIM_BATCH = 5000  # follow-ups per kind and run: a backlog is worked off over several runs


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


def _insert_case_stalls(kind: str, select: str, params: list[Any], now: datetime.datetime) -> int:
    """Insert a stall per case the SELECT (of case ids) yields, once."""
    stall = Stall._meta.db_table
    sql = (
        f"INSERT INTO {stall} (kind, case_id, action_id, found_at, created_at, updated_at) "  # noqa: S608
        f"SELECT %s, found.id, NULL, %s, %s, %s FROM ({select}) found WHERE 1 = 1 "
        "ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        args: list[Any] = [kind, now, now, now]
        cursor.execute(sql, args + params)
        return max(cursor.rowcount, 0)


def _ids(case_ids: list[int]) -> tuple[str, list[Any]]:
    """A SELECT of literal case ids (for the stalls found in Python)."""
    table = Case._meta.db_table
    if not case_ids:
        return f"SELECT id FROM {table} WHERE 1 = 0", []  # noqa: S608
    marks = ", ".join(["%s"] * len(case_ids))
    return f"SELECT id FROM {table} WHERE id IN ({marks})", list(case_ids)  # noqa: S608


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


def cases_without_lead_query(now: datetime.datetime) -> QuerySet[Case, Any]:
    since = now - datetime.timedelta(days=settings.STALL_NO_LEAD_DAYS)
    return (
        Case.objects.exclude(status=Case.Status.CLOSED)
        .filter(lead_organisation__isnull=True, opened_at__lt=since)
        .values("id")
    )


def _sql(query: QuerySet[Any]) -> tuple[str, list[Any]]:
    sql, params = query.query.sql_with_params()
    return sql, list(params)


def withdrawals_check(now: datetime.datetime) -> list[int]:
    """Active cases where a withdrawal not checked yet left a category (other than basis)
    that no active participant other than the house holds now; marks those withdrawals
    checked. Reads only the unchecked withdrawals (partial index), locking them so that a
    concurrent run skips them, and then only the participations of their cases. Call inside
    the transaction that also records the stalls."""
    pending = list(
        Participation.objects.filter(withdrawn_at__isnull=False, coverage_checked_at__isnull=True)
        .select_for_update(skip_locked=True)
        .order_by("withdrawn_at")
        .values_list("pk", "case_id")[:CLAIM_BATCH]
    )
    if not pending:
        return []
    case_ids = sorted({case_id for _, case_id in pending})
    held = Participation.categories.through
    basis = InformationCategory.objects.filter(code="basis").values_list("pk", flat=True).first()
    lost: dict[int, set[int]] = defaultdict(set)
    for case_id, category_id in held.objects.filter(
        participation_id__in=[pk for pk, _ in pending]
    ).values_list("participation__case_id", "informationcategory_id"):
        if category_id != basis:
            lost[case_id].add(category_id)
    covered: dict[int, set[int]] = defaultdict(set)
    for case_id, organisation_id, house_org, category_id in held.objects.filter(
        participation__case_id__in=case_ids, participation__withdrawn_at__isnull=True
    ).values_list(
        "participation__case_id",
        "participation__organisation_id",
        "participation__case__house__organisation_id",
        "informationcategory_id",
    ):
        if organisation_id != house_org:
            covered[case_id].add(category_id)
    active = Case.objects.filter(pk__in=case_ids).exclude(status=Case.Status.CLOSED)
    Participation.objects.filter(pk__in=[pk for pk, _ in pending]).update(coverage_checked_at=now)
    return sorted(
        c for c in active.values_list("pk", flat=True) if lost.get(c, set()) - covered.get(c, set())
    )


def cases_without_progress_query(now: datetime.datetime) -> QuerySet[Case, Any]:
    """Active cases whose last timeline event is older than the limit (partial index on
    ``last_activity_at``) and that are on no agenda since then or later."""
    since = now - datetime.timedelta(weeks=settings.STALL_NO_PROGRESS_WEEKS)
    planned = AgendaItem.objects.filter(case_id=OuterRef("pk"), meeting__starts_at__gte=since)
    return (
        Case.objects.exclude(status=Case.Status.CLOSED)
        .filter(last_activity_at__lt=since)
        .filter(~Exists(planned))
        .values("id")
    )


def _resolve(now: datetime.datetime, today: datetime.date) -> int:
    """Resolve stalls whose cause is gone. Each statement starts from the open stalls and
    asks an index whether the cause still holds (NOT EXISTS on the same predicate the stall
    was found by), so no large table is read in full. A stall found after ``now`` (the clock
    was set back) stays open until the clock has passed it again: a clock correction neither
    resolves a stall nor makes the next run find and remind it a second time."""
    grace = today - datetime.timedelta(days=settings.STALL_GRACE_DAYS)
    stall, action, case = Stall._meta.db_table, Action._meta.db_table, Case._meta.db_table
    open_in = ", ".join(["%s"] * len(OPEN_ACTION))
    stalled_in = ", ".join(["%s"] * len(STALLED_ACTION))
    closed = Case.Status.CLOSED
    statements: list[tuple[str, list[Any]]] = [
        (
            f"kind = %s AND NOT EXISTS (SELECT 1 FROM {action} a WHERE a.id = {stall}.action_id "  # noqa: S608
            f"AND a.status IN ({open_in}) AND a.due_date < %s)",
            [Stall.Kind.OVERDUE, *OPEN_ACTION, grace],
        ),
        (
            f"kind = %s AND NOT EXISTS (SELECT 1 FROM {action} a WHERE a.id = {stall}.action_id "  # noqa: S608
            f"AND a.status IN ({stalled_in}))",
            [Stall.Kind.REFUSED, *STALLED_ACTION],
        ),
        (
            f"kind = %s AND NOT EXISTS (SELECT 1 FROM {case} c WHERE c.id = {stall}.case_id "  # noqa: S608
            "AND c.lead_organisation_id IS NULL AND c.status <> %s)",
            [Stall.Kind.NO_LEAD, closed],
        ),
        (
            f"EXISTS (SELECT 1 FROM {case} c WHERE c.id = {stall}.case_id AND c.status = %s)",  # noqa: S608
            [closed],
        ),
    ]
    resolved = 0
    with connection.cursor() as cursor:
        for where, params in statements:
            cursor.execute(
                f"UPDATE {stall} SET resolved_at = %s, updated_at = %s "  # noqa: S608
                f"WHERE {stall}.resolved_at IS NULL AND {stall}.found_at <= %s AND {where}",
                [now, now, now, *params],
            )
            resolved += max(cursor.rowcount, 0)
    return resolved


def _claim(field_name: str, condition: Q, now: datetime.datetime) -> list[int]:
    """Claim unclaimed stalls for one follow-up: lock the oldest rows (skipping those another
    run holds), mark them, return their ids. On PostgreSQL one statement
    (UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING id)."""
    candidates = Stall.objects.filter(
        condition, resolved_at__isnull=True, **{f"{field_name}__isnull": True}
    ).order_by("found_at")
    if connection.vendor == "postgresql":
        return _claim_postgresql(candidates, field_name, now)
    with transaction.atomic():
        ids = list(candidates.values_list("pk", flat=True)[:CLAIM_BATCH])
        if ids:
            Stall.objects.filter(pk__in=ids, **{f"{field_name}__isnull": True}).update(
                **{field_name: now}
            )
    return ids


@transaction.atomic
def _claim_postgresql(
    candidates: QuerySet[Stall], field_name: str, now: datetime.datetime
) -> list[int]:
    """One statement: the subquery locks the oldest unclaimed rows through the partial index,
    skipping rows another run holds; the update marks them."""
    select, params = (
        candidates.select_for_update(skip_locked=True)
        .values("pk")[:CLAIM_BATCH]
        .query.sql_with_params()
    )
    table = Stall._meta.db_table
    column = connection.ops.quote_name(field_name)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {column} = %s WHERE id IN ({select}) "  # noqa: S608
            f"AND {column} IS NULL RETURNING id",
            [now, *params],
        )
        return [row[0] for row in cursor.fetchall()]


def sweep(*, now: datetime.datetime | None = None) -> SweepResult:
    now = now or timezone.now()
    today = timezone.localdate(now)
    result = SweepResult()
    for kind, where, params in statements(today):
        result.found[kind] = _insert_action_stalls(kind, where, params, now)
    for kind, (select, params) in (
        (Stall.Kind.NO_LEAD, _sql(cases_without_lead_query(now))),
        (Stall.Kind.NO_PROGRESS, _sql(cases_without_progress_query(now))),
    ):
        result.found[kind] = _insert_case_stalls(kind, select, params, now)
    with transaction.atomic():  # the check is marked only together with its stalls
        uncovered = _ids(withdrawals_check(now))
        result.found[Stall.Kind.UNCOVERED] = _insert_case_stalls(
            Stall.Kind.UNCOVERED, *uncovered, now
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
