"""Loaded by pytest before Django settings (see addopts in pyproject.toml): test mode, a
private folder for this run's SQLite files and embedded Celery broker, and compiled
translations (the .mo files are git-ignored; `make` builds them too)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

os.environ["CASUSREGIE_MODE"] = "test"
os.environ.setdefault("CASUSREGIE_VAR_DIR", tempfile.mkdtemp(prefix="casusregie-test-"))

for po in (Path(__file__).resolve().parents[1] / "locale").glob("*/LC_MESSAGES/django.po"):
    mo = po.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        with po.open("rb") as source:
            catalog = read_po(source)
        partial = mo.with_suffix(f".{os.getpid()}.tmp")  # parallel workers: replace atomically
        with partial.open("wb") as target:
            write_mo(target, catalog)
        partial.replace(mo)
