"""``make bench-access``: how fast is the need-to-know case list on a large data set?

Seeds a synthetic data set (one house, 20 partner organisations, N cases with three
participations each and the grants they cause), then times pages of 50 cases for a *broad*
partner (in ~15 % of the cases) and a *narrow* one (~0.05 %):

- ``selector``: the real ``case_list_for_user`` (need-to-know filter, ``shows_persons``);
- ``floor``: the same page of ``Case.objects`` without any filter;
- ``guardian``: django-guardian's ``get_objects_for_user`` as it is usually configured, on
  its generic permission tables (``object_pk`` as text), holding the same grants;
- ``guardian-fk``: the same call on the direct foreign-key permission tables this project
  uses (guardian's own faster option).

The last line is machine-readable; docs/benchmarks.md explains every figure.
"""

from __future__ import annotations

import datetime
import random
import re
import statistics
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Prefetch, QuerySet
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from guardian.core import ObjectPermissionChecker
from guardian.models import GroupObjectPermission
from guardian.shortcuts import get_objects_for_user

from caseroom.access import BASIS
from caseroom.models import (
    Case,
    CaseGroupObjectPermission,
    CasePerson,
    CaseUserObjectPermission,
    House,
    InformationCategory,
    Participation,
    TargetGroup,
)
from caseroom.selectors import VisibleCasePages, case_list_for_user, mark_person_visibility
from caseroom.services import defaults_ensure, house_create
from core.bulkload import NULL, copy_rows
from core.pagination import slice_ids_first
from partners.backends import PasswordBackend
from partners.models import Organisation, User
from partners.roles import Role
from partners.services import (
    organisation_create,
    organisation_kinds_ensure_defaults,
    user_create,
)

PAGE = 50
BROAD_SHARE = 0.15
NARROW_SHARE = 0.0005
PARTICIPATIONS = 3
OTHER_PARTNERS = 18
SPAN = datetime.timedelta(days=10 * 365)

ZVH_NAME = "Bench ZVH"
HOUSE_NAME = "Bench Zorg- en Veiligheidshuis"
BROAD_NAME = "Bench breed"
NARROW_NAME = "Bench smal"
OTHER_NAMES = [f"Bench partner {i:02d}" for i in range(1, OTHER_PARTNERS + 1)]
BROAD_USER = "bench-breed"
NARROW_USER = "bench-smal"
PARTNER_KINDS = ["politie", "om", "reclassering", "ggz", "veilig-thuis", "wijkteam", "halt"]

OPEN_STATUSES = [s.value for s in Case.ACTIVE]
CLOSURE_REASONS = [r.value for r in Case.ClosureReason]


# --- seeding --------------------------------------------------------------------------------


@dataclass
class World:
    house: House
    broad: Organisation
    narrow: Organisation
    others: list[Organisation]
    target_groups: list[int]
    view_perm: int
    basis: tuple[int, int]  # (category id, permission id)
    categories: list[tuple[int, int]]  # the others


@dataclass
class Batch:
    # (id, number, status, closure_reason, opened_at, closed_at, lead_org, house, target_group)
    cases: list[tuple[Any, ...]] = field(default_factory=list)
    # (id, case_id, organisation_id, created_at, since)
    participations: list[tuple[Any, ...]] = field(default_factory=list)
    links: list[tuple[uuid.UUID, int]] = field(default_factory=list)  # (participation, category)
    # (case, group, permission, case opened at)
    grants: list[tuple[int, int, int, datetime.datetime]] = field(default_factory=list)


def _organisation(name: str, kind: str) -> Organisation:
    existing = Organisation.objects.filter(name=name).first()
    return existing or organisation_create(name=name, kind_code=kind)


