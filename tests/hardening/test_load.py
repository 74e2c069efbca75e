"""The load test (demo/loadtest) with a short budget; ``make loadtest`` runs it longer.

- On PostgreSQL: gunicorn with several workers on a database of its own, four virtual users
  (one per role) for about 20 seconds; no failed request, every read that must be logged
  found in the access log, the hit/no-hit limit still answering 429, a verified audit chain,
  and the database dropped afterwards.
- On PostgreSQL: simultaneous registrations of one new person make one record (a race the
  load test's referral journey brought to light).
- On any database: the seed gives every virtual user credentials that work and the cases it
  should see.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
LAST_LINE = re.compile(r"^load: users=(\d+) requests=(\d+) errors=(\d+) p95_ms=(\d+)$")


def postgres_server() -> str | None:
    """The server (and credentials) of DATABASE_URL, without its database."""
    parts = urlsplit(os.environ.get("DATABASE_URL", ""))
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        return None
    return urlunsplit((parts.scheme, parts.netloc, "", parts.query, ""))


on_postgresql = pytest.mark.skipif(
    postgres_server() is None,
    reason="de belastingtest draait gunicorn op PostgreSQL; DATABASE_URL noemt geen "
    "PostgreSQL-database",
)


def database_exists(server: str, name: str) -> bool:
    with psycopg.connect(server, dbname="postgres", autocommit=True) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return found.fetchone() is not None


@on_postgresql
def test_short_load_run_has_no_errors_and_a_verified_chain() -> None:
    server = postgres_server()
    assert server is not None
    name = f"casusregie_load_test_{os.getpid()}"
    command = [
        sys.executable,
        "-m",
        "demo.loadtest",
        "--users=4",
        "--seconds=20",
        "--workers=3",
        "--cases=12",
        "--think=0.3",
        "--hit-rate=20/hour",
        f"--database={name}",
        f"--postgres={server}",
    ]
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        output, _ = process.communicate(timeout=420)
    except subprocess.TimeoutExpired:
        process.terminate()  # the driver then stops gunicorn and drops its database
        output, _ = process.communicate(timeout=120)
        pytest.fail("de belastingtest stopte niet binnen 420 s:\n" + output)
    finally:
        if database_exists(server, name):
            with psycopg.connect(server, dbname="postgres", autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            pytest.fail(f"de belastingtest liet database {name} staan")
    lines = output.strip().splitlines()
    assert process.returncode == 0, output
    summary = LAST_LINE.match(lines[-1])
    assert summary, output
    users, requests, errors, _p95 = (int(group) for group in summary.groups())
    assert (users, errors) == (4, 0), output
    assert requests > 0

    # Every role started (staff with password and second factor) on its first page.
    routes = {
        line.split("  ")[0].strip(): line for line in lines if line.startswith(("GET", "POST"))
    }
    assert int(routes["POST partners:two_factor"].split()[2]) >= 3, output  # the column n
    for route in (
        "GET caseroom:case_list",
        "GET caseroom:triage_queue",
        "GET audit:dashboard",
        "GET v1:me",
    ):
        assert route in routes, output
    # Every read that must write an access event did, under concurrency.
    logged = re.search(r"(\d+) van (\d+) gelogde verzoeken teruggevonden", output)
    assert logged and logged.group(1) == logged.group(2) and int(logged.group(2)) > 0, output
    # The rate limit still holds: after its budget the probe user gets 429.
    assert re.search(r"Limiet hit/no-hit \(20/hour, .*\): 429 na \d+ vragen", output), output
    assert "Auditketen: Keten in orde" in output, output


@pytest.mark.skipif(
    postgres_server() is None,
    reason="gelijktijdige transacties vragen PostgreSQL; SQLite schrijft toch één voor één",
)
@pytest.mark.django_db(transaction=True)
def test_simultaneous_registrations_of_one_person_make_one_record() -> None:
    """Found while building the load test's referral journey: two requests registering the
    same new person at the same moment both missed each other and made two records (so a
    hit/no-hit question could find the one without a case). Now one is made, the others
    get the duplicate."""
    import datetime
    import threading
    from collections import Counter

    from django.db import connections, transaction

    from demo.scenarios import invented_bsns
    from persons.models import Person
    from persons.selectors import person_find_by_bsn, person_find_by_surname_and_birth_date
    from persons.services import DuplicatePersonError, person_create

    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def register(identity: dict[str, object], start: threading.Barrier) -> None:
        try:
            start.wait()
            with transaction.atomic():
                person_create(**identity)  # type: ignore[arg-type]
            outcome = "created"
        except DuplicatePersonError:
            outcome = "duplicate"
        finally:
            connections.close_all()
        with lock:
            outcomes[outcome] += 1

    bsns = invented_bsns(279_000_000)
    identities: list[dict[str, object]] = []
    for n in range(6):
        identities.append({"surname": "Gelijktijdig", "bsn": next(bsns)})
        identities.append({"surname": f"Tegelijk{n}", "birth_date": datetime.date(1980, 3, n + 1)})
    for identity in identities:
        start = threading.Barrier(3)
        threads = [threading.Thread(target=register, args=(identity, start)) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert outcomes == {"created": len(identities), "duplicate": 2 * len(identities)}
    for identity in identities:
        if identity.get("bsn"):
            found = person_find_by_bsn(bsn=str(identity["bsn"]))
        else:
            found = person_find_by_surname_and_birth_date(
                surname=str(identity["surname"]),
                birth_date=identity["birth_date"],  # type: ignore[arg-type]
            )
        assert found.count() == 1
    assert Person.objects.count() == len(identities)


@pytest.mark.django_db
def test_the_seed_gives_each_virtual_user_an_account_and_what_it_should_see() -> None:
    """What the driver relies on (any database): working credentials per role, visible
    cases that really are visible, BSNs that hit and BSNs that miss. Demo mode only."""
    from django.core.management.base import CommandError
    from django.test import override_settings
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from caseroom.selectors import active_case_of_person, case_list_for_user
    from demo.loadtest.seed import seed_load
    from demo.loadtest.totp import TotpKey
    from partners.models import User
    from partners.services import api_token_find
    from persons.services import person_find_existing

    sizes = {"partners": 3, "regisseurs": 1, "privacy": 1, "service_accounts": 2}
    with pytest.raises(CommandError):
        seed_load(**sizes, cases=2, pending=1)  # not outside demo mode
    with override_settings(DEMO=True):
        manifest = seed_load(**sizes, cases=4, pending=2)

    users = manifest["users"]
    assert [len(users[r]) for r in ("partner", "regisseur", "privacy", "service")] == [3, 1, 1, 2]
    for entry in [*users["partner"], *users["regisseur"], *users["privacy"], manifest["probe"]]:
        user = User.objects.get(username=entry["username"])
        assert user.check_password(entry["password"])
        device = TOTPDevice.objects.get(user=user, confirmed=True)
        key = TotpKey.from_manifest(entry["totp"])
        assert device.verify_token(key.code(key.counter()))
    for entry in [*users["partner"], *users["regisseur"]]:
        user = User.objects.get(username=entry["username"])
        visible = set(case_list_for_user(user=user).values_list("pk", flat=True))
        assert entry["visible_cases"] and set(entry["visible_cases"]) == visible
    assert len(users["regisseur"][0]["visible_cases"]) == len(manifest["case_numbers"])
    for entry in users["service"]:
        token = api_token_find(key=entry["token"])
        assert token is not None and token.account.username == entry["username"]
    for bsn in manifest["hit_bsns"]:
        person = person_find_existing(bsn=bsn)
        assert person is not None and active_case_of_person(person=person) is not None
    for bsn in manifest["miss_bsns"] + [p["bsn"] for p in manifest["referral_persons"]]:
        assert person_find_existing(bsn=bsn) is None
    assert len(manifest["pending_referrals"]) == 2
