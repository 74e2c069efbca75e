"""Faults, each with the real parts: a Celery worker killed in the middle of the stall sweep,
the database connection lost in the middle of a write, a start without encryption keys, a
damaged upload, and the clock jumping around a deadline."""

from __future__ import annotations

import datetime
import io
import os
import signal
import struct
import subprocess
import sys
import time
import uuid
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import psycopg
import pytest
import redis
from celery import Celery
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from caseroom import services
from caseroom.models import (
    Action,
    Attachment,
    Case,
    CaseEvent,
    CaseNumberCounter,
    CasePerson,
    Contribution,
    Participation,
    Referral,
)
from core.exceptions import ServiceError
from escalation import services as escalation_services
from escalation.models import Directive, Escalation, EscalationLevel, Stall
from partners.models import User
from partners.roles import Role
from persons.services import person_create
from tests.caseroom.conftest import World, make_org, make_user
from tests.conftest import verified_client
from tests.core.test_settings import production_env

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")

on_postgresql = pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="needs PostgreSQL (row locks, pg_terminate_backend); CI runs it there",
)
on_redis = pytest.mark.skipif(
    not (settings.CELERY_BROKER_URL.startswith("redis://") and settings.CELERY_RESULT_BACKEND),
    reason="needs a Redis broker and a result backend (CELERY_BROKER_URL=redis://…); CI has both",
)


