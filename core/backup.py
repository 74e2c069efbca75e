"""Logical backups of the PostgreSQL database, and a restore that proves the copy is whole.

``bin/backup DEST_DIR`` writes ``casusregie-<UTC time>.dump`` (``pg_dump --format=custom``)
and ``casusregie-<UTC time>.manifest.json`` next to it. The manifest names the database,
the applied migrations, the head of the audit chain, the triggers, the encryption key ids
the data uses and a *fingerprint* of every key (an HMAC of a fixed label under the key),
plus the dump's sha256, and is signed with a key derived from ``AUDIT_KEY``. Keys are never
written: a backup refuses a folder that holds key files or lies in or around the folder of
any ``*_FILE`` secret. Manifest facts and dump come from one snapshot (``pg_dump
--snapshot``), so the recorded chain head is exactly the dump's.

``bin/restore DUMP`` restores into the empty database of ``DATABASE_URL``. Before anything is
written it checks the sha256, that the configured keys match the fingerprints, the
manifest's signature and that the database is empty (exit 2 when it refuses). After
``pg_restore --single-transaction`` it checks the triggers, the sequences, the migrations,
the audit chain (``audit_verify --from-start``) against the manifest's head and decrypts a
value of every model with encrypted fields (exit 1 when a check fails). See
docs/operations.md, "Backup and restore".

Runs with the application's own settings (the same environment as ``manage.py``), so the
keys and database are exactly the ones the service uses.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import hmac
import io
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMAT = "casusregie-backup/1"
# The names core.keygen gives key files: a folder holding one is a key folder.
KEY_FILE_NAMES = ("secret_key", "encryption_keys", "index_key", "audit_key")
_FINGERPRINT_LABEL = b"casusregie-backup/key-fingerprint/v1:"
_MANIFEST_LABEL = b"casusregie-backup/manifest/v1"
# libpq connection parameters that may come from the database OPTIONS (DATABASE_URL query).
_LIBPQ_OPTIONS = {
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "sslcrl",
    "sslpassword",
    "options",
    "connect_timeout",
    "application_name",
    "passfile",
    "service",
    "target_session_attrs",
    "gssencmode",
    "channel_binding",
}
REFUSED = 2  # exit status: refused, nothing written
FAILED = 1  # exit status: a step or a check failed


class BackupError(Exception):
    """A refusal or failure, with a message for the operator (Dutch)."""

    def __init__(self, message: str, *, status: int = FAILED) -> None:
        super().__init__(message)
        self.status = status


def say(message: str) -> None:
    print(message, flush=True)


# --- keys: fingerprints, comparison, the manifest's signature -------------------------------


def fingerprint(key: bytes, role: str) -> str:
    """A short public name of a key: HMAC-SHA256 of a fixed label under the key (64 bits).
    Tells whether two keys are equal without revealing either."""
    return hmac.new(key, _FINGERPRINT_LABEL + role.encode(), hashlib.sha256).hexdigest()[:16]


def key_fingerprints(
    *, secret_key: str, encryption_keys: str, index_key: str, audit_key: str
) -> dict[str, Any]:
    from core.crypto import KeyRing, decode_key

    ring = KeyRing.parse(encryption_keys)
    return {
        "secret_key": fingerprint(secret_key.encode("utf-8"), "secret_key"),
        "encryption_keys": {
            key_id: fingerprint(key, f"encryption_keys:{key_id}")
            for key_id, key in ring.keys.items()
        },
        "encryption_primary": ring.primary_id,
        "index_key": fingerprint(decode_key(index_key, name="INDEX_KEY"), "index_key"),
        "audit_key": fingerprint(decode_key(audit_key, name="AUDIT_KEY"), "audit_key"),
    }


def configured_fingerprints() -> dict[str, Any]:
    from django.conf import settings

    return key_fingerprints(
        secret_key=settings.SECRET_KEY,
        encryption_keys=settings.ENCRYPTION_KEYS,
        index_key=settings.INDEX_KEY,
        audit_key=settings.AUDIT_KEY,
    )


def compare_keys(
    recorded: Mapping[str, Any], configured: Mapping[str, Any], used_ids: Iterable[str]
) -> tuple[list[str], list[str]]:
    """Problems (refuse the restore) and warnings, each naming the key."""
    problems: list[str] = []
    warnings: list[str] = []
    if configured["audit_key"] != recorded["audit_key"]:
        problems.append(
            "AUDIT_KEY is niet de sleutel van de back-up: met een andere auditsleutel is de "
            "keten van het toegangslogboek niet te controleren."
        )
    if configured["index_key"] != recorded["index_key"]:
        problems.append(
            "INDEX_KEY is niet de sleutel van de back-up: zoeken op BSN en naam zou niets "
            "meer vinden."
        )
    old = recorded["encryption_keys"]
    new = configured["encryption_keys"]
    for key_id in sorted(set(used_ids)):
        if key_id not in new:
            problems.append(
                f"ENCRYPTION_KEYS mist sleutel {key_id!r}, waarmee gegevens in de back-up zijn "
                "versleuteld."
            )
    for key_id in sorted(set(old) & set(new)):
        if old[key_id] != new[key_id]:
            problems.append(
                f"ENCRYPTION_KEYS: sleutel {key_id!r} is een andere sleutel dan {key_id!r} bij "
                "de back-up."
            )
    if configured["secret_key"] != recorded["secret_key"]:
        warnings.append(
            "SECRET_KEY verschilt van die bij de back-up: sessies en wachtwoordherstellinks "
            "van toen gelden niet meer (gegevens hangen er niet van af)."
        )
    return problems, warnings


def _manifest_key(audit_key: str) -> bytes:
    from core.crypto import decode_key

    return hmac.new(
        decode_key(audit_key, name="AUDIT_KEY"), _MANIFEST_LABEL, hashlib.sha256
    ).digest()


def _canonical(manifest: Mapping[str, Any]) -> bytes:
    body = {k: v for k, v in manifest.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")


def sign(manifest: Mapping[str, Any], audit_key: str) -> str:
    return hmac.new(_manifest_key(audit_key), _canonical(manifest), hashlib.sha256).hexdigest()


def signature_ok(manifest: Mapping[str, Any], audit_key: str) -> bool:
    return hmac.compare_digest(str(manifest.get("signature", "")), sign(manifest, audit_key))


# --- where a backup may go -----------------------------------------------------------------


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def key_folder_problem(dest: Path, environ: Mapping[str, str]) -> str | None:
    """Why ``dest`` may not receive a backup, or None. Keys are kept apart: not in the
    folder (or a folder around it) holding key files, not in or around the folder of a
    ``*_FILE`` secret."""
    target = dest.expanduser().resolve()
    for folder in (target, *target.parents):
        found = [name for name in KEY_FILE_NAMES if (folder / name).exists()]
        if found:
            return (
                f"{folder} bevat sleutelbestanden ({', '.join(found)}); een back-up hoort "
                "niet bij de sleutels. Kies een map buiten de sleutelmap."
            )
    for name, value in sorted(environ.items()):
        if not name.endswith("_FILE") or not value:
            continue
        folder = Path(value).expanduser().resolve().parent
        if _inside(target, folder) or _inside(folder, target):
            return (
                f"{target} ligt in of om de map van {name} ({folder}); een back-up hoort niet "
                "bij de sleutels en geheimen. Kies een map daarbuiten."
            )
    return None


# --- the database --------------------------------------------------------------------------


@dataclass(frozen=True)
class PgTarget:
    """How to reach the configured database, for psycopg and the PostgreSQL client tools.
    The password travels in the environment (PGPASSWORD), never on a command line."""

    name: str
    conninfo: str
    password: str

    @classmethod
    def from_settings(cls) -> PgTarget:
        from django.conf import settings
        from psycopg.conninfo import make_conninfo

        db: dict[str, Any] = dict(settings.DATABASES["default"])
        if db["ENGINE"] != "django.db.backends.postgresql":
            raise BackupError(
                "bin/backup en bin/restore werken met PostgreSQL; DATABASE_URL noemt "
                f"{db['ENGINE'].rsplit('.', 1)[-1]}. Maak van een SQLite-database een kopie met "
                "sqlite3 DB '.backup BESTAND' terwijl de dienst stilstaat.",
                status=REFUSED,
            )
        params: dict[str, Any] = {"dbname": db["NAME"]}
        for key, setting in (("user", "USER"), ("host", "HOST"), ("port", "PORT")):
            if db.get(setting):
                params[key] = str(db[setting])
        for key, value in (db.get("OPTIONS") or {}).items():
            if key in _LIBPQ_OPTIONS and value not in (None, ""):
                params[key] = str(value)
        return cls(
            name=str(db["NAME"]),
            conninfo=make_conninfo("", **params),
            password=str(db.get("PASSWORD") or ""),
        )

    def connect(self) -> Any:
        import psycopg

        if self.password:
            return psycopg.connect(self.conninfo, password=self.password)
        return psycopg.connect(self.conninfo)

    def tool_env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.password:
            env["PGPASSWORD"] = self.password
        return env


def _tool(name: str) -> str:
    path = os.environ.get(name.upper()) or shutil.which(name)
    if not path:
        path = f"/usr/bin/{name}"
    if not Path(path).exists():
        raise BackupError(
            f"{name} ontbreekt (PostgreSQL-clientprogramma's, minstens de versie van de "
            f"server; Debian: apt-get install postgresql-client). Of geef het pad in "
            f"{name.upper()}."
        )
    return path


def _user_relations(cursor: Any, limit: int = 5) -> list[str]:
    cursor.execute(
        """
        SELECT n.nspname || '.' || c.relname FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
          AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg_toast%%' AND n.nspname NOT LIKE 'pg_temp%%'
        ORDER BY 1 LIMIT %s
        """,
        [limit],
    )
    return [row[0] for row in cursor.fetchall()]


def _triggers(cursor: Any) -> list[str]:
    cursor.execute(
        """
        SELECT c.relname || '.' || t.tgname FROM pg_trigger t
        JOIN pg_class c ON c.oid = t.tgrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE NOT t.tgisinternal AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        ORDER BY 1
        """
    )
    return [row[0] for row in cursor.fetchall()]


def _migrations(cursor: Any) -> dict[str, Any]:
    cursor.execute("SELECT app, name FROM django_migrations")
    latest: dict[str, str] = {}
    count = 0
    for app, name in cursor.fetchall():
        count += 1
        latest[app] = max(latest.get(app, ""), name)
    return {"applied": count, "latest": dict(sorted(latest.items()))}


def _chain_head(cursor: Any) -> dict[str, Any]:
    """The last event of the audit chain (or the purge anchor the chain starts after)."""
    from django.apps import apps
    from psycopg import sql

    events = apps.get_model("audit", "AccessEvent")._meta.db_table
    anchors = apps.get_model("audit", "PurgeAnchor")._meta.db_table
    cursor.execute(
        sql.SQL("SELECT seq, hash FROM {} WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1").format(
            sql.Identifier(events)
        )
    )
    row = cursor.fetchone()
    if row is None:
        cursor.execute(
            sql.SQL("SELECT seq, hash FROM {} ORDER BY seq DESC LIMIT 1").format(
                sql.Identifier(anchors)
            )
        )
        row = cursor.fetchone()
    seq, head = (int(row[0]), str(row[1])) if row else (0, "0" * 64)
    cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(events)))
    return {"head_seq": seq, "head_hash": head, "events": int(cursor.fetchone()[0])}


def _key_ids_in_use(cursor: Any) -> list[str]:
    """The key ids of every ciphertext in the encrypted columns (``v1.<id>.<…>``)."""
    from psycopg import sql

    from core.rotation import encrypted_targets

    parts = [
        sql.SQL(
            "SELECT DISTINCT split_part(left({col}, 48), '.', 2) FROM {table} "
            "WHERE {col} LIKE 'v1.%'"
        ).format(
            col=sql.Identifier(str(field.column)), table=sql.Identifier(target.model._meta.db_table)
        )
        for target in encrypted_targets()
        for field in target.fields
    ]
    if not parts:
        return []
    cursor.execute(sql.SQL(" UNION ").join(parts))
    return sorted(row[0] for row in cursor.fetchall())


def _sequence_problems(cursor: Any) -> tuple[int, list[str]]:
    """Every sequence of a serial or identity column must hand out a value above the
    column's highest: otherwise the next insert after a restore collides."""
    from psycopg import sql

    cursor.execute(
        """
        SELECT n.nspname, c.relname, a.attname,
               pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname)
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
          AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg_toast%'
        """
    )
    columns = [row for row in cursor.fetchall() if row[3]]
    problems = []
    for schema, table, column, sequence in columns:
        cursor.execute(
            sql.SQL("SELECT max({}) FROM {}.{}").format(
                sql.Identifier(column), sql.Identifier(schema), sql.Identifier(table)
            )
        )
        highest = cursor.fetchone()[0]
        cursor.execute(sql.SQL("SELECT last_value, is_called FROM {}").format(sql.SQL(sequence)))
        last_value, is_called = cursor.fetchone()
        following = last_value + 1 if is_called else last_value
        if highest is not None and following <= highest:
            problems.append(
                f"reeks {sequence} geeft {following}, maar {table}.{column} is al {highest}"
            )
    return len(columns), problems


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def manifest_path_for(dump: Path) -> Path:
    return dump.with_name(dump.name.removesuffix(".dump") + ".manifest.json")


