"""``make bench-sweep``: how fast is the stall sweep on a million actions?

Seeds (once; ``--reuse`` keeps it) a house with N cases and 20 actions each through COPY:
70 % done, 10 % lapsed, 15 % open and due later, 4 % open and overdue, 1 % refused or
blocked; a tenth of the cases without lead organisation, some withdrawals (each run finds
the last hour's unchecked). Then runs the
sweep (``escalation.sweep.sweep``, the database part of the hourly task) ``--repeat`` times:
the first run finds everything, later runs find nothing new. EXPLAIN of every statement
says whether any large table is read by a sequential scan.

Last line: ``sweep-bench: actions=<n> seconds=<median> seq_scan=<yes|no>``.
"""

from __future__ import annotations

import datetime
import json
import random
import statistics
import time
import uuid
from collections.abc import Iterator
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone

from caseroom.models import Action, Case, CaseEvent, House, Participation
from caseroom.services import defaults_ensure, house_create
from core import crypto
from core.bulkload import NULL, copy_rows
from escalation.models import Stall
from escalation.sweep import sweep
from partners.models import Organisation
from partners.services import organisation_create, organisation_kinds_ensure_defaults

HOUSE = "Bench sweep ZVH"
ACTIONS_PER_CASE = 20
LARGE = {
    Action._meta.db_table,
    Case._meta.db_table,
    Stall._meta.db_table,
    Participation._meta.db_table,
    Participation.categories.through._meta.db_table,
    CaseEvent._meta.db_table,
}


