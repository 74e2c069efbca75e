"""make bench-audit: what access logging costs a request, and how fast the chain verifies.

Seeds the access log up to --events (default 1 000 000) by continuing the real chain, then
measures in one run: the median of a case-detail API request with and without access logging
(the same request; logging switched off by replacing the logging call), and the verification
throughput of the whole chain. Last line:

    audit-bench: events=<n> log_overhead=<with/without> verify_per_s=<events per second>
"""

from __future__ import annotations

import datetime
import statistics
import time
import uuid
from typing import Any
from unittest import mock

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.chain import CONTENT_FIELDS, GENESIS, canonical_values, link_hash, verify
from audit.models import AccessEvent
from caseroom import services
from caseroom.models import Case, House, TargetGroup
from partners.models import Organisation, User
from partners.roles import Role
from partners.services import organisation_create, user_create
from persons.services import person_get_or_create

BATCH = 20_000


class Command(BaseCommand):
    help = "Meet de kosten van toegangslogging per verzoek en de snelheid van ketencontrole."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--events", type=int, default=1_000_000)
        parser.add_argument("--repeat", type=int, default=31)
        parser.add_argument("--warmup", type=int, default=5)

    def handle(self, *args: Any, **options: Any) -> None:
        wanted: int = options["events"]
        have = AccessEvent.objects.count()
        if have < wanted:
            began = time.perf_counter()
            self._seed(wanted - have)
            seconds = time.perf_counter() - began
            self.stdout.write(f"Aangevuld: {wanted - have:,} gebeurtenissen in {seconds:.1f} s")
        overhead = self._log_overhead(options["repeat"], options["warmup"])
        total = AccessEvent.objects.count()
        began = time.perf_counter()
        result = verify(from_checkpoint=False, batch=10_000)
        seconds = time.perf_counter() - began
        if not result.ok:
            self.stderr.write(f"Keten gebroken bij {result.broken_seq}: {result.reason}")
        per_s = result.checked / seconds if seconds else 0.0
        self.stdout.write(
            f"Ketencontrole ({connection.vendor}): {result.checked:,} gebeurtenissen in "
            f"{seconds:.1f} s"
        )
        self.stdout.write(
            f"audit-bench: events={total} log_overhead={overhead:.2f} verify_per_s={per_s:.0f}"
        )

    # --- seeding ----------------------------------------------------------------------------

    def _seed(self, count: int) -> None:
        last = (
            AccessEvent.objects.filter(seq__isnull=False)
            .order_by("-seq")
            .values_list("seq", "hash")
            .first()
        )
        seq, prev = (last[0] or 0, last[1]) if last else (0, GENESIS)
        start = timezone.now() - datetime.timedelta(days=365)
        step = datetime.timedelta(days=365) / max(count, 1)
        done = 0
        while done < count:
            rows = []
            for _ in range(min(BATCH, count - done)):
                seq += 1
                done += 1
                values = (
                    seq,
                    start + step * done,
                    1,
                    "bench",
                    "",
                    1,
                    "Bench organisatie",
                    "ketenpartner",
                    "view",
                    "caseroom.case",
                    str(done % 5000),
                    [str(uuid.UUID(int=done % 200_000))],
                    "uitvoering casusregie",
                    "127.0.0.1",
                    uuid.UUID(int=done).hex,
                    "success",
                )
                digest = link_hash(prev, canonical_values(values))
                rows.append((*values, prev, digest))
                prev = digest
            self._write(rows)

    def _write(self, rows: list[tuple[Any, ...]]) -> None:
        columns = (*CONTENT_FIELDS, "prev_hash", "hash")
        with transaction.atomic():
            if connection.vendor == "postgresql":
                import json

                with connection.cursor() as cursor:
                    raw: Any = cursor.cursor
                    with raw.copy(
                        f"COPY audit_accessevent ({', '.join(columns)}) FROM STDIN"
                    ) as copy:
                        for row in rows:
                            copy.write_row(
                                [json.dumps(v) if isinstance(v, list) else v for v in row]
                            )
            else:
                AccessEvent.objects.bulk_create(
                    AccessEvent(**dict(zip(columns, row, strict=True))) for row in rows
                )

    # --- request cost -----------------------------------------------------------------------

    def _log_overhead(self, repeat: int, warmup: int) -> float:
        user, case = self._world()
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        device = TOTPDevice.objects.get_or_create(user=user, name="bench", confirmed=True)[0]
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        url = f"/api/v1/cases/{case.pk}/"

        def once() -> float:
            began = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - began
            assert response.status_code == 200, response.status_code  # noqa: S101
            return elapsed

        def silent(*args: Any, **kwargs: Any) -> None:
            return None

        for _ in range(warmup):
            once()
        with_log, without = [], []
        for _ in range(repeat):  # alternate, so drift hits both alike
            with_log.append(once())
            with mock.patch("caseroom.selectors.log_exposure", silent):
                without.append(once())
        w, wo = statistics.median(with_log) * 1000, statistics.median(without) * 1000
        self.stdout.write(
            f"Casus opvragen (API), mediaan van {repeat}: met logging {w:.2f} ms, "
            f"zonder {wo:.2f} ms"
        )
        return w / wo

    def _world(self) -> tuple[User, Case]:
        kind_org = Organisation.objects.filter(name="Bench audit ZVH").first()
        zvh = kind_org or organisation_create(name="Bench audit ZVH", kind_code="zvh")
        house = House.objects.filter(organisation=zvh).first() or services.house_create(
            name="Bench audit huis", organisation=zvh, case_prefix="BAU"
        )
        regisseur = User.objects.filter(username="bench-audit-regisseur").first() or user_create(
            username="bench-audit-regisseur", organisation=zvh, roles=[Role.PROCESREGISSEUR]
        )
        case = house.cases.first()
        if case is None:
            person, _ = person_get_or_create(surname="Bench", given_names="Audit")
            referral = services.referral_submit(
                by=regisseur,
                house=house,
                persons=[person],
                reason="Benchmark",
                goal="Benchmark",
                person_informed=True,
            )
            services.referral_triage(
                referral=referral,
                by=regisseur,
                decision="geaccepteerd",
                criteria={"criterion_safety": True},
                target_group=TargetGroup.objects.get(code="multiprobleem"),
            )
            case = house.cases.get()
        return regisseur, case