def _world() -> World:
    defaults_ensure()
    organisation_kinds_ensure_defaults()
    house = House.objects.filter(name=HOUSE_NAME).first()
    if house is None:
        house = house_create(
            name=HOUSE_NAME, organisation=_organisation(ZVH_NAME, "zvh"), case_prefix="BENCH"
        )
    others = [
        _organisation(name, PARTNER_KINDS[i % len(PARTNER_KINDS)])
        for i, name in enumerate(OTHER_NAMES)
    ]
    categories = [(c.pk, c.permission_id) for c in InformationCategory.objects.all()]
    basis = InformationCategory.objects.get(code="basis")
    view = Permission.objects.get(content_type__app_label="caseroom", codename="view_case")
    return World(
        house=house,
        broad=_organisation(BROAD_NAME, "politie"),
        narrow=_organisation(NARROW_NAME, "halt"),
        others=others,
        target_groups=list(TargetGroup.objects.values_list("pk", flat=True)),
        view_perm=view.pk,
        basis=(basis.pk, basis.permission_id),
        categories=[c for c in categories if c[0] != basis.pk],
    )


def _generate(world: World, *, cases: int, first_id: int, seed: int, batch: int) -> Iterator[Batch]:
    """Deterministic rows: cases spread over ten years, the broad partner in ~15 % of them at
    random, the narrow one in an evenly spread ~0.05 % (at least one), the remaining places
    taken by the 18 other partners, weighted so a few are big and most are small."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    now = timezone.now()
    start = now - SPAN
    step = SPAN / cases
    narrow_count = max(1, round(cases * NARROW_SHARE))
    narrow_at = {int((k + 0.5) * cases / narrow_count) for k in range(narrow_count)}
    others = world.others
    weights = [1 / (k + 1) for k in range(len(others))]
    group = {o.pk: o.group_id for o in [world.broad, world.narrow, *others]}
    current = Batch()
    for i in range(cases):
        case_id = first_id + i
        opened = start + step * (i + rng.uniform(-3, 3))
        if rng.random() < 0.4:
            status, reason = "afgesloten", rng.choice(CLOSURE_REASONS)
            closed: datetime.datetime | None = opened + datetime.timedelta(
                days=rng.uniform(30, 400)
            )
        else:
            status, reason, closed = rng.choice(OPEN_STATUSES), "", None
        members: list[Organisation] = []
        if rng.random() < BROAD_SHARE:
            members.append(world.broad)
        if i in narrow_at:
            members.append(world.narrow)
        while len(members) < PARTICIPATIONS:
            pick = rng.choices(others, weights)[0]
            if pick not in members:
                members.append(pick)
        current.cases.append(
            (
                case_id,
                f"BENCH-{i:07d}",
                status,
                reason,
                opened,
                closed,
                members[0].pk,
                world.house.pk,
                rng.choice(world.target_groups),
            )
        )
        for organisation in members:
            pid = uuid.UUID(int=rng.getrandbits(128), version=4)
            current.participations.append((pid, case_id, organisation.pk, opened, opened.date()))
            chosen = rng.sample(world.categories, rng.choice((2, 3)))
            if rng.random() < 0.8:
                chosen[0] = world.basis
            gid = group[organisation.pk]
            current.grants.append((case_id, gid, world.view_perm, opened))
            for category_id, permission_id in chosen:
                current.links.append((pid, category_id))
                current.grants.append((case_id, gid, permission_id, opened))
        if len(current.cases) >= batch:
            yield current
            current = Batch()
    if current.cases:
        yield current


def _write_postgresql(batch: Batch) -> None:
    def ts(value: datetime.datetime | None) -> str:
        return NULL if value is None else value.isoformat()

    copy_rows(
        Case._meta.db_table,
        "id, created_at, updated_at, number, status, closure_reason, opened_at, closed_at, "
        "lead_organisation_id, house_id, target_group_id",
        (
            f"{cid}\t{ts(o)}\t{ts(o)}\t{num}\t{st}\t{reason}\t{ts(o)}\t{ts(c)}\t{lead}\t"
            f"{house}\t{tg}\n"
            for cid, num, st, reason, o, c, lead, house, tg in batch.cases
        ),
    )
    copy_rows(
        Participation._meta.db_table,
        "id, created_at, updated_at, case_id, organisation_id, since, withdrawal_reason",
        (
            f"{pid}\t{ts(o)}\t{ts(o)}\t{cid}\t{org}\t{since.isoformat()}\t\n"
            for pid, cid, org, o, since in batch.participations
        ),
    )
    copy_rows(
        Participation.categories.through._meta.db_table,
        "participation_id, informationcategory_id",
        (f"{pid}\t{cat}\n" for pid, cat in batch.links),
    )
    copy_rows(
        CaseGroupObjectPermission._meta.db_table,
        "content_object_id, group_id, permission_id, case_opened_at",
        (f"{cid}\t{gid}\t{perm}\t{ts(o)}\n" for cid, gid, perm, o in batch.grants),
    )


def _write_orm(batch: Batch) -> None:
    Case.objects.bulk_create(
        Case(
            id=cid,
            number=num,
            status=st,
            closure_reason=reason,
            opened_at=o,
            closed_at=c,
            lead_organisation_id=lead,
            house_id=house,
            target_group_id=tg,
        )
        for cid, num, st, reason, o, c, lead, house, tg in batch.cases
    )
    Participation.objects.bulk_create(
        Participation(id=pid, case_id=cid, organisation_id=org, since=since)
        for pid, cid, org, _o, since in batch.participations
    )
    through = Participation.categories.through
    through.objects.bulk_create(
        through(participation_id=pid, informationcategory_id=cat) for pid, cat in batch.links
    )
    CaseGroupObjectPermission.objects.bulk_create(
        CaseGroupObjectPermission(
            content_object_id=cid, group_id=gid, permission_id=perm, case_opened_at=o
        )
        for cid, gid, perm, o in batch.grants
    )


SEEDED_TABLES = [
    Case._meta.db_table,
    Participation._meta.db_table,
    Participation.categories.through._meta.db_table,
    CaseGroupObjectPermission._meta.db_table,
]


@contextmanager
def _bulk_load(tables: list[str]) -> Iterator[None]:
    """PostgreSQL, inside the seeding transaction: drop the foreign keys and the plain
    (non-unique) indexes of the seeded tables, load, then build the indexes and add the
    foreign keys again, which checks every row in one pass instead of one trigger per row.
    Unique indexes stay, so duplicates still fail at once. All of it rolls back on error."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks before ALTER
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])",
            [tables],
        )
        foreign_keys = cursor.fetchall()
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i "
            "WHERE indrelid = ANY(%s::regclass[]) AND NOT indisunique AND NOT indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
            [tables],
        )
        indexes = cursor.fetchall()
        for table, name, _definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        for _name, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _delete_bench_data(house: House) -> None:
    """Raw deletes: the ORM would load millions of rows to cascade."""
    cases = f"SELECT id FROM {Case._meta.db_table} WHERE house_id = %s"  # noqa: S608
    participations = f"SELECT id FROM {Participation._meta.db_table} WHERE case_id IN ({cases})"  # noqa: S608
    statements = [
        (CaseGroupObjectPermission._meta.db_table, "content_object_id", cases),
        (Participation.categories.through._meta.db_table, "participation_id", participations),
        (Participation._meta.db_table, "case_id", cases),
        (Case._meta.db_table, "id", cases),
    ]
    with connection.cursor() as cursor:
        for table, column, subquery in statements:
            cursor.execute(
                f"DELETE FROM {table} WHERE {column} IN ({subquery})",  # noqa: S608
                [house.pk],
            )