class Command(BaseCommand):
    help = "Meet de stagnatiesweep op een miljoen afspraken (PostgreSQL)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--actions", type=int, default=1_000_000)
        parser.add_argument("--repeat", type=int, default=5)
        parser.add_argument("--reuse", action="store_true", help="bestaande data hergebruiken")
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args: Any, **options: Any) -> None:
        self.verbosity = int(options.get("verbosity", 1))
        if connection.vendor != "postgresql":
            raise CommandError("bench-sweep meet op PostgreSQL (DATABASE_URL).")
        defaults_ensure()
        organisation_kinds_ensure_defaults()
        house = House.objects.filter(name=HOUSE).first()
        wanted = options["actions"]
        existing = Action.objects.filter(case__house=house).count() if house else 0
        if house is None or not options["reuse"] or existing < wanted:
            began = time.perf_counter()
            house = self._seed(house, wanted, options["seed"])
            with connection.cursor() as cursor:
                for table in sorted(LARGE):
                    cursor.execute(f"VACUUM (ANALYZE) {table}")
            self.stdout.write(
                f"Gevuld: {wanted:_} afspraken in {time.perf_counter() - began:.1f} s."
            )
        total = Action.objects.count()
        Stall.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {Stall._meta.db_table}")
        runs: list[float] = []
        for n in range(options["repeat"]):
            self._withdrawals_of_the_last_hour()
            began = time.perf_counter()
            result = sweep()
            runs.append(time.perf_counter() - began)
            self.stdout.write(
                f"run {n + 1}: {runs[-1]:.3f} s, nieuw {result.new:_}, "
                f"eigenaar {len(result.owner_reminders):_}, regisseur "
                f"{len(result.regisseur_reminders):_}, voorstellen {result.proposals:_}"
            )
        seq = self._seq_scans()
        self.stdout.write(
            f"eerste run {runs[0]:.3f} s; mediaan van {len(runs)} runs "
            f"{statistics.median(runs):.3f} s; sequentiële scans op grote tabellen: "
            f"{', '.join(seq) or 'geen'}"
        )
        self.stdout.write(
            f"sweep-bench: actions={total} seconds={statistics.median(runs):.3f} "
            f"seq_scan={'yes' if seq else 'no'}"
        )

    # --- seeding --------------------------------------------------------------------------

    def _seed(self, house: House | None, actions: int, seed: int) -> House:
        rng = random.Random(seed)  # noqa: S311 - synthetic data
        if house is None:
            zvh = organisation_create(name=HOUSE, kind_code="zvh")
            house = house_create(name=HOUSE, organisation=zvh, case_prefix="BSW")
        partners = [
            Organisation.objects.filter(name=f"Bench sweep partner {i:02d}").first()
            or organisation_create(name=f"Bench sweep partner {i:02d}", kind_code="wijkteam")
            for i in range(20)
        ]
        cases = actions // ACTIONS_PER_CASE
        first = (Case.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        now = timezone.now()
        today = timezone.localdate()
        from caseroom.models import InformationCategory

        wonen = InformationCategory.objects.get(code="wonen").pk
        from caseroom.models import TargetGroup

        target = TargetGroup.objects.get(code="multiprobleem").pk

        def ts(value: datetime.datetime | None) -> str:
            return NULL if value is None else value.isoformat()

        case_rows, participation_rows, link_rows, event_rows, action_rows = [], [], [], [], []
        for offset in range(cases):
            case_id = first + offset
            opened = now - datetime.timedelta(days=rng.randint(30, 900))
            lead = NULL if rng.random() < 0.1 else str(rng.choice(partners).pk)
            activity = now - datetime.timedelta(days=rng.randint(0, 80))
            case_rows.append(
                f"{case_id}\t{ts(opened)}\t{ts(opened)}\tBSW-{case_id:08d}\tin_behandeling\t\t"
                f"{ts(opened)}\t{NULL}\t{lead}\t{house.pk}\t{ts(activity)}\t{target}\n"
            )
            event_rows.append(f"{case_id}\t{ts(activity)}\tstatus_changed\t{{}}\n")
            for n, partner in enumerate(rng.sample(partners, 3)):
                pid = uuid.uuid4()
                withdrawn, checked = NULL, NULL
                if n == 2 and rng.random() < 0.05:
                    # Most withdrawals were checked by earlier runs; 2 % are of the last hour.
                    if rng.random() < 0.02:
                        withdrawn = ts(now - datetime.timedelta(minutes=rng.randint(1, 59)))
                    else:
                        when = now - datetime.timedelta(days=rng.randint(1, 400))
                        withdrawn, checked = ts(when), ts(when + datetime.timedelta(hours=1))
                participation_rows.append(
                    f"{pid}\t{ts(opened)}\t{ts(opened)}\t{case_id}\t{partner.pk}\t"
                    f"{opened.date().isoformat()}\t{withdrawn}\t\t{checked}\n"
                )
                link_rows.append(f"{pid}\t{wonen}\n")
            for _ in range(ACTIONS_PER_CASE):
                aid = uuid.uuid4()
                roll = rng.random()
                if roll < 0.70:
                    status, due = "afgerond", today - datetime.timedelta(days=rng.randint(1, 400))
                elif roll < 0.80:
                    status, due = "vervallen", today - datetime.timedelta(days=rng.randint(1, 400))
                elif roll < 0.95:
                    status, due = "open", today + datetime.timedelta(days=rng.randint(1, 60))
                elif roll < 0.99:
                    status, due = "open", today - datetime.timedelta(days=rng.randint(5, 90))
                else:
                    status, due = rng.choice(["geweigerd", "geblokkeerd"]), today
                aad = f"{Action._meta.db_table}.description.{aid}"
                text = crypto.encrypt("Afspraak", aad=aad)
                obstacle = "onmacht" if status in ("geweigerd", "geblokkeerd") else ""
                action_rows.append(
                    f"{aid}\t{ts(now)}\t{ts(now)}\t{case_id}\t{text}\t{rng.choice(partners).pk}\t"
                    f"{due.isoformat()}\t{status}\t\t{obstacle}\n"
                )
        copy_rows(
            Case._meta.db_table,
            "id, created_at, updated_at, number, status, closure_reason, opened_at, closed_at, "
            "lead_organisation_id, house_id, last_activity_at, target_group_id",
            iter(case_rows),
        )
        copy_rows(CaseEvent._meta.db_table, "case_id, occurred_at, kind, data", iter(event_rows))
        copy_rows(
            Participation._meta.db_table,
            "id, created_at, updated_at, case_id, organisation_id, since, withdrawn_at, "
            "withdrawal_reason, coverage_checked_at",
            iter(participation_rows),
        )
        copy_rows(
            Participation.categories.through._meta.db_table,
            "participation_id, informationcategory_id",
            iter(link_rows),
        )
        copy_rows(
            Action._meta.db_table,
            "id, created_at, updated_at, case_id, description, owner_organisation_id, due_date, "
            "status, note, obstacle",
            iter(action_rows),
        )
        with connection.cursor() as cursor:
            table = Case._meta.db_table
            sql = f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT MAX(id) FROM {table}))"  # noqa: S608
            cursor.execute(sql, [table])
        return house

    def _withdrawals_of_the_last_hour(self) -> None:
        """Every run finds the last hour's withdrawals unchecked, as the hourly task would."""
        since = timezone.now() - datetime.timedelta(hours=1)
        Participation.objects.filter(withdrawn_at__gte=since).update(coverage_checked_at=None)

    # --- EXPLAIN ---------------------------------------------------------------------------

    def _seq_scans(self) -> list[str]:
        """Run the sweep once more, capture every statement it sends, and EXPLAIN each: any
        sequential scan of a large table is reported."""
        captured: list[tuple[str, Any]] = []

        def capture(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            verb = sql.lstrip().split(" ", 1)[0].upper()
            if verb in {"SELECT", "INSERT", "UPDATE", "DELETE", "WITH"} and not many:
                captured.append((sql, params))
            return execute(sql, params, many, context)

        self._withdrawals_of_the_last_hour()
        with connection.execute_wrapper(capture):
            sweep()
        found: set[str] = set()
        with connection.cursor() as cursor:
            for sql, params in captured:
                cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
                row = cursor.fetchone()
                plan = json.loads(row[0]) if isinstance(row[0], str) else row[0]
                scanned = {
                    node["Relation Name"]
                    for node in _nodes(plan[0]["Plan"])
                    if node.get("Node Type") == "Seq Scan" and node.get("Relation Name") in LARGE
                }
                if scanned and self.verbosity > 1:
                    self.stdout.write(f"Seq Scan op {', '.join(sorted(scanned))} in: {sql[:400]}")
                found |= scanned
        self.stdout.write(f"EXPLAIN van {len(captured)} statements van de sweep.")
        return sorted(found)


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)