def local(day: datetime.date, hour: int = 0, minute: int = 0, second: int = 0) -> datetime.datetime:
    """A moment on the house's clock (Europe/Amsterdam)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute, second)))


def wait_for(
    condition: Callable[[], T], what: str, timeout: float = 60, log: Path | None = None
) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-4000:] if log is not None else ""
            pytest.fail(f"gave up waiting for {what}\n{tail}")
        time.sleep(0.05)


def conninfo() -> dict[str, Any]:
    db = connection.settings_dict
    return {
        "host": db["HOST"] or "127.0.0.1",
        "port": db["PORT"] or 5432,
        "user": db["USER"],
        "password": db["PASSWORD"] or None,
        "dbname": db["NAME"],
    }


def overdue_action(world: World, days: int = 10) -> Action:
    return services.action_create(
        case=world.case,
        by=world.regisseur,
        description="Huisbezoek afleggen",
        owner_organisation=world.politie.organisation,
        due_date=timezone.localdate() - datetime.timedelta(days=days),
    )


MOTIVATION = "Vier maanden overleg zonder partij die de regie neemt; de ontruiming nadert."


def overdue_directive(world: World) -> Directive:
    """A directive of the mayor whose term of compliance passed yesterday."""
    mayor = make_user("burgemeester", make_org("Gemeente Rivierstad", "gemeente"), Role.BESTUURDER)
    escalation_services.escalate(
        case=world.case, level=EscalationLevel.objects.get(code="bestuurlijk"),
        by=world.regisseur, reason="Patstelling tussen GGZ en woningcorporatie over de zorg.",
        organisations=[world.ggz.organisation], addressed_to="burgemeester", stalemate=True,
        solutions_discussed="Overleg gevoerd, geen oplossing.",
        urgency="Ontruiming over een week; spoed is nodig om erger te voorkomen.",
    )  # fmt: skip
    directive = escalation_services.directive_issue(
        case=world.case, by=mayor, organisation=world.ggz.organisation,
        categories=services.categories_by_code(["basis", "zorg"]),
        consultation_expired=MOTIVATION, interests_weighed=MOTIVATION,
        proportionality=MOTIVATION, objection_route=MOTIVATION,
        comply_by=timezone.localdate() + datetime.timedelta(days=1),
    )  # fmt: skip
    Directive.objects.filter(pk=directive.pk).update(
        comply_by=timezone.localdate() - datetime.timedelta(days=1)
    )
    return directive


# --- 1. a worker killed in the middle of the stall sweep -------------------------------------


def worker_url() -> str:
    """The test database for a worker process. client_connection_check_interval (PostgreSQL
    14+) makes the server end the session of a client that is gone even while it waits for
    a lock; without it the session of a killed worker finishes its statement afterwards and
    claims a follow-up whose mail is never sent (see the report of this test)."""
    info = conninfo()
    password = f":{quote(info['password'])}" if info["password"] else ""
    return (
        f"postgres://{quote(info['user'])}{password}@{info['host']}:{info['port']}/"
        f"{info['dbname']}?options=-c%20client_connection_check_interval%3D200"
    )


def start_worker(
    name: str, queue: str, environ: dict[str, str], log: Path
) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(  # noqa: S603 - our own worker with fixed arguments
            [
                sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo",
                "--queues", queue, "--hostname", f"{name}-{queue}@%h", "--without-gossip",
                "--without-mingle", "--without-heartbeat", "--loglevel=INFO",
            ],
            cwd=ROOT, env=environ, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, killed as a whole
        )  # fmt: skip


VISIBILITY_TIMEOUT = 1  # seconds


def mails(log: Path, subject: str) -> int:
    """Mails the worker sent: the console backend writes them to its log."""
    return log.read_text(errors="replace").count(f"Subject: {subject}\n")


@on_postgresql
@on_redis
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_sweep_is_replaced_and_nothing_is_reminded_twice(
    world: World, tmp_path: Path
) -> None:
    """The sweep reminds the owner of an overdue action, then blocks on the row of an
    overdue directive (this test holds its lock) and is killed with SIGKILL. The message was
    not acknowledged (acks_late), so after the visibility timeout Redis hands it to a new
    worker: it sends the directive's follow-up once and the owner's reminder not again."""
    action = overdue_action(world)
    directive = overdue_directive(world)
    number = world.case.number
    queue, prefix = f"faults-{uuid.uuid4().hex[:8]}", f"faults-{uuid.uuid4().hex[:8]}:"
    environ = {
        **os.environ,
        "DATABASE_URL": worker_url(),
        # Both workers and this test's producer use their own keys in the shared Redis
        # database, so the short timeout hands out no message of another test's worker.
        "CELERY_KEY_PREFIX": prefix,
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        # Mails go to the worker's log (the console backend), where they are counted.
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "LOG_LEVEL": "INFO",
    }
    # Not the current app: shared tasks elsewhere keep sending through the configured one.
    producer = Celery("faults", broker=settings.CELERY_BROKER_URL, set_as_current=False)
    producer.conf.update(
        result_backend=settings.CELERY_RESULT_BACKEND,
        broker_transport_options={"global_keyprefix": prefix},
        task_serializer="json",
    )
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    holder = psycopg.connect(**conninfo())
    watcher = psycopg.connect(**conninfo(), autocommit=True)
    workers: list[subprocess.Popen[bytes]] = []
    try:
        holder.execute(
            "SELECT id FROM escalation_directive WHERE id = %s FOR UPDATE", [directive.pk]
        )
        holder_pid = holder.info.backend_pid
        workers.append(start_worker("first", queue, environ, first_log))
        result = producer.send_task("escalation.tasks.sweep_stalls", queue=queue)

        def blocked() -> list[int]:
            rows = watcher.execute(
                "SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
                [holder_pid],
            ).fetchall()
            return [pid for (pid,) in rows]

        waiting = wait_for(blocked, "the first worker to wait for the row", log=first_log)
        taken = time.monotonic()  # the message was handed out before this
        os.killpg(workers[0].pid, signal.SIGKILL)
        workers[0].wait(timeout=30)
        wait_for(
            lambda: (
                not watcher.execute(
                    "SELECT 1 FROM pg_stat_activity WHERE pid = ANY(%s)", [waiting]
                ).fetchone()
            ),
            "PostgreSQL to end the killed worker's session",
        )
        holder.rollback()  # the row is free again

        # Before the kill the owner was reminded (claimed and mailed); the directive was not.
        assert mails(first_log, "Afspraken staan stil") == 1
        assert mails(first_log, f"Besluit in casus {number} niet nageleefd") == 0
        stall = Stall.objects.get(action=action)
        assert stall.owner_reminded_at is not None
        directive.refresh_from_db()
        assert directive.reminded_at is None

        # A new worker hands out again what was unacknowledged longer than the timeout.
        time.sleep(max(0.0, taken + VISIBILITY_TIMEOUT + 0.5 - time.monotonic()))
        workers.append(start_worker("second", queue, environ, second_log))
        counts = result.get(timeout=90)
        again = producer.send_task("escalation.tasks.sweep_stalls", queue=queue).get(timeout=90)
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
                worker.wait(timeout=30)
        holder.close()
        watcher.close()
        producer.close()
        _forget_keys(prefix)

    # The same message ran again in the new worker, and only what was left was done.
    received = f"escalation.tasks.sweep_stalls[{result.id}] received"
    assert received in first_log.read_text() and received in second_log.read_text()
    assert counts["new"] == 0 and counts["owner_reminders"] == 0
    assert counts["directives_overdue"] == 1
    assert again == {key: 0 for key in again}
    assert mails(second_log, "Afspraken staan stil") == 0
    assert mails(second_log, f"Besluit in casus {number} niet nageleefd") == 1
    assert Stall.objects.filter(action=action).count() == 1
    assert Stall.objects.get(action=action).owner_reminded_at == stall.owner_reminded_at
    directive.refresh_from_db()
    assert directive.reminded_at is not None


def _forget_keys(prefix: str) -> None:
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    try:
        for key in client.scan_iter(match=f"{prefix}*"):
            client.delete(key)
    finally:
        client.close()


# --- 2. the database connection lost in the middle of a write --------------------------------


class DropConnectionAfterInsert:
    """An execute wrapper: once the first row of ``table`` is written, PostgreSQL ends this
    connection (pg_terminate_backend from a second connection), as a failover or a
    restarted database server would."""

    def __init__(self, table: str) -> None:
        self.statement = f'INSERT INTO "{table}"'
        self.dropped = False

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        result = execute(sql, params, many, context)
        if not self.dropped and sql.startswith(self.statement):
            self.dropped = True
            pid = context["connection"].connection.info.backend_pid
            with psycopg.connect(**conninfo(), autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", [pid])
                wait_for(
                    lambda: (
                        not admin.execute(
                            "SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]
                        ).fetchone()
                    ),
                    "the connection to end",
                )
        return result


def rows(referral: Referral) -> dict[str, object]:
    return {
        "cases": Case.objects.count(),
        "events": CaseEvent.objects.count(),
        "participations": Participation.objects.count(),
        "case_persons": CasePerson.objects.count(),
        "counters": sorted(CaseNumberCounter.objects.values_list("pk", "last")),
        "referral": Referral.objects.values_list("status", "decided_at").get(pk=referral.pk),
    }


@pytest.fixture
def referral(world: World) -> Referral:
    person = person_create(surname="Zwanenburg", given_names="Iris", bsn="123456782")
    return services.referral_submit(
        by=world.politie,
        house=world.house,
        persons=[person],
        reason="Aanhoudende overlast en zorgen over de kinderen.",
        goal="Eén plan voor het gezin.",
        person_informed=True,
    )


@on_postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("via", ["page", "api"])
def test_a_connection_lost_mid_triage_is_a_dutch_503_and_leaves_no_half_case(
    world: World, referral: Referral, via: str
) -> None:
    client = verified_client(world.regisseur)
    client.raise_request_exception = False  # answer as in production, not re-raise

    def triage() -> Any:
        if via == "page":
            return client.post(
                reverse("caseroom:triage", args=[referral.pk]),
                {"decision": "geaccepteerd", "criterion_domains": "on",
                 "criterion_chains": "on", "criterion_system": "on",
                 "target_group": "multiprobleem"},
            )  # fmt: skip
        return client.post(
            f"/api/v1/referrals/{referral.pk}/triage/",
            {"decision": "geaccepteerd", "criterion_domains": True, "criterion_chains": True,
             "criterion_system": True, "target_group": "multiprobleem"},
            content_type="application/json",
        )  # fmt: skip

    before = rows(referral)
    last = CaseNumberCounter.objects.get(house=world.house, year=timezone.localdate().year).last
    drop = DropConnectionAfterInsert(Case._meta.db_table)
    with connection.execute_wrapper(drop):
        response = triage()
    assert drop.dropped  # the case row was written, then the connection went

    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    body = response.content.decode()
    if via == "api":
        error = response.json()["error"]
        assert error["code"] == "database_unavailable"
        assert "mogelijk niet opgeslagen" in error["message"] and error["request_id"]
    else:
        assert response["Content-Type"].startswith("text/html")
        assert "Casusregie is even niet bereikbaar" in body
        assert "mogelijk niet opgeslagen" in body
    for leak in ("Traceback", "OperationalError", "INSERT", "caseroom_", "Zwanenburg", "Iris"):
        assert leak not in body
    # Nothing of the triage was kept: no case, no timeline, no participants, no number used.
    assert rows(referral) == before

    # The database is back: the same triage succeeds once, with the number not skipped.
    retried = triage()
    assert retried.status_code == (302 if via == "page" else 200)
    case = Case.objects.get(referral=referral)
    assert case.number.endswith(f"-{last + 1:04d}")
    assert Case.objects.count() == before["cases"] + 1  # type: ignore[operator]


# --- 3. a start without encryption keys --------------------------------------------------------


@pytest.mark.parametrize("preload", [False, True], ids=["workers", "preload"])
def test_gunicorn_without_encryption_keys_stops_with_one_clear_message(
    tmp_path: Path, preload: bool
) -> None:
    """tests/core/test_settings.py covers manage.py; this is the web server's start."""
    environ = production_env(tmp_path, XDG_RUNTIME_DIR=str(tmp_path))  # its control socket
    environ.pop("ENCRYPTION_KEYS_FILE")
    result = subprocess.run(  # noqa: S603 - our own server with fixed arguments
        [
            sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:0", "--workers", "1",
            *(["--preload"] if preload else []), "config.wsgi:application",
        ],
        cwd=ROOT, env=environ, capture_output=True, text=True, timeout=90, check=False,
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert output.count("Casusregie start niet: ENCRYPTION_KEYS (of ENCRYPTION_KEYS_FILE)") == 1
    assert "Traceback" not in output and "ImproperlyConfigured" not in output
    if not preload:
        assert "App failed to load" in output  # the master stopped, no endless restarts


def test_manage_py_without_encryption_keys_prints_the_message_and_no_traceback(
    tmp_path: Path,
) -> None:
    environ = production_env(tmp_path)
    environ.pop("ENCRYPTION_KEYS_FILE")
    result = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", "check"],
        cwd=ROOT, env=environ, capture_output=True, text=True, timeout=90, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.startswith("Casusregie start niet: ENCRYPTION_KEYS")
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize("command", ["worker", "beat"])
def test_celery_without_encryption_keys_prints_the_message_and_no_traceback(
    tmp_path: Path, command: str
) -> None:
    environ = production_env(tmp_path)
    environ.pop("ENCRYPTION_KEYS_FILE")
    result = subprocess.run(  # noqa: S603 - our own worker with fixed arguments
        [sys.executable, "-m", "celery", "-A", "config", "-q", command],
        cwd=ROOT, env=environ, capture_output=True, text=True, timeout=90, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.startswith("Casusregie start niet: ENCRYPTION_KEYS")
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1


# --- 4. a damaged upload -----------------------------------------------------------------------


def png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    header = struct.pack(">IIBBBBB", 2, 2, 8, 0, 0, 0, 0)  # 2x2, 8-bit grey
    pixels = zlib.compress(b"\x00\x00\xff" * 2)  # per row: filter byte, two pixels
    chunks = chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def pdf() -> bytes:
    from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]

    buffer = io.BytesIO()
    page = Canvas(buffer)
    page.drawString(72, 720, "Proces-verbaal")
    page.save()
    return buffer.getvalue()


def half(data: bytes) -> bytes:
    return data[: len(data) // 2]


def flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]


DAMAGED: dict[str, tuple[str, str, Callable[[], bytes]]] = {
    "pdf-cut-off": ("pv.pdf", "application/pdf", lambda: half(pdf())),
    "pdf-header-then-garbage": ("pv.pdf", "application/pdf", lambda: b"%PDF-1.7\n" + b"~" * 512),
    "pdf-without-trailer": ("pv.pdf", "application/pdf", lambda: pdf()[:-20]),
    "png-cut-off": ("foto.png", "image/png", lambda: png()[:-12]),
    "png-damaged-pixels": ("foto.png", "image/png", lambda: flip(png(), 45)),
    "png-signature-then-garbage": ("foto.png", "image/png", lambda: png()[:8] + b"\x00" * 64),
}


def upload(user: User, world: World, name: str, data: bytes, content_type: str) -> Any:
    return verified_client(user).post(
        f"/api/v1/cases/{world.case.pk}/contributions/",
        {"category": "politie", "text": "Zie bijlage.",
         "files": [SimpleUploadedFile(name, data, content_type)]},
    )  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("damage", list(DAMAGED))
def test_a_damaged_upload_is_refused_in_dutch_and_nothing_is_stored(
    world: World, damage: str
) -> None:
    name, content_type, make = DAMAGED[damage]
    before = (Contribution.objects.count(), Attachment.objects.count())
    response = upload(world.politie, world, name, make(), content_type)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "file_corrupt"
    assert error["fields"]["files"][0]["code"] == "file_corrupt"
    assert error["message"].startswith(f"{name} is beschadigd of onvolledig")
    assert (Contribution.objects.count(), Attachment.objects.count()) == before


@pytest.mark.django_db
def test_whole_files_of_the_same_kinds_are_accepted(world: World) -> None:
    """The damaged files above differ from these only by the damage."""
    for name, content_type, data in (("pv.pdf", "application/pdf", pdf()),
                                     ("foto.png", "image/png", png())):  # fmt: skip
        response = upload(world.politie, world, name, data, content_type)
        assert response.status_code == 201, response.content
    assert Attachment.objects.filter(contribution__case=world.case).count() == 2


@pytest.mark.django_db
def test_a_damaged_upload_on_the_page_shows_the_dutch_message_and_stores_nothing(
    world: World,
) -> None:
    before = (Contribution.objects.count(), Attachment.objects.count())
    response = verified_client(world.politie).post(
        reverse("caseroom:contribution_add", args=[world.case.pk]),
        {"inbreng-category": "politie", "inbreng-text": "Met een afgebroken bijlage.",
         "inbreng-attachments": SimpleUploadedFile("pv.pdf", pdf()[:300], "application/pdf")},
    )  # fmt: skip
    assert response.status_code == 200
    assert "pv.pdf is beschadigd of onvolledig" in response.content.decode()
    assert (Contribution.objects.count(), Attachment.objects.count()) == before


# --- 5. the clock jumps around a deadline ------------------------------------------------------


@pytest.mark.django_db
def test_a_clock_jump_around_the_grace_period_finds_and_reminds_a_stall_once(
    world: World,
) -> None:
    from escalation.tasks import sweep_stalls

    today = timezone.localdate()
    with freeze_time(local(today, 9)):
        action = services.action_create(
            case=world.case, by=world.regisseur, description="Huisbezoek afleggen",
            owner_organisation=world.politie.organisation, due_date=today,
        )  # fmt: skip
    # Due today: stalled from the first day after the grace period, at midnight.
    stalled_from = local(today + datetime.timedelta(days=settings.STALL_GRACE_DAYS + 1))
    just_before = stalled_from - datetime.timedelta(seconds=1)
    just_after = stalled_from + datetime.timedelta(seconds=1)

    def sweep_at(moment: datetime.datetime) -> dict[str, int]:
        with freeze_time(moment):
            counts: dict[str, int] = sweep_stalls()
        return counts

    def stalls() -> list[tuple[datetime.datetime | None, datetime.datetime | None]]:
        return list(Stall.objects.filter(action=action).values_list("found_at", "resolved_at"))

    def reminders() -> int:
        return sum(m.subject == "Afspraken staan stil" for m in mail.outbox)

    assert sweep_at(just_before)["new"] == 0
    assert stalls() == [] and reminders() == 0
    found = sweep_at(just_after)
    assert found["new"] == 1 and found["owner_reminders"] == 1
    assert stalls() == [(just_after, None)] and reminders() == 1
    # The clock is set back (to before the grace period ended, and to before the due date):
    # the stall stays open, nothing is found or reminded again.
    for back in (just_before, local(today, 9)):
        assert sweep_at(back) == {key: 0 for key in found}
        assert stalls() == [(just_after, None)] and reminders() == 1
    # Forward again: still the one stall, reminded once.
    assert sweep_at(just_after + datetime.timedelta(hours=1))["new"] == 0
    assert stalls() == [(just_after, None)] and reminders() == 1
    # Real progress still resolves it.
    with freeze_time(just_after + datetime.timedelta(hours=2)):
        services.action_set_status(action=action, by=world.politie, status="afgerond")
    assert sweep_at(just_after + datetime.timedelta(hours=3))["resolved"] == 1
    assert Stall.objects.filter(action=action, resolved_at__isnull=True).count() == 0


@pytest.mark.django_db
def test_a_clock_jump_past_an_escalation_deadline_fails_the_step_once(world: World) -> None:
    levels = {level.code: level for level in EscalationLevel.objects.all()}
    start = local(timezone.localdate(), 10)

    def escalate(level: str) -> Escalation:
        return escalation_services.escalate(
            case=world.case, level=levels[level], by=world.regisseur,
            reason="De woningcorporatie en de GGZ wijzen elkaar aan.",
            organisations=[world.ggz.organisation, world.woning.organisation],
            addressed_to="teamleiders", stalemate=True,
            solutions_discussed="Gesprek over oplossingen gevoerd, zonder uitkomst.",
        )  # fmt: skip

    def expired_flags() -> list[bool]:
        response = verified_client(world.regisseur).get(
            f"/api/v1/cases/{world.case.pk}/escalations/"
        )
        return sorted(e["expired"] for e in response.json())

    with freeze_time(start):
        first = escalate("operationeel")
    last_day = first.respond_by
    before_end = local(last_day, 23, 59, 59)
    after_end = local(last_day + datetime.timedelta(days=1), 0, 0, 1)

    with freeze_time(before_end):
        assert expired_flags() == [False]
        with pytest.raises(ServiceError) as refused:
            escalate("tactisch")
        assert refused.value.code == "step_open"
    with freeze_time(after_end):
        assert expired_flags() == [True]
        second = escalate("tactisch")  # the term passed: the step failed, the next opens
    first.refresh_from_db()
    assert first.status == Escalation.Status.FAILED
    assert first.outcome == "Termijn verstreken zonder oplossing."
    # Back before the deadline, then forward again: the failed step stays failed and the
    # next step is not opened a second time.
    for moment in (before_end, after_end + datetime.timedelta(hours=1)):
        with freeze_time(moment):
            with pytest.raises(ServiceError) as again:
                escalate("tactisch")
            assert again.value.code == "step_open"
    first.refresh_from_db()
    assert first.status == Escalation.Status.FAILED
    steps = Escalation.objects.filter(case=world.case).order_by("created_at")
    assert list(steps.values_list("pk", "status")) == [
        (first.pk, Escalation.Status.FAILED),
        (second.pk, Escalation.Status.OPEN),
    ]
    assert world.case.events.filter(kind=CaseEvent.Kind.ESCALATED).count() == 2


@pytest.mark.django_db
def test_a_clock_jump_past_a_break_the_glass_grant_ends_the_access(world: World) -> None:
    outsider, case = world.outsider, world.case
    start = timezone.now()
    page, api = reverse("caseroom:case_detail", args=[case.pk]), f"/api/v1/cases/{case.pk}/"

    def statuses(moment: datetime.datetime) -> tuple[int, int]:
        with freeze_time(moment):
            client = verified_client(outsider)  # a fresh session: no idle timeout in play
            return client.get(page).status_code, client.get(api).status_code

    assert statuses(start) == (404, 404)
    with freeze_time(start):
        grant = services.break_glass_open(
            user=outsider, case=case, reason="Acute dreiging gemeld; ik moet de casus nu zien.",
            categories=services.categories_by_code(["basis"]),
        )  # fmt: skip
    assert grant.expires_at == start + datetime.timedelta(hours=settings.BREAK_GLASS_HOURS)
    assert statuses(start + datetime.timedelta(hours=1)) == (200, 200)
    assert statuses(grant.expires_at + datetime.timedelta(minutes=1)) == (404, 404)
    assert statuses(grant.expires_at + datetime.timedelta(days=3)) == (404, 404)