# --- measuring ------------------------------------------------------------------------------


@dataclass
class Figure:
    ms: float
    sql_ms: float  # of which in the database (round trips of every query)
    rows: int
    queries: int
    ids: list[int]
    shows_persons: list[bool]


def _decorated(queryset: QuerySet[Case]) -> QuerySet[Case]:
    """What the selector adds besides the filter: related rows, persons, the order."""
    persons = CasePerson.objects.select_related("person")
    return (
        queryset.select_related("house", "target_group", "lead_organisation", "procesregisseur")
        .prefetch_related(Prefetch("case_persons", queryset=persons, to_attr=Case.PREFETCHED_LINKS))
        .order_by("-opened_at", "-id")
    )


def selector_qs(user: User) -> QuerySet[Case]:
    return case_list_for_user(user=user)


def floor_qs(user: User) -> QuerySet[Case]:
    return _decorated(Case.objects.all())


def guardian_qs(user: User) -> QuerySet[Case]:
    found = get_objects_for_user(
        user,
        "caseroom.view_case",
        klass=Case,
        use_groups=True,
        with_superuser=False,
        accept_global_perms=False,
    )
    return _decorated(found)


@contextmanager
def generic_guardian() -> Iterator[None]:
    """guardian as usually configured: without direct permission models it falls back to
    its generic tables (``enabled = False`` is guardian's switch for a direct model)."""
    models: tuple[Any, ...] = (CaseGroupObjectPermission, CaseUserObjectPermission)
    for model in models:
        model.enabled = False
    try:
        yield
    finally:
        for model in models:
            model.enabled = True


