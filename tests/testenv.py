"""Loaded by pytest before Django settings (see addopts in pyproject.toml): test mode and a
private folder for this run's SQLite files and embedded Celery broker."""

from __future__ import annotations

import os
import tempfile

os.environ["CASUSREGIE_MODE"] = "test"
os.environ.setdefault("CASUSREGIE_VAR_DIR", tempfile.mkdtemp(prefix="casusregie-test-"))
