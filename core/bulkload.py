"""COPY rows into a table on PostgreSQL (the benchmarks' seeding): tab-separated lines,
``\\N`` for NULL."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection

NULL = "\\N"


def copy_rows(table: str, columns: str, lines: Iterable[str]) -> None:
    with connection.cursor() as cursor:
        raw: Any = cursor.cursor  # the psycopg cursor
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for line in lines:
                copy.write(line)
