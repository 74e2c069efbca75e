"""gunicorn's settings for a container or a process manager:
``gunicorn --config python:config.gunicorn config.wsgi:application``.

Environment: ``PORT`` (8000), ``WEB_CONCURRENCY`` (worker processes, 2), ``WEB_TIMEOUT``
(seconds, 60), ``PROMETHEUS_MULTIPROC_DIR`` (metric files of the workers, emptied at start),
``LOG_FORMAT`` (json unless plain). The app logs every request itself, by route name
(core.metrics), so gunicorn's access log, which would carry paths and query strings, is off.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"  # noqa: S104 - a container's interface
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Restart workers now and then, spread out, to bound the effect of any slow leak.
max_requests = 2000
max_requests_jitter = 200
accesslog = None
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
_format = os.environ.get("LOG_FORMAT", "json")
logconfig_dict: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "core.logformat.JsonFormatter"},
        "plain": {"()": "core.logformat.PlainFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": _format if _format in ("json", "plain") else "json",
        }
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
    },
}


def on_starting(server: Any) -> None:
    """Metric files of a previous run would be counted again: start empty."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        path = Path(folder)
        if path.exists():
            for child in path.iterdir():
                if child.is_dir():
                    shutil.rmtree(child)
                else:
                    child.unlink()
        path.mkdir(parents=True, exist_ok=True)


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