def mirror_generic_grants() -> int:
    """Copy every grant of the direct table (``view_case`` and the categories) into
    guardian's generic table, as guardian would hold them, so the generic peer answers from
    the same grants at a realistic table size.

    The copy replaces the previous one, so on PostgreSQL the table is then rewritten and
    vacuumed: the peer reads a compact table with a visibility map, as it would in steady
    state, not one full of the previous copy's dead rows."""
    generic = GroupObjectPermission._meta.db_table
    direct = CaseGroupObjectPermission._meta.db_table
    content_type = ContentType.objects.get_for_model(Case).pk
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {generic} WHERE content_type_id = %s", [content_type])  # noqa: S608
        cursor.execute(
            f"INSERT INTO {generic} (object_pk, content_type_id, group_id, permission_id) "  # noqa: S608
            f"SELECT CAST(content_object_id AS VARCHAR(255)), %s, group_id, permission_id "
            f"FROM {direct}",
            [content_type],
        )
        count = cursor.rowcount
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            cursor.execute(f"VACUUM (FULL) {generic}")
            cursor.execute(f"VACUUM (ANALYZE) {generic}")
        else:
            cursor.execute(f"ANALYZE {generic}")
    return count


def generic_grants_copied() -> bool:
    """Does guardian's generic table hold as many case grants as the direct table? Then a
    reused data set keeps its copy (made, and checked page by page, in an earlier run)."""
    content_type = ContentType.objects.get_for_model(Case)
    copied = GroupObjectPermission.objects.filter(content_type=content_type).count()
    return copied == CaseGroupObjectPermission.objects.count()


def guardian_generic_page(user: User, offset: int) -> list[Case]:
    with generic_guardian():
        return guardian_page(user, offset)


def guardian_generic_qs(user: User) -> QuerySet[Case]:
    with generic_guardian():
        return guardian_qs(user)


def selector_page(user: User, offset: int) -> list[Case]:
    """A page as the app reads it: ids first, then the rows, then who may see persons."""
    cases = VisibleCasePages(user=user)[offset : offset + PAGE]
    return mark_person_visibility(user=user, cases=cases)


def floor_page(user: User, offset: int) -> list[Case]:
    """The same page without need-to-know, read the same way."""
    return slice_ids_first(floor_qs(user), offset, offset + PAGE)


def guardian_page(user: User, offset: int) -> list[Case]:
    """The peer approach as it is usually used: slice get_objects_for_user's queryset, then
    ask guardian's checker, prefetched for the page, which cases show persons (``basis``),
    so the peer delivers the same page as the selector."""
    cases = list(guardian_qs(user)[offset : offset + PAGE])
    checker = ObjectPermissionChecker(user)
    checker.prefetch_perms(cases)  # type: ignore[arg-type]  # any list of objects will do
    basis = _basis_codename()
    for case in cases:
        case.shows_persons = checker.has_perm(basis, case)
    return cases


def _basis_codename() -> str:
    if "basis" not in _codenames:
        _codenames["basis"] = InformationCategory.objects.values_list(
            "permission__codename", flat=True
        ).get(code=BASIS)
    return _codenames["basis"]


_codenames: dict[str, str] = {}


QUERYSETS: dict[str, Callable[[User], QuerySet[Case]]] = {
    "selector": selector_qs,
    "floor": floor_qs,
    "guardian": guardian_generic_qs,
    "guardian-fk": guardian_qs,
}
METHODS: dict[str, Callable[[User, int], list[Case]]] = {
    "selector": selector_page,
    "floor": floor_page,
    "guardian": guardian_generic_page,
    "guardian-fk": guardian_page,
}