# --- backup --------------------------------------------------------------------------------


def backup(dest: Path, *, now: datetime.datetime | None = None) -> Path:
    """Dump the database into ``dest``; returns the manifest's path."""
    from django.conf import settings

    problem = key_folder_problem(dest, os.environ)
    if problem:
        raise BackupError(f"Geweigerd: {problem}", status=REFUSED)
    if dest.exists() and not dest.is_dir():
        raise BackupError(f"Geweigerd: {dest} is geen map.", status=REFUSED)
    target = PgTarget.from_settings()
    pg_dump = _tool("pg_dump")
    os.umask(0o077)  # the dump holds ciphertext and metadata: for the backup operator only
    dest = dest.resolve()
    dest.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = (now or datetime.datetime.now(datetime.UTC)).strftime("%Y%m%dT%H%M%SZ")
    dump = dest / f"casusregie-{stamp}.dump"
    manifest_path = manifest_path_for(dump)
    partial = dest / f".{dump.name}.partial"
    if dump.exists() or manifest_path.exists():
        raise BackupError(f"Geweigerd: {dump} bestaat al.", status=REFUSED)
    keys = configured_fingerprints()
    started = time.monotonic()
    say(f"Back-up van database {target.name} naar {dump}")
    import psycopg

    with target.connect() as connection:
        connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        connection.read_only = True
        with connection.cursor() as cursor:
            # One snapshot for the facts below and for pg_dump: the head recorded is the dump's.
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot, server_version = cursor.fetchone()
            migrations = _migrations(cursor)
            chain = _chain_head(cursor)
            triggers = _triggers(cursor)
            used_ids = _key_ids_in_use(cursor)
            missing = sorted(set(used_ids) - set(keys["encryption_keys"]))
            if missing:
                raise BackupError(
                    f"De database bevat gegevens onder sleutel(s) {', '.join(missing)} die niet "
                    "in ENCRYPTION_KEYS staan; zo'n back-up is niet terug te lezen."
                )
            try:
                result = subprocess.run(  # noqa: S603 - pg_dump with fixed arguments
                    [
                        pg_dump,
                        "--format=custom",
                        "--no-password",
                        f"--snapshot={snapshot}",
                        f"--file={partial}",
                        f"--dbname={target.conninfo}",
                    ],
                    env=target.tool_env(),
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if result.returncode != 0:
                    raise BackupError(f"pg_dump mislukt:\n{result.stderr.strip()}")
                listed = subprocess.run(  # noqa: S603 - pg_restore --list of our own file
                    [_tool("pg_restore"), "--list", str(partial)],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if listed.returncode != 0:
                    raise BackupError(f"De dump is niet leesbaar:\n{listed.stderr.strip()}")
                _fsync(partial)
                checksum = _sha256(partial)
                size = partial.stat().st_size
                partial.replace(dump)
            finally:
                partial.unlink(missing_ok=True)
        connection.rollback()
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "created_at": stamp,
        "database": target.name,
        "server_version": server_version,
        "dump": {"file": dump.name, "sha256": checksum, "bytes": size},
        "migrations": migrations,
        "audit_chain": chain,
        "triggers": triggers,
        "encryption_key_ids_in_use": used_ids,
        "keys": keys,
        "mode": settings.MODE,
    }
    manifest["signature"] = sign(manifest, settings.AUDIT_KEY)
    _write_private(
        manifest_path, (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8")
    )
    say(f"  dump: {size} bytes, sha256 {checksum}")
    say(f"  manifest: {manifest_path}")
    say(
        f"  {migrations['applied']} migraties, auditketen kop {chain['head_seq']} "
        f"({chain['events']} gebeurtenissen), sleutel-id's in gebruik: "
        f"{', '.join(used_ids) or 'geen'}"
    )
    say(f"Back-up klaar in {time.monotonic() - started:.1f} s.")
    say(
        "De sleutels zitten niet in deze back-up: bewaar ze apart (kluis/KMS), anders is de "
        "back-up onleesbaar."
    )
    return manifest_path


# --- restore -------------------------------------------------------------------------------


def load_manifest(path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(
            f"Geweigerd: het manifest {path} ontbreekt (geef het op met --manifest).",
            status=REFUSED,
        ) from None
    except (OSError, ValueError) as error:
        raise BackupError(
            f"Geweigerd: manifest {path} onleesbaar ({error}).", status=REFUSED
        ) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(
            f"Geweigerd: {path} is geen manifest van het formaat {FORMAT}.", status=REFUSED
        )
    return manifest


def check_before_restore(dump: Path, manifest: Mapping[str, Any], target: PgTarget) -> None:
    """Everything that can be known before writing: refuse (status 2) on any doubt."""
    from django.conf import settings

    if not dump.is_file():
        raise BackupError(f"Geweigerd: {dump} bestaat niet.", status=REFUSED)
    if dump.name != manifest["dump"]["file"]:
        raise BackupError(
            f"Geweigerd: het manifest hoort bij {manifest['dump']['file']}, niet bij {dump.name}.",
            status=REFUSED,
        )
    checksum = _sha256(dump)
    if checksum != manifest["dump"]["sha256"]:
        raise BackupError(
            f"Geweigerd: het controlegetal (sha256) van {dump.name} klopt niet met het manifest; "
            "de dump is beschadigd of gewijzigd.",
            status=REFUSED,
        )
    say(f"  controlegetal van de dump klopt (sha256 {checksum[:16]}…)")
    problems, warnings = compare_keys(
        manifest["keys"], configured_fingerprints(), manifest["encryption_key_ids_in_use"]
    )
    if problems:
        raise BackupError(
            "Geweigerd, er is niets hersteld: de ingestelde sleutels passen niet bij de "
            "back-up.\n" + "\n".join(f"  - {p}" for p in problems),
            status=REFUSED,
        )
    if not signature_ok(manifest, settings.AUDIT_KEY):
        raise BackupError(
            "Geweigerd: de handtekening van het manifest klopt niet; het is gewijzigd.",
            status=REFUSED,
        )
    for warning in warnings:
        say(f"  let op: {warning}")
    say(
        "  sleutels passen bij de back-up: AUDIT_KEY, INDEX_KEY, ENCRYPTION_KEYS ("
        + (", ".join(manifest["encryption_key_ids_in_use"]) or "geen gegevens")
        + ")"
    )
    import psycopg

    try:
        with target.connect() as connection, connection.cursor() as cursor:
            found = _user_relations(cursor)
    except psycopg.OperationalError as error:
        raise BackupError(
            f"Geweigerd: database {target.name} is niet bereikbaar ({str(error).strip()}). "
            "Maak eerst een lege database (createdb).",
            status=REFUSED,
        ) from None
    if found:
        raise BackupError(
            f"Geweigerd: database {target.name} is niet leeg (onder meer {', '.join(found)}). "
            "Herstel alleen in een nieuwe, lege database.",
            status=REFUSED,
        )
    say(f"  database {target.name} is leeg")


def check_after_restore(manifest: Mapping[str, Any], target: PgTarget) -> list[str]:
    """The checks on the restored database; returns the failures (empty: all well)."""
    from django.core.management import call_command
    from django.core.management.base import CommandError
    from django.db import connection as django_connection
    from django.db.migrations.executor import MigrationExecutor

    failures: list[str] = []
    with target.connect() as connection, connection.cursor() as cursor:
        triggers = _triggers(cursor)
        if triggers != manifest["triggers"]:
            failures.append(
                f"triggers verschillen: verwacht {manifest['triggers']}, gevonden {triggers}"
            )
        else:
            say(f"  triggers als bij de back-up: {', '.join(triggers) or 'geen'}")
        checked, problems = _sequence_problems(cursor)
        failures += problems
        if not problems:
            say(f"  reeksen (sequences) lopen voorbij de hoogste waarde: {checked} gecontroleerd")
        migrations = _migrations(cursor)
        if migrations != manifest["migrations"]:
            failures.append("de toegepaste migraties verschillen van het manifest")
        cursor.execute("ANALYZE")
        connection.commit()

    executor = MigrationExecutor(django_connection)
    unknown = sorted(
        f"{app}.{name}"
        for app, name in executor.loader.applied_migrations
        if (app, name) not in executor.loader.graph.nodes
    )
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if unknown:
        failures.append(
            "de back-up is nieuwer dan deze code (migraties die de code niet kent: "
            f"{', '.join(unknown[:5])}); herstel met de versie van de back-up"
        )
    elif pending:
        say(
            f"  let op: {len(pending)} migratie(s) van deze nieuwere code staan nog open "
            f"({', '.join(f'{m.app_label}.{m.name}' for m, _ in pending[:5])}); voer "
            "manage.py migrate uit voordat de dienst start"
        )
    else:
        say("  migraties: alles toegepast (manage.py migrate --check)")

    output = io.StringIO()
    try:
        call_command("audit_verify", "--from-start", "--no-progress", stdout=output)
    except CommandError as error:
        failures.append(f"auditketen: {error}")
    else:
        say(f"  {output.getvalue().strip()}")
        with target.connect() as connection, connection.cursor() as cursor:
            head = _chain_head(cursor)
        expected = manifest["audit_chain"]
        if (head["head_seq"], head["head_hash"]) != (expected["head_seq"], expected["head_hash"]):
            failures.append(
                f"kop van de auditketen {head['head_seq']} ({head['head_hash'][:16]}…) is niet "
                f"die van de back-up {expected['head_seq']} ({expected['head_hash'][:16]}…)"
            )
        else:
            say(f"  kop van de auditketen gelijk aan de back-up: {head['head_seq']}")
    failures += _decrypt_probe()
    return failures


def _decrypt_probe() -> list[str]:
    """Decrypt one stored value per encrypted field of every model that has one."""
    from django.db.models import Q

    from core.exceptions import DecryptionError
    from core.rotation import encrypted_targets

    values = 0
    failures = []
    for target in encrypted_targets():
        for field in target.fields:
            row = (
                target.model._default_manager.filter(
                    Q(**{f"{field.name}__isnull": False}) & ~Q(**{field.name: ""})
                )
                .only("pk", field.name)
                .order_by()
                .first()
            )
            if row is None:
                continue
            try:
                getattr(row, field.name)
            except DecryptionError as error:
                failures.append(f"{target.label}.{field.name} niet te ontsleutelen: {error}")
            else:
                values += 1
    if not failures:
        say(f"  versleutelde gegevens leesbaar: {values} velden met een waarde ontsleuteld")
    return failures


def restore(dump: Path, manifest_path: Path | None = None) -> None:
    manifest = load_manifest(manifest_path or manifest_path_for(dump))
    target = PgTarget.from_settings()
    pg_restore = _tool("pg_restore")
    say(f"Herstel van {dump.name} ({manifest['created_at']}) in database {target.name}")
    check_before_restore(dump, manifest, target)
    started = time.monotonic()
    result = subprocess.run(  # noqa: S603 - pg_restore with fixed arguments
        [
            pg_restore,
            "--no-owner",
            "--exit-on-error",
            "--single-transaction",
            "--no-password",
            f"--dbname={target.conninfo}",
            str(dump),
        ],
        env=target.tool_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(
            f"pg_restore mislukt; de transactie is teruggedraaid:\n{result.stderr.strip()}"
        )
    say(f"  pg_restore klaar ({time.monotonic() - started:.1f} s)")
    failures = check_after_restore(manifest, target)
    if failures:
        raise BackupError(
            "Herstel NIET in orde; gebruik deze database niet (gooi hem weg en zoek de "
            "oorzaak):\n" + "\n".join(f"  - {f}" for f in failures)
        )
    say("Herstel geslaagd.")


# --- command line --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m core.backup",
        description="Logische back-up van de database (pg_dump) en gecontroleerd herstel; "
        "zie docs/operations.md.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("backup", help="dump DATABASE_URL met manifest in MAP")
    make.add_argument("dest", type=Path, metavar="MAP")
    back = commands.add_parser("restore", help="herstel DUMP in de lege database DATABASE_URL")
    back.add_argument("dump", type=Path, metavar="DUMP")
    back.add_argument("--manifest", type=Path, help="standaard: DUMP met .manifest.json")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as error:
        print(error, file=sys.stderr)
        return REFUSED
    try:
        if args.command == "backup":
            backup(args.dest)
        else:
            restore(args.dump, args.manifest)
    except (BackupError, ImproperlyConfigured) as error:
        print(error, file=sys.stderr)
        return error.status if isinstance(error, BackupError) else REFUSED
    return 0


if __name__ == "__main__":
    sys.exit(main())
