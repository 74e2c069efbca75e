"""Backup and restore (bin/backup, bin/restore; docs/operations.md), end to end on PostgreSQL.

A source database of its own, migrated in production mode and filled by ``load_demo`` plus
access events written through ``audit.services``; keys made by ``core.keygen`` in a folder
of their own. Then: a backup next to (not in) the keys; the dump holds no names or BSNs in
plaintext; restores with a wrong key, a damaged dump, into a non-empty database are refused
before anything is written; a restore into a fresh database gives the same persons
(decrypted), the same audit chain head, append-only triggers that still refuse, and a chain
and sequences that carry on. All databases are dropped afterwards.

The end-to-end test is PostgreSQL only: skipped on SQLite, but failed when
CASUSREGIE_REQUIRE_DATABASE=postgresql. The tests of the pieces (fingerprints, signature,
where a backup may go) run on any database.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

ROOT = Path(__file__).resolve().parents[2]
KEY_NAMES = ("secret_key", "encryption_keys", "index_key", "audit_key")
# Settings the test decides; values from the test run would change what the commands do.
INHERITED = re.compile(
    r"^(CASUSREGIE_|DATABASE_|CELERY_|CACHE_URL|SECRET_KEY|ENCRYPTION_KEYS|INDEX_KEY|AUDIT_KEY"
    r"|ALLOWED_HOSTS|DEBUG|LOG_|DJANGO_SETTINGS_MODULE)"
)


def postgres_server() -> str | None:
    """The server (and credentials) of DATABASE_URL, without its database."""
    parts = urlsplit(os.environ.get("DATABASE_URL", ""))
    if parts.scheme not in {"postgres", "postgresql"}:
        return None
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def unavailable(reason: str) -> None:
    if os.environ.get("CASUSREGIE_REQUIRE_DATABASE") == "postgresql":
        pytest.fail(f"{reason}, maar CASUSREGIE_REQUIRE_DATABASE=postgresql")
    pytest.skip(reason)


class Databases:
    """Databases made by this test on one server, all dropped at the end."""

    def __init__(self, server: str) -> None:
        self.server = server
        self.names: list[str] = []

    def _admin(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.server, dbname="postgres", autocommit=True, connect_timeout=5)

    def create(self, name: str) -> str:
        with self._admin() as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.names.append(name)
        return self.url(name)

    def url(self, name: str) -> str:
        parts = urlsplit(self.server)
        return urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))

    def relations(self, name: str) -> list[str]:
        with psycopg.connect(self.url(name)) as connection:
            rows = connection.execute(
                "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public'"
            ).fetchall()
        return [row[0] for row in rows]

    def drop_all(self) -> None:
        with self._admin() as connection:
            for name in self.names:
                connection.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


@pytest.fixture
def databases() -> Iterator[Databases]:
    """The server of DATABASE_URL; skipped without PostgreSQL and its client tools, failed
    instead when CI requires PostgreSQL (checked in the test, so it reports a failure)."""
    server = postgres_server()
    missing = [t for t in ("pg_dump", "pg_restore") if not shutil.which(t)]
    if server is None or missing:
        yield Databases("")
        return
    made = Databases(server)
    try:
        yield made
    finally:
        made.drop_all()


def require(databases: Databases) -> None:
    if not databases.server:
        unavailable("back-up en herstel werken met PostgreSQL; DATABASE_URL noemt er geen")
    for tool in ("pg_dump", "pg_restore"):
        if not shutil.which(tool):
            unavailable(f"{tool} ontbreekt (Debian: postgresql-client)")


def key_env(folder: Path) -> dict[str, str]:
    return {f"{name.upper()}_FILE": str(folder / name) for name in KEY_NAMES}


class Env:
    def __init__(self, work: Path, keys: Path) -> None:
        self.work = work
        self.keys = keys

    def __call__(
        self, database_url: str, *, mode: str = "production", **extra: str
    ) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not INHERITED.search(k)}
        env.update(
            {
                "CASUSREGIE_MODE": mode,
                "CASUSREGIE_VAR_DIR": str(self.work / "var"),
                "DATABASE_URL": database_url,
                "CELERY_BROKER_URL": "memory://",
                "ALLOWED_HOSTS": "localhost",
                "LOG_LEVEL": "WARNING",
                "METRICS_TOKEN": secrets.token_urlsafe(32),
                **key_env(self.keys),
                **extra,
            }
        )
        return env


def run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own scripts and interpreter
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False
    )


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = run([sys.executable, "manage.py", *args], env)
    assert result.returncode == 0, f"manage.py {args[0]}:\n{result.stdout}\n{result.stderr}"
    return result


def shell(env: dict[str, str], code: str) -> Any:
    """Run code in ``manage.py shell``; it prints one line ``RESULT:<json>``."""
    output = manage(env, "shell", "--no-imports", "-c", code).stdout
    line = next(line for line in output.splitlines() if line.startswith("RESULT:"))
    return json.loads(line.removeprefix("RESULT:"))


# Reads every person through the ORM (decrypting), and the chain head; optionally appends
# one access event per person first, through the service every view uses.
READ = """
import json
from audit.models import AccessEvent
from audit.services import record_access
from persons.models import Person
people = {{str(p.pk): [p.surname, p.bsn, str(p.birth_date)] for p in Person.objects.all()}}
before = list(AccessEvent.objects.order_by("-seq").values_list("seq", "hash").first() or [0, ""])
for pk in list(people)[:{append}]:
    record_access(action="view", object_type="persons.person", object_id=pk, person_ids=[pk],
                  purpose="hersteltest")