def _measure(
    method: Callable[[User, int], list[Case]],
    user_pk: int,
    offset: int,
    *,
    repeat: int,
    warmup: int,
) -> Figure:
    """Median wall time of building the queryset and reading one page, for a user freshly
    read from the database each time as a request reads it (the session's backend: the
    organisation comes with the user, roles and break-the-glass grants are not cached)."""

    def fresh() -> User:
        user: User = PasswordBackend().get_user(user_pk)
        return user

    def page(user: User) -> list[Case]:
        return method(user, offset)

    for _ in range(warmup):
        page(fresh())
    user = fresh()
    with CaptureQueriesContext(connection) as captured:
        rows = page(user)
    times, in_sql = [], []
    spent = [0.0]

    def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent[0] += time.perf_counter() - began

    for _ in range(repeat):
        user = fresh()
        spent[0] = 0.0
        with connection.execute_wrapper(timed):
            began = time.perf_counter()
            page(user)
            times.append(time.perf_counter() - began)
        in_sql.append(spent[0])
    return Figure(
        ms=statistics.median(times) * 1000,
        sql_ms=statistics.median(in_sql) * 1000,
        rows=len(rows),
        queries=len(captured.captured_queries),
        ids=[c.pk for c in rows],
        shows_persons=[getattr(c, "shows_persons", True) for c in rows],
    )


