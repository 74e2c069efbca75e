"""The scale-out test: two web instances, two Celery workers and one beat on PostgreSQL and
Redis, as several pods of one installation would run (``make scaleout-test``).

What it shows, each as a check that fails the run:

1. **Stateless web instances.** Staff journeys (log in, refer, triage, contribute, report on
   an action, read the access log) send every request to the other instance than the one
   before: sessions (database), CSRF (shared secret key) and the rate limit of hit/no-hit
   (cache in Redis) hold across them. A logout on one instance ends the session on both.
2. **Scheduled tasks run exactly once.** Beat sends the heartbeat every 2 s and the stall
   sweep and due reminders every 4 s. Each message sent is run once, by one of the two
   workers, and the number of heartbeats matches one beat (two would double it).
3. **Killing a worker loses nothing.** Both workers stop consuming, the procesregisseur makes
   six actions (their notifications wait in Redis: the queue-length metric shows them),
   the test holds the rows' locks and lets the workers consume again: each worker blocks on
   one notification. One worker is killed (SIGKILL), the locks are released, a replacement
   worker starts as an orchestrator would start one, and every action is announced by
   exactly one mail.
4. **Operations.** Both instances are ready (database, broker, keys) before the run; the
   metrics of both instances count requests and tasks and show the queue and the audit
   chain; all logs are JSON lines without any BSN or name of the data set; the audit chain
   verifies and every read the journeys made is in the access log.

The last line is ``scaleout: web=2 workers=2 beat=1 requests=… errors=… ticks=…
duplicates=… lost=…``; the exit status is 0 only without errors.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import redis
from celery import Celery

from demo.loadtest.client import JourneyError, Response, Session, json_body
from demo.loadtest.journeys import (
    Finished,
    Partner,
    PrivacyOfficer,
    Regisseur,
    Registry,
    StaffMember,
)
from demo.loadtest.runner import (
    ROOT,
    Database,
    Run,
    SetupError,
    free_port,
    interrupt,
    say,
)

DATABASE_PREFIX = "casusregie_load_scaleout"
METRICS_TOKEN = uuid.uuid4().hex
HIT_RATE = "10/hour"
INTERVALS = {"beat-heartbeat": 2, "stall-sweep": 4, "action-due-reminders": 4}
VISIBILITY_TIMEOUT = 10
ACTIONS = 6  # made while the workers do not consume; their notifications wait in Redis
SUCCEEDED = re.compile(r"^Task ([\w.]+)\[([0-9a-f-]+)\] succeeded")
RECEIVED = re.compile(r"^Task ([\w.]+)\[([0-9a-f-]+)\] received")
SHUTDOWN = re.compile(r"^worker: (Warm|Cold|Soft) shutdown \(MainProcess\)$")
SENT = re.compile(r"^Scheduler: Sending due task ([\w-]+) \(([\w.]+)\)")


class Alternating(Session):
    """A browser session whose requests go to the two web instances in turn."""

    def __init__(self, *, ports: tuple[int, int], served: Counter[int], **kwargs: Any) -> None:
        super().__init__(port=ports[0], **kwargs)
        self.ports = ports
        self.served = served
        self.turn = 0

    def request(self, method: str, path: str, route: str, **kwargs: Any) -> Response:
        self.close()  # a new connection to the other instance
        self.port = self.ports[self.turn % 2]
        self.turn += 1
        self.served[self.port] += 1
        return super().request(method, path, route, **kwargs)


class Scaleout(Run):
    """Run (demo.loadtest.runner) with Redis for broker and cache, and the processes of
    several pods."""

    def __init__(self, *, args: argparse.Namespace, work: Path, database: Database) -> None:
        super().__init__(args=args, work=work, database=database)
        self.prefix = f"scaleout-{uuid.uuid4().hex[:8]}:"
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.ports: tuple[int, int] = (0, 0)
        self.served: Counter[int] = Counter()
        self.ticks = 0
        self.duplicates = 0
        self.lost = 0
        self.killed_task = ""
        self.manifest: dict[str, Any] = {}

    # --- environment ----------------------------------------------------------------------

    def env(self, mode: str) -> dict[str, str]:
        env = super().env(mode)
        redis_url = self.args.redis.rstrip("/")
        env.update(
            {
                # PostgreSQL ends the session of a killed worker within a second, so its
                # blocked claim can never commit after its mail was lost (docs/security.md).
                "DATABASE_URL": self.database.url
                + "?options=-c%20client_connection_check_interval%3D1000",
                "CELERY_BROKER_URL": f"{redis_url}/{self.args.redis_db}",
                "CELERY_KEY_PREFIX": self.prefix,
                "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
                "CACHE_URL": f"{redis_url}/{self.args.redis_db + 1}",
                "CELERY_BEAT_INTERVALS": ",".join(f"{k}={v}" for k, v in INTERVALS.items()),
                "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
                "EMAIL_FILE_PATH": str(self.work / "mail"),
                "METRICS_TOKEN": METRICS_TOKEN,
                "LOG_FORMAT": "json",
                "LOG_LEVEL": "INFO",
                "LOG_REQUESTS": "true",
            }
        )
        return env

    def clear_redis(self) -> None:
        """The cache database is this test's own; the broker's keys carry its prefix."""
        broker = redis.Redis.from_url(f"{self.args.redis.rstrip('/')}/{self.args.redis_db}")
        cache = redis.Redis.from_url(f"{self.args.redis.rstrip('/')}/{self.args.redis_db + 1}")
        try:
            for key in broker.scan_iter(match=f"{self.prefix}*"):
                broker.delete(key)
            cache.flushdb()
        finally:
            broker.close()
            cache.close()

    def producer(self) -> Celery:
        app = Celery("scaleout", broker=self.env("production")["CELERY_BROKER_URL"])
        app.conf.update(broker_transport_options={"global_keyprefix": self.prefix})
        return app

    # --- processes ------------------------------------------------------------------------

    def start(self, name: str, command: list[str], extra: dict[str, str] | None = None) -> None:
        log = (self.work / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(  # noqa: S603 - our own interpreter
            command,
            cwd=ROOT,
            env={**self.env("production"), **(extra or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def start_web(self, name: str, port: int) -> None:
        folder = self.work / f"prometheus-{name}"
        self.start(
            name,
            [sys.executable, "-m", "gunicorn", "--config", "python:config.gunicorn"]
            + ["config.wsgi:application"],
            {"PORT": str(port), "WEB_CONCURRENCY": "2", "PROMETHEUS_MULTIPROC_DIR": str(folder)},
        )

    def start_worker(self, name: str) -> None:
        self.start(
            name,
            [sys.executable, "-m", "celery", "-A", "config", "-q", "worker"]
            + ["--concurrency=1", f"--hostname={name}@scaleout", "--without-gossip"],
        )

    def start_beat(self) -> None:
        self.start(
            "beat",
            [sys.executable, "-m", "celery", "-A", "config", "-q", "beat"]
            + [f"--schedule={self.work / 'beat-schedule'}"],
        )

    def stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        process = self.processes.get(name)
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)

    def log_lines(self, name: str) -> list[str]:
        path = self.work / f"{name}.log"
        return (
            path.read_text(encoding="utf-8", errors="replace").splitlines() if path.exists() else []
        )

    def messages(self, name: str) -> list[str]:
        found = []
        for line in self.log_lines(name):
            with contextlib.suppress(ValueError):
                entry = json.loads(line)
                if isinstance(entry, dict):
                    found.append(str(entry.get("message", "")))
        return found

    def get(self, port: int, path: str, token: bool = False) -> tuple[int, str]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
        headers = {"Host": f"10.0.0.{port % 250}:{port}"}  # a pod address, as a probe sends
        if token:
            headers["Authorization"] = f"Bearer {METRICS_TOKEN}"
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            return response.status, response.read().decode("utf-8", errors="replace")
        finally:
            connection.close()

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 90
        pending = set(self.ports)
        last = ""
        while pending and time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise SetupError(f"{name} stopte:\n" + "\n".join(self.log_lines(name)[-20:]))
            for port in sorted(pending):
                with contextlib.suppress(OSError, http.client.HTTPException):
                    status, body = self.get(port, "/health/ready/")
                    last = f"{status} {body}"
                    if status == 200:
                        pending.discard(port)
            time.sleep(0.5)
        if pending:
            raise SetupError(f"niet gereed binnen 90 s: {last}")
        say(f"  beide web-instanties gereed (database, broker, sleutels): poorten {self.ports}")

    # --- 1. journeys over both instances --------------------------------------------------

    def persona(self, kind: type[StaffMember], role: str, number: int) -> StaffMember:
        manifest = self.manifest
        account = manifest["probe"] if role == "probe" else manifest["users"][role][0]
        user = kind(
            number=number,
            host="127.0.0.1",
            port=self.ports[0],
            recorder=self.recorder,
            account=account,
            manifest=manifest,
            think=0.0,
            deadline=time.monotonic() + 3600,
            stop=threading.Event(),
            hit_limit=(0, 3600.0),  # no hit/no-hit questions in the journeys
            registry=self.registry or Registry(manifest),
        )
        user.session = Alternating(
            ports=self.ports,
            served=self.served,
            host="127.0.0.1",
            recorder=self.recorder,
            client_ip=f"10.65.0.{number + 1}",
        )
        return user

    def journeys(self) -> tuple[Regisseur, int]:
        self.registry = Registry(self.manifest)
        partner = self.persona(Partner, "partner", 1)
        regisseur = self.persona(Regisseur, "regisseur", 2)
        privacy = self.persona(PrivacyOfficer, "privacy", 3)
        assert isinstance(partner, Partner) and isinstance(regisseur, Regisseur)  # noqa: S101
        assert isinstance(privacy, PrivacyOfficer)  # noqa: S101
        partner.login()
        partner.refer()
        regisseur.login()
        for _ in range(40):
            regisseur.triage()
            if self.registry.opened:
                break
        if not self.registry.opened:
            raise SetupError("in 40 pogingen geen aanmelding geaccepteerd")
        case_id = next(iter(self.registry.opened))
        partner.browse_cases()
        partner.contribute()
        partner.update_action()
        partner.api_cases()
        partner.my_actions()
        regisseur.browse_cases()
        regisseur.week()
        regisseur.meetings()
        regisseur.stalls()
        regisseur.referrals()
        privacy.login()
        privacy.dashboard()
        privacy.events()
        privacy.api_events()
        share = min(self.served.values()) / max(1, sum(self.served.values()))
        say(
            f"  routes over beide instanties: {self.recorder.requests} verzoeken, "
            f"{dict(self.served)} per poort, {self.recorder.error_count} fouten"
        )
        if share < 0.4:
            self.problems.append(f"verzoeken ongelijk verdeeld: {dict(self.served)}")
        self.logout_ends_everywhere(privacy)
        return regisseur, case_id

    def logout_ends_everywhere(self, user: StaffMember) -> None:
        """Log out on one instance; the same cookie is then anonymous on the other."""
        session = user.session
        assert isinstance(session, Alternating)  # noqa: S101
        session.turn = 0  # the logout goes to the first instance, the check to the second
        session.request(
            "POST",
            "/uitloggen/",
            "partners:logout",
            form={"csrfmiddlewaretoken": session.csrf},
            expect=(302,),
        )
        after = session.request("GET", "/", "partners:home (na uitloggen)", expect=(302,))
        if not after.location.startswith("/inloggen/"):
            self.problems.append(f"na uitloggen op de andere instantie: {after.location!r}")
        else:
            say("  uitloggen op de ene instantie beëindigt de sessie op de andere")

    def limit_across_instances(self) -> None:
        """Hit/no-hit questions alternate between the instances; the limit counts them all
        (the cache is Redis), so the 429 comes at the limit plus one."""
        limit = int(HIT_RATE.split("/")[0])
        prober = self.persona(StaffMember, "probe", 4)
        prober.login()
        for asked in range(1, limit + 3):
            response = prober.call(
                "POST",
                "/api/v1/persons/check/",
                "v1:person-check (limiet)",
                payload={"bsn": self.manifest["miss_bsns"][0], "purpose": "signal"},
                expect=(200, 429),
            )
            if response.status == 429:
                if asked != limit + 1:
                    self.problems.append(f"429 na {asked} vragen, verwacht na {limit + 1}")
                say(f"  limiet hit/no-hit {HIT_RATE} over beide instanties: 429 na {asked} vragen")
                return
        self.problems.append(f"geen 429 na {limit + 2} vragen over twee instanties")

    # --- 3. a worker killed ---------------------------------------------------------------

    def kill_a_worker(self, regisseur: Regisseur, case_id: int) -> None:
        app = self.producer()
        workers = ["worker-1@scaleout", "worker-2@scaleout"]
        try:
            replies = app.control.cancel_consumer(
                "celery", destination=workers, reply=True, timeout=5
            )
            if len(replies or []) != len(workers):
                raise SetupError(f"niet alle workers stopten met ophalen: {replies}")
            actions = self.make_actions(regisseur, case_id)
            self.check_queue(ACTIONS)
            holder = psycopg.connect(self.database.url)
            watcher = psycopg.connect(self.database.url, autocommit=True)
            try:
                holder.execute(
                    "SELECT id FROM caseroom_action WHERE id = ANY(%s::uuid[]) FOR UPDATE",
                    [actions],
                )
                holder_pid = holder.info.backend_pid
                app.control.add_consumer("celery", destination=workers, reply=True, timeout=5)

                def blocked() -> list[int]:
                    rows = watcher.execute(
                        "SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
                        [holder_pid],
                    ).fetchall()
                    return [pid for (pid,) in rows]

                wait_for(lambda: len(blocked()) >= 2, "beide workers wachten", 60)
                in_flight = self.received_not_done("worker-1")
                killed_at = time.monotonic()
                self.stop("worker-1", signal.SIGKILL)
                self.killed_task = in_flight[0] if in_flight else ""
                say(
                    "  worker-1 gedood (SIGKILL) terwijl hij een melding vasthield"
                    + (f" ({self.killed_task})" if self.killed_task else "")
                )
                wait_for(
                    lambda: len(blocked()) <= 1,
                    "PostgreSQL beëindigt de sessie van de gedode worker",
                    30,
                )
                holder.rollback()
            finally:
                holder.close()
                watcher.close()
            # An orchestrator starts a replacement; after the visibility timeout it gets
            # the message the killed worker held.
            time.sleep(max(0.0, killed_at + VISIBILITY_TIMEOUT + 1 - time.monotonic()))
            self.start_worker("worker-3")
            with psycopg.connect(self.database.url) as connection:

                def announced() -> bool:
                    row = connection.execute(
                        "SELECT count(*) FROM caseroom_action WHERE id = ANY(%s::uuid[]) "
                        "AND announced_at IS NOT NULL",
                        [actions],
                    ).fetchone()
                    return bool(row and row[0] == len(actions))

                wait_for(announced, "alle afspraken aangekondigd", 120)
                number = connection.execute(
                    "SELECT number FROM caseroom_case WHERE id = %s", [case_id]
                ).fetchone()
            subject = f"Nieuwe afspraak in casus {number[0] if number else '?'}"
            mailed = self.mails(subject)
            self.lost = max(0, ACTIONS - mailed)
            say(f"  {mailed} van {ACTIONS} meldingen verstuurd na het doden van worker-1")
            if mailed != ACTIONS:
                self.problems.append(f"{mailed} meldingen '{subject}', verwacht {ACTIONS}")
            if self.killed_task and not any(
                SUCCEEDED.match(m) and self.killed_task in m
                for name in ("worker-2", "worker-3")
                for m in self.messages(name)
            ):
                self.problems.append(f"de taak {self.killed_task} van de gedode worker liep niet")
        finally:
            app.close()

    def make_actions(self, regisseur: Regisseur, case_id: int) -> list[str]:
        listing = regisseur.get(
            f"/api/v1/cases/{case_id}/participants/",
            "v1:participant-list",
            check=json_body(),
        ).json()
        rows = listing["results"] if isinstance(listing, dict) else listing
        partner_organisation = self.manifest["users"]["partner"][0]["organisation"]
        owners = [r["organisation"]["id"] for r in rows if r["active"]]
        preferred = [
            r["organisation"]["id"]
            for r in rows
            if r["organisation"]["name"] == partner_organisation
        ]
        if not owners:
            raise SetupError("de nieuwe casus heeft geen deelnemers")
        owner = (preferred or owners)[0]
        due = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()  # noqa: DTZ011
        made = []
        for n in range(ACTIONS):
            response = regisseur.call(
                "POST",
                "/api/v1/actions/",
                "v1:action-list",
                payload={
                    "case": case_id,
                    "description": f"Afspraak {n + 1} uit de schaaltest.",
                    "owner_organisation": owner,
                    "due_date": due,
                },
                expect=(201,),
            )
            made.append(str(response.json()["id"]))
        return made

    def queued(self, port: int) -> float | None:
        """The queue length the metrics of the instance on ``port`` show."""
        status, text = self.get(port, "/metrics/", token=True)
        found = re.search(r'^casusregie_celery_queue_length\{queue="celery"\} (\S+)$', text, re.M)
        return float(found.group(1)) if status == 200 and found else None

    def check_queue(self, at_least: int) -> None:
        length = self.queued(self.ports[1])
        shown = -1 if length is None else length
        say(f"  wachtrij volgens de metrics van de tweede instantie: {shown:.0f} berichten")
        if length is None or length < at_least:
            self.problems.append(f"wachtrij {shown}, minstens {at_least} verwacht")

    def drain(self) -> None:
        """Wait until the workers took every message beat sent, and finished them."""

        def empty() -> bool:
            busy = self.received_not_done("worker-2") + self.received_not_done("worker-3")
            return self.queued(self.ports[0]) == 0 and not busy

        wait_for(empty, "de wachtrij leeg", 60)

    def received_not_done(self, worker: str) -> list[str]:
        received = [m.group(2) for m in map(RECEIVED.match, self.messages(worker)) if m]
        done = {m.group(2) for m in map(SUCCEEDED.match, self.messages(worker)) if m}
        return [task for task in received if task not in done]

    def mails(self, subject: str) -> int:
        folder = self.work / "mail"
        if not folder.exists():
            return 0
        return sum(
            path.read_text(encoding="utf-8", errors="replace").count(f"Subject: {subject}\n")
            for path in folder.iterdir()
        )

    # --- 2. exactly once ------------------------------------------------------------------

    def check_schedule(self, seconds: float) -> None:
        sent = Counter(
            m.group(2) for m in map(SENT.match, self.messages("beat")) if m
        )  # task name -> messages sent
        runs: dict[str, Counter[str]] = {}
        by_worker: Counter[str] = Counter()
        for worker in ("worker-1", "worker-2", "worker-3"):
            for message in self.messages(worker):
                found = SUCCEEDED.match(message)
                if found and found.group(1) in sent:
                    runs.setdefault(found.group(1), Counter())[found.group(2)] += 1
                    by_worker[worker] += 1
        for task, count in sorted(sent.items()):
            ran = runs.get(task, Counter())
            twice = [task_id for task_id, n in ran.items() if n > 1]
            self.duplicates += len(twice)
            say(f"  {task}: {count} keer verstuurd door beat, {len(ran)} keer uitgevoerd")
            if twice:
                self.problems.append(f"{task} liep dubbel: {twice[:3]}")
            if len(ran) != count:
                self.problems.append(f"{task}: {count} verstuurd, {len(ran)} uitgevoerd")
        heartbeat = INTERVALS["beat-heartbeat"]
        self.ticks = sent.get("core.tasks.beat_heartbeat", 0)
        expected = seconds / heartbeat
        say(f"  {self.ticks} hartslagen in {seconds:.0f} s (één beat: ~{expected:.0f})")
        if not expected * 0.6 <= self.ticks <= expected * 1.3 + 1:
            self.problems.append(f"{self.ticks} hartslagen, bij één beat ~{expected:.0f}")
        if len([w for w in ("worker-1", "worker-2") if by_worker[w]]) < 2:
            self.problems.append(f"geplande taken niet over beide workers: {dict(by_worker)}")

    # --- 4. operations --------------------------------------------------------------------

    def check_metrics(self) -> None:
        for port in self.ports:
            status, text = self.get(port, "/metrics/", token=True)
            counted = sum(
                float(v)
                for v in re.findall(r"^casusregie_http_requests_total\{.*\} (\S+)$", text, re.M)
            )
            beats = re.search(
                r'^casusregie_celery_tasks_total\{state="succeeded",task="core.tasks.beat_heartbeat"'
                r"\} (\S+)$",
                text,
                re.M,
            )
            head = re.search(r"^casusregie_audit_chain_head_age_seconds (\S+)$", text, re.M)
            age = re.search(r"^casusregie_beat_heartbeat_age_seconds (\S+)$", text, re.M)
            say(
                f"  metrics poort {port}: {counted:.0f} verzoeken, "
                f"{float(beats.group(1)) if beats else 0:.0f} hartslagen, "
                f"kop auditketen {float(head.group(1)) if head else -1:.0f} s oud"
            )
            if status != 200 or counted < 10 or not beats or not head or not age:
                self.problems.append(f"metrics van poort {port} onvolledig (status {status})")
            unauthorised, _ = self.get(port, "/metrics/")
            if unauthorised != 404:
                self.problems.append(f"/metrics/ zonder token: {unauthorised}")

    def check_logs(self) -> None:
        secrets = [p["bsn"] for p in self.manifest["referral_persons"]]
        secrets += [p["surname"] for p in self.manifest["referral_persons"]]
        secrets += list(self.manifest["hit_bsns"][:40]) + list(self.manifest["miss_bsns"][:5])
        lines = not_json = 0
        leaks: list[str] = []
        for name in self.processes:
            skipping = False
            for line in self.log_lines(name):
                lines += 1
                if line.startswith("{"):
                    skipping = False
                    try:
                        json.loads(line)
                    except ValueError:
                        not_json += 1
                elif os.geteuid() == 0 and ("SecurityWarning" in line or skipping):
                    skipping = True  # Celery's warning about running as root (not in pods)
                elif SHUTDOWN.match(line):
                    pass  # printed by Celery's signal handler, not logged; holds no data
                elif line.strip():
                    not_json += 1
                    if not_json <= 3:
                        say(f"    geen JSON ({name}): {line[:120]}")
                leaks += [f"{name}: {s}" for s in secrets if s and s in line]
        say(f"  logs: {lines} regels, {not_json} geen JSON, {len(leaks)} met persoonsgegevens")
        if not_json:
            self.problems.append(f"{not_json} logregels zijn geen JSON")
        if leaks:
            self.problems.append(f"persoonsgegevens in de logs: {leaks[:3]}")


def wait_for(condition: Callable[[], object], what: str, seconds: float) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    raise SetupError(f"wachten mislukt: {what} (na {seconds:.0f} s)")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bin/scaleout-test",
        description="Schaaltest: twee web-instanties, twee workers en één beat op PostgreSQL "
        "en Redis.",
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("SCALEOUT_POSTGRES", "postgres://postgres@127.0.0.1:5432"),
    )
    parser.add_argument(
        "--redis", default=os.environ.get("SCALEOUT_REDIS", "redis://127.0.0.1:6379")
    )
    parser.add_argument(
        "--redis-db",
        type=int,
        default=int(os.environ.get("SCALEOUT_REDIS_DB", "5")),
        help="broker op deze database, cache op de volgende (die wordt geleegd)",
    )
    parser.add_argument("--keep", action="store_true", help="database en map bewaren")
    args = parser.parse_args(argv)
    # What runner.Run reads.
    args.users, args.cases, args.hit_rate, args.cache_url = 4, 8, HIT_RATE, None
    args.database = f"{DATABASE_PREFIX}_{os.getpid()}"
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    # Celery reads these before its configuration: the producer here must use this run's
    # broker, not the one of the calling environment (CI sets them for the test suite).
    for name in ("CELERY_BROKER_URL", "CELERY_BROKER_READ_URL", "CELERY_BROKER_WRITE_URL"):
        os.environ.pop(name, None)
    signal.signal(signal.SIGTERM, interrupt)
    work = Path(tempfile.mkdtemp(prefix="casusregie-scaleout-"))
    run = Scaleout(args=args, work=work, database=Database(args.postgres, args.database))
    status = 1
    try:
        run.clear_redis()
        run.manifest = run.prepare(["partner", "regisseur", "privacy", "partner"])
        run.ports = (free_port(), free_port())
        run.start_web("web-a", run.ports[0])
        run.start_web("web-b", run.ports[1])
        run.start_worker("worker-1")
        run.start_worker("worker-2")
        run.start_beat()
        started = time.monotonic()
        run.wait_ready()
        say("Routes, afwisselend over beide web-instanties")
        regisseur, case_id = run.journeys()
        run.limit_across_instances()
        say("Een worker gedood midden in het werk")
        run.kill_a_worker(regisseur, case_id)
        # Long enough for several sweeps and reminders whatever the set-up took.
        time.sleep(max(0.0, started + 30 - time.monotonic()))
        run.stop("beat")
        beat_ran = time.monotonic() - started
        run.drain()
        say("Geplande taken")
        run.check_schedule(beat_ran)
        say("Beheer")
        run.check_metrics()
        run.stop_all()
        run.check_logs()
        run.check_audit()
        for kind, count in sorted(run.recorder.error_kinds.items()):
            say(f"fout {kind}: {count}×")
            for sample in run.recorder.samples[kind]:
                say(f"    {sample}")
        for problem in run.problems:
            say(f"controle mislukt: {problem}")
        errors = run.recorder.error_count + len(run.problems)
        status = 0 if errors == 0 and run.chain_ok else 1
    except (SetupError, JourneyError, Finished, subprocess.SubprocessError, OSError) as exc:
        say(f"De schaaltest kon niet verder: {exc}")
        for name in run.processes:
            tail = run.log_lines(name)[-8:]
            if tail:
                say(f"--- {name}\n" + "\n".join(tail))
        run.problems.append(str(exc))
        status = 2
    except (psycopg.Error, redis.RedisError) as exc:
        say(f"De schaaltest kon niet verder: {type(exc).__name__}: {exc}")
        run.problems.append(type(exc).__name__)
        status = 2
    except KeyboardInterrupt:
        say("Afgebroken.")
        status = 130
    finally:
        run.stop_all()
        with contextlib.suppress(redis.RedisError):
            run.clear_redis()
        run.discard(keep=args.keep)
    errors = run.recorder.error_count + len(run.problems)
    say(
        f"scaleout: web=2 workers=2 beat=1 requests={run.recorder.requests} errors={errors} "
        f"ticks={run.ticks} duplicates={run.duplicates} lost={run.lost}"
    )
    return status


if __name__ == "__main__":
    raise SystemExit(main())
