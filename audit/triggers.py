"""Append-only tables: database triggers that refuse UPDATE and DELETE. On PostgreSQL a
retention purge may delete inside a transaction that sets `casusregie.audit_purge = 'on'`;
SQLite has no session settings, so a purge lifts its delete trigger within the transaction.

Used by migrations: keep the SQL stable."""

from __future__ import annotations

from typing import Any


def postgres(table: str) -> list[str]:
    return [
        f"""
        CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$
        BEGIN
            IF TG_OP = 'DELETE' AND current_setting('casusregie.audit_purge', true) = 'on' THEN
                RETURN OLD;
            END IF;
            RAISE EXCEPTION '{table} is append-only (% refused)', TG_OP;
        END;
        $$ LANGUAGE plpgsql;
        """,
        f"""
        CREATE TRIGGER {table}_append_only
        BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION {table}_append_only();
        """,
    ]


def sqlite_no_delete(table: str) -> str:
    return (
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only (DELETE refused)'); END;"
    )


def sqlite(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only (UPDATE refused)'); END;",
        sqlite_no_delete(table),
    ]


def drop(table: str, vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};",
            f"DROP FUNCTION IF EXISTS {table}_append_only();",
        ]
    if vendor == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS {table}_no_update;",
            f"DROP TRIGGER IF EXISTS {table}_no_delete;",
        ]
    return []


def create(table: str, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    for sql in {"postgresql": postgres, "sqlite": sqlite}.get(vendor, lambda t: [])(table):
        schema_editor.execute(sql, params=None)


def remove(table: str, schema_editor: Any) -> None:
    for sql in drop(table, schema_editor.connection.vendor):
        schema_editor.execute(sql, params=None)
