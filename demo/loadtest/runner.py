"""Run the load test: a fresh database, keys, data, gunicorn, virtual users, checks.

The server runs with ``CASUSREGIE_MODE=production``, as behind the TLS-terminating reverse
proxy of a real installation: the load generator connects from 127.0.0.1, which is the
only entry of ``TRUSTED_PROXIES``, and sends ``X-Forwarded-Proto: https`` (see ``client``).
So HTTPS redirects, secure cookies, HSTS, CSP and the manifest static storage are all on,
and the password hasher is the production one. Only the seeding runs in demo mode: it makes
users with known passwords and second-factor secrets, which production refuses.

The last line of the output is always ``load: users=… requests=… errors=… p95_ms=…``; the
exit status is 0 only without errors and with a verified audit chain.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from demo.loadtest.client import REQUEST_TIMEOUT, JourneyError
from demo.loadtest.journeys import PERSONAS, Finished, Registry, StaffMember, VirtualUser
from demo.loadtest.stats import Recorder

ROOT = Path(__file__).resolve().parents[2]
DATABASE_PREFIX = "casusregie_load"
# Every fourth … tenth virtual user, in this order: the first four cover every role.
ROLE_ORDER = (
    "partner",
    "regisseur",
    "privacy",
    "service",
    "partner",
    "partner",
    "regisseur",
    "partner",
    "partner",
    "partner",
)
# Settings the load test decides itself; inherited values would change what is measured.
INHERITED_SETTINGS = re.compile(
    r"^(CASUSREGIE_|DATABASE_|CELERY_|EMAIL_|SECURE_|SESSION_|AUDIT_|LOGIN_|DJANGO_)"
    r"|^(SECRET_KEY|ENCRYPTION_KEYS|INDEX_KEY|AUDIT_KEY|CACHE_URL|DEBUG|ALLOWED_HOSTS"
    r"|CSRF_TRUSTED_ORIGINS|TRUSTED_PROXIES|STATIC_ROOT|HIT_NO_HIT_RATE|SITE_URL|LOG_LEVEL"
    r"|BREAK_GLASS_HOURS|STALL_\w+|EXPORT_MIN_GROUP)(_FILE)?$"
)
RATE_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class SetupError(Exception):
    pass


def say(message: str) -> None:
    print(message, flush=True)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bin/loadtest",
        description="Belastingtest: gunicorn op een verse PostgreSQL-database, gelijktijdige "
        "gebruikers op de gangbare routes, daarna de auditketen gecontroleerd.",
    )
    parser.add_argument("--users", type=int, default=int(os.environ.get("LOADTEST_USERS", 20)))
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--seconds", type=float, help="duur in seconden (in plaats van --minutes)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn-workers")
    parser.add_argument(
        "--database",
        default=os.environ.get("LOADTEST_DATABASE", DATABASE_PREFIX),
        help=f"naam van de database; wordt weggegooid en opnieuw gemaakt (begint met "
        f"{DATABASE_PREFIX})",
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("LOADTEST_POSTGRES", "postgres://postgres@127.0.0.1:5432"),
        help="PostgreSQL-server (URL zonder database)",
    )
    parser.add_argument("--think", type=float, default=0.5, help="gemiddelde denktijd (s)")
    parser.add_argument("--cases", type=int, default=60, help="extra casussen bovenop de demo")
    parser.add_argument(
        "--hit-rate",
        default=os.environ.get("HIT_NO_HIT_RATE", "30/hour"),
        help="HIT_NO_HIT_RATE van de server; de gebruikers blijven eronder",
    )
    parser.add_argument(
        "--cache-url",
        help="CACHE_URL van de server (een eigen Redis-database); zonder: geheugen per proces",
    )
    parser.add_argument("--no-limit-probe", action="store_true", help="sla de 429-proef over")
    parser.add_argument(
        "--keep", action="store_true", help="database en tijdelijke map na afloop bewaren"
    )
    args = parser.parse_args(argv)
    if args.users < 1 or args.workers < 1:
        parser.error("--users en --workers zijn minstens 1")
    if not args.database.startswith(DATABASE_PREFIX) or not re.fullmatch(r"\w+", args.database):
        parser.error(f"--database moet met {DATABASE_PREFIX} beginnen (hij wordt weggegooid)")
    args.duration = args.seconds if args.seconds is not None else args.minutes * 60
    if args.duration <= 0:
        parser.error("de duur moet positief zijn")
    return args


def parse_rate(rate: str) -> tuple[int, float]:
    count, _, period = rate.partition("/")
    if not count.isdigit() or not period or period[0] not in RATE_PERIODS:
        raise SetupError(f"onbekende HIT_NO_HIT_RATE {rate!r}")
    return int(count), float(RATE_PERIODS[period[0]])


def role_mix(users: int) -> list[str]:
    return [ROLE_ORDER[n % len(ROLE_ORDER)] for n in range(users)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Database:
    server: str
    name: str

    def _admin(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.server, dbname="postgres", autocommit=True, connect_timeout=5)

    @property
    def url(self) -> str:
        parts = urlsplit(self.server)
        return urlunsplit((parts.scheme, parts.netloc, f"/{self.name}", parts.query, ""))

    def recreate(self) -> None:
        with self._admin() as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name))
            )
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))

    def drop(self) -> None:
        with self._admin() as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name))
            )

    def connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.url, connect_timeout=5)


@dataclass
class Run:
    args: argparse.Namespace
    work: Path
    database: Database
    recorder: Recorder = field(default_factory=Recorder)
    problems: list[str] = field(default_factory=list)  # failed checks after the run
    registry: Registry | None = None
    server: subprocess.Popen[bytes] | None = None
    port: int = 0
    chain_ok: bool = False

    # --- environment ----------------------------------------------------------------------

    def env(self, mode: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not INHERITED_SETTINGS.search(k)}
        keys = self.work / "keys"
        env.update(
            {
                "CASUSREGIE_MODE": mode,
                "CASUSREGIE_VAR_DIR": str(self.work / "var"),
                "DATABASE_URL": self.database.url,
                "CELERY_BROKER_URL": "filesystem://",
                "SECRET_KEY_FILE": str(keys / "secret_key"),
                "ENCRYPTION_KEYS_FILE": str(keys / "encryption_keys"),
                "INDEX_KEY_FILE": str(keys / "index_key"),
                "AUDIT_KEY_FILE": str(keys / "audit_key"),
                "ALLOWED_HOSTS": "127.0.0.1",
                "TRUSTED_PROXIES": "127.0.0.1",
                "STATIC_ROOT": str(self.work / "static"),
                "HIT_NO_HIT_RATE": self.args.hit_rate,
                "LOG_LEVEL": "WARNING",
                "PYTHONUNBUFFERED": "1",
            }
        )
        if self.args.cache_url:
            env["CACHE_URL"] = self.args.cache_url
        return env

    def manage(
        self, label: str, *command: str, mode: str = "production", timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        started = time.monotonic()
        result = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=self.env(mode),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            output = (result.stdout + result.stderr).strip().splitlines()
            raise SetupError(f"{label} mislukt:\n" + "\n".join(output[-25:]))
        say(f"  {label} ({time.monotonic() - started:.0f} s)")
        return result

    # --- setup ----------------------------------------------------------------------------

    def prepare(self, mix: list[str]) -> dict[str, Any]:
        say(f"Voorbereiden in {self.work}")
        subprocess.run(  # noqa: S603
            [sys.executable, "-m", "core.keygen", str(self.work / "keys")],
            cwd=ROOT,
            capture_output=True,
            check=True,
            timeout=60,
        )
        self.database.recreate()
        say(f"  database {self.database.name} opnieuw gemaakt")
        self.manage("migrate", "migrate", "--noinput")
        counts = Counter(mix)
        manifest_path = self.work / "manifest.json"
        self.manage(
            "gegevens (demo en belastingtest)",
            "loadtest_seed",
            f"--out={manifest_path}",
            f"--partners={counts['partner']}",
            f"--regisseurs={counts['regisseur']}",
            f"--privacy={counts['privacy']}",
            f"--service-accounts={counts['service']}",
            f"--cases={self.args.cases}",
            mode="demo",
        )
        self.manage("collectstatic", "collectstatic", "--noinput")
        return dict(json.loads(manifest_path.read_text(encoding="utf-8")))

    def start_server(self) -> None:
        self.port = free_port()
        log = (self.work / "gunicorn.log").open("wb")
        self.server = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                f"--bind=127.0.0.1:{self.port}",
                f"--workers={self.args.workers}",
                f"--timeout={int(REQUEST_TIMEOUT)}",
                "--graceful-timeout=10",
                "--log-level=warning",
            ],
            cwd=ROOT,
            env=self.env("production"),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise SetupError("gunicorn stopte bij het starten:\n" + self.server_log(25))
            with contextlib.suppress(OSError, http.client.HTTPException):
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/inloggen/", headers={"X-Forwarded-Proto": "https"})
                status = connection.getresponse().status
                connection.close()
                if status == 200:
                    say(
                        f"  gunicorn: {self.args.workers} workers op 127.0.0.1:{self.port} "
                        "(productie-instellingen, achter een vertrouwde proxy)"
                    )
                    return
                raise SetupError(
                    f"gunicorn antwoordt {status} op /inloggen/:\n" + self.server_log(25)
                )
            time.sleep(0.5)
        raise SetupError("gunicorn antwoordt niet binnen 60 s")

    def stop_server(self) -> None:
        if self.server is None or self.server.poll() is not None:
            return
        # The master was started in a session of its own: its process group is its pid.
        os.killpg(self.server.pid, signal.SIGTERM)
        try:
            self.server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.server.pid, signal.SIGKILL)
            self.server.wait(timeout=10)

    def server_log(self, lines: int | None = None) -> str:
        path = self.work / "gunicorn.log"
        text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:] if lines else text.splitlines())

    # --- the load -------------------------------------------------------------------------

    def users(
        self, manifest: dict[str, Any], mix: list[str], deadline: float, stop: threading.Event
    ) -> list[VirtualUser]:
        accounts = {role: list(manifest["users"][role]) for role in PERSONAS}
        hit_limit = parse_rate(self.args.hit_rate)
        self.registry = Registry(manifest)
        users = []
        for number, role in enumerate(mix):
            users.append(
                PERSONAS[role](
                    number=number,
                    host="127.0.0.1",
                    port=self.port,
                    recorder=self.recorder,
                    account=accounts[role].pop(0),
                    manifest=manifest,
                    think=self.args.think,
                    deadline=deadline,
                    stop=stop,
                    hit_limit=hit_limit,
                    registry=self.registry,
                )
            )
        return users

    def load(self, manifest: dict[str, Any], mix: list[str]) -> list[VirtualUser]:
        stop = threading.Event()
        started = time.monotonic()
        deadline = started + self.args.duration
        users = self.users(manifest, mix, deadline, stop)
        threads = [
            threading.Thread(target=u.run, name=f"vu-{u.number}", daemon=True) for u in users
        ]
        counts = Counter(mix)
        say(
            f"Belasting: {len(users)} gebruikers ("
            + ", ".join(f"{counts[r]} {r}" for r in PERSONAS if counts[r])
            + f") gedurende {self.args.duration:.0f} s"
        )
        for thread in threads:
            thread.start()
        # A hard stop: a request may take REQUEST_TIMEOUT, a second-factor wait one step.
        hard_stop = deadline + REQUEST_TIMEOUT + 40
        next_report = started + 15
        try:
            while any(t.is_alive() for t in threads) and time.monotonic() < hard_stop:
                time.sleep(0.5)
                if time.monotonic() >= next_report and time.monotonic() < deadline:
                    say(
                        f"  {time.monotonic() - started:4.0f} s: "
                        f"{self.recorder.requests} verzoeken, {self.recorder.error_count} fouten"
                    )
                    next_report += 15
        finally:
            stop.set()
        last = max(hard_stop, time.monotonic()) + 5
        for thread in threads:
            thread.join(timeout=max(0.0, last - time.monotonic()))
        stuck = [t.name for t in threads if t.is_alive()]
        if stuck:
            self.problems.append(f"{len(stuck)} virtuele gebruikers stopten niet op tijd")
        say(f"  klaar na {time.monotonic() - started:.0f} s")
        return users

    def probe_limit(self, manifest: dict[str, Any]) -> None:
        """The rate limit still holds after the load: one user asks until the 429. Each
        gunicorn worker counts for itself unless CACHE_URL gives a shared cache."""
        limit, _period = parse_rate(self.args.hit_rate)
        # The cache is shared by all gunicorn workers (files in VAR_DIR, or Redis with
        # --cache-url): the limit must hold across them, so the 429 comes at limit + 1.
        shared = "Redis" if self.args.cache_url else "bestanden"
        attempts = limit + 1
        recorder = Recorder()
        stop = threading.Event()
        prober = StaffMember(
            number=999,
            host="127.0.0.1",
            port=self.port,
            recorder=recorder,
            account=manifest["probe"],
            manifest=manifest,
            think=0.0,
            deadline=time.monotonic() + 120,
            stop=stop,
            hit_limit=(attempts + 10, 3600.0),
            registry=Registry(manifest),
        )
        asked = 0
        try:
            prober.login()
            for asked in range(1, attempts + 1):  # noqa: B007 - reported below
                response = prober.call(
                    "POST",
                    "/api/v1/persons/check/",
                    "v1:person-check (proef)",
                    payload={"bsn": manifest["miss_bsns"][0], "purpose": "signal"},
                    expect=(200, 429),
                )
                if response.status == 429:
                    code = response.json().get("error", {}).get("code")
                    if code != "throttled" or "retry-after" not in response.headers:
                        self.problems.append(f"429 zonder Retry-After of met code {code!r}")
                    say(
                        f"Limiet hit/no-hit ({self.args.hit_rate}, "
                        + f"gedeelde cache: {shared}"
                        + f"): 429 na {asked} vragen"
                    )
                    return
        except (JourneyError, Finished):
            pass
        finally:
            prober.session.close()
        samples = [s for kind in recorder.samples.values() for s in kind]
        self.problems.append(
            f"geen 429 na {asked} hit/no-hit-vragen (verwacht binnen {attempts})"
            + (f": {samples[0]}" if samples else "")
        )

    def discard(self, *, keep: bool) -> None:
        """Drop the database and the working folder, or say where they were kept."""
        if keep:
            say(f"Bewaard: database {self.database.name}, map {self.work}")
            return
        with contextlib.suppress(psycopg.Error):
            self.database.drop()
        shutil.rmtree(self.work, ignore_errors=True)

    # --- after the run --------------------------------------------------------------------

    def check_audit(self) -> None:
        expected = list(self.recorder.audited)
        with self.database.connect() as connection:
            found = {
                row[0]
                for row in connection.execute(
                    "SELECT DISTINCT request_id FROM audit_accessevent WHERE request_id = ANY(%s)",
                    [expected],
                )
            }
            total, head = connection.execute(
                "SELECT count(*), coalesce(max(seq), 0) FROM audit_accessevent"
            ).fetchone() or (0, 0)
        missing = len(set(expected) - found)
        say(
            f"Toegangslogboek: {total} gebeurtenissen (kop {head}); "
            f"{len(expected) - missing} van {len(expected)} gelogde verzoeken teruggevonden"
        )
        if missing:
            self.problems.append(f"{missing} verzoeken zonder toegangsgebeurtenis")
        result = subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "audit_verify", "--from-start", "--no-progress"],
            cwd=ROOT,
            env=self.env("production"),
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        lines = [
            line for line in (result.stdout + result.stderr).splitlines() if "kombu" not in line
        ]
        say("Auditketen: " + (lines[-1] if lines else f"geen uitvoer (status {result.returncode})"))
        self.chain_ok = result.returncode == 0
        if not self.chain_ok:
            self.problems.append("de auditketen is niet in orde")

    def check_data(self) -> None:
        """What the writes left behind: need-to-know for the cases opened during the run,
        and each person registered once, however many partners referred them at once."""
        registry = self.registry
        if registry is not None:
            say(
                f"Tijdens de run: {registry.referrals} aanmeldingen gedaan, "
                f"{len(registry.opened)} casussen geopend"
            )
            self.problems.extend(registry.problems())
        with self.database.connect() as connection:
            for column in ("bsn_index", "name_index"):
                twice = connection.execute(
                    sql.SQL(
                        "SELECT count(*) FROM (SELECT {0} FROM persons_person WHERE {0} IS NOT "
                        "NULL GROUP BY {0} HAVING count(*) > 1) AS twice"
                    ).format(sql.Identifier(column))
                ).fetchone()
                if twice and twice[0]:
                    self.problems.append(f"{twice[0]} personen dubbel geregistreerd ({column})")

    def check_server_log(self) -> None:
        log = self.server_log()
        timeouts = log.count("WORKER TIMEOUT")
        errors = [
            line for line in log.splitlines() if re.search(r"\b(ERROR|CRITICAL)\b|Traceback", line)
        ]
        if timeouts:
            self.problems.append(f"{timeouts} gunicorn-workers liepen vast (WORKER TIMEOUT)")
        if errors:
            self.problems.append(f"{len(errors)} foutregels in het serverlog, bijv. {errors[0]}")


def report(run: Run, users: list[VirtualUser]) -> tuple[int, str]:
    """Print the figures; return the exit status and the closing line."""
    recorder = run.recorder
    say("")
    for line in recorder.table():
        say(line)
    say("")
    logins = sum(getattr(u, "logins", 0) for u in users)
    journeys = sum(u.journeys for u in users)
    say(f"{logins} keer ingelogd (wachtwoord en tweede factor), {journeys} routes afgelopen")
    for kind, count in sorted(recorder.error_kinds.items()):
        say(f"fout {kind}: {count}×")
        for sample in recorder.samples[kind]:
            say(f"    {sample}")
    for problem in run.problems:
        say(f"controle mislukt: {problem}")
    errors = recorder.error_count + len(run.problems)
    worst = max((r.p95_ms for r in recorder.figures()), default=0.0)
    line = (
        f"load: users={len(users)} requests={recorder.requests} errors={errors} p95_ms={worst:.0f}"
    )
    return (0 if errors == 0 and run.chain_ok else 1), line


def interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    # Stopped from outside (a CI timeout): still stop gunicorn and drop the database.
    signal.signal(signal.SIGTERM, interrupt)
    work = Path(tempfile.mkdtemp(prefix="casusregie-load-"))
    run = Run(args=args, work=work, database=Database(args.postgres, args.database))
    mix = role_mix(args.users)
    failed = f"load: users={args.users} requests={{}} errors=1 p95_ms=0"
    try:
        manifest = run.prepare(mix)
        run.start_server()
        users = run.load(manifest, mix)
        if not args.no_limit_probe:
            run.probe_limit(manifest)
        run.stop_server()
        run.check_server_log()
        run.check_data()
        run.check_audit()
        status, line = report(run, users)
    except (SetupError, subprocess.SubprocessError, OSError, psycopg.Error) as exc:
        say(f"De belastingtest kon niet draaien: {exc}")
        status, line = 2, failed.format(run.recorder.requests)
    except KeyboardInterrupt:
        say("Afgebroken.")
        status, line = 130, failed.format(run.recorder.requests)
    finally:
        run.stop_server()
        run.discard(keep=args.keep)
    say(line)
    return status