def _n(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def _ms(figure: Figure) -> str:
    return f"{figure.ms:.2f} ({figure.sql_ms:.1f})"


def _last_offset(visible: int) -> int:
    return max(0, (visible - 1) // PAGE * PAGE)


def _index_name(sql: str) -> tuple[str, str]:
    found = re.search(
        r"CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?"
        r"(\"?[\w.]+\"?)\s+ON\s+(?:ONLY\s+)?(\"?[\w.]+\"?)",
        sql,
        re.IGNORECASE,
    )
    if found is None:
        raise CommandError(f"--temp-index: geen CREATE INDEX <naam> ON <tabel> in {sql!r}.")
    return found.group(1), found.group(2)


class Command(BaseCommand):
    help = (
        "Meet de need-to-know-casuslijst op een grote, gegenereerde dataset "
        "(zie docs/benchmarks.md). Schrijft testgegevens in de database van DATABASE_URL."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cases", type=int, default=100_000, help="aantal casussen")
        parser.add_argument("--repeat", type=int, default=15, help="metingen per figuur")
        parser.add_argument("--warmup", type=int, default=2, help="opwarmrondes per figuur")
        parser.add_argument(
            "--deep-offset", type=int, default=5000, help="offset van de diepe pagina (breed)"
        )
        parser.add_argument("--batch", type=int, default=10_000, help="casussen per batch")
        parser.add_argument("--seed", type=int, default=2026, help="zaad van de generator")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="schrijf ook in een database die al casussen bevat",
        )
        parser.add_argument(
            "--reuse",
            action="store_true",
            help="sla het vullen over als de dataset van deze omvang er al is",
        )
        parser.add_argument(
            "--explain",
            action="store_true",
            help="toon EXPLAIN ANALYZE van selector en guardian per pagina",
        )
        parser.add_argument(
            "--temp-index",
            action="append",
            default=[],
            metavar="SQL",
            help="CREATE INDEX … om mee te meten; na afloop weer verwijderd (herhaalbaar)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        cases: int = options["cases"]
        if cases < 10:
            raise CommandError("--cases: minstens 10.")
        postgres = connection.vendor == "postgresql"
        # Nothing is written before the guard below has passed.
        house = House.objects.filter(name=HOUSE_NAME).first()
        existing = Case.objects.filter(house=house).count() if house else 0
        reusable = (
            existing == cases
            and Participation.objects.filter(case__house=house).count() == cases * PARTICIPATIONS
        )
        seeded_now = not (options["reuse"] and reusable)
        if not seeded_now:
            world = _world()
            self.stdout.write(f"Dataset van {_n(cases)} casussen bestaat al: niet opnieuw gevuld.")
        else:
            total = Case.objects.count()
            if total and not options["yes"]:
                raise CommandError(
                    f"De database bevat al {_n(total)} casussen. Deze benchmark schrijft "
                    f"{_n(cases)} testcasussen; geef --yes om toch te schrijven, of --reuse om "
                    "een bestaande benchmarkdataset van deze omvang te gebruiken."
                )
            world = _world()
            began = time.perf_counter()
            with transaction.atomic():
                if existing:
                    _delete_bench_data(world.house)
                self._seed(world, cases=cases, seed=options["seed"], batch=options["batch"])
            seeded = time.perf_counter() - began
            self._analyze(vacuum_full=bool(existing))
            self.stdout.write(
                f"Gevuld: {_n(cases)} casussen in {seeded:.1f} s "
                f"(+ {time.perf_counter() - began - seeded:.1f} s VACUUM/ANALYZE)."
            )
        broad = self._user(BROAD_USER, world.broad)
        narrow = self._user(NARROW_USER, world.narrow)

        created: list[str] = []
        try:
            for sql in options["temp_index"]:
                if not postgres:
                    raise CommandError("--temp-index alleen op PostgreSQL.")
                name, table = _index_name(sql)
                with connection.cursor() as cursor:
                    began = time.perf_counter()
                    cursor.execute(sql)
                    created.append(name)
                    cursor.execute(f"ANALYZE {table}")
                self.stdout.write(
                    f"Tijdelijke index {name} gemaakt ({time.perf_counter() - began:.1f} s)."
                )
            self._bench(broad, narrow, options, copy_grants=seeded_now)
        finally:
            with connection.cursor() as cursor:
                for name in created:
                    cursor.execute(f"DROP INDEX IF EXISTS {name}")
            if created:
                self.stdout.write(f"Tijdelijke index(en) verwijderd: {', '.join(created)}.")

    # --- steps ------------------------------------------------------------------------------

    def _seed(self, world: World, *, cases: int, seed: int, batch: int) -> None:
        first_id = (Case.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        rows = _generate(world, cases=cases, first_id=first_id, seed=seed, batch=batch)
        if connection.vendor == "postgresql":
            with _bulk_load(SEEDED_TABLES):
                for chunk in rows:
                    _write_postgresql(chunk)
        else:
            for chunk in rows:
                _write_orm(chunk)
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Case]):
                cursor.execute(sql)

    def _analyze(self, *, vacuum_full: bool) -> None:
        """Fresh statistics, and on PostgreSQL a vacuum (visibility map) as autovacuum would
        do soon after a bulk load; not possible inside a transaction (the test suite).
        After a data set replaced another, the tables are first rewritten without the old
        rows (``VACUUM (FULL)``); that rewrite leaves no visibility map, so index-only scans
        would read the heap until the plain vacuum after it."""
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql" and not connection.in_atomic_block:
                for table in SEEDED_TABLES:
                    if vacuum_full:
                        cursor.execute(f"VACUUM (FULL) {table}")
                    cursor.execute(f"VACUUM (ANALYZE) {table}")
            else:
                for table in SEEDED_TABLES:
                    cursor.execute(f"ANALYZE {table}")

    def _user(self, username: str, organisation: Organisation) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(
                username=username, organisation=organisation, roles=[Role.KETENPARTNER]
            )
        return user

    def _bench(
        self, broad: User, narrow: User, options: dict[str, Any], *, copy_grants: bool
    ) -> None:
        repeat: int = options["repeat"]
        warmup: int = options["warmup"]
        total = Case.objects.count()
        began = time.perf_counter()
        if copy_grants or not generic_grants_copied():
            mirrored = mirror_generic_grants()
            self.stdout.write(
                f"guardian (generiek): {_n(mirrored)} rechten gekopieerd naar de generieke "
                f"tabel ({time.perf_counter() - began:.1f} s)."
            )
        else:
            self.stdout.write("guardian (generiek): de kopie van de rechten bestaat al.")
        rows: list[tuple[str, int, str, int, dict[str, Figure]]] = []
        for label, user, deep in (
            ("breed", broad, options["deep_offset"]),
            ("smal", narrow, None),
        ):
            visible = case_list_for_user(user=user).count()
            last = _last_offset(visible)
            deep_offset = last if deep is None else min(deep, last)
            for page, offset in (("eerste", 0), ("diep", deep_offset)):
                figures = {
                    name: _measure(method, user.pk, offset, repeat=repeat, warmup=warmup)
                    for name, method in METHODS.items()
                }
                for peer in ("guardian", "guardian-fk"):
                    if figures["selector"].ids != figures[peer].ids:
                        raise CommandError(
                            f"{label}/{page}: selector en {peer} geven verschillende casussen."
                        )
                    if figures["selector"].shows_persons != figures[peer].shows_persons:
                        raise CommandError(
                            f"{label}/{page}: selector en {peer} tonen personen bij "
                            "verschillende casussen."
                        )
                rows.append((label, visible, page, offset, figures))
                if options["explain"]:
                    self._explain(user, offset, f"{label}, {page} (offset {offset})")

        vendor = connection.vendor
        self.stdout.write("")
        self.stdout.write(
            f"Casuslijst, need-to-know: {_n(total)} casussen ({vendor}), pagina {PAGE}, "
            f"mediaan van {repeat} metingen na {warmup} opwarmrondes; ms (waarvan in SQL)"
        )
        header = (
            f"{'partner':<7} {'zichtbaar':>9} {'pagina':<6} {'offset':>6} {'rijen':>5} "
            f"{'selector (sql)':>15} {'floor (sql)':>14} {'guardian (sql)':>15} "
            f"{'guardian-fk (sql)':>17} {'queries s/f/g/k':>15} {'sel/floor':>9} "
            f"{'guard/sel':>9} {'fk/sel':>6} {'guard/floor':>11}"
        )
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for label, visible, page, offset, f in rows:
            s, fl, g, k = f["selector"], f["floor"], f["guardian"], f["guardian-fk"]
            queries = f"{s.queries}/{fl.queries}/{g.queries}/{k.queries}"
            self.stdout.write(
                f"{label:<7} {_n(visible):>9} {page:<6} {offset:>6} {s.rows:>5} "
                f"{_ms(s):>15} {_ms(fl):>14} {_ms(g):>15} {_ms(k):>17} {queries:>15} "
                f"{s.ms / fl.ms:>9.2f} {g.ms / s.ms:>9.1f} {k.ms / s.ms:>6.1f} "
                f"{g.ms / fl.ms:>11.1f}"
            )
        broad_ratio = max(f["selector"].ms / f["floor"].ms for lb, *_, f in rows if lb == "breed")
        narrow_ms = next(
            f["selector"].ms for lb, _v, pg, _o, f in rows if lb == "smal" and pg == "eerste"
        )
        speedup = min(f["guardian"].ms / f["selector"].ms for *_, f in rows)
        fk_speedup = min(f["guardian-fk"].ms / f["selector"].ms for *_, f in rows)
        # What a need-to-know filter costing nothing would score: guardian against the
        # unfiltered page itself. No selector can beat this ceiling.
        bound = min(f["guardian"].ms / f["floor"].ms for *_, f in rows)
        self.stdout.write("")
        self.stdout.write(
            "broad_ratio = slechtste selector/floor van breed (eerste, diep); narrow_ms = "
            "selector smal eerste pagina; peer_speedup = kleinste guardian/selector van alle "
            "vier pagina's (guardian zoals gewoonlijk ingericht: generieke tabellen); "
            "peer_fk_speedup = hetzelfde tegen guardian op directe FK-tabellen; "
            "peer_bound = kleinste guardian/floor: wat een filter zou halen dat niets kost "
            "(het plafond voor peer_speedup in deze meting)."
        )
        self.stdout.write(f"peer_fk_speedup={fk_speedup:.1f} peer_bound={bound:.1f}")
        self.stdout.write(
            f"access-bench: rows={total} broad_ratio={broad_ratio:.2f} "
            f"narrow_ms={narrow_ms:.2f} peer_speedup={speedup:.1f}"
        )

    def _explain(self, user: User, offset: int, title: str) -> None:
        options: dict[str, Any] = (
            {"analyze": True, "buffers": True} if connection.vendor == "postgresql" else {}
        )
        for name in ("selector", "guardian", "guardian-fk"):
            fresh = User.objects.get(pk=user.pk)
            queryset: QuerySet[Case, Any] = QUERYSETS[name](fresh)
            if name == "selector":  # the ids query is the one that skips rows
                queryset = queryset.values_list("pk", flat=True)
            queryset = queryset[offset : offset + PAGE]
            self.stdout.write(f"\n--- EXPLAIN {name}, {title}")
            self.stdout.write(queryset.explain(**options))