after = list(AccessEvent.objects.order_by("-seq").values_list("seq", "hash").first() or [0, ""])
print("RESULT:" + json.dumps({{"people": people, "before": before, "after": after}}))
"""


def test_backup_and_restore_into_a_fresh_database(databases: Databases, tmp_path: Path) -> None:
    require(databases)
    started = time.monotonic()
    suffix = secrets.token_hex(4)
    keys = tmp_path / "keys"
    other_keys = tmp_path / "other-keys"
    for folder in (keys, other_keys):
        subprocess.run(  # noqa: S603
            [sys.executable, "-m", "core.keygen", str(folder)],
            cwd=ROOT,
            check=True,
            timeout=60,
            capture_output=True,
        )
    env = Env(tmp_path, keys)

    # --- a source database with real data: demo scenarios and access events ----------------
    source = databases.create(f"casusregie_backup_src_{suffix}")
    manage(env(source), "migrate", "--noinput")
    manage(env(source, mode="demo"), "load_demo")
    original = shell(env(source), READ.format(append=100))
    people = original["people"]
    assert len(people) >= 5
    head_seq, head_hash = original["after"]
    assert head_seq >= len(people) > 0

    # --- backup: refused near the keys, written elsewhere -----------------------------------
    for near_keys in (keys, tmp_path):
        refused = run([str(ROOT / "bin/backup"), str(near_keys)], env(source))
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert "sleutel" in refused.stderr, refused.stderr
    assert sorted(p.name for p in keys.iterdir()) == sorted(KEY_NAMES)
    assert not list(tmp_path.glob("casusregie-*"))

    backups = tmp_path / "backups"
    made = run([str(ROOT / "bin/backup"), str(backups)], env(source))
    assert made.returncode == 0, made.stdout + made.stderr
    (dump,) = backups.glob("casusregie-*.dump")
    manifest = json.loads(dump.with_name(dump.stem + ".manifest.json").read_text())
    assert manifest["audit_chain"]["head_seq"] == head_seq
    assert manifest["audit_chain"]["head_hash"] == head_hash
    assert manifest["encryption_key_ids_in_use"] == ["k1"]
    assert not any(name.endswith(".partial") for name in os.listdir(backups))
    key_texts = [(keys / name).read_text().strip() for name in KEY_NAMES]
    manifest_text = json.dumps(manifest)
    assert not any(text in manifest_text for text in key_texts)
    assert dump.stat().st_mode & 0o077 == 0

    # No plaintext personal data in the dump: not in its bytes, nor in the SQL it holds
    # (custom dumps are compressed, so the bytes alone would prove nothing).
    script = subprocess.run(  # noqa: S603
        [shutil.which("pg_restore") or "pg_restore", "--file=-", str(dump)],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    raw = dump.read_bytes()
    assert b"Politie eenheid Oost" in script  # the search sees data that is not secret
    for surname, bsn, _born in people.values():
        for secret in (surname, bsn):
            # A whole word: a 9-digit run inside base64 ciphertext is no BSN.
            pattern = rb"(?<![\w-])" + re.escape(secret.encode()) + rb"(?![\w-])"
            assert not secret or not re.search(pattern, script), secret
            assert not secret or not re.search(pattern, raw), secret
    assert not any(key.encode() in raw or key.encode() in script for key in key_texts)

    # --- refused before anything is written ----------------------------------------------
    empty = f"casusregie_backup_bad_{suffix}"
    empty_url = databases.create(empty)
    restore = [str(ROOT / "bin/restore"), str(dump)]
    wrong_audit = run(restore, env(empty_url, AUDIT_KEY_FILE=str(other_keys / "audit_key")))
    assert wrong_audit.returncode == 2, wrong_audit.stdout + wrong_audit.stderr
    assert "AUDIT_KEY is niet de sleutel van de back-up" in wrong_audit.stderr
    wrong_encryption = run(
        restore, env(empty_url, ENCRYPTION_KEYS_FILE=str(other_keys / "encryption_keys"))
    )
    assert wrong_encryption.returncode == 2, wrong_encryption.stdout + wrong_encryption.stderr
    assert "ENCRYPTION_KEYS: sleutel 'k1' is een andere sleutel" in wrong_encryption.stderr
    damaged = tmp_path / "damaged" / dump.name
    damaged.parent.mkdir()
    shutil.copy(dump, damaged)
    shutil.copy(dump.with_name(dump.stem + ".manifest.json"), damaged.parent)
    with damaged.open("r+b") as handle:
        handle.seek(len(raw) // 2)
        handle.write(bytes([raw[len(raw) // 2] ^ 0xFF]))
    broken = run([str(ROOT / "bin/restore"), str(damaged)], env(empty_url))
    assert broken.returncode == 2 and "controlegetal" in broken.stderr, broken.stderr
    assert databases.relations(empty) == []

    # --- the restore --------------------------------------------------------------------
    target = databases.create(f"casusregie_backup_dst_{suffix}")
    restored = run(restore, env(target))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "Herstel geslaagd." in restored.stdout
    assert f"Keten in orde: {head_seq} gebeurtenissen gecontroleerd, kop {head_seq}." in (
        restored.stdout
    )

    # The encrypted fields read back with the keys; the chain head is the source's; a new
    # access event continues the chain (sequence and hash) and it still verifies.
    after_restore = shell(env(target), READ.format(append=1))
    assert after_restore["people"] == people
    assert after_restore["before"] == [head_seq, head_hash]
    assert after_restore["after"][0] == head_seq + 1
    verified = manage(env(target), "audit_verify", "--from-start", "--no-progress")
    assert f"kop {head_seq + 1}." in verified.stdout

    # The append-only triggers came along.
    with psycopg.connect(target, autocommit=True) as db:
        for statement in (
            "UPDATE audit_accessevent SET purpose = 'gewijzigd' WHERE seq = 1",
            "DELETE FROM audit_accessevent WHERE seq = 1",
            "UPDATE auditlog_logentry SET object_repr = 'gewijzigd'",
        ):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                db.execute(statement)

    # A second restore into the now filled database is refused.
    again = run(restore, env(target))
    assert again.returncode == 2 and "is niet leeg" in again.stderr, again.stderr

    elapsed = time.monotonic() - started
    print(f"back-up en herstel: {elapsed:.1f} s")


# --- the pieces, on any database ---------------------------------------------------------


def make_keys() -> dict[str, str]:
    from core.keygen import KEY_FILES

    return {name: make() for name, make in KEY_FILES.items()}


def test_fingerprints_tell_keys_apart_without_revealing_them() -> None:
    from core.backup import compare_keys, key_fingerprints

    keys = make_keys()
    recorded = key_fingerprints(**keys)
    assert key_fingerprints(**keys) == recorded
    assert not any(value in json.dumps(recorded) for value in keys.values())
    assert compare_keys(recorded, recorded, ["k1"]) == ([], [])

    other = make_keys()
    rotated = f"k2:{other['encryption_keys'].split(':')[1]},{keys['encryption_keys']}"
    problems, warnings = compare_keys(
        recorded, key_fingerprints(**{**keys, "encryption_keys": rotated}), ["k1"]
    )
    assert (problems, warnings) == ([], [])  # a newer primary key in front is fine

    problems, warnings = compare_keys(recorded, key_fingerprints(**other), ["k1"])
    assert [p.split(" ")[0] for p in problems] == ["AUDIT_KEY", "INDEX_KEY", "ENCRYPTION_KEYS:"]
    assert "SECRET_KEY" in warnings[0]
    missing = f"k2:{other['encryption_keys'].split(':')[1]}"
    problems, _ = compare_keys(
        recorded, key_fingerprints(**{**keys, "encryption_keys": missing}), ["k1"]
    )
    assert problems == [
        "ENCRYPTION_KEYS mist sleutel 'k1', waarmee gegevens in de back-up zijn versleuteld."
    ]


def test_the_manifest_signature_covers_every_field() -> None:
    from core.backup import sign, signature_ok

    keys = make_keys()
    manifest: dict[str, Any] = {"audit_chain": {"head_seq": 7, "head_hash": "ab"}, "x": 1}
    manifest["signature"] = sign(manifest, keys["audit_key"])
    assert signature_ok(manifest, keys["audit_key"])
    assert not signature_ok(manifest, make_keys()["audit_key"])
    assert not signature_ok(
        {**manifest, "audit_chain": {"head_seq": 6, "head_hash": "ab"}}, keys["audit_key"]
    )


def test_a_backup_folder_keeps_away_from_the_keys(tmp_path: Path) -> None:
    from core.backup import key_folder_problem

    keys = tmp_path / "secrets" / "keys"
    keys.mkdir(parents=True)
    (keys / "audit_key").write_text("x")
    backups = tmp_path / "backups"
    assert key_folder_problem(backups, {}) is None
    assert key_folder_problem(keys, {}) is not None  # holds key files
    assert key_folder_problem(keys / "sub", {}) is not None  # inside the key folder
    token = tmp_path / "vault" / "metrics_token"
    environ = {"METRICS_TOKEN_FILE": str(token)}
    assert key_folder_problem(tmp_path / "vault", environ) is not None  # the secret's folder
    assert key_folder_problem(tmp_path, environ) is not None  # around it
    assert key_folder_problem(backups, environ) is None
